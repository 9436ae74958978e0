package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/components/confirm"
)

// ready builds a console at 120×40 that has seen the first snapshot.
func ready(t *testing.T, h *harness) *Model {
	t.Helper()
	m := h.model()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	return m
}

// press sends keys and runs the commands they return, feeding their messages back.
// With Tick < 0 no key returns a command that waits (timers, the next snapshot), so the
// bound in run is only a backstop against a hung command, not a sleep tests rely on.
func press(m *Model, keys ...tea.KeyMsg) {
	for _, k := range keys {
		_, cmd := m.Update(k)
		feed(m, cmd)
	}
}

// feed runs cmd and gives its messages to m, and theirs in turn: the components talk to
// the root with messages, as they do under tea.Program.
func feed(m *Model, cmd tea.Cmd) {
	for _, msg := range run(cmd) {
		_, next := m.Update(msg)
		feed(m, next)
	}
}

func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	c := make(chan tea.Msg, 1)
	go func() { c <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-c:
	case <-time.After(10 * time.Second):
		panic("a command returned by a key press did not return")
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, sub := range b {
			out = append(out, run(sub)...)
		}
		return out
	}
	if _, ok := msg.(snapshotMsg); ok || msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// filterTo narrows the list to one instance, so R acts on it.
func filterTo(m *Model, id string) {
	press(m, runes("/"), runes(id), keyEnter)
}

func TestDialogOpensWithCancelFocused(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"))
	if m.mode != modeDialog || m.dialog == nil {
		t.Fatalf("R did not open the dialog (mode %d, notice %q)", m.mode, m.notice)
	}
	if m.dialog.Focus() != confirm.FocusCancel {
		t.Fatalf("focus %d, want Cancel", m.dialog.Focus())
	}
	if v := m.View(); !strings.Contains(v, "> Cancel <") {
		t.Fatalf("Cancel not shown focused:\n%s", v)
	}
}

func TestEscAndEnterOnCancelNeverRedeploy(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	for _, k := range []tea.KeyMsg{keyEsc, keyEnter} {
		press(m, runes("R"))
		if m.mode != modeDialog {
			t.Fatal("no dialog")
		}
		press(m, k)
		if m.mode != modeList || m.dialog != nil {
			t.Fatalf("%s left the dialog open", k)
		}
	}
	// Cancel is focused again after moving away and back.
	press(m, runes("R"), keyTab, keyTab, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("backend saw %d redeploys, want none", n)
	}
	if h.row(idPlain).InProgress {
		t.Fatal("nothing should be in progress")
	}
}

func TestDestructiveRedeployNeedsTheTypedID(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idLocal)
	press(m, runes("R"))
	if !m.dialog.Destructive() {
		t.Fatal("local disks must make the dialog destructive")
	}
	// Straight to the button and enter: not armed, nothing happens.
	press(m, keyTab, keyTab, keyEnter)
	if m.mode != modeDialog || h.backend.redeploys.Load() != 0 {
		t.Fatal("an unarmed Redeploy must not confirm")
	}
	// A wrong id, even as a pasted burst, does not arm it.
	press(m, keyTab, runes("i-bp1localssd000000002"), keyEnter, keyTab, keyEnter)
	if m.mode != modeDialog || h.backend.redeploys.Load() != 0 {
		t.Fatal("a wrong id must not arm Redeploy")
	}
	press(m, keyShiftTab, keyCtrlU) // back to the field, and clear it
	press(m, runes(idLocal), keyEnter)
	if m.dialog.Focus() != confirm.FocusConfirm {
		t.Fatalf("the typed id should arm and focus Redeploy, focus %d", m.dialog.Focus())
	}
	press(m, keyEnter)
	if n := h.backend.redeploys.Load(); n != 1 {
		t.Fatalf("backend saw %d redeploys, want 1", n)
	}
}

func TestForceStopMakesAPlainRedeployDestructive(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"))
	if m.dialog.ForceStop() || m.dialog.Destructive() {
		t.Fatal("ForceStop must start off and a plain Running redeploy is not destructive")
	}
	press(m, runes("f"))
	if !m.dialog.ForceStop() || !m.dialog.Destructive() || m.dialog.Armed() {
		t.Fatal("ForceStop on must require the typed id")
	}
	if v := m.View(); !strings.Contains(v, "pulling the power") {
		t.Fatalf("ForceStop warning missing:\n%s", v)
	}
	press(m, keyTab, keyTab, keyEnter)
	if h.backend.redeploys.Load() != 0 {
		t.Fatal("ForceStop redeploy confirmed without the id")
	}
}

