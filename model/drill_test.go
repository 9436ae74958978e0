package model

import (
	"slices"
	"testing"
	"time"
)

// Issue 23: a drill (CreateSimulatedSystemEvents) is said DRILL first, is never answered
// by a redeploy, and its deadline is no alarm; a real event beside it still is.
func TestDrillBadgeAndNoAlarm(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	drill := Event{ID: "e-drill1", Type: EventMaintenanceRedeploy, CycleStatus: CycleScheduled, NotBefore: now.Add(10 * time.Minute), Simulated: true}
	real := Event{ID: "e-real1", Type: EventMaintenanceReboot, CycleStatus: CycleScheduled, NotBefore: now.Add(30 * time.Minute)}
	alarm := func(el Eligibility) bool {
		return slices.ContainsFunc(el.Warnings, func(w Warning) bool { return w.Kind == WarnDeadlineNear || w.Kind == WarnDeadlinePast })
	}
	for _, c := range []struct {
		name      string
		events    []Event
		allowed   bool
		alarm     bool
		badges    []Badge
		nextReal  string
		hasDrills bool
	}{
		{"drill alone", []Event{drill}, false, false, []Badge{BadgeDrill, BadgeNoRedeploy}, "", true},
		{"drill overdue", []Event{{ID: "e-drill2", Type: EventFailureReboot, CycleStatus: CycleExecuting, NotBefore: now.Add(-time.Minute), Simulated: true}},
			false, false, []Badge{BadgeDrill, BadgeNoRedeploy}, "", true},
		{"drill and a real event", []Event{drill, real}, true, true, []Badge{BadgeDrill}, "e-real1", true},
		{"drill ended", []Event{{ID: "e-drill3", Type: EventMaintenanceReboot, CycleStatus: CycleCanceled, NotBefore: now, Simulated: true}, real},
			true, true, nil, "e-real1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := &Instance{ID: "i-bp1drill", Status: StatusRunning, Events: c.events}
			el := Evaluate(in, now, false)
			if el.Allowed != c.allowed || alarm(el) != c.alarm {
				t.Errorf("allowed %v (want %v), deadline alarm %v (want %v): %+v", el.Allowed, c.allowed, alarm(el), c.alarm, el)
			}
			if got := Badges(in, el, false); !slices.Equal(got, c.badges) {
				t.Errorf("badges %v, want %v", got, c.badges)
			}
			if got := in.NextRealEvent(); (got == nil && c.nextReal != "") || (got != nil && got.ID != c.nextReal) {
				t.Errorf("NextRealEvent %+v, want %q", got, c.nextReal)
			}
			if in.HasDrill() != c.hasDrills {
				t.Errorf("HasDrill %v", in.HasDrill())
			}
		})
	}
}

func TestDrillEventTypes(t *testing.T) {
	// The seven EventType values of the CreateSimulatedSystemEvents page (2026-01-28).
	for _, s := range []string{"SystemMaintenance.Reboot", "SystemFailure.Reboot", "InstanceFailure.Reboot", "SystemMaintenance.Stop",
		"SystemMaintenance.Redeploy", "SystemFailure.Redeploy", "SystemFailure.Stop"} {
		if !ValidDrillEventType(EventType(s)) {
			t.Errorf("%s refused", s)
		}
	}
	for _, s := range []string{"", "SystemFailure.Delete", "InstanceExpiration.Stop", "systemmaintenance.reboot"} {
		if ValidDrillEventType(EventType(s)) {
			t.Errorf("%q taken", s)
		}
	}
}
