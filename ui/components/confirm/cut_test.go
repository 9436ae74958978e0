package confirm

import (
	"testing"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// A target's schedule line says when the margin ends its chance before its window does
// (the hub cuts it at deadline − fleet.DefaultMargin), and says nothing more when the
// window ends first.
func TestDueWordsSayTheCut(t *testing.T) {
	now := sim.Epoch
	deadline := now.Add(2*time.Hour + 45*time.Minute)
	c := &Model{scheduleRead: true, schedule: map[string]fleet.PlanItem{
		"cut":   {InstanceID: "cut", Status: fleet.ItemQueued, Deadline: deadline, Due: now.Add(2 * time.Hour), DueUntil: deadline.Add(-fleet.DefaultMargin), Window: "13:00:00–15:00:00 UTC+8"},
		"open":  {InstanceID: "open", Status: fleet.ItemQueued, Deadline: deadline, Due: now, DueUntil: deadline.Add(-fleet.DefaultMargin), Window: "10:00:00–14:00:00 UTC+8"},
		"whole": {InstanceID: "whole", Status: fleet.ItemQueued, Deadline: now.Add(10 * time.Hour), Due: now.Add(2 * time.Hour), DueUntil: now.Add(4 * time.Hour), Window: "13:00:00–15:00:00 UTC+8"},
	}}
	for id, want := range map[string]string{
		"cut":   "due in 2h, for 15m (window 13:00:00–15:00:00 UTC+8; cut at deadline − 30m)",
		"open":  "due now, for 2h15m (window 10:00:00–14:00:00 UTC+8; cut at deadline − 30m)",
		"whole": "due in 2h (window 13:00:00–15:00:00 UTC+8)",
	} {
		if got := c.dueWords(id, now); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}
