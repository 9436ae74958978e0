package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// priced counts the calls the real backend would make for each answer (aliyun's pages:
// 100 events a page, 100 instances a DescribeInstances), by action.
type priced struct {
	backend.Backend
	regions []string
	mu      sync.Mutex
	calls   map[string]int
}

func (p *priced) add(action string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[action] += n
}

func (p *priced) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		n += c
	}
	return n
}

func (p *priced) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	insts, err := p.Backend.Instances(ctx, q)
	if err != nil {
		return insts, err
	}
	regions := q.Regions
	if len(regions) == 0 {
		regions = p.regions
	}
	events := map[string]int{}
	count := map[string]int{}
	for i := range insts {
		events[insts[i].RegionID] += len(insts[i].Events)
		count[insts[i].RegionID]++
	}
	for _, r := range regions {
		pages := max(1, ceilDiv(events[r], eventsPerPage))
		if len(q.InstanceIDs) > 0 {
			pages = max(1, ceilDiv(len(q.InstanceIDs), 100)) // ResourceId.N, 100 a call
		}
		p.add("DescribeInstanceHistoryEvents", pages)
		p.add("DescribeInstances", ceilDiv(count[r], instancesPerCall))
	}
	return insts, nil
}

func (p *priced) PendingEvents(ctx context.Context, q backend.EventQuery) ([]model.Event, error) {
	evs, err := p.Backend.PendingEvents(ctx, q)
	p.add("DescribeInstanceHistoryEvents", max(1, ceilDiv(len(evs), eventsPerPage)))
	return evs, err
}

func (p *priced) ListTasks(ctx context.Context, q backend.TaskQuery) ([]model.Task, error) {
	p.add("DescribeTasks", 1)
	return p.Backend.ListTasks(ctx, q)
}

func (p *priced) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	p.add("DescribeTasks", 1)
	return p.Backend.Tasks(ctx, region, ids)
}

func (p *priced) Regions(ctx context.Context) ([]model.Region, error) {
	p.add("DescribeRegions", 1)
	return p.Backend.Regions(ctx)
}

// stepper is Options.After on a stepped clock: a timer fires when step moves the clock past
// it, and step returns once every loop it woke has asked for its next timer (done its
// round), so the test reads the hub between rounds, never during one.
type stepper struct {
	clock  *sim.StepClock
	mu     sync.Mutex
	timers []stepTimer
	asked  chan struct{}
}

type stepTimer struct {
	at time.Time
	c  chan time.Time
}

func newStepper(clock *sim.StepClock) *stepper {
	return &stepper{clock: clock, asked: make(chan struct{}, 16)}
}

func (s *stepper) After(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	s.mu.Lock()
	s.timers = append(s.timers, stepTimer{s.clock.Now().Add(d), c})
	s.mu.Unlock()
	s.asked <- struct{}{}
	return c
}

// wait waits for n loops to ask for a timer.
func (s *stepper) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.asked:
		case <-time.After(30 * time.Second):
			t.Fatal("a loop never came back for its next timer")
		}
	}
}

func (s *stepper) step(t *testing.T, d time.Duration) {
	t.Helper()
	s.clock.Advance(d)
	now := s.clock.Now()
	s.mu.Lock()
	var due []stepTimer
	keep := s.timers[:0]
	for _, tm := range s.timers {
		if !now.Before(tm.at) {
			due = append(due, tm)
		} else {
			keep = append(keep, tm)
		}
	}
	s.timers = keep
	s.mu.Unlock()
	for _, tm := range due {
		tm.c <- now
	}
	s.wait(t, len(due))
}

// budgetRig is a hub over a generated fleet of n instances, its full-listing and
// new-events loops running on a stepped clock, with one more instance whose event ECS
// publishes at lateAt.
type budgetRig struct {
	h     *Hub
	eng   *sim.Engine
	clock *sim.StepClock
	st    *stepper
	calls *priced
	// lateIDs are instances whose event ECS publishes at lateAt, lateAt+1.9s, …
	lateIDs []string
	lateAt  time.Time
}

