package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// withDrill ends idPlain's own events and gives it one drill (CreateSimulatedSystemEvents)
// due in 40 minutes, so the drill is all it has pending, and lets the hub list it.
func withDrill(t *testing.T, h *harness) string {
	t.Helper()
	in := h.engine.Instances("", []string{idPlain})[0]
	for _, ev := range in.Events {
		if ev.CycleStatus.Pending() {
			if err := h.engine.EndEvent(ev.ID, model.CycleExecuted); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids, err := h.engine.CreateDrills(in.RegionID, model.EventMaintenanceRedeploy, h.clock.Now().Add(40*time.Minute), []string{idPlain})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.view.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ids[0]
}

// Issue 23: a drill row says DRILL, in the list and in the detail pane.
func TestGoldenDrill(t *testing.T) {
	for _, size := range sizes[:2] {
		t.Run(size.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			withDrill(t, h)
			screen(t, h, size.w, size.h, func(tm *teatest.TestModel) { only(tm, idPlain) })
		})
	}
}

func TestGoldenDrillDetail(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	withDrill(t, h)
	screen(t, h, 120, 40, func(tm *teatest.TestModel) {
		only(tm, idPlain)
		send(tm, keyEnter)
		waitFor(t, tm, "action on maintenance")
	})
}

// The row arrives from the hub marked: DRILL first, no redeploy, no deadline alarm.
func TestDrillRowIsMarkedAndNoAlarm(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	id := withDrill(t, h)
	r := h.row(idPlain)
	if r.Event == nil || r.Event.ID != id || !r.Event.Simulated || len(r.Badges) == 0 || r.Badges[0] != model.BadgeDrill ||
		r.Eligibility.Allowed || !r.NoRedeploy {
		t.Fatalf("drill row: event %+v, badges %v, eligibility %+v", r.Event, r.Badges, r.Eligibility)
	}
	if slices.ContainsFunc(r.Eligibility.Warnings, func(w model.Warning) bool {
		return w.Kind == model.WarnDeadlineNear || w.Kind == model.WarnDeadlinePast
	}) {
		t.Errorf("a drill 40 minutes away raised a deadline alarm: %+v", r.Eligibility.Warnings)
	}
}

// R on a drill row, alone or selected in a batch, never opens a dialog that could arm:
// it says why, and nothing is sent.
func TestDrillRowNeverArms(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	withDrill(t, h)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"))
	if m.mode != modeList || m.dialog != nil || !strings.Contains(m.notice, "drill") {
		t.Fatalf("R on a drill: mode %d, notice %q", m.mode, m.notice)
	}
	press(m, keySpace, runes("R"))
	if m.mode == modeDialog && m.dialog != nil && slices.ContainsFunc(m.dialog.Targets(), func(r *fleet.Row) bool { return r.Inst.ID == idPlain }) {
		t.Fatalf("a batch dialog lists the drill's instance")
	}
	press(m, runes(idPlain), keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 {
		t.Fatalf("%d redeploys sent for a drill", n)
	}
}

// command types line on the command line and runs it, feeding back what it returns.
func command(m *Model, line string) {
	press(m, runes(":"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(line), Paste: true})
	press(m, keyEnter)
}

// The console (the in-process demo too) runs a drill: :drill makes one on the instance it
// names, the next snapshot shows it DRILL, :drill cancel removes every listed drill; a
// viewer is refused at the guard and bad input is one line that says what :drill takes.
func TestDrillCommand(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	command(m, "drill "+idStopped+" SystemFailure.Redeploy 20m")
	if !strings.Contains(m.notice, "drill made: e-") {
		t.Fatalf(":drill said %q", m.notice)
	}
	if err := h.view.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	if r := h.row(idStopped); !slices.Contains(r.Badges, model.BadgeDrill) {
		t.Fatalf("after :drill the row says %v", r.Badges)
	}
	command(m, "drill cancel")
	if !strings.Contains(m.notice, "drills canceled: e-") {
		t.Fatalf(":drill cancel said %q", m.notice)
	}
	if err := h.view.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := h.row(idStopped); slices.Contains(r.Badges, model.BadgeDrill) {
		t.Fatalf("after :drill cancel the row says %v", r.Badges)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})

	for line, want := range map[string]string{
		"drill":                                              ":drill ID[,ID] TYPE DURATION",
		"drill web-1 SystemFailure.Reboot 10m":               "not an ECS instance id",
		"drill " + idPlain + " Reboot 10m":                   "not a drill type",
		"drill " + idPlain + " SystemFailure.Stop":           ":drill ID[,ID] TYPE DURATION",
		"drill " + idPlain + " SystemFailure.Stop soon":      "how long until it is due",
		"drill i-bp1notlisted00000001 SystemFailure.Stop 1h": "not listed here",
		"drill cancel":                                       "no pending drill listed here",
	} {
		command(m, line)
		if !strings.Contains(m.notice, want) {
			t.Errorf(":%s said %q; want %q", line, m.notice, want)
		}
	}

	v := newHarness(t, sim.Options{}, true)
	vm := ready(t, v)
	command(vm, "drill "+idPlain+" SystemFailure.Stop 1h")
	if !strings.Contains(vm.notice, "viewer cannot create or cancel drill events") {
		t.Fatalf("a viewer's :drill said %q", vm.notice)
	}
	if evs := v.engine.Events(sim.EventFilter{InstanceIDs: []string{idPlain}}); slices.ContainsFunc(evs, func(ev model.Event) bool { return ev.Simulated }) {
		t.Fatalf("a viewer made a drill: %+v", evs)
	}
}

// Tester's report, 7: a drill on an instance with a real event took the row over: its
// event, its 28m in DEADLINE, and the row sorted above instances due sooner than the real
// event. The row keeps its real event and deadline, and says DRILL.
func TestADrillBesideARealEventLeavesTheRowItsDeadline(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	before := h.row(idPlain)
	command(m, "drill "+idPlain+" SystemMaintenance.Reboot 1m")
	if err := h.view.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	r := h.row(idPlain)
	if r.Event.Simulated || r.Event.ID != before.Event.ID || !r.Deadline.Equal(before.Deadline) || !slices.Contains(r.Badges, model.BadgeDrill) {
		t.Fatalf("after a drill the row shows %s (drill %v) due %s, badges %v; before: %s due %s", r.Event.ID, r.Event.Simulated, r.Deadline, r.Badges, before.Event.ID, before.Deadline)
	}
	var line string
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.Contains(l, idPlain) {
			line = l
		}
	}
	if want := model.Countdown(before.Deadline, h.clock.Now()); !strings.Contains(line, want) || strings.Contains(line, "in 1m") || !strings.Contains(line, "DRILL") {
		t.Fatalf("the row reads %q; want its real deadline %q and DRILL", line, want)
	}
}