func TestSecondRedeployOnInProgressDoesNothing(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	release := h.holdRedeploys()
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab)
	if m.dialog.Focus() != confirm.FocusConfirm {
		t.Fatal("tab should reach Redeploy")
	}
	// Confirm, and hold the call unanswered: the hub marks the row submitting at once, and
	// the row must say IN PROGRESS from the next snapshot.
	answered := confirmHeld(m)
	h.awaitCall()
	m.Update(snapshotMsg{h.view.Snapshot()})
	if !strings.Contains(m.View(), "IN PROGRESS") {
		t.Fatal("row should show IN PROGRESS while its call is unanswered")
	}
	press(m, runes("R"))
	if m.mode == modeDialog {
		t.Fatal("second R on an in-progress instance opened a dialog")
	}
	release()
	for _, msg := range <-answered {
		m.Update(msg)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	press(m, runes("R"))
	if m.mode == modeDialog {
		t.Fatal("R after the fleet reported the task opened a dialog")
	}
	if n := h.backend.redeploys.Load(); n != 1 {
		t.Fatalf("backend saw %d redeploys, want 1", n)
	}
}

func TestBlockedInstanceOpensNoDialogAndSaysWhy(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idLocked)
	press(m, runes("R"))
	if m.mode != modeList {
		t.Fatal("a blocked instance must not open the dialog")
	}
	if !strings.Contains(m.notice, "InstanceLockedForSecurity") {
		t.Fatalf("notice %q does not say why", m.notice)
	}
}

func TestReadOnlyNeverReachesTheBackend(t *testing.T) {
	h := newHarness(t, sim.Options{}, true)
	m := ready(t, h)
	filterTo(m, idPlain)
	for _, k := range []tea.KeyMsg{runes("R"), keySpace} {
		m.notice = ""
		press(m, k)
		if m.mode != modeList || !strings.Contains(m.notice, "read-only: redeploy is disabled (test (viewer) cannot redeploy") {
			t.Fatalf("%q in a read-only console must answer in one line, notice %q", k, m.notice)
		}
	}
	press(m, keyTab, keyEnter, keyEnter)
	// Even a dialog forced open cannot get through: the guard refuses in one place.
	d, settle := confirm.New(m.common(), []*fleet.Row{m.list.Current()}, nil, nil)
	m.dialog, m.mode = d, modeDialog
	m.Update(settle())
	press(m, keyTab, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("read-only console reached the backend %d times", n)
	}
	v := m.View()
	if !strings.Contains(v, "READ-ONLY") || strings.Contains(v, "R redeploy") {
		t.Fatalf("read-only screen should say READ-ONLY and hide R:\n%s", v)
	}
	if !strings.Contains(m.notice, backend.CodeForbiddenRole) {
		t.Fatalf("the refusal should be shown, notice %q", m.notice)
	}
}

func TestBatchNeedsTheCountTyped(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	press(m, runes("/"), runes("cn-hangzhou-h"), keyEnter)
	press(m, keySpace, keySpace, keySpace)
	if m.list.Selected() != 3 {
		t.Fatalf("%d selected", m.list.Selected())
	}
	press(m, runes("R"))
	if m.mode != modeDialog || !m.dialog.Batch() {
		t.Fatalf("no batch dialog; notice %q", m.notice)
	}
	n := len(m.dialog.Targets())
	press(m, keyTab, runes(common.Itoa(n+1)), keyEnter, keyTab, keyEnter)
	if h.backend.redeploys.Load() != 0 {
		t.Fatal("a wrong count armed the batch")
	}
	press(m, keyShiftTab, keyCtrlU)
	// The batch wipes a local disk (hdfs-dn-dev-743): the count alone does not arm it.
	press(m, runes(common.Itoa(n)), keyEnter, keyTab, keyEnter)
	if h.backend.redeploys.Load() != 0 {
		t.Fatal("the count alone armed a batch that wipes local disks")
	}
	press(m, keyShiftTab, keyCtrlU)
	press(m, runes(common.Itoa(n)+" wipe"), keyEnter, keyEnter)
	if got := h.backend.redeploys.Load(); int(got) != n {
		t.Fatalf("backend saw %d redeploys, want %d", got, n)
	}
}

