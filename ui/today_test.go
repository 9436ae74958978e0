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
	"ecs-redeploy/ui/components/accept"
)

// Instances of today's scenario (issue 18).
const (
	idDiskEvent = "i-bp1diskevent00000001"
	idAsk       = "i-bp1askinquiring00001"
	idMoved     = "i-bp1movedbyplatform01"
)

// todayScenario has a local-disk instance whose Inquiring event names the damaged disk, an
// Inquiring event the platform takes an accept for, and a deadline the platform moved.
func todayScenario() *sim.Fleet {
	mk := func(id, name string, t model.EventType, st model.EventCycleStatus, d time.Duration, a *model.ExtendedAttribute) model.Instance {
		return model.Instance{ID: id, Name: name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", InstanceType: "ecs.i2.4xlarge",
			Family: "ecs.i2", Status: model.StatusRunning, ChargeType: model.PostPaid,
			Events: []model.Event{{ID: "e-" + id[2:], InstanceID: id, Type: t, CycleStatus: st, NotBefore: sim.Epoch.Add(d),
				PublishTime: sim.Epoch.Add(-26 * time.Hour), Reason: "Local disk errors", ImpactLevel: "2", ExtendedAttribute: a}}}
	}
	disk := mk(idDiskEvent, "kafka-prod-077", model.EventMaintenanceRebootReinit, model.CycleInquiring, 2*time.Hour,
		&model.ExtendedAttribute{DiskID: "d-bp1damagedssd000001", Device: "/dev/vdc", HostID: "h-bp1rackmate00001", Rack: "cn-hangzhou-h-R07", CanAccept: "true"})
	disk.LocalStorageAmount, disk.LocalStorageCapacity = 2, 3576
	ask := mk(idAsk, "web-prod-314", model.EventMaintenanceReboot, model.CycleInquiring, 3*time.Hour,
		&model.ExtendedAttribute{HostID: "h-bp1rackmate00001", Rack: "cn-hangzhou-h-R07", CanAccept: "true", InitialNotBefore: sim.Epoch.Add(time.Hour)})
	moved := mk(idMoved, "api-prod-020", model.EventMaintenanceRedeploy, model.CycleScheduled, 5*time.Hour,
		&model.ExtendedAttribute{HostID: "h-bp1other0000001", Rack: "cn-hangzhou-h-R11", InitialNotBefore: sim.Epoch.Add(90 * time.Minute)})
	return &sim.Fleet{Regions: sim.AllRegions(), Instances: []model.Instance{disk, ask, moved}}
}

func newTodayHarness(t *testing.T) *harness {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(todayScenario(), clock, sim.Options{})
	c := &counting{Backend: sim.NewBackend(eng)}
	v := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clock: clock, engine: eng, backend: c, view: v, id: backend.Identity{Name: "test", Role: backend.RoleOperator}}
}

var todaySizes = []struct {
	name string
	w, h int
}{{"120x40", 120, 40}, {"80x24", 80, 24}}

// The redeploy dialog of a local-disk event names the damaged disk and its device among
// the consequences, above the typed confirmation.
func TestGoldenDiskDialog(t *testing.T) {
	for _, size := range todaySizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newTodayHarness(t), size.w, size.h, func(tm *teatest.TestModel) {
				only(tm, idDiskEvent)
				openDialog(t, tm)
			})
		})
	}
}

// The accept dialog: what the platform will do and when, the moved deadline, host and
// rack, Cancel focused.
func TestGoldenAcceptDialog(t *testing.T) {
	for _, size := range todaySizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newTodayHarness(t), size.w, size.h, func(tm *teatest.TestModel) {
				only(tm, idAsk)
				send(tm, runes("A"))
				waitFor(t, tm, "Accept the Inquiring event?")
			})
		})
	}
}

// The accept dialog of an event whose action wipes data: DATA LOSS first and unindented,
// the instance id to type, no advice to press R where a redeploy would wipe too; on a
// screen too small, the size it needs and nothing to press (tester2's defects 2 and 15).
func TestGoldenAcceptDialogDataLoss(t *testing.T) {
	sizes := append(todaySizes, struct {
		name string
		w, h int
	}{"50x15", 50, 15})
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newTodayHarness(t), size.w, size.h, func(tm *teatest.TestModel) {
				only(tm, idDiskEvent)
				send(tm, runes("A"))
				waitFor(t, tm, "Accept the Inquiring event")
			})
		})
	}
}

// A deadline the platform moved is marked MOVED in the list.
func TestGoldenMovedDeadline(t *testing.T) {
	for _, size := range todaySizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newTodayHarness(t), size.w, size.h, nil)
		})
	}
}

// Accepting from the console goes through the hub: Cancel is the default (enter on it
// sends nothing), tab then enter accepts, and the event shows Executing; a viewer's A
// opens no dialog and sends nothing; host= and rack= filter.
func TestAcceptFromTheConsole(t *testing.T) {
	h := newTodayHarness(t)
	m := h.model()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	refilter(m, idAsk)
	feed(m, m.handleKey(runes("A"))) // the dialog settles before the next key, read
	if m.mode != modeAccept || m.acceptDlg == nil {
		t.Fatalf("A opened mode %v", m.mode)
	}
	if cmd := m.handleKey(keyEnter); cmd == nil {
		t.Fatal("enter on Cancel: no message")
	} else if _, ok := cmd().(accept.CancelMsg); !ok {
		t.Fatal("enter on the default focus is not a cancel")
	}
	feed(m, m.handleKey(keyTab)) // Accept focused, seen
	cmd := m.handleKey(keyEnter)
	msg, ok := cmd().(accept.SubmitMsg)
	if !ok || msg.EventID != "e-"+idAsk[2:] {
		t.Fatalf("tab, enter: %#v", msg)
	}
	done := m.update(msg)().(acceptDoneMsg)
	if done.err != nil || done.ref.RequestID == "" {
		t.Fatalf("accept: %+v", done)
	}
	evs := h.engine.Events(sim.EventFilter{EventIDs: []string{"e-" + idAsk[2:]}})
	if len(evs) != 1 || evs[0].CycleStatus != model.CycleExecuting {
		t.Fatalf("engine: %+v", evs)
	}

	// A paste is text, never the key.
	m.mode = modeList
	refilter(m, idDiskEvent)
	m.handleKey(runes("AA"))
	if m.mode == modeAccept {
		t.Fatal("a burst of A's opened the dialog")
	}

	for filter, want := range map[string]int{"host=h-bp1rackmate00001": 2, "rack=cn-hangzhou-h-r11": 1, "rack=cn-hangzhou-h-R07": 2} {
		refilter(m, filter)
		if got := m.list.Len(); got != want {
			t.Errorf("filter %s: %d rows, want %d", filter, got, want)
		}
	}
}

