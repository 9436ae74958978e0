package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// windowSpec is one Running instance of a windowed harness: its maintenance window
// [from, to) in hours UTC+8 (none when equal), and its local disks (none when 0).
type windowSpec struct {
	name      string
	from, to  time.Duration
	localDisk int
}

// windowHarnessOf is windowHarness over specs: a console at 11:00 UTC+8 (sim.Epoch), every
// instance with a SystemMaintenance.Redeploy 8 hours away.
func windowHarnessOf(t *testing.T, specs ...windowSpec) *harness {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Maintenance: map[string]model.MaintenanceAttribute{}}
	for i, s := range specs {
		id := "i-bp1" + strings.ReplaceAll(s.name, "-", "") + strings.Repeat("0", 18-len(s.name)+1)
		in := model.Instance{ID: id, Name: s.name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
			InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning,
			Events: []model.Event{{ID: "e-" + s.name, InstanceID: id, Type: model.EventMaintenanceRedeploy, CycleStatus: model.CycleScheduled,
				NotBefore: sim.Epoch.Add(8*time.Hour + time.Duration(i)*time.Minute), PublishTime: sim.Epoch.Add(-time.Hour)}}}
		if s.localDisk > 0 {
			in.InstanceType = "ecs.d1ne.2xlarge"
			in.LocalStorageAmount, in.LocalStorageCapacity = s.localDisk, int64(s.localDisk)*5500
		}
		f.Instances = append(f.Instances, in)
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

// flat is a view's text without the box: its words joined by single spaces.
func flat(v string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(v, "│", " ")), " ")
}

// Tester, issue 23: with "in window" on and every target left for a person, the dialog
// asked "Redeploy these 3 instances?", kept DATA LOSS, asked for "3 wipe", armed, and the
// batch ran skipping all. It now asks nothing of them, cannot arm, and says the way out.
func TestBatchDialogInWindowNothingCanGoCannotArm(t *testing.T) {
	h := windowHarnessOf(t, windowSpec{name: "web-none"}, windowSpec{name: "hdfs-none", localDisk: 2}, windowSpec{name: "db-none"})
	m := ready(t, h)
	openWindowBatch(t, m)
	if v := flat(m.View()); !strings.Contains(v, "DATA LOSS") || !strings.Contains(v, "(3 wipe)") {
		t.Fatalf("in window off, all three go and the local disk is wiped:\n%s", m.View())
	}
	press(m, runes("m"))
	v := flat(m.View())
	for _, want := range []string{"None of these 3 instances can be redeployed in window", "0 due now, 0 wait for their window",
		"3 left for a person", "nothing: no target can go in window", "Redeploy cannot arm: no target has a maintenance window before its deadline − 30m; m turns in window off, esc cancels",
		"Redeploy 0 (nothing can go)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("with nothing to go, the dialog lacks %q:\n%s", want, m.View())
		}
	}
	for _, bad := range []string{"Redeploy these 3", "DATA LOSS", "wipe", "Type the number", "(type it here)"} {
		if strings.Contains(v, bad) {
			t.Fatalf("with nothing to go, the dialog still says %q:\n%s", bad, m.View())
		}
	}
	// Whatever is typed, nothing arms and nothing is sent.
	press(m, runes("3 wipe"), keyEnter, keyTab, keyEnter, keyEnter)
	if h.backend.redeploys.Load() != 0 || len(h.view.Plans()) != 0 {
		t.Fatalf("a batch of nothing was confirmed: %d redeploys, %d plans", h.backend.redeploys.Load(), len(h.view.Plans()))
	}
	if m.mode == modeDialog && m.dialog.Armed() {
		t.Fatalf("armed with nothing to go:\n%s", m.View())
	}
	// m turns it off: all three go again, the local disk with them.
	if m.mode != modeDialog {
		openWindowBatch(t, m)
	} else {
		press(m, runes("m"))
	}
	if v := flat(m.View()); !strings.Contains(v, "Redeploy these 3 instances?") || !strings.Contains(v, "(3 wipe)") {
		t.Fatalf("in window off again:\n%s", m.View())
	}
}

// With "in window" on, DATA LOSS and "wipe" stay only when a local-disk target can go:
// the one left for a person loses nothing, and the count typed is of those that go.
func TestBatchDialogInWindowCountsOnlyWhatCanGo(t *testing.T) {
	h := windowHarnessOf(t, windowSpec{name: "web-now", from: 10, to: 14}, windowSpec{name: "hdfs-none", localDisk: 2},
		windowSpec{name: "web-later", from: 13, to: 15})
	m := ready(t, h)
	openWindowBatch(t, m)
	press(m, runes("m"))
	v := flat(m.View())
	for _, want := range []string{"Redeploy 2 of these 3 instances in window? (1 left for a person)", "2 instances: Running",
		"Type the number of instances (2) to arm", "Redeploy 2 (type to arm)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the dialog lacks %q:\n%s", want, m.View())
		}
	}
	if strings.Contains(v, "DATA LOSS") || strings.Contains(v, "wipe") {
		t.Fatalf("the local-disk instance left for a person is still named a loss:\n%s", m.View())
	}
	press(m, runes("2"), keyEnter)
	if !m.dialog.Armed() {
		t.Fatalf("2 did not arm:\n%s", m.View())
	}
}

// The in-window batch dialog at 80x24, and the one nothing of which can go at both sizes.
func TestGoldenBatchDialogInWindowSizes(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
		all  bool // every target left for a person
	}{{"80x24", 80, 24, false}, {"nothing-120x40", 120, 40, true}, {"nothing-80x24", 80, 24, true}} {
		t.Run(size.name, func(t *testing.T) {
			h := windowHarness(t)
			if size.all {
				h = windowHarnessOf(t, windowSpec{name: "web-none"}, windowSpec{name: "hdfs-none", localDisk: 2}, windowSpec{name: "db-none"})
			}
			screen(t, h, size.w, size.h, func(tm *teatest.TestModel) {
				send(tm, keySpace, keySpace, keySpace)
				openDialog(t, tm)
				send(tm, runes("m"))
				waitFor(t, tm, "left for a person")
			})
		})
	}
}

// On a terminal too small for a batch nothing of which can go in window, the dialog says
// so and m still turns in window off: the way out is never behind a larger terminal.
func TestCrampedInWindowDialogStillTakesM(t *testing.T) {
	h := windowHarnessOf(t, windowSpec{name: "web-none"}, windowSpec{name: "hdfs-none", localDisk: 2}, windowSpec{name: "db-none"})
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	openWindowBatch(t, m)
	press(m, runes("m"))
	if v := flat(m.View()); m.dialog.Fits() || !strings.Contains(v, "in window is on (m turns it off): no target has a maintenance window") {
		t.Fatalf("cramped, the dialog does not say why nothing can go:\n%s", m.View())
	}
	// The footer names m too: it is one of the two ways out that act here.
	if v := m.View(); !strings.Contains(lastLine(v), "m in window off") {
		t.Fatalf("cramped, the footer does not name m:\n%s", v)
	}
	press(m, runes("m"))
	if m.mode != modeDialog || m.dialog.InWindow() || !m.dialog.Fits() || !strings.Contains(flat(m.View()), "(3 wipe)") {
		t.Fatalf("m did not turn in window off on the cramped dialog:\n%s", m.View())
	}
}

// lastLine is a screen's last non-blank line (the footer).
func lastLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n "), "\n")
	return lines[len(lines)-1]
}