func TestResizeNeverOverflows(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	for _, size := range [][2]int{{120, 40}, {80, 24}, {60, 20}, {30, 8}, {200, 60}, {1, 1}} {
		for _, mode := range []func(){
			func() {},
			func() { press(m, keyEnter) },
			func() { press(m, runes("?")) },
			func() { filterTo(m, idPlain); press(m, runes("R")) },
			func() { press(m, runes("t")) },
		} {
			m.mode = modeList
			m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			mode()
			lines := strings.Split(m.View(), "\n")
			if len(lines) > size[1] {
				t.Errorf("%dx%d mode %d: %d lines", size[0], size[1], m.mode, len(lines))
			}
			// Every screen that fits keeps its header on top and its key hints at the bottom.
			if size[1] >= 8 && (!strings.Contains(lines[0], "(operator)") || lines[len(lines)-1] != m.footerLine()) {
				t.Errorf("%dx%d mode %d: first line %q, last line %q", size[0], size[1], m.mode, lines[0], lines[len(lines)-1])
			}
			press(m, keyEsc)
			press(m, keyEsc)
			for _, l := range lines {
				if w := lipgloss.Width(l); w > size[0] {
					t.Errorf("%dx%d mode %d: line of %d columns: %q", size[0], size[1], m.mode, w, l)
				}
			}
		}
	}
}

func TestBackendErrorsAreOneLineNotices(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	h.engine.SetFaults(sim.Faults{ServerErrorRate: 1})
	if err := h.view.Refresh(t.Context()); err == nil {
		t.Fatal("refresh should fail")
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	v := m.View()
	for _, want := range []string{"STALE", "InternalError", "RequestId", idPlain} {
		if !strings.Contains(v, want) {
			t.Errorf("screen after a failed refresh lacks %q:\n%s", want, v)
		}
	}
	// A refused redeploy: the row is released and the code and RequestId shown.
	h.engine.SetFaults(sim.Faults{ThrottleRate: 1})
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	if !strings.Contains(m.notice, "Throttling") || !strings.Contains(m.notice, "RequestId") || strings.Contains(m.notice, "\n") {
		t.Fatalf("notice %q", m.notice)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	if h.row(idPlain).InProgress || m.list.Current().InProgress {
		t.Fatal("a refused redeploy must not leave the row in progress")
	}
}

func TestFilterMatchesWhatTheListShows(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	for _, c := range []struct {
		query string
		has   string
	}{
		{"maint.redeploy kafka-prod-042", idLocal}, // the short event name the list shows
		{"SystemMaintenance.Redeploy web-prod-001", idPlain},
		{"security lock api-prod-013", idLocked},
		{"cn-beijing-g stopping", idStopping},
	} {
		press(m, runes("/"), runes(c.query), keyEnter)
		if m.list.Len() != 1 || m.list.Current().Inst.ID != c.has {
			t.Errorf("filter %q kept %d rows, want just %s", c.query, m.list.Len(), c.has)
		}
		press(m, keyEsc)
		if m.list.Len() != len(h.view.Snapshot().Rows) {
			t.Fatalf("esc did not clear filter %q", c.query)
		}
	}
}

func TestCancelFromTheDetailPaneReturnsThere(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, keyEnter, runes("R"))
	if m.mode != modeDialog {
		t.Fatal("R in the detail pane should open the dialog")
	}
	press(m, keyEsc)
	if m.mode != modeDetail {
		t.Fatalf("mode %d after esc, want the detail pane", m.mode)
	}
	press(m, runes("R"), keyTab, keyEnter)
	m.Update(snapshotMsg{h.view.Snapshot()})
	if m.mode != modeList || !strings.Contains(m.View(), "IN PROGRESS") {
		t.Fatal("after confirming, the list should show the row IN PROGRESS")
	}
}

func TestDetailOfAFinishedRedeploySaysNothingIsLeft(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	h.poll(10 * time.Minute)
	m.Update(snapshotMsg{h.view.Snapshot()})
	press(m, keyEnter)
	v := m.View()
	if !strings.Contains(v, "nothing left to do") || strings.Contains(v, "BLOCKED") || !strings.Contains(v, "Finished") {
		t.Fatalf("detail of a finished redeploy:\n%s", v)
	}
}

// An engineer who types or pastes the id without tabbing to the field first must not turn
// ForceStop on with the id's f, nor walk the focus with its h and l.
func TestTypingTheIDWithCancelFocusedFillsTheField(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []tea.KeyMsg
	}{
		{"pasted", []tea.KeyMsg{runes(idFailing)}},
		{"typed", func() (ks []tea.KeyMsg) {
			for _, r := range idFailing {
				ks = append(ks, runes(string(r)))
			}
			return ks
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			m := ready(t, h)
			filterTo(m, idFailing)
			press(m, runes("R"))
			if m.mode != modeDialog || m.dialog.Focus() != confirm.FocusCancel || !m.dialog.Destructive() {
				t.Fatalf("want a destructive dialog with Cancel focused; notice %q", m.notice)
			}
			press(m, c.keys...)
			if m.dialog.ForceStop() {
				t.Fatal("typing the id turned ForceStop on")
			}
			if got := m.dialog.Typed(); got != idFailing {
				t.Fatalf("field holds %q, want %q", got, idFailing)
			}
			press(m, keyEnter, keyEnter)
			if n := h.backend.redeploys.Load(); n != 1 {
				t.Fatalf("backend saw %d redeploys, want 1", n)
			}
		})
	}
}

