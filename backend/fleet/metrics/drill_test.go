package metrics_test

import (
	"context"
	"testing"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/fleet/metrics"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Issue 23: a drill's deadline is rehearsal: it is not the nearest deadline a region has,
// though the drill is a pending event like any.
func TestNearestDeadlineLeavesDrillsOut(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	f, err := sim.ParseScenario("d.yaml", []byte(`
instances:
  - id: i-bp1aaaaaaaaaaaaaaaaa
    region: cn-hangzhou
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+2h"}]
  - id: i-bp1bbbbbbbbbbbbbbbbb
    region: cn-hangzhou
    events: []
`), sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.New(f, clock, sim.Options{})
	if _, err := eng.CreateDrills("cn-hangzhou", model.EventMaintenanceReboot, sim.Epoch.Add(10*time.Minute), []string{"i-bp1bbbbbbbbbbbbbbbbb"}); err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	hub := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	m.Watch(hub, func() int { return 0 })
	srv, err := m.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if err := hub.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, srv)
	if got, ok := value(fams, "ecs_redeploy_nearest_deadline_seconds", map[string]string{"region": "cn-hangzhou"}); !ok || got != 2*3600 {
		t.Errorf("nearest deadline %v (present %v), want the real event's 7200, not the drill's 600", got, ok)
	}
	if got, ok := value(fams, "ecs_redeploy_pending_events", map[string]string{"type": "SystemMaintenance.Reboot", "status": "Scheduled", "region": "cn-hangzhou"}); !ok || got != 1 {
		t.Errorf("the drill as a pending event: %v (present %v)", got, ok)
	}
}