func newBudgetRig(t *testing.T, n int) *budgetRig {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := sim.Generate(7, n, sim.Epoch)
	// Eight events ECS publishes 1.9 s apart from lateAt on, in turn in two regions: some
	// just before their region's look, some just after.
	lateAt := sim.Epoch.Add(5*time.Minute + 500*time.Millisecond)
	var lateIDs []string
	for i := range 8 {
		id := fmt.Sprintf("i-bp1publishedlate%06d", i)
		region, zone := "cn-shanghai", "cn-shanghai-e"
		if i%2 == 1 {
			region, zone = "eu-central-1", "eu-central-1a"
		}
		at := lateAt.Add(time.Duration(i) * 1900 * time.Millisecond)
		f.Instances = append(f.Instances, model.Instance{ID: id, Name: "published-late", RegionID: region,
			ZoneID: zone, Status: model.StatusRunning, InstanceType: "ecs.g7.large",
			Events: []model.Event{{ID: fmt.Sprintf("e-publishedlate%02d", i), InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, PublishTime: at, NotBefore: at.Add(48 * time.Hour)}}})
		lateIDs = append(lateIDs, id)
	}
	eng := sim.New(f, clock, sim.Options{})
	var regions []string
	for _, r := range f.Regions {
		regions = append(regions, r.RegionID)
	}
	p := &priced{Backend: sim.NewBackend(eng), regions: regions, calls: map[string]int{}}
	st := newStepper(clock)
	h := New(p, Options{Now: clock.Now, Wall: clock.Now, After: st.After})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { h.refreshLoop(ctx); done <- struct{}{} }()
	go func() { h.newsLoop(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		st.mu.Lock()
		for _, tm := range st.timers {
			tm.c <- clock.Now()
		}
		st.mu.Unlock()
		<-done
		<-done
	})
	st.wait(t, 2)
	return &budgetRig{h: h, eng: eng, clock: clock, st: st, calls: p, lateIDs: lateIDs, lateAt: lateAt}
}

// tick is how far the test steps the clock at a time: finer than the hub's turns (a region
// every 1.4 s), so no timer fires late.
const tick = 200 * time.Millisecond

// until steps the clock a tick at a time until ok holds of the latest snapshot, and returns
// how long that took; it gives up after limit.
func (r *budgetRig) until(t *testing.T, limit time.Duration, ok func(*Snapshot) bool) time.Duration {
	t.Helper()
	start := r.clock.Now()
	for r.clock.Now().Sub(start) <= limit {
		if ok(r.h.Snapshot()) {
			return r.clock.Now().Sub(start)
		}
		r.st.step(t, tick)
	}
	return -1
}

// run steps the clock a tick at a time for d.
func (r *budgetRig) run(t *testing.T, d time.Duration) {
	t.Helper()
	for end := r.clock.Now().Add(d); r.clock.Now().Before(end); {
		r.st.step(t, tick)
	}
}

func find(s *Snapshot, id string) *Row {
	for _, r := range s.Rows {
		if r.Inst.ID == id {
			return r
		}
	}
	return nil
}