// A failed redeploy's RequestId is what a support ticket needs: at 80 columns the task
// panel and the detail pane must both show it whole, and the detail its whole reason.
func TestFailedTaskShowsItsRequestIdAt80Columns(t *testing.T) {
	h := newHarness(t, sim.Options{FailureRate: 1}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	h.poll(30 * time.Second)
	h.poll(10 * time.Minute)
	m.Update(snapshotMsg{h.view.Snapshot()})
	task := h.view.Snapshot().Tasks[0]
	if task.Status != "Failed" || task.RequestID == "" || task.FailedReason == "" {
		t.Fatalf("want a failed task with a RequestId and a reason, got %+v", task)
	}
	if v := m.View(); !strings.Contains(v, task.RequestID) {
		t.Errorf("task panel cuts RequestId %s:\n%s", task.RequestID, v)
	}
	press(m, keyEnter)
	v := m.View()
	words := strings.Fields(task.FailedReason)
	if !strings.Contains(v, task.RequestID) || !strings.Contains(v, words[len(words)-1]) {
		t.Errorf("detail pane cuts RequestId %s or reason %q:\n%s", task.RequestID, task.FailedReason, v)
	}
}

// A fleet that never loaded is not a fleet with nothing pending.
func TestHeaderNeverSaysZeroPendingBeforeTheFirstLoad(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(scenario(), clock, sim.Options{Faults: sim.Faults{ServerErrorRate: 1}})
	v := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	m := New(Deps{Fleet: v, Now: clock.Now, Renderer: asciiRenderer(), Tick: -1})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{v.Snapshot()})
	if hd := m.headerLine(); !strings.Contains(hd, "loading…") || strings.HasSuffix(hd, "· ") {
		t.Errorf("header while loading: %q", hd)
	}
	if err := v.Refresh(t.Context()); err == nil {
		t.Fatal("refresh should fail")
	}
	m.Update(snapshotMsg{v.Snapshot()})
	if hd := m.headerLine(); strings.Contains(hd, "0 pending") || !strings.Contains(hd, "not loaded yet") || !strings.Contains(hd, "STALE") {
		t.Errorf("header after a failed first load: %q", hd)
	}
}

func TestHelpProseWrapsOnANarrowTerminal(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 40})
	press(m, runes("?"), runes("G"))
	if v := m.View(); !strings.Contains(v, "id or count typed.") {
		t.Errorf("help prose cut at 80 columns:\n%s", v)
	}
}

// A short terminal drops the dialog's least important sentences whole: never the second
// half of a wrapped one, which left "…, deadline" with no deadline.
func TestShortDialogDropsWholeSentences(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	h.clock.Advance(time.Hour) // idLocal's deadline passes: one more line to fit
	m.Update(clockMsg{})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	filterTo(m, idLocal)
	press(m, runes("R"))
	v := m.View()
	if strings.Contains(v, "answers") && !strings.Contains(v, "overdue 15m") {
		t.Fatalf("half a sentence kept:\n%s", v)
	}
	if !strings.Contains(v, "DATA LOSS") || !strings.Contains(v, "Cancel") {
		t.Fatalf("the consequences and buttons must stay:\n%s", v)
	}
}

