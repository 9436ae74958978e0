package autopilot_test

import (
	"testing"
	"time"

	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/model/policy"
)

// The autopilot's plans keep its rule's margin themselves (fleet.PlanOptions.Margin):
// a queued item is cut at deadline − margin by the plan, beside the autopilot's hold.
func TestPlanOptionsKeepTheRulesMargin(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte(`name: t
rules:
  - name: db
    match: {tags: {app: db}}
    when: {in_maintenance_window: true, margin: 45m}
  - name: web
    match: {tags: {app: web}}
`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []time.Duration{45 * time.Minute, policy.DefaultMargin} {
		if opt := autopilot.PlanOptions(&p.Rules[i], alice); !opt.InWindow || opt.Margin != want {
			t.Errorf("rule %s: InWindow %v, Margin %v, want %v", p.Rules[i].Name, opt.InWindow, opt.Margin, want)
		}
	}
}
