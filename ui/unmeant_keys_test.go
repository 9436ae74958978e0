package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/components/confirm"
)

// Issue 8, kind 2: keys the operator did not mean. Every test here drives the console the
// way the keys arrive from a terminal and counts the RedeployInstance calls that reach
// the backend.

// burst delivers keys the way Bubble Tea v1 delivers one read of the terminal: one
// message after another, with no command of theirs run in between. The commands run
// afterwards, their messages fed back, as the program would.
func burst(m *Model, keys ...tea.KeyMsg) {
	var cmds []tea.Cmd
	for _, k := range keys {
		_, cmd := m.Update(k)
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		feed(m, cmd)
	}
}

func paste(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true} }

// Pasting "Redeploy\n" on a plain Running row: R opened the dialog, its l moved the focus
// to Redeploy and the newline pressed it.
func TestPastedTextIsNeverAKey(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []tea.KeyMsg
	}{
		// tmux paste-buffer without bracketed paste: the letters arrive as one message.
		{"plain paste", []tea.KeyMsg{runes("Redeploy"), keyEnter}},
		{"bracketed paste", []tea.KeyMsg{paste("Redeploy\n")}},
		{"bracketed paste then enter", []tea.KeyMsg{paste("Redeploy"), keyEnter}},
		// Bubble Tea cuts a paste at spaces and control keys: "x R<tab><enter>" brings a
		// lone R, then tab and enter, in the same read.
		{"single R inside a paste", []tea.KeyMsg{runes("x"), keySpace, runes("R"), keyTab, keyEnter}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			m := ready(t, h)
			filterTo(m, idPlain)
			burst(m, c.keys...)
			if n := h.backend.redeploys.Load(); n != 0 {
				t.Fatalf("a paste reached the backend %d times", n)
			}
			if h.row(idPlain).InProgress {
				t.Fatal("a paste left the row in progress")
			}
		})
	}
}

// A burst used to be split into single keys outside text fields: "jjj" moved three rows
// and "k/web" moved, then filtered. A typed key is one rune per message; a burst is text.
func TestBurstIsTextNotKeys(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	first := m.list.Current()
	press(m, runes("jjj"))
	if m.list.Current() != first {
		t.Fatalf("the burst \"jjj\" moved the cursor to %s", m.list.Current().Inst.ID)
	}
	press(m, runes("k/web"))
	if m.mode != modeList || m.list.Filter() != "" {
		t.Fatalf("a burst acted as keys: mode %d filter %q", m.mode, m.list.Filter())
	}
	// The filter is a text field: a paste there is its text.
	press(m, runes("/"), paste("web-prod"), keyEnter)
	if m.list.Filter() != "web-prod" {
		t.Fatalf("a paste into the filter gave %q", m.list.Filter())
	}
}

// The help overlay scrolls with j and quits with q; a pasted "jjjq" does neither.
func TestBurstInTheHelpOverlayDoesNothing(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	press(m, runes("?"))
	_, cmd := m.Update(runes("jjjq"))
	if m.overlay.Offset() != 0 || quits(cmd) || m.mode != modeHelp {
		t.Fatalf("a burst in the help overlay acted: offset %d quit %v mode %d", m.overlay.Offset(), quits(cmd), m.mode)
	}
}

// In the detail pane R opens the dialog too: a paste there must not.
func TestPasteInTheDetailPaneNeverRedeploys(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, keyEnter)
	if m.mode != modeDetail {
		t.Fatal("no detail pane")
	}
	burst(m, runes("Redeploy"), keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("a paste in the detail pane reached the backend %d times", n)
	}
}

// Keys that arrive in the same read as the R that opened the dialog were never read by
// anyone: none of them may confirm it, however the focus moves.
func TestKeysInTheBurstThatOpenedTheDialogCannotConfirm(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []tea.KeyMsg
	}{
		{"tab enter", []tea.KeyMsg{runes("R"), keyTab, keyEnter}},
		{"l enter", []tea.KeyMsg{runes("R"), runes("l"), keyEnter}},
		{"enter held", []tea.KeyMsg{runes("R"), keyTab, keyEnter, keyEnter, keyEnter}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			m := ready(t, h)
			filterTo(m, idPlain)
			burst(m, c.keys...)
			if n := h.backend.redeploys.Load(); n != 0 {
				t.Fatalf("keys of the burst that opened the dialog redeployed (%d calls)", n)
			}
			// Once the dialog has been on screen, the same keys work.
			if m.mode != modeDialog {
				press(m, runes("R"))
			}
			press(m, keyTab, keyEnter)
			if n := h.backend.redeploys.Load(); n != 1 {
				t.Fatalf("after the dialog settled, tab enter gave %d calls, want 1", n)
			}
		})
	}
}