// A session that ends must not leave its snapshot wait behind: under serve that is one
// goroutine per closed SSH session.
func TestCloseEndsTheSnapshotWait(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := h.model()
	<-m.sub.C() // the snapshot Subscribe offered: the next wait blocks
	done := make(chan tea.Msg, 1)
	go func() { done <- waitSnapshot(m.sub)() }()
	m.Close()
	select {
	case msg := <-done:
		if msg != nil {
			t.Fatalf("a closed session's wait returned %T, want nil", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close left the snapshot wait blocked")
	}
}

// "a redeploy is already in progress" must not outlive the redeploy; a backend error
// stays until esc.
func TestRefusalsFadeButErrorsStay(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idLocked)
	press(m, runes("R"))
	if s, isErr := m.noticeText(); !isErr || !strings.Contains(s, "InstanceLockedForSecurity") {
		t.Fatalf("refusal %q (error mark %v)", s, isErr)
	}
	h.clock.Advance(noticeFades + time.Second)
	m.Update(clockMsg{})
	if s, _ := m.noticeText(); s != "" {
		t.Fatalf("refusal still shown after %v: %q", noticeFades, s)
	}
	m.redeployDone(redeployDoneMsg{instanceID: idPlain, err: errors.New("connection reset")})
	h.clock.Advance(time.Hour)
	m.Update(clockMsg{})
	if s, _ := m.noticeText(); !strings.Contains(s, "connection reset") {
		t.Fatalf("a backend error faded: %q", s)
	}
}

func TestSelectionForgetsInstancesNoLongerListed(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, keySpace)
	press(m, keyEsc)
	filterTo(m, idStopped)
	press(m, keySpace)
	if m.list.Selected() != 2 {
		t.Fatalf("%d selected, want 2", m.list.Selected())
	}
	// The next snapshot no longer lists idStopped.
	s := *h.view.Snapshot()
	s.Rows = slices.DeleteFunc(slices.Clone(s.Rows), func(r *fleet.Row) bool { return r.Inst.ID == idStopped })
	m.Update(snapshotMsg{&s})
	if m.list.Selected() != 1 || !m.list.IsSelected(idPlain) {
		t.Fatalf("%d selected, want just %s", m.list.Selected(), idPlain)
	}
	if v := m.View(); !strings.Contains(v, "1 selected") {
		t.Fatalf("info line should count 1:\n%s", v)
	}
}

// confirmHeld presses enter on the focused Redeploy and runs the call it asks the hub for
// on its own goroutine, as tea.Program would: its messages come on the channel once the
// call answers.
func confirmHeld(m *Model) <-chan []tea.Msg {
	_, cmd := m.Update(keyEnter)
	var call tea.Cmd
	for _, msg := range run(cmd) {
		_, call = m.Update(msg) // the dialog's SubmitMsg: the root asks the hub
	}
	answered := make(chan []tea.Msg, 1)
	go func() { answered <- run(call) }()
	return answered
}

func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// The hub makes the RedeployInstance call on its own context: q quits at once, and the
// call a session asked for still answers and is tracked.
func TestQuitLeavesAnUnansweredRedeployToTheHub(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	release := h.holdRedeploys()
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab)
	answered := confirmHeld(m)
	h.awaitCall()
	if _, cmd := m.Update(runes("q")); !quits(cmd) {
		t.Fatal("q must quit: the hub owns the call")
	}
	release()
	<-answered
	if r := h.row(idPlain); r.Task == nil || r.State != fleet.StateRunning {
		t.Fatalf("the call of a session that quit was not tracked: state %s task %v", r.State, r.Task)
	}
}

// On 60×20 the help overlay is longer than the screen: j scrolls to its last line.
func TestHelpScrollsOnAShortTerminal(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	press(m, runes("?"))
	last := "id or count typed."
	if strings.Contains(m.View(), last) {
		t.Fatal("the test needs an overlay longer than the screen")
	}
	for range 80 {
		press(m, runes("j"))
	}
	v := m.View()
	if !strings.Contains(v, last) {
		t.Fatalf("j did not reach the end of the help:\n%s", v)
	}
	if lines := strings.Split(v, "\n"); len(lines) != 20 || !strings.Contains(lines[len(lines)-1], "esc back") {
		t.Fatalf("scrolled help broke the screen:\n%s", v)
	}
}

