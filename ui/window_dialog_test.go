package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/components/confirm"
)

// windowHarness is a console over three Running instances at 11:00 UTC+8 (sim.Epoch):
// web-now inside its maintenance window, web-later whose window opens at 13:00, web-none
// with no window.
func windowHarness(t *testing.T) *harness {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Maintenance: map[string]model.MaintenanceAttribute{}}
	for i, s := range []struct {
		name     string
		from, to time.Duration
	}{{"web-now", 10, 14}, {"web-later", 13, 15}, {"web-none", 0, 0}} {
		id := "i-bp1" + strings.ReplaceAll(s.name, "-", "") + strings.Repeat("0", 18-len(s.name)+1)
		f.Instances = append(f.Instances, model.Instance{ID: id, Name: s.name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
			InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning,
			Events: []model.Event{{ID: "e-" + s.name, InstanceID: id, Type: model.EventMaintenanceRedeploy, CycleStatus: model.CycleScheduled,
				NotBefore: sim.Epoch.Add(8*time.Hour + time.Duration(i)*time.Minute), PublishTime: sim.Epoch.Add(-time.Hour)}}})
		a := model.MaintenanceAttribute{InstanceID: id, Action: model.MaintenanceAutoRecover}
		if s.from != s.to {
			a.Windows = []model.MaintenanceWindow{{Start: s.from * time.Hour, End: s.to * time.Hour, Zone: model.MaintenanceWindowZone}}
		}
		f.Maintenance[id] = a
	}
	eng := sim.New(f, clock, sim.Options{})
	c := &counting{Backend: sim.NewBackend(eng)}
	v := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clock: clock, engine: eng, backend: c, view: v, id: backend.Identity{Name: "test", Role: backend.RoleOperator}}
}

func openWindowBatch(t *testing.T, m *Model) {
	t.Helper()
	if m.list.Selected() == 0 {
		press(m, keySpace, keySpace, keySpace)
	}
	press(m, runes("R"))
	if m.mode != modeDialog || len(m.dialog.Targets()) != 3 {
		t.Fatalf("no batch dialog for the 3; notice %q", m.notice)
	}
}

// Issue 23: the batch dialog's "in window" toggle lists when each target is due and what
// no window fits; it is not a confirm: Cancel keeps (or takes back) the focus, what was
// typed is emptied, and enter after it cancels. Confirmed with it on, the hub's plan keeps
// to the windows: only the instance inside its window is sent.
func TestBatchDialogInWindowToggleIsNotAConfirm(t *testing.T) {
	h := windowHarness(t)
	m := ready(t, h)
	openWindowBatch(t, m)
	if v := m.View(); !strings.Contains(v, "in window: [ ] off") || strings.Contains(v, "due now") {
		t.Fatalf("the dialog opens with in window off:\n%s", v)
	}
	press(m, runes("m"))
	// The dialog's text, unwrapped: its lines joined without the box.
	v := strings.Join(strings.Fields(strings.ReplaceAll(m.View(), "│", " ")), " ")
	for _, want := range []string{"Redeploy 2 of these 3 instances in window? (1 left for a person)", "in window: [x] ON", "1 due now, 1 wait for their window (the first opens in 2h)",
		"1 left for a person", "(web-now) · cn-hangzhou-h · Running · due now (window 10:00:00–14:00:00 UTC+8)",
		"web-later) · cn-hangzhou-h · Running · due in 2h (window 13:00:00–15:00:00 UTC+8)",
		"LEFT FOR A PERSON: no maintenance window is set", "> Cancel <"} {
		if !strings.Contains(v, want) {
			t.Fatalf("with in window on, the dialog lacks %q:\n%s", want, v)
		}
	}
	if m.dialog.Focus() != confirm.FocusCancel || !m.dialog.InWindow() {
		t.Fatalf("focus %v after the toggle, want Cancel", m.dialog.Focus())
	}
	press(m, keyEnter)
	if m.mode == modeDialog || h.backend.redeploys.Load() != 0 {
		t.Fatalf("enter after the toggle did not cancel: mode %v, %d redeploys", m.mode, h.backend.redeploys.Load())
	}

	// Armed with in window off, then toggled: the toggle takes the focus back to Cancel and
	// empties the field, and the enter that follows cancels.
	openWindowBatch(t, m)
	press(m, runes("3"), keyEnter)
	if m.dialog.Focus() != confirm.FocusConfirm || !m.dialog.Armed() {
		t.Fatalf("typed 3: focus %v, armed %v", m.dialog.Focus(), m.dialog.Armed())
	}
	press(m, runes("m"))
	if m.dialog.Focus() != confirm.FocusCancel || m.dialog.Typed() != "" || m.dialog.Armed() {
		t.Fatalf("after the toggle: focus %v, typed %q, armed %v", m.dialog.Focus(), m.dialog.Typed(), m.dialog.Armed())
	}
	press(m, keyEnter)
	if m.mode == modeDialog || h.backend.redeploys.Load() != 0 {
		t.Fatalf("enter after the toggle confirmed: %d redeploys", h.backend.redeploys.Load())
	}

	// Confirmed with it on: the plan keeps to the windows.
	openWindowBatch(t, m)
	// Only web-now and web-later can go: the count typed is theirs (web-none is left for a person).
	press(m, runes("m"), runes("2"), keyEnter, keyEnter)
	if m.mode == modeDialog {
		t.Fatalf("not confirmed:\n%s", m.View())
	}
	plans := h.view.Plans()
	if len(plans) != 1 || !plans[0].InWindow {
		t.Fatalf("plans %+v", plans)
	}
	if n := h.backend.redeploys.Load(); n != 1 {
		t.Fatalf("%d redeploys sent at once, want 1 (web-now, inside its window)", n)
	}
	// The task panel's title says why the queued one waits.
	m.Update(snapshotMsg{h.view.Snapshot()})
	if line := m.planLine(false); !strings.HasSuffix(line, "1 queued · 0 done · 0 failed · 1 skipped · next window in 2h") {
		t.Fatalf("plan line %q", line)
	}
}

func TestGoldenBatchDialogInWindow(t *testing.T) {
	screen(t, windowHarness(t), 120, 40, func(tm *teatest.TestModel) {
		send(tm, keySpace, keySpace, keySpace)
		openDialog(t, tm)
		send(tm, runes("m"))
		waitFor(t, tm, "wait for their")
	})
}