// TestAnIdleConsoleKeepsItsBudgetAndItsPromises is issue 20's "done when" on a stepped
// clock: at 1,000 and 10,000 pending instances an idle hub spends at most 120 and 300
// calls a minute (as the real backend would count them: its pages), while a redeploy
// started elsewhere shows within 15 s, an event that ended leaves the list within 2
// minutes, and a newly published event shows within 15 s.
func TestAnIdleConsoleKeepsItsBudgetAndItsPromises(t *testing.T) {
	for _, tc := range []struct{ n, perMin int }{{1000, 120}, {10000, 300}} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			if testing.Short() && tc.n > 1000 {
				t.Skip("10,000 instances: not in -short")
			}
			r := newBudgetRig(t, tc.n)
			r.run(t, time.Minute)
			s := r.h.Snapshot()
			if s.Updated.IsZero() || find(s, r.lateIDs[0]) != nil {
				t.Fatalf("after a minute: listed %v, the unpublished event's row %v", s.Updated, find(s, r.lateIDs[0]))
			}
			var moved, ends *Row
			for _, row := range s.Rows {
				switch {
				case row.State != StateIdle || row.InProgress:
				case moved == nil && row.Eligibility.Allowed:
					moved = row
				case ends == nil && len(row.OtherEvents) == 0 && row.Event != nil:
					ends = row
				}
			}

			// A redeploy started elsewhere (the aliyun CLI, the cloud console).
			if _, err := r.eng.Redeploy(moved.Inst.RegionID, moved.Inst.ID, false); err != nil {
				t.Fatal(err)
			}
			took := r.until(t, 20*time.Second, func(s *Snapshot) bool {
				row := find(s, moved.Inst.ID)
				return row != nil && row.InProgress && row.StartedBy.Elsewhere
			})
			if took < 0 || took > 15*time.Second {
				t.Errorf("a redeploy started elsewhere showed after %v, want within 15s", took)
			}
			t.Logf("a redeploy started elsewhere showed after %v", took)

			// An event that ends without a redeploy (cancelled by the platform).
			if err := r.eng.EndEvent(ends.Event.ID, model.CycleCanceled); err != nil {
				t.Fatal(err)
			}
			took = r.until(t, 3*time.Minute, func(s *Snapshot) bool { return find(s, ends.Inst.ID) == nil })
			if took < 0 || took > 2*time.Minute {
				t.Errorf("an event that ended left the list after %v, want within 2m", took)
			}
			t.Logf("an event that ended left the list after %v", took)

			// New events, published from lateAt on: each shows within 15 s of its publish time.
			for r.clock.Now().Before(r.lateAt) {
				if find(r.h.Snapshot(), r.lateIDs[0]) != nil {
					t.Fatal("an event showed before ECS published it")
				}
				r.st.step(t, tick)
			}
			var worst time.Duration
			shown := map[string]bool{}
			for end := r.lateAt.Add(40 * time.Second); len(shown) < len(r.lateIDs) && r.clock.Now().Before(end); r.st.step(t, tick) {
				s := r.h.Snapshot()
				for i, id := range r.lateIDs {
					published := r.lateAt.Add(time.Duration(i) * 1900 * time.Millisecond)
					if shown[id] || find(s, id) == nil {
						continue
					}
					took := r.clock.Now().Sub(published)
					if took < 0 {
						t.Fatalf("%s showed before ECS published its event", id)
					}
					if took > 15*time.Second {
						t.Errorf("a new event (%s) showed %v after it was published, want within 15s", id, took)
					}
					shown[id], worst = true, max(worst, took)
				}
			}
			if len(shown) < len(r.lateIDs) {
				t.Errorf("%d of %d new events never showed", len(r.lateIDs)-len(shown), len(r.lateIDs))
			}
			t.Logf("%d new events showed at worst %v after they were published", len(r.lateIDs), worst)

			// What it costs, idle, over ten minutes: on average, and in every one of them
			// (the listing goes region by region, not in one burst).
			before, busiest := r.calls.total(), 0
			for range 10 {
				start := r.calls.total()
				r.run(t, time.Minute)
				busiest = max(busiest, r.calls.total()-start)
			}
			perMin := (r.calls.total() - before) / 10
			if perMin > tc.perMin || busiest > tc.perMin {
				t.Errorf("%d calls a minute idle at %d instances (busiest minute %d), want at most %d: %v", perMin, tc.n, busiest, tc.perMin, r.calls.calls)
			}
			// The header's freshness: every region looked at within a period, every region
			// listed within a listing period.
			f := r.h.Snapshot().Fresh
			now := r.clock.Now()
			if age := now.Sub(f.NewEvents); age > f.NewEvery {
				t.Errorf("the oldest look for new events is %v old, the period %v", age, f.NewEvery)
			}
			// (+2 s: the test steps in ticks, and each of the ten turns may start up to a tick late.)
			if age := now.Sub(f.Full); age > f.FullEvery+2*time.Second || age < f.FullEvery/2 || f.Loaded != f.Regions {
				t.Errorf("the oldest region's listing is %v old, the period %v (%d/%d regions listed)", age, f.FullEvery, f.Loaded, f.Regions)
			}
			t.Logf("%d instances: %d calls a minute, busiest minute %d; new events every %s, full listing (%d calls) every %s",
				tc.n, perMin, busiest, f.NewEvery, f.FullCost, f.FullEvery)
		})
	}
}

// TestTheCadenceFollowsTheBudget pins the plan: new events every NewEvery (or slower when
// the budget cannot pay for them), the full listing as often as EndedWithin asks less its
// own time, or as rarely as its pages in what the budget leaves require; Throttling
// halves both.
func TestTheCadenceFollowsTheBudget(t *testing.T) {
	for _, tc := range []struct {
		name            string
		budget          float64
		cost            int
		took            time.Duration
		throttled       bool
		newEvery, every time.Duration
	}{
		// 10 regions: 20 calls a look, 86 a minute at 14 s.
		{"1,000 instances", 600, 41, 4 * time.Second, false, 14 * time.Second, 111 * time.Second},
		// An event that ended leaves within every+took = 115 s < 2 min.
		{"10,000 instances", 600, 227, 25 * time.Second, false, 14 * time.Second, 90 * time.Second},
		// 2,300 calls in the 514 a minute the looks leave: every 4m28s, which the header shows.
		{"100,000 instances", 600, 2300, 4 * time.Minute, false, 14 * time.Second, 268 * time.Second},
		{"throttled", 600, 227, 25 * time.Second, true, 28 * time.Second, 180 * time.Second},
		// 60 a minute cannot pay 20 calls every 14 s: one look every 40 s, half the budget.
		{"a small budget", 60, 41, 4 * time.Second, false, 40 * time.Second, 111 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(nil, Options{Budget: tc.budget})
			wall := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			h.rf.regions = make([]string, 10)
			h.rf.fullCost, h.rf.fullTook = tc.cost, tc.took
			if tc.throttled {
				h.rf.throttledUntil = wall.Add(time.Second)
			}
			newEvery, every := h.cadenceLocked(wall)
			if newEvery.Round(time.Second) != tc.newEvery || every.Round(time.Second) != tc.every {
				t.Errorf("new events every %v, full listing every %v; want %v, %v", newEvery, every, tc.newEvery, tc.every)
			}
		})
	}
}