// Tester's report, 13, in the console: instances of two regions were refused as "not
// listed here, or in another region", with advice for the CLI. The refusal says which is
// where, and one :drill a region goes.
func TestDrillInTwoRegionsSaysWhichIsWhere(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	var a, b *fleet.Row
	for _, r := range h.view.Snapshot().Rows {
		switch {
		case a == nil:
			a = r
		case r.Inst.RegionID != a.Inst.RegionID:
			b = r
		}
		if b != nil {
			break
		}
	}
	if b == nil {
		t.Skip("the harness lists one region")
	}
	command(m, "drill "+a.Inst.ID+","+b.Inst.ID+" SystemFailure.Stop 1h")
	want := a.Inst.ID + " is in " + a.Inst.RegionID + ", " + b.Inst.ID + " in " + b.Inst.RegionID + "; a drill is made in one region: one :drill for each region's instances"
	if !strings.Contains(m.notice, want) {
		t.Fatalf(":drill said %q; want %q", m.notice, want)
	}
	for _, r := range []*fleet.Row{a, b} {
		command(m, "drill "+r.Inst.ID+" SystemFailure.Stop 1h")
		if !strings.Contains(m.notice, "drill submitted") && !strings.Contains(m.notice, "drill made") {
			t.Fatalf(":drill %s said %q", r.Inst.ID, m.notice)
		}
	}
}
