package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// The snapshot's metrics. They are computed from the hub's latest snapshot when
// Prometheus scrapes: no second poll loop, no API call.
var (
	pendingDesc = prometheus.NewDesc("ecs_redeploy_pending_events",
		"System events in a pending cycle status (Inquiring, Scheduled, Executing) on listed instances.",
		[]string{"type", "status", "region"}, nil)
	deadlineDesc = prometheus.NewDesc("ecs_redeploy_nearest_deadline_seconds",
		"Seconds from now to the nearest NotBefore of a pending event that is not a drill, by region; negative when overdue. Absent for a region with none.",
		[]string{"region"}, nil)
	tasksDesc = prometheus.NewDesc("ecs_redeploy_tasks",
		"RedeployInstance tasks the hub follows, by status (Processing, Finished, Failed).",
		[]string{"status"}, nil)
	rowsDesc = prometheus.NewDesc("ecs_redeploy_instances",
		"Listed instances with a pending event, by what the console shows of them: pending, blocked, no_redeploy, in_progress (fleet.Counts).",
		[]string{"state"}, nil)
	redeploysDesc = prometheus.NewDesc("ecs_redeploy_redeploys",
		"Listed instances by the state of their redeploy as the hub knows it: idle, submitting, running, outcome-unknown (no answer said whether it started), avoided, failed.",
		[]string{"state"}, nil)
	plansDesc = prometheus.NewDesc("ecs_redeploy_plans",
		"Plans the hub runs or ran lately (the last 20 ended are kept), by phase: running, paused (waiting for an operator), aborted, done.",
		[]string{"phase"}, nil)
	planItemsDesc = prometheus.NewDesc("ecs_redeploy_plan_items",
		"Instances of those plans by status: queued, submitting, running, outcome-unknown, finished, failed, skipped.",
		[]string{"status"}, nil)
	updatedDesc = prometheus.NewDesc("ecs_redeploy_last_refresh_timestamp_seconds",
		"When the hub's last successful refresh finished (Unix time); absent before the first.",
		nil, nil)
	staleDesc = prometheus.NewDesc("ecs_redeploy_refresh_failing",
		"1 while the hub's last refresh failed (the rows are stale), else 0.",
		nil, nil)
)

type snapshotCollector struct{ hub Hub }

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pendingDesc, deadlineDesc, tasksDesc, rowsDesc, redeploysDesc, plansDesc, planItemsDesc, updatedDesc, staleDesc} {
		ch <- d
	}
}

type eventKey struct {
	typ    model.EventType
	status model.EventCycleStatus
	region string
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	s, now := c.hub.Snapshot(), c.hub.Now()
	if s == nil {
		return
	}
	pending := map[eventKey]int{}
	nearest := map[string]time.Time{}
	for _, r := range s.Rows {
		for _, ev := range r.Inst.PendingEvents() {
			pending[eventKey{ev.Type, ev.CycleStatus, r.Inst.RegionID}]++
			// A drill's deadline is rehearsal, never the nearest one to act on.
			if n, ok := nearest[r.Inst.RegionID]; !ev.Simulated && !ev.NotBefore.IsZero() && (!ok || ev.NotBefore.Before(n)) {
				nearest[r.Inst.RegionID] = ev.NotBefore
			}
		}
	}
	for k, n := range pending {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n), string(k.typ), string(k.status), k.region)
	}
	for region, t := range nearest {
		ch <- prometheus.MustNewConstMetric(deadlineDesc, prometheus.GaugeValue, t.Sub(now).Seconds(), region)
	}
	tasks := map[model.TaskStatus]int{model.TaskProcessing: 0, model.TaskFinished: 0, model.TaskFailed: 0}
	for _, t := range s.Tasks {
		tasks[t.Status]++
	}
	for st, n := range tasks {
		ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(n), string(st))
	}
	for state, n := range map[string]int{"pending": s.Counts.Pending, "blocked": s.Counts.Blocked,
		"no_redeploy": s.Counts.NoRedeploy, "in_progress": s.Counts.InProgress} {
		ch <- prometheus.MustNewConstMetric(rowsDesc, prometheus.GaugeValue, float64(n), state)
	}
	// Every state, phase and status is reported, 0 included: a series that vanishes at 0
	// breaks rate() and alerts on absence.
	redeploys := make(map[fleet.RedeployState]int)
	for st := fleet.StateIdle; st <= fleet.StateFailed; st++ {
		redeploys[st] = 0
	}
	for _, r := range s.Rows {
		redeploys[r.State]++
	}
	for st, n := range redeploys {
		ch <- prometheus.MustNewConstMetric(redeploysDesc, prometheus.GaugeValue, float64(n), st.String())
	}
	phases := map[fleet.PlanPhase]int{fleet.PhaseRunning: 0, fleet.PhasePaused: 0, fleet.PhaseAborted: 0, fleet.PhaseDone: 0}
	items := map[fleet.ItemStatus]int{fleet.ItemQueued: 0, fleet.ItemSubmitting: 0, fleet.ItemRunning: 0, fleet.ItemOutcomeUnknown: 0,
		fleet.ItemFinished: 0, fleet.ItemFailed: 0, fleet.ItemSkipped: 0}
	for i := range s.Plans {
		phases[s.Plans[i].Phase]++
		for _, it := range s.Plans[i].Items {
			items[it.Status]++
		}
	}
	for ph, n := range phases {
		ch <- prometheus.MustNewConstMetric(plansDesc, prometheus.GaugeValue, float64(n), string(ph))
	}
	for st, n := range items {
		ch <- prometheus.MustNewConstMetric(planItemsDesc, prometheus.GaugeValue, float64(n), string(st))
	}
	if !s.Updated.IsZero() {
		ch <- prometheus.MustNewConstMetric(updatedDesc, prometheus.GaugeValue, float64(s.Updated.UnixNano())/1e9)
	}
	failing := 0.0
	if s.Err != nil {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, failing)
}
