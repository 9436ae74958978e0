package fleet

import (
	"slices"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Tester's report, 7: after a drill 30 minutes away on an instance whose real event is a
// Redeploy in 9h, the row read "Maint.Reboot +1 Scheduled in 28m DRILL" and sorted above an
// instance due in 3h05m. A drill's time is never a row's deadline (docs/cli.md, drill): the
// row shows its real event and sorts by it, the drill is its other event and its badge;
// a row with only a drill shows it, with no deadline (it sorts last).
func TestADrillIsNeverTheRowsDeadline(t *testing.T) {
	now := sim.Epoch
	ev := func(id string, typ model.EventType, in time.Duration, drill bool) model.Event {
		return model.Event{ID: id, Type: typ, CycleStatus: model.CycleScheduled, NotBefore: now.Add(in), PublishTime: now.Add(-time.Hour), Simulated: drill}
	}
	inst := func(id string, evs ...model.Event) *model.Instance {
		return &model.Instance{ID: id, RegionID: "cn-hangzhou", Status: model.StatusRunning, Events: evs}
	}
	web := deriveRow(inst("i-bp1apweb000000000001",
		ev("e-real", model.EventMaintenanceRedeploy, 9*time.Hour, false),
		ev("e-drill", model.EventMaintenanceReboot, 30*time.Minute, true)), now, StateIdle, StartedBy{}, nil, false)
	batch := deriveRow(inst("i-bp1batch00000000001", ev("e-batch", model.EventMaintenanceRedeploy, 3*time.Hour+5*time.Minute, false)), now, StateIdle, StartedBy{}, nil, false)
	only := deriveRow(inst("i-bp1drillonly0000001", ev("e-only", model.EventMaintenanceReboot, 10*time.Minute, true)), now, StateIdle, StartedBy{}, nil, false)

	if web.Event.ID != "e-real" || !web.Deadline.Equal(now.Add(9*time.Hour)) {
		t.Fatalf("the row shows %s with deadline %s; want the real event, in 9h", web.Event.ID, web.Deadline.Sub(now))
	}
	if len(web.OtherEvents) != 1 || web.OtherEvents[0].ID != "e-drill" || !slices.Contains(web.Badges, model.BadgeDrill) {
		t.Fatalf("the drill is not the row's other event with its badge: %+v %v", web.OtherEvents, web.Badges)
	}
	if only.Event.ID != "e-only" || !only.Deadline.IsZero() || !slices.Contains(only.Badges, model.BadgeDrill) {
		t.Fatalf("a row with only a drill: event %s, deadline %s, badges %v", only.Event.ID, only.Deadline, only.Badges)
	}
	rows := []*Row{only, web, batch}
	slices.SortFunc(rows, compareRows)
	if rows[0] != batch || rows[1] != web || rows[2] != only {
		t.Fatalf("order %s, %s, %s; want batch (3h05m), web (9h), the drill alone", rows[0].Inst.ID, rows[1].Inst.ID, rows[2].Inst.ID)
	}
	// The listing's own order (events, the hub's merge) agrees.
	ins := []model.Instance{*only.Inst, *web.Inst, *batch.Inst}
	model.SortByDeadline(ins)
	if ins[0].ID != batch.Inst.ID || ins[1].ID != web.Inst.ID {
		t.Fatalf("SortByDeadline: %s, %s, %s", ins[0].ID, ins[1].ID, ins[2].ID)
	}
	// Its verdict is derived again when the real deadline nears, not the drill's.
	if got := time.Unix(0, web.validUntil); !got.Equal(now.Add(9*time.Hour - model.DeadlineNear)) {
		t.Fatalf("derived again at %s, want when the real deadline nears", got.Sub(now))
	}
}