// G in the detail pane shows its end, where the redeploy tasks are, as it does in the list.
func TestDetailGGoesToTheEnd(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 16})
	filterTo(m, idLocal)
	press(m, keyEnter)
	if strings.Contains(m.View(), "none from this console") {
		t.Fatal("the test needs a pane longer than the screen")
	}
	press(m, runes("G"))
	if !strings.Contains(m.View(), "none from this console") {
		t.Fatalf("G did not reach the end:\n%s", m.View())
	}
	press(m, runes("g"))
	if !strings.Contains(m.View(), idLocal+" (kafka-prod-042)") {
		t.Fatalf("g did not go back to the top:\n%s", m.View())
	}
}

// enter on a task goes to its row even when the filter hides it.
func TestTaskEnterFindsAFilteredOutRow(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	m.Update(snapshotMsg{h.view.Snapshot()})
	press(m, keyEsc)
	filterTo(m, idStopped)
	press(m, runes("t"), keyEnter)
	if r := m.list.Current(); m.mode != modeList || r == nil || r.Inst.ID != idPlain {
		t.Fatalf("mode %d, cursor on %v; want the list on %s", m.mode, r, idPlain)
	}
}

// Issue 22: who, the role and the scope stay on a narrow header; the title, "updated"
// and the other counts leave first, in that order. The header measures columns, not
// bytes ("│" and "·" are one column, three and two bytes).
func TestHeaderKeepsWhoAndWhere(t *testing.T) {
	h := newHarness(t, sim.Options{}, true) // READ-ONLY: a mark with a "│" of its own
	m := ready(t, h)
	m.setRegions("cn-shanghai")
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	full := m.headerLine()
	for _, want := range []string{"ECS REDEPLOY", "test (viewer)", "READ-ONLY", "scope cn-shanghai (:region)", "updated"} {
		if !strings.Contains(full, want) {
			t.Fatalf("at 200 columns the header leaves out %q: %q", want, full)
		}
	}
	for _, c := range []struct {
		w        int
		has, not []string
	}{
		{lipgloss.Width(full), []string{"ECS REDEPLOY", "updated"}, nil},
		{80, []string{"test (viewer)", "READ-ONLY", "scope cn-shanghai (:region)", "pending"}, []string{"ECS REDEPLOY", "updated"}},
		{60, []string{"test (viewer)", "READ-ONLY", "cn-shanghai (:region)"}, []string{"ECS REDEPLOY", "in progress"}},
	} {
		m.Update(tea.WindowSizeMsg{Width: c.w, Height: 40})
		got := m.headerLine()
		for _, want := range c.has {
			if !strings.Contains(got, want) {
				t.Errorf("at %d columns the header leaves out %q: %q", c.w, want, got)
			}
		}
		for _, gone := range c.not {
			if strings.Contains(got, gone) {
				t.Errorf("at %d columns the header keeps %q before who and where: %q", c.w, gone, got)
			}
		}
	}
	for w := 1; w <= 120; w++ {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 40})
		if got := m.headerLine(); lipgloss.Width(got) > w {
			t.Errorf("at %d columns the header takes %d: %q", w, lipgloss.Width(got), got)
		}
	}
}

// Enter held after arming (a reviewer's find): the repeats inside the settle window each
// start it over, so the settle the arming enter asked for comes too early and the next
// repeat does not redeploy.
func TestHeldEnterAfterArmingDoesNotRedeploy(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idLocal)
	press(m, runes("R"))
	press(m, runes(idLocal))
	_, settle := m.Update(keyEnter) // arms, focuses Redeploy, unsettles
	for i := 0; i < 5; i++ {
		m.Update(keyEnter) // auto-repeat inside the window; its restarts are not delivered
	}
	feed(m, settle) // the arming enter's 300 ms passed
	_, cmd := m.Update(keyEnter)
	for _, msg := range run(cmd) {
		if _, ok := msg.(confirm.SubmitMsg); ok {
			t.Fatal("a held enter confirmed the redeploy")
		}
	}
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("a held enter sent %d RedeployInstance call(s)", n)
	}
}