// At 80×11 the local-disk dialog showed its DATA LOSS lines but neither the typed field
// nor the buttons, and typing the id then enter, enter redeployed.
func TestCrampedDialogCannotBeConfirmed(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 11})
	filterTo(m, idLocal)
	press(m, runes("R"))
	if m.mode != modeDialog {
		t.Fatalf("R did not open the dialog: notice %q", m.notice)
	}
	v := m.View()
	if !strings.Contains(v, "make the terminal at least 60x") {
		t.Errorf("a cramped dialog must say how large the terminal must be:\n%s", v)
	}
	press(m, runes(idLocal), keyEnter, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("a dialog that could not show its field and buttons redeployed (%d calls)", n)
	}
	if m.mode == modeDialog {
		t.Fatal("enter on a cramped dialog must cancel it")
	}

	// Armed on a large screen, then the terminal shrinks: enter cancels.
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(m, runes("R"), keyTab, runes(idLocal), keyEnter)
	if m.dialog == nil || m.dialog.Focus() != confirm.FocusConfirm {
		t.Fatal("the typed id should arm and focus Redeploy at 120x40")
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 11})
	press(m, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("enter after the terminal shrank redeployed (%d calls)", n)
	}

	// Every size at which the dialog is shown whole confirms as before.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(m, runes("R"), keyTab, runes(idLocal), keyEnter, keyEnter)
	if n := h.backend.redeploys.Load(); n != 1 {
		t.Fatalf("at 80x24 the armed dialog gave %d calls, want 1", n)
	}
}

// selectRows selects each id with space, clearing the filter after each.
func selectRows(m *Model, ids ...string) {
	for _, id := range ids {
		filterTo(m, id)
		press(m, keySpace, keyEsc)
	}
}

// Two local-disk rows selected, then a filter that shows a third: R offered to redeploy
// the two hidden rows, listed by id only, armed by typing 2.
func TestRActsOnlyOnRowsTheFilterShows(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	selectRows(m, idLocal, idFailing)
	if m.list.Selected() != 2 {
		t.Fatalf("%d selected", m.list.Selected())
	}
	filterTo(m, idPlain)
	press(m, runes("R"))
	if m.dialog != nil {
		for _, r := range m.dialog.Targets() {
			if r.Inst.ID != idPlain {
				t.Errorf("the dialog targets %s, which the filter hides", r.Inst.ID)
			}
		}
	}
	press(m, keyTab, runes("2"), keyEnter, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("hidden rows were redeployed (%d calls)", n)
	}
	if !strings.Contains(m.notice, "hidden by the filter") {
		t.Fatalf("the refusal must say the selection is hidden, notice %q", m.notice)
	}
	if m.list.Selected() != 2 {
		t.Fatal("the refusal must keep the selection")
	}
}

// A filter that shows one of two selected rows: R acts on the one shown and the dialog
// names the other as left out.
func TestDialogNamesSelectedRowsTheFilterLeavesOut(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	selectRows(m, idLocal, idFailing)
	filterTo(m, "kafka-prod-042")
	press(m, runes("R"))
	if m.mode != modeDialog {
		t.Fatalf("no dialog; notice %q", m.notice)
	}
	if ids := targetIDs(m.dialog.Targets()); !slices.Equal(ids, []string{idLocal}) {
		t.Fatalf("targets %v, want just %s", ids, idLocal)
	}
	v := m.View()
	if !strings.Contains(v, "left out") || !strings.Contains(v, idFailing) || !strings.Contains(v, "hdfs-dn-prod-310") {
		t.Fatalf("the dialog must name the hidden selected row as left out:\n%s", v)
	}
	press(m, keyTab, runes(idLocal), keyEnter, keyEnter)
	if n := h.backend.redeploys.Load(); n != 1 {
		t.Fatalf("backend saw %d redeploys, want 1", n)
	}
	if !h.row(idLocal).InProgress || h.row(idFailing).InProgress {
		t.Fatalf("want just %s in progress", idLocal)
	}
}

// A batch dialog lists each target with its id and its name.
func TestBatchDialogListsEachTargetWithItsName(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	press(m, runes("/"), runes("cn-hangzhou-h"), keyEnter, keySpace, keySpace, keySpace)
	press(m, runes("R"))
	if m.mode != modeDialog || !m.dialog.Batch() {
		t.Fatalf("no batch dialog; notice %q", m.notice)
	}
	v := m.View()
	for _, r := range m.dialog.Targets() {
		if !strings.Contains(v, r.Inst.ID) || !strings.Contains(v, r.Inst.Name) {
			t.Errorf("target %s (%s) not named:\n%s", r.Inst.ID, r.Inst.Name, v)
		}
	}
}

// R in the detail pane acts on the pane's instance, never on a selection behind it.
func TestRInTheDetailPaneActsOnItsInstanceOnly(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	selectRows(m, idStopped)
	filterTo(m, idPlain)
	press(m, keyEnter, runes("R"))
	if m.mode != modeDialog {
		t.Fatalf("no dialog; notice %q", m.notice)
	}
	if ids := targetIDs(m.dialog.Targets()); !slices.Equal(ids, []string{idPlain}) {
		t.Fatalf("targets %v, want just %s", ids, idPlain)
	}
}