// TestAnOpenDialogRereadsBeforeItDecides: Reread reads the instances named now, whatever
// the cadence, and what it learns is in the snapshot it returns: a redeploy started
// elsewhere since the last listing, and an event that ended.
func TestAnOpenDialogRereadsBeforeItDecides(t *testing.T) {
	h, c, eng, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	soon, later := "i-bp1soon000000000000001", "i-bp1later00000000000001"
	if _, err := eng.Redeploy("cn-hangzhou", soon, false); err != nil {
		t.Fatal(err)
	}
	if err := eng.EndEvent("e-"+later, model.CycleExecuted); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	before := c.instances.Load()
	s, at, err := h.Reread(ctx, []string{soon, later})
	if err != nil {
		t.Fatal(err)
	}
	if c.instances.Load() != before+1 || !at.Equal(clock.Now()) {
		t.Fatalf("%d reads, asked at %v", c.instances.Load()-before, at)
	}
	if r := row(t, s, soon); !r.InProgress || !r.StartedBy.Elsewhere {
		t.Errorf("after the re-read the row reads %v, started by %q: want the redeploy under way elsewhere", r.State, r.StartedBy)
	}
	if find(s, later) != nil {
		t.Error("after the re-read the instance whose event ended is still listed")
	}
	if _, _, err := h.Reread(ctx, []string{"i-bp1notlisted0000000001"}); !errors.Is(err, ErrNotListed) {
		t.Errorf("re-reading an instance nobody listed: %v", err)
	}
}

// TestWatchedInstancesAreReadOnEveryLook: what an open dialog shows is read by id on each
// look for new events, and no longer once the dialog closes.
func TestWatchedInstancesAreReadOnEveryLook(t *testing.T) {
	h, c, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	look := func() int32 {
		clock.Advance(time.Minute)
		before := c.instances.Load()
		if err := h.CheckNew(ctx); err != nil {
			t.Fatal(err)
		}
		return c.instances.Load() - before
	}
	if n := look(); n != 0 {
		t.Fatalf("%d reads by id with nothing followed", n)
	}
	stop := h.Watch([]string{"i-bp1soon000000000000001"})
	if n := look(); n != 1 {
		t.Fatalf("%d reads by id with a dialog open, want 1", n)
	}
	stop()
	stop()
	if n := look(); n != 0 {
		t.Fatalf("%d reads by id after the dialog closed", n)
	}
}

// TestThrottlingSlowsThePaceAndSaysSo: once ECS answers Throttling, both paces are halved
// for a minute and the snapshot says so, for the header.
func TestThrottlingSlowsThePaceAndSaysSo(t *testing.T) {
	h, _, eng, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	newEvery, fullEvery := h.Snapshot().Fresh.NewEvery, h.Snapshot().Fresh.FullEvery
	clock.Advance(time.Minute)
	eng.SetFaults(sim.Faults{ThrottleRate: 1, Actions: []string{"DescribeTasks"}})
	if err := h.CheckNew(ctx); err == nil {
		t.Fatal("a look whose DescribeTasks was throttled should say so")
	}
	f := h.Snapshot().Fresh
	if !f.Throttled || f.NewEvery != 2*newEvery || f.FullEvery != 2*fullEvery {
		t.Fatalf("after a Throttling: throttled %v, new events every %v (was %v), full listing every %v (was %v)",
			f.Throttled, f.NewEvery, newEvery, f.FullEvery, fullEvery)
	}
	eng.SetFaults(sim.Faults{})
	clock.Advance(throttleCalm + time.Second)
	if err := h.CheckNew(ctx); err != nil {
		t.Fatal(err)
	}
	if f := h.Snapshot().Fresh; f.Throttled || f.NewEvery != newEvery {
		t.Fatalf("a minute after the last Throttling: throttled %v, new events every %v", f.Throttled, f.NewEvery)
	}
}
