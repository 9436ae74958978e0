package sim

import (
	"testing"
	"time"

	"ecs-redeploy/model"
)

// TestFinishedRedeployAvoidsEveryHostEvent: the instance leaves its host, so every
// pending SystemMaintenance.* and SystemFailure.* event is Avoided, not only the one the
// redeploy answered; expiry and account events follow the instance and stay. A failed
// redeploy leaves every event as it was.
func TestFinishedRedeployAvoidsEveryHostEvent(t *testing.T) {
	events := func(id string) []model.Event {
		ev := func(n string, typ model.EventType, st model.EventCycleStatus, in time.Duration) model.Event {
			return model.Event{ID: "e-" + id + "-" + n, InstanceID: id, Type: typ, CycleStatus: st, NotBefore: Epoch.Add(in)}
		}
		return []model.Event{
			ev("redeploy", model.EventMaintenanceRedeploy, model.CycleScheduled, 2*time.Hour),
			ev("reboot", model.EventMaintenanceReboot, model.CycleScheduled, 5*time.Hour),
			ev("disk", model.EventMaintenanceIsolateDisk, model.CycleInquiring, 6*time.Hour),
			ev("failure", model.EventFailureRedeploy, model.CycleExecuting, -time.Minute),
			ev("expiry", model.EventExpirationStop, model.CycleScheduled, 20*time.Hour),
			ev("arrears", model.EventUnbalancedStop, model.CycleScheduled, 30*time.Hour),
			ev("old", model.EventMaintenanceReboot, model.CycleExecuted, -48*time.Hour),
		}
	}
	want := map[string]model.EventCycleStatus{
		"redeploy": model.CycleAvoided, "reboot": model.CycleAvoided, "disk": model.CycleAvoided,
		"failure": model.CycleAvoided, "expiry": model.CycleScheduled, "arrears": model.CycleScheduled,
		"old": model.CycleExecuted,
	}
	for _, tc := range []struct {
		name string
		rate float64
		task model.TaskStatus
	}{{"finished", 0, model.TaskFinished}, {"failed", 1, model.TaskFailed}} {
		t.Run(tc.name, func(t *testing.T) {
			e, clock := newTestEngine(t, Options{FailureRate: tc.rate}, model.Instance{ID: "i-two", Events: events("i-two")})
			task, err := e.Redeploy("cn-hangzhou", "i-two", false)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			if got := taskOf(t, e, task.ID).Status; got != tc.task {
				t.Fatalf("task %s, want %s", got, tc.task)
			}
			before := map[string]model.EventCycleStatus{}
			for _, ev := range events("i-two") {
				before[ev.ID] = ev.CycleStatus
			}
			for _, ev := range e.Events(EventFilter{InstanceIDs: []string{"i-two"}}) {
				w := want[ev.ID[len("e-i-two-"):]]
				if tc.task == model.TaskFailed {
					w = before[ev.ID]
				}
				if ev.CycleStatus != w {
					t.Errorf("%s (%s) is %s, want %s", ev.ID, ev.Type, ev.CycleStatus, w)
				}
			}
		})
	}
}
