package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	updatedDesc = prometheus.NewDesc("ecs_redeploy_last_refresh_timestamp_seconds",
		"When the hub's last successful refresh finished (Unix time); absent before the first.",
		nil, nil)
	staleDesc = prometheus.NewDesc("ecs_redeploy_refresh_failing",
		"1 while the hub's last refresh failed (the rows are stale), else 0.",
		nil, nil)
)

type snapshotCollector struct{ hub Hub }

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pendingDesc, deadlineDesc, tasksDesc, rowsDesc, updatedDesc, staleDesc} {
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
	if !s.Updated.IsZero() {
		ch <- prometheus.MustNewConstMetric(updatedDesc, prometheus.GaugeValue, float64(s.Updated.UnixNano())/1e9)
	}
	failing := 0.0
	if s.Err != nil {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, failing)
}