// A refresh that changes what the dialog says while it is open (the instance stopped)
// must not let a key pressed for the old text confirm the new one.
func TestDialogChangedByARefreshStartsOverAtCancel(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab)
	if m.dialog == nil || m.dialog.Focus() != confirm.FocusConfirm {
		t.Fatal("tab should reach Redeploy")
	}
	s := *h.view.Snapshot()
	s.Rows = slices.Clone(s.Rows)
	for i, r := range s.Rows {
		if r.Inst.ID == idPlain {
			in := *r.Inst
			in.Status = "Stopped"
			nr := *r
			nr.Inst = &in
			s.Rows[i] = &nr
		}
	}
	m.Update(snapshotMsg{&s})
	burst(m, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("enter confirmed a dialog whose consequences changed under it (%d calls)", n)
	}
}

func targetIDs(rows []*fleet.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Inst.ID)
	}
	return out
}

// The dialog says SubmitMsg; a refresh that closes the dialog (its target went in progress
// elsewhere) before the root reads it must win: a closed dialog's word proves nothing.
func TestSubmitFromADialogARefreshClosedIsDropped(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab)
	_, said := m.Update(keyEnter) // SubmitMsg, not yet delivered
	s := *h.view.Snapshot()
	s.Rows = slices.Clone(s.Rows)
	for i, r := range s.Rows {
		if r.Inst.ID == idPlain {
			nr := *r
			nr.InProgress = true
			s.Rows[i] = &nr
		}
	}
	m.Update(snapshotMsg{&s})
	if m.dialog != nil {
		t.Fatal("a target in progress elsewhere must close the dialog")
	}
	// The user opens R again on another row before the old word arrives.
	press(m, keyEsc, keyEsc) // the note that the dialog went, then the filter
	filterTo(m, idStopped)
	press(m, runes("R"))
	feed(m, said)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("a closed dialog's SubmitMsg reached the backend (%d calls)", n)
	}
	if m.dialog == nil || m.dialog.Targets()[0].Inst.ID != idStopped {
		t.Fatalf("the dialog open now must be left as it is: mode %d notice %q", m.mode, m.notice)
	}
}

// keyClock is a clock for Deps.KeyClock that a test steps between keys.
type keyClock struct{ at time.Time }

func (c *keyClock) now() time.Time { return c.at }

// Issue 22: a plain tmux paste-buffer of "\rR" (no brackets) arrives as enter, then R,
// 50 µs apart: it opened the detail pane and then the redeploy dialog. Keys that come
// faster than anyone types are text, not keys; the same keys typed open the dialog.
func TestUnbracketedPasteBurstIsText(t *testing.T) {
	for _, c := range []struct {
		name   string
		gap    time.Duration
		dialog bool
	}{
		{"pasted", 50 * time.Microsecond, false},
		{"typed", 120 * time.Millisecond, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			m := ready(t, h)
			filterTo(m, idPlain)
			clk := &keyClock{at: sim.Epoch}
			m.deps.KeyClock = clk.now
			for _, k := range []tea.KeyMsg{keyEnter, runes("R")} {
				clk.at = clk.at.Add(c.gap)
				// Even with the first key's command run before the next arrives.
				_, cmd := m.Update(k)
				feed(m, cmd)
			}
			if got := m.mode == modeDialog; got != c.dialog {
				t.Fatalf("dialog open %v, want %v (mode %d, notice %q)", got, c.dialog, m.mode, m.notice)
			}
			if !c.dialog && m.notice != burstNotice && !strings.Contains(m.notice, "pasted text") {
				t.Errorf("the burst was dropped without a word: %q", m.notice)
			}
		})
	}
	// In a burst, enter is not a key: it neither opens the detail pane nor confirms.
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	clk := &keyClock{at: sim.Epoch}
	m.deps.KeyClock = clk.now
	m.Update(runes("j"))
	clk.at = clk.at.Add(time.Millisecond)
	m.Update(keyEnter)
	if m.mode != modeList || m.notice != burstNotice {
		t.Errorf("enter 1 ms after j: mode %d, notice %q", m.mode, m.notice)
	}
	clk.at = clk.at.Add(time.Second)
	m.Update(runes("/"))
	clk.at = clk.at.Add(time.Second)
	m.Update(runes("w"))
	clk.at = clk.at.Add(time.Millisecond)
	m.Update(runes("e"))
	if m.list.Filter() != "we" {
		t.Errorf("a burst of runes in the filter is its text: filter %q", m.list.Filter())
	}
	// esc is never held back: it only cancels.
	clk.at = clk.at.Add(time.Millisecond)
	m.Update(keyEsc)
	if m.list.Filtering() {
		t.Error("esc in a burst did not close the filter")
	}
}
