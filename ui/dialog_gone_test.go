package ui

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// inProgress is the hub's snapshot with instance id shown in progress, as another session's
// redeploy makes it.
func inProgress(h *harness, id string) *fleet.Snapshot {
	s := *h.view.Snapshot()
	s.Rows = slices.Clone(s.Rows)
	for i, r := range s.Rows {
		if r.Inst.ID == id {
			nr := *r
			nr.InProgress = true
			s.Rows[i] = &nr
		}
	}
	return &s
}

// A refresh that closes the dialog while an id is being typed (a reviewer's find): the rest
// of the id must not reach the list, where c continues a paused batch, x aborts it, q quits,
// space selects and s sorts. The screen says what happened, swallows every key (a paste
// too) but esc and enter, and only then gives the list its keys back.
func TestKeysAfterARefreshClosedTheDialogAreSwallowed(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(snapshotMsg{withPausedPlan(h.view.Snapshot())}) // a batch waits for c or x
	filterTo(m, idLocal)
	press(m, runes("R"))
	press(m, runes("i"), runes("-"))
	if m.dialog == nil || m.dialog.Typed() != "i-" {
		t.Fatal("typing should fill the dialog's field")
	}
	m.Update(snapshotMsg{withPausedPlan(inProgress(h, idLocal))})
	if m.dialog != nil {
		t.Fatal("a target in progress must close the dialog")
	}
	want := idLocal + " changed while the dialog was open; nothing was done — esc or enter to go on"
	before := m.View()
	if !strings.Contains(before, want) {
		t.Fatalf("the screen should say %q:\n%s", want, before)
	}
	for _, k := range []tea.KeyMsg{runes("c"), runes("x"), runes("q"), keySpace, runes("s"), runes("R"),
		keyTab, {Type: tea.KeyRunes, Runes: []rune("bp1localssd"), Paste: true}} {
		_, cmd := m.Update(k)
		if cmd != nil {
			t.Errorf("%q reached something that answered with a command", k.String())
		}
	}
	if after := m.View(); after != before {
		t.Fatalf("keys typed for the closed dialog changed the screen:\n%s", after)
	}
	press(m, keyEnter)
	if m.mode != modeList || strings.Contains(m.View(), want) {
		t.Fatalf("enter should hand the keyboard back to the list (mode %d)", m.mode)
	}
	if _, cmd := m.Update(runes("c")); cmd == nil {
		t.Fatal("after enter, c should answer the paused batch again")
	}
}

// Esc goes on too, back to where R was pressed.
func TestEscLeavesTheClosedDialogNote(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idLocal)
	press(m, keyEnter) // the detail pane
	if m.mode != modeDetail {
		t.Fatalf("enter should open the detail pane (mode %d)", m.mode)
	}
	press(m, runes("R"))
	m.Update(snapshotMsg{inProgress(h, idLocal)})
	if _, cmd := m.Update(runes("q")); cmd != nil {
		t.Fatal("q typed for the closed dialog answered with a command (quit)")
	}
	press(m, keyEsc)
	if m.mode != modeDetail {
		t.Fatalf("esc should go back to the detail pane (mode %d)", m.mode)
	}
}
