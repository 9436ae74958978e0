package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/fleet/metrics"
	"ecs-redeploy/backend/notify"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// scrape GETs /metrics from s over loopback and parses it with Prometheus's text parser.
func scrape(t *testing.T, s *metrics.Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %s", resp.Status)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

// value is the value of the family's metric whose labels are exactly labels; ok is false
// when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		if len(m.Label) != len(labels) {
			continue
		}
		for _, l := range m.Label {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		}
	}
	return 0, false
}

func TestMetricsScrapedOverLoopback(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	f, err := sim.ParseScenario("m.yaml", []byte(`
instances:
  - id: i-bp1aaaaaaaaaaaaaaaaa
    region: cn-hangzhou
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+2h"}]
  - id: i-bp1bbbbbbbbbbbbbbbbb
    region: cn-hangzhou
    events: [{type: SystemMaintenance.Redeploy, status: Inquiring, not_before: "+30m"}]
  - id: i-uf6ccccccccccccccccc
    region: cn-shanghai
    events:
      - {type: SystemMaintenance.Reboot, status: Scheduled, not_before: "+3h"}
      - {type: SystemFailure.Redeploy, status: Avoided, not_before: "-1d", finished: "-1d"}
`), sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.New(f, clock, sim.Options{})
	m := metrics.New()
	b := &sim.Backend{E: eng, OnCall: m.ObserveCall}
	hub := fleet.New(b, fleet.Options{Now: clock.Now, Wall: clock.Now})
	sessions := 3
	m.Watch(hub, func() int { return sessions })
	srv, err := m.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})

	// Before the first refresh: nothing pending, no deadline, no refresh time.
	fams := scrape(t, srv)
	if _, ok := value(fams, "ecs_redeploy_nearest_deadline_seconds", map[string]string{"region": "cn-hangzhou"}); ok {
		t.Error("a deadline before anything was listed")
	}
	if _, ok := value(fams, "ecs_redeploy_last_refresh_timestamp_seconds", nil); ok {
		t.Error("a refresh time before any refresh")
	}

	if err := hub.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	// A redeploy: one Processing task, one RedeployInstance call.
	if _, err := hub.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1aaaaaaaaaaaaaaaaa",
		Identity: backend.Identity{Name: "test", Role: backend.RoleOperator}}); err != nil {
		t.Fatal(err)
	}
	eng.SetFaults(sim.Faults{ThrottleRate: 1})
	hub.Refresh(context.Background()) // throttled: counted, and the rows go stale
	eng.SetFaults(sim.Faults{})

	fams = scrape(t, srv)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ecs_redeploy_pending_events", map[string]string{"type": "SystemMaintenance.Redeploy", "status": "Scheduled", "region": "cn-hangzhou"}, 1},
		{"ecs_redeploy_pending_events", map[string]string{"type": "SystemMaintenance.Redeploy", "status": "Inquiring", "region": "cn-hangzhou"}, 1},
		{"ecs_redeploy_pending_events", map[string]string{"type": "SystemMaintenance.Reboot", "status": "Scheduled", "region": "cn-shanghai"}, 1},
		// +30m, 10 minutes later.
		{"ecs_redeploy_nearest_deadline_seconds", map[string]string{"region": "cn-hangzhou"}, 20 * 60},
		{"ecs_redeploy_nearest_deadline_seconds", map[string]string{"region": "cn-shanghai"}, 170 * 60},
		{"ecs_redeploy_tasks", map[string]string{"status": string(model.TaskProcessing)}, 1},
		{"ecs_redeploy_tasks", map[string]string{"status": string(model.TaskFailed)}, 0},
		{"ecs_redeploy_instances", map[string]string{"state": "in_progress"}, 1},
		{"ecs_redeploy_api_calls_total", map[string]string{"action": "RedeployInstance", "outcome": "ok"}, 1},
		{"ecs_redeploy_api_calls_total", map[string]string{"action": "DescribeInstanceHistoryEvents", "outcome": "throttled"}, 1},
		{"ecs_redeploy_refresh_failing", nil, 1},
		{"ecs_redeploy_ssh_sessions", nil, 3},
		{"ecs_redeploy_last_refresh_timestamp_seconds", nil, float64(sim.Epoch.Unix())},
	} {
		got, ok := value(fams, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// A final event is not pending.
	if _, ok := value(fams, "ecs_redeploy_pending_events", map[string]string{"type": "SystemFailure.Redeploy", "status": "Avoided", "region": "cn-shanghai"}); ok {
		t.Error("a final event counted as pending")
	}
	sessions = 0
	if got, _ := value(scrape(t, srv), "ecs_redeploy_ssh_sessions", nil); got != 0 {
		t.Errorf("sessions after they left: %v", got)
	}
}

// TestPlansRedeploysAndNotifierScraped: plans by phase, their items by status, the listed
// instances by redeploy state, and the notifier's queue and counters; every phase, status
// and state is there at 0 too.
func TestPlansRedeploysAndNotifierScraped(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	f, err := sim.ParseScenario("p.yaml", []byte(`
instances:
  - {id: i-bp1aaaaaaaaaaaaaaaaa, region: cn-hangzhou, events: [{type: SystemMaintenance.Redeploy, not_before: "+2d"}]}
  - {id: i-bp1bbbbbbbbbbbbbbbbb, region: cn-hangzhou, events: [{type: SystemMaintenance.Redeploy, not_before: "+2d"}]}
  - {id: i-bp1ccccccccccccccccc, region: cn-hangzhou, events: [{type: SystemMaintenance.Redeploy, not_before: "+2d"}]}
`), sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.New(f, clock, sim.Options{FailureRate: 1})
	hub := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	n, err := notify.New(notify.Options{URL: "http://127.0.0.1:1/hook", Queue: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	m.Watch(hub, nil)
	m.WatchNotify(n)
	srv, err := m.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	ctx := context.Background()
	if err := hub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	operator := backend.Identity{Name: "alice", Role: backend.RoleOperator}
	// a fails and pauses the plan with b queued; c is being redeployed by hand.
	if _, err := hub.StartPlan([]string{"i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb"},
		fleet.PlanOptions{MaxInFlight: 1, OnFailure: fleet.FailurePause, Identity: operator}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Minute)
	hub.PollTasks(ctx)
	hub.StepPlans()
	if _, err := hub.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1ccccccccccccccccc", Identity: operator}); err != nil {
		t.Fatal(err)
	}
	// Nothing runs the notifier: five notices in a queue of two.
	for i := range 5 {
		n.Post(notify.Notice{Kind: notify.KindEventNew, Key: fmt.Sprint(i)})
	}

	fams := scrape(t, srv)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ecs_redeploy_plans", map[string]string{"phase": "paused"}, 1},
		{"ecs_redeploy_plans", map[string]string{"phase": "running"}, 0},
		{"ecs_redeploy_plans", map[string]string{"phase": "aborted"}, 0},
		{"ecs_redeploy_plans", map[string]string{"phase": "done"}, 0},
		{"ecs_redeploy_plan_items", map[string]string{"status": "failed"}, 1},
		{"ecs_redeploy_plan_items", map[string]string{"status": "queued"}, 1},
		{"ecs_redeploy_plan_items", map[string]string{"status": "outcome-unknown"}, 0},
		{"ecs_redeploy_redeploys", map[string]string{"state": "failed"}, 1},
		{"ecs_redeploy_redeploys", map[string]string{"state": "running"}, 1},
		{"ecs_redeploy_redeploys", map[string]string{"state": "idle"}, 1},
		{"ecs_redeploy_redeploys", map[string]string{"state": "outcome-unknown"}, 0},
		{"ecs_redeploy_tasks", map[string]string{"status": string(model.TaskFailed)}, 1},
		{"ecs_redeploy_tasks", map[string]string{"status": string(model.TaskProcessing)}, 1},
		{"ecs_redeploy_notify_queued", nil, 2},
		{"ecs_redeploy_notify_dropped_total", nil, 3},
		{"ecs_redeploy_notify_sent_total", nil, 0},
		{"ecs_redeploy_notify_retries_total", nil, 0},
		{"ecs_redeploy_notify_failed_total", nil, 0},
	} {
		got, ok := value(fams, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if f := fams["ecs_redeploy_notify_dropped_total"]; f == nil || f.GetType() != dto.MetricType_COUNTER {
		t.Errorf("dropped is not a counter: %v", f)
	}
}
