package ui

import (
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// Issue 20: the dialog decides on fresh facts. A redeploy started elsewhere after the last
// listing, and before any refresh, is found by the re-read the dialog asks for when it
// opens: the dialog closes without ever arming, and says why.
func TestTheDialogsRereadFindsARedeployStartedElsewhere(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	if _, err := h.engine.Redeploy("cn-hangzhou", idPlain, false); err != nil {
		t.Fatal(err)
	}
	before := h.backend.redeploys.Load()
	press(m, runes("R"))
	if m.mode != modeDialogGone || m.dialog != nil || !strings.Contains(m.notice, idPlain) {
		t.Fatalf("mode %d, notice %q: the dialog must close on what the re-read found", m.mode, m.notice)
	}
	press(m, keyTab, keyEnter, keyEnter)
	if h.backend.redeploys.Load() != before {
		t.Fatal("a redeploy was sent for an instance being redeployed elsewhere")
	}
}

// While the dialog is open the hub reads its target on every look for new events; once it
// closes, no longer.
func TestAnOpenDialogIsWatched(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"))
	if m.mode != modeDialog || !m.dialog.Fresh() {
		t.Fatalf("mode %d: the dialog should be open and read again", m.mode)
	}
	if !strings.Contains(m.View(), "as read from ECS 0s ago") {
		t.Fatalf("the dialog does not say how old it is:\n%s", m.View())
	}
	if m.unwatch == nil || m.watching != m.dialog {
		t.Fatal("the open dialog's target is not watched")
	}
	press(m, keyEsc)
	if m.dialog != nil || m.unwatch != nil {
		t.Fatal("the closed dialog is still watched")
	}
}

// Issue 20: the header says how fresh each kind of data is — new events, the full
// listing — and marks the one that is late.
func TestTheHeaderSaysHowFreshEachKindIs(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	if v := m.headerLine(); !strings.Contains(v, "new 0s · listed 0s ago") || strings.Contains(v, "STALE") {
		t.Fatalf("a fresh header: %q", v)
	}
	// A minute without a look for new events: that kind is late, the listing is not.
	h.clock.Advance(time.Minute)
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.headerLine(); !strings.Contains(v, "new 1m · listed 1m ago") || !strings.Contains(v, "STALE NEW") || strings.Contains(v, "STALE │") {
		t.Fatalf("after a minute without news: %q", v)
	}
	// A look for new events; the listing is five minutes old, more than two periods.
	h.clock.Advance(4 * time.Minute)
	if err := h.view.CheckNew(t.Context()); err != nil {
		t.Fatal(err)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.headerLine(); !strings.Contains(v, "new 0s · listed 5m ago") || !strings.Contains(v, "STALE") || strings.Contains(v, "STALE NEW") {
		t.Fatalf("after five minutes without a listing: %q", v)
	}
	// ECS answers Throttling: the console slows down and says so.
	h.clock.Advance(time.Minute)
	h.engine.SetFaults(sim.Faults{ThrottleRate: 1, Actions: []string{"DescribeTasks"}})
	_ = h.view.CheckNew(t.Context())
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.headerLine(); !strings.Contains(v, "THROTTLED: slower refresh") {
		t.Fatalf("after a Throttling: %q", v)
	}
}
