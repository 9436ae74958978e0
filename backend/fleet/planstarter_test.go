package fleet

import (
	"testing"
	"time"

	"ecs-redeploy/backend"
)

// Issue 21, kind 4: the plans say who started a task in progress: the plan whose item
// names it, else the plan whose item of the instance was cut off while being submitted.
func TestStarterOfComesFromThePlans(t *testing.T) {
	s := &PlanStore{Dir: t.TempDir()}
	at := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	for _, rec := range []PlanRecord{
		{Version: 1, ID: "p-dave", Created: at, Identity: backend.Identity{Name: "dave", Role: backend.RoleOperator}, Phase: PhaseRunning,
			Items: []PlanItem{{InstanceID: "i-bp1a", RegionID: "cn-hangzhou", Status: ItemRunning, TaskID: "t-bp1dave"}}},
		{Version: 1, ID: "p-erin", Created: at, Identity: backend.Identity{Name: "erin", Role: backend.RoleOperator}, Phase: PhaseRunning,
			Items: []PlanItem{{InstanceID: "i-bp1b", RegionID: "cn-hangzhou", Status: ItemSubmitting, Submitted: at}}},
	} {
		if err := s.save(&rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ instance, task, by, from string }{
		{"i-bp1a", "t-bp1dave", "dave (operator)", "plan p-dave"},
		{"i-bp1b", "t-bp1unknown", "erin (operator)", "plan p-erin, whose call was cut off"},
		{"i-bp1c", "t-bp1none", "", ""},
	} {
		by, from, ok := s.StarterOf(c.instance, c.task)
		if by != c.by || from != c.from || ok != (c.by != "") {
			t.Errorf("StarterOf(%s, %s) = %q, %q, %v; want %q, %q", c.instance, c.task, by, from, ok, c.by, c.from)
		}
	}
}