func TestViewerCannotAccept(t *testing.T) {
	h := newTodayHarness(t)
	h.id.Role = backend.RoleViewer
	m := h.model()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	refilter(m, idAsk)
	m.handleKey(runes("A"))
	// The guard's words (backend.AuthorizeTo): accepting was refused, not a redeploy
	// (tester2's defect 14).
	if m.mode == modeAccept || !strings.Contains(m.notice, "a viewer cannot accept system events") || strings.Contains(m.notice, "redeploy") {
		t.Fatalf("viewer's A: mode %v, notice %q", m.mode, m.notice)
	}
	// The detail pane does not tell a viewer that A accepts it.
	press(m, keyEnter)
	if m.mode != modeDetail {
		t.Fatalf("enter opened mode %v", m.mode)
	}
	v := m.View()
	if strings.Contains(v, "A accepts it") || !strings.Contains(v, "the platform asks; accepting it restarts the instance") ||
		!strings.Contains(v, "a viewer cannot accept system events") {
		t.Errorf("a viewer's detail pane:\n%s", v)
	}
}

// refilter replaces the list's filter as the engineer does: esc clears it, then / , the
// text, enter.
func refilter(m *Model, f string) {
	press(m, keyEsc)
	filterTo(m, f)
}

// After an accept the row says the platform is acting now, not a countdown; the detail
// pane says who accepted it; when the platform has acted and the row goes, a note says so
// (tester2's defect 9).
func TestAcceptedRowSaysActingNowAndWho(t *testing.T) {
	h := newTodayHarness(t)
	m := h.model()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	refilter(m, idAsk)
	feed(m, m.handleKey(runes("A")))
	feed(m, m.handleKey(keyTab))
	msg, ok := m.handleKey(keyEnter)().(accept.SubmitMsg)
	if !ok {
		t.Fatal("tab, enter did not accept")
	}
	done := m.update(msg)().(acceptDoneMsg)
	if done.err != nil {
		t.Fatal(done.err)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.View(); !strings.Contains(v, "acting now") || strings.Contains(v, "in 3h") {
		t.Errorf("the accepted row:\n%s", v)
	}
	press(m, keyEnter)
	if v := m.View(); !strings.Contains(v, "accepted by test (operator) 0s ago: the") {
		t.Errorf("the detail pane does not say who accepted it:\n%s", v)
	}
	press(m, keyEsc)
	h.clock.Advance(sim.AcceptDuration + time.Minute)
	if err := h.view.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.notice = ""
	m.Update(snapshotMsg{h.view.Snapshot()})
	if !strings.Contains(m.notice, "e-"+idAsk[2:]+" of "+idAsk+", accepted by test (operator), is no longer pending") {
		t.Errorf("the accepted row went with no note: %q", m.notice)
	}
}

// An event the platform will not have accepted (CanAccept=false) is refused in one line
// that names R only where a redeploy answers the row (tester2's defect 1: a NO REDEPLOY
// row was told to press R).
func TestAcceptRefusalNamesROnlyWhereItAnswers(t *testing.T) {
	mk := func(id string, ty model.EventType) model.Instance {
		return model.Instance{ID: id, Name: id[2:10], RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", Status: model.StatusRunning,
			Events: []model.Event{{ID: "e-" + id[2:], InstanceID: id, Type: ty, CycleStatus: model.CycleInquiring,
				NotBefore: sim.Epoch.Add(3 * time.Hour), PublishTime: sim.Epoch.Add(-time.Hour),
				ExtendedAttribute: &model.ExtendedAttribute{CanAccept: "false"}}}}
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(&sim.Fleet{Regions: sim.AllRegions(), Instances: []model.Instance{
		mk("i-bp1deleteneveraccept1", model.EventFailureDelete),
		mk("i-bp1rebootneveraccept1", model.EventMaintenanceReboot),
	}}, clock, sim.Options{})
	v := fleet.New(backend.Guard(sim.NewBackend(eng)), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, engine: eng, view: v, id: backend.Identity{Name: "test", Role: backend.RoleOperator}}
	m := h.model()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{v.Snapshot()})
	for id, wantR := range map[string]bool{"i-bp1deleteneveraccept1": false, "i-bp1rebootneveraccept1": true} {
		refilter(m, id)
		m.handleKey(runes("A"))
		if m.mode == modeAccept || !strings.Contains(m.notice, "CanAccept=false") {
			t.Fatalf("%s: mode %v, notice %q", id, m.mode, m.notice)
		}
		if got := strings.Contains(m.notice, "R redeploys"); got != wantR {
			t.Errorf("%s: names R %v, want %v: %q", id, got, wantR, m.notice)
		}
	}
}
