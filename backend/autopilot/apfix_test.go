package autopilot_test

// Issue 23, the review's two defects left open: a plan's queued item kept only to the
// window and the deadline, and a slow tick decided on an old clock after reading every
// window one by one.

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/model/policy"
)

// avoidNoon takes both of twoWeb's instances at once, never from 10:30 to 12:00 UTC, and
// nothing in the last 30 minutes before a deadline.
const avoidNoon = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: false, avoid_hours: ["10:30-12:00"], margin: 30m}
    how: {max_in_flight: 2}
`

// A plan of the autopilot's left its second item queued (the autopilot was paused while
// the first wave was out). Resumed later, the plan sent it at once: inside the avoided
// hours, or inside the margin before its deadline, because a plan keeps only to the window
// and the deadline. The item must wait for the tick's decision: sent after the avoided
// hours, or left to humans past the margin. The same holds for a plan adopted after a
// restart, whose holds are not saved with it.
func TestAQueuedItemKeepsToItsRulesTiming(t *testing.T) {
	for _, tc := range []struct {
		name    string
		resume  time.Duration // after start (10:00 UTC)
		restart bool
		// sentAt is when the second instance may be sent at the earliest (zero: never).
		sentAt time.Time
		left   string
	}{
		{name: "inside the avoided hours", resume: 40 * time.Minute, sentAt: start.Add(2 * time.Hour)},
		{name: "inside the margin", resume: 6*time.Hour + 40*time.Minute, left: "less than 30m away"},
		{name: "adopted after a restart, inside the avoided hours", resume: 40 * time.Minute, restart: true, sentAt: start.Add(2 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f, err := sim.ParseScenario("s.yaml", []byte(twoWeb), start)
			if err != nil {
				t.Fatal(err)
			}
			pol, err := policy.Parse("p.yaml", []byte(avoidNoon))
			if err != nil {
				t.Fatal(err)
			}
			clock := sim.NewStepClock(start)
			c := &counting{Backend: sim.NewBackend(sim.New(f, clock, sim.Options{Seed: 1}))}
			bl := &blocking{Backend: c.Backend, entered: make(chan struct{}), release: make(chan struct{})}
			c.Backend = bl
			dir := t.TempDir()
			store := &fleet.PlanStore{Dir: dir}
			state := filepath.Join(dir, "autopilot-t.json")
			newHub := func() *fleet.Hub {
				h := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now, NewEvery: -1, Plans: store})
				if err := h.Refresh(ctx); err != nil {
					t.Fatal(err)
				}
				return h
			}
			h := newHub()
			ap, err := autopilot.New(h, autopilot.Options{Policy: pol, State: state})
			if err != nil {
				t.Fatal(err)
			}
			// The first wave: the first send is out when an operator pauses the autopilot;
			// the second instance stays queued in the paused plan.
			ticked := make(chan struct{})
			go func() { ap.Tick(ctx); close(ticked) }()
			<-bl.entered
			paused := make(chan struct{})
			go func() { _ = h.PauseAutopilot(alice); close(paused) }()
			for p, _ := ap.Paused(); !p; p, _ = ap.Paused() {
				runtime.Gosched()
			}
			close(bl.release)
			<-ticked
			<-paused
			if got := c.sent(); len(got) != 1 {
				t.Fatalf("the first wave sent %v", got)
			}
			step := func(d time.Duration) {
				clock.Advance(d)
				_ = h.Refresh(ctx)
				h.PollTasks(ctx)
				h.StepPlans()
				ap.Tick(ctx)
			}
			for clock.Now().Before(start.Add(tc.resume)) {
				step(10 * time.Minute)
			}
			if tc.restart {
				if err := h.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				h = newHub()
				if _, _, err := h.ResumePlans(ctx, backend.Identity{}); err != nil {
					t.Fatal(err)
				}
				if ap, err = autopilot.New(h, autopilot.Options{Policy: pol, State: state}); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.ResumeAutopilot(alice); err != nil {
				t.Fatal(err)
			}
			h.StepPlans()
			var at time.Time
			for range 60 {
				if at.IsZero() && len(c.sent()) == 2 {
					at = clock.Now()
				}
				step(5 * time.Minute)
			}
			switch {
			case tc.sentAt.IsZero() && len(c.sent()) != 1:
				t.Fatalf("resumed at %s, sent %v (the second at %s): its deadline is less than the margin away", start.Add(tc.resume).Format("15:04"), c.sent(), at.Format("15:04"))
			case !tc.sentAt.IsZero() && (at.IsZero() || at.Before(tc.sentAt)):
				t.Fatalf("resumed at %s, the second was sent at %s; not before %s", start.Add(tc.resume).Format("15:04"), at.Format("15:04"), tc.sentAt.Format("15:04"))
			}
			if tc.left != "" {
				st := h.Snapshot().Autopilot
				found := false
				for _, l := range st.Left {
					found = found || (l.InstanceID == "i-bp1a000000000000002" && strings.Contains(l.Reason, tc.left))
				}
				if !found {
					t.Fatalf("not left to humans with %q: %+v", tc.left, st.Left)
				}
			}
			for _, p := range h.Plans() {
				for _, it := range p.Items {
					if it.Status == fleet.ItemFailed {
						t.Fatalf("a held item read as a failure: %+v", it)
					}
				}
			}
		})
	}
}

// maintCounting counts DescribeInstanceMaintenanceAttributes calls and the ids asked, and
// may make each call take a while on the stepped clock.
type maintCounting struct {
	backend.Backend
	clock *sim.StepClock
	slow  time.Duration

	mu         sync.Mutex
	calls, ids int
}

func (m *maintCounting) MaintenanceAttributes(ctx context.Context, region string, ids []string) ([]model.MaintenanceAttribute, error) {
	m.mu.Lock()
	m.calls++
	m.ids += len(ids)
	m.mu.Unlock()
	m.clock.Advance(m.slow)
	return m.Backend.MaintenanceAttributes(ctx, region, ids)
}

func (m *maintCounting) count() (calls, ids int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls, m.ids
}

func windowRig(t *testing.T, scenario, pol string, slow time.Duration) (*fleet.Hub, *autopilot.Autopilot, *maintCounting, *counting) {
	t.Helper()
	f, err := sim.ParseScenario("s.yaml", []byte(scenario), start)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("p.yaml", []byte(pol))
	if err != nil {
		t.Fatal(err)
	}
	clock := sim.NewStepClock(start)
	m := &maintCounting{Backend: sim.NewBackend(sim.New(f, clock, sim.Options{Seed: 1})), clock: clock, slow: slow}
	c := &counting{Backend: m}
	h := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now, NewEvery: -1})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	ap, err := autopilot.New(h, autopilot.Options{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	return h, ap, m, c
}

// A tick read every in-window instance's maintenance attributes one call each (every
// MaintenanceTTL), even those whose lead time is days away. It reads only those within
// their rule's lead time, in one call per region.
func TestATickReadsOnlyTheWindowsItNeedsInOneCallARegion(t *testing.T) {
	var sc strings.Builder
	sc.WriteString("regions: [cn-hangzhou]\ninstances:\n")
	for i := 1; i <= 20; i++ {
		due := "+72h"
		if i <= 2 {
			due = "+3h"
		}
		fmt.Fprintf(&sc, "  - {id: i-bp1e%016d, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: \"00:00:00\", end: \"23:00:00\"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: %q, published: \"-1h\"}]}\n", i, due)
	}
	const pol = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: true, lead_time: 6h}
    how: {max_in_flight: 1}
`
	h, ap, m, _ := windowRig(t, sc.String(), pol, 0)
	ap.Tick(context.Background())
	if calls, ids := m.count(); calls != 1 || ids != 2 {
		t.Fatalf("a tick over 20 instances, 2 within their lead time: %d DescribeInstanceMaintenanceAttributes calls for %d ids, want 1 for 2", calls, ids)
	}
	far := 0
	for _, n := range h.Snapshot().Autopilot.Next {
		if n.At.Equal(start.Add(72*time.Hour - 6*time.Hour)) {
			far++
		}
	}
	if far != 18 {
		t.Fatalf("%d of 18 instances shown due when their lead time begins: %+v", far, h.Snapshot().Autopilot.Next)
	}

	// The dry run shows every start, past the lead time's too: every window, one call.
	h, _, m, _ = windowRig(t, sc.String(), pol, 0)
	p, _ := policy.Parse("p.yaml", []byte(pol))
	tl := autopilot.DryRun(context.Background(), h, p, 96*time.Hour, 0)
	if calls, ids := m.count(); calls != 1 || ids != 20 {
		t.Fatalf("a dry run over 20 instances: %d calls for %d ids, want 1 for 20", calls, ids)
	}
	if len(tl.Redeploys) != 20 {
		t.Fatalf("the dry run starts %d, want 20: %+v", len(tl.Redeploys), tl)
	}
}

// A tick whose window reads take a while decided on the clock it started with: an instance
// due at 10:00 was started at 10:20, inside hours the rule avoids from 10:10.
func TestASlowTickDecidesOnTheClockAfterItsReads(t *testing.T) {
	h, ap, _, c := windowRig(t, `regions: [cn-hangzhou]
instances:
  - {id: i-bp1f000000000000001, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "00:00:00", end: "23:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+10h"}]}
`, `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: true, avoid_hours: ["10:10-12:00"]}
`, 20*time.Minute)
	ap.Tick(context.Background())
	if got := c.sent(); len(got) != 0 {
		t.Fatalf("the read ended at %s, inside the avoided hours; sent %v", h.Now().UTC().Format("15:04"), got)
	}
	st := h.Snapshot().Autopilot
	if len(st.Next) != 1 || !st.Next[0].At.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("next: %+v, want at 12:00", st.Next)
	}
}
