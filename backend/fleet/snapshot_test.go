package fleet

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// TestDeriveRowSaysWhyAndWhatElse pins issue 13's rows: the reason a redeploy is refused
// as a word, an event a redeploy does not answer set apart from a block, the second
// pending event kept beside the first, and tags searchable as key=value.
func TestDeriveRowSaysWhyAndWhatElse(t *testing.T) {
	now := sim.Epoch
	ev := func(id string, typ model.EventType, d time.Duration) model.Event {
		return model.Event{ID: id, Type: typ, CycleStatus: model.CycleScheduled, NotBefore: now.Add(d)}
	}
	t.Run("security lock is blocked, in a word", func(t *testing.T) {
		in := &model.Instance{ID: "i-1", Status: model.StatusRunning, OperationLocks: []model.LockReason{model.LockSecurity},
			Events: []model.Event{ev("e-1", model.EventMaintenanceRedeploy, time.Hour)}}
		r := deriveRow(in, now, StateIdle, StartedBy{}, nil, false)
		if !r.Blocked || r.NoRedeploy || !slices.Equal(r.Badges, []model.Badge{model.BadgeSecurityLock}) {
			t.Fatalf("Blocked=%v NoRedeploy=%v Badges=%v", r.Blocked, r.NoRedeploy, r.Badges)
		}
	})
	t.Run("an expiration event is not blocked: a redeploy does not answer it", func(t *testing.T) {
		in := &model.Instance{ID: "i-2", Status: model.StatusRunning,
			Events: []model.Event{ev("e-2", model.EventExpirationStop, time.Hour)}}
		r := deriveRow(in, now, StateIdle, StartedBy{}, nil, false)
		if r.Blocked || !r.NoRedeploy || !slices.Equal(r.Badges, []model.Badge{model.BadgeNoRedeploy}) {
			t.Fatalf("Blocked=%v NoRedeploy=%v Badges=%v", r.Blocked, r.NoRedeploy, r.Badges)
		}
	})
	t.Run("a second pending event is kept, by deadline", func(t *testing.T) {
		in := &model.Instance{ID: "i-3", Status: model.StatusRunning, Tags: map[string]string{"team": "kafka"},
			Events: []model.Event{ev("late", model.EventMaintenanceReboot, 5*time.Hour), ev("soon", model.EventMaintenanceRedeploy, time.Hour)}}
		r := deriveRow(in, now, StateIdle, StartedBy{}, nil, false)
		if r.Event.ID != "soon" || len(r.OtherEvents) != 1 || r.OtherEvents[0].ID != "late" {
			t.Fatalf("Event=%s OtherEvents=%v", r.Event.ID, r.OtherEvents)
		}
		for _, want := range []string{"team=kafka", "systemmaintenance.reboot"} {
			if !strings.Contains(r.SearchText(), want) {
				t.Errorf("Search %q lacks %q", r.SearchText(), want)
			}
		}
	})
}
