package autopilot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model/policy"
)

const leadTwoHours = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: false, lead_time: 2h}
    how: {max_in_flight: 1}
`

// The autopilot wakes when what it found due later is due, on the backend's clock: on a
// simulator at --sim-speed, Every (30 s of wall time) is hours of the simulator's, and a
// lead time that began between two looks was started that late (the tester's #3, its
// autopilot side). Here Every never ends: only the wake at the lead time's start can
// start the plan.
func TestRunWakesWhenTheNextIsDueOnTheBackendsClock(t *testing.T) {
	clock, b, h, sub, _ := runOnStepClock(t, leadTwoHours)
	// The first look finds web-1 due when its lead time begins: 6h − 2h from now.
	due := start.Add(4 * time.Hour)
	for deadline := time.After(30 * time.Second); ; {
		if st := h.Snapshot().Autopilot; st != nil && len(st.Next) > 0 && st.Next[0].At.Equal(due) {
			break
		}
		select {
		case <-sub.C():
		case <-deadline:
			t.Fatalf("the autopilot never found web-1 due at %v: %+v", due, h.Snapshot().Autopilot)
		}
	}
	clock.Advance(time.Hour)
	if got := b.sent(); len(got) != 0 {
		t.Fatalf("sent %v before the lead time began", got)
	}
	clock.Advance(3 * time.Hour)
	for deadline := time.After(30 * time.Second); ; {
		if got := b.sent(); len(got) > 0 {
			if got[0] != "i-bp1a000000000000001" {
				t.Fatalf("sent %v, want web-1 first", got)
			}
			return
		}
		select {
		case <-sub.C():
		case <-deadline:
			t.Fatalf("nothing was sent once the lead time began at %v (clock %v): the autopilot waited on the wall clock", due, clock.Now())
		}
	}
}

// What a bound held (max_in_flight here) goes once the redeploy holding it ends, not at
// the next look: Every is wall time, hours of a simulator at --sim-speed.
func TestRunStartsWhatABoundHeldWhenItsRedeployEnds(t *testing.T) {
	clock, b, h, sub, ctx := runOnStepClock(t, anyTime)
	waitSent := func(n int, what string) {
		t.Helper()
		for deadline := time.After(30 * time.Second); len(b.sent()) < n; {
			select {
			case <-sub.C():
			case <-deadline:
				t.Fatalf("%s: sent %v", what, b.sent())
			}
		}
	}
	waitSent(1, "the first look sent nothing")
	// web-1's redeploy ends; the hub's tracker sees it.
	for range 40 {
		clock.Advance(time.Minute)
		h.PollTasks(ctx)
		h.StepPlans()
	}
	waitSent(2, "web-2, held by max_in_flight 1, was not started when web-1's redeploy ended")
}

// The redeploy that holds a bound may end before the look that sent it is over (the
// hub's tracker runs beside it): a count of what is in flight taken after the look saw
// none, and the held one waited for Every (1 in ~40 runs of the test above under load).
// Here it ends, deterministically, while the look is still telling that it started.
func TestRunStartsWhatABoundHeldWhenItsRedeployEndsDuringTheLook(t *testing.T) {
	started, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(o *autopilot.Options) {
		o.OnNotice = func(kind, _ string) {
			if kind == autopilot.NoticePlanStarted {
				once.Do(func() { close(started); <-resume })
			}
		}
	}
	clock, b, h, sub, ctx := runOnStepClock(t, anyTime, hold)
	<-started
	if got := b.sent(); len(got) != 1 {
		t.Fatalf("the first look sent %v", got)
	}
	// web-1's redeploy ends, and the tracker sees it, before the look returns.
	for range 40 {
		clock.Advance(time.Minute)
		h.PollTasks(ctx)
		h.StepPlans()
	}
	close(resume)
	for deadline := time.After(30 * time.Second); len(b.sent()) < 2; {
		select {
		case <-sub.C():
		case <-deadline:
			t.Fatalf("web-2, held by max_in_flight 1, was not started when web-1's redeploy ended: sent %v", b.sent())
		}
	}
}

// runOnStepClock runs an autopilot of policy pol over twoWeb on a stepped clock whose
// Every never ends (After never fires): only a wake on the backend's clock (Until) or a
// change the hub publishes makes it look. opts change its Options. It stops when the test
// ends.
func runOnStepClock(t *testing.T, pol string, opts ...func(*autopilot.Options)) (*sim.StepClock, *counting, *fleet.Hub, *fleet.Subscription, context.Context) {
	t.Helper()
	f, err := sim.ParseScenario("s.yaml", []byte(twoWeb), start)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("p.yaml", []byte(pol))
	if err != nil {
		t.Fatal(err)
	}
	clock := sim.NewStepClock(start)
	eng := sim.New(f, clock, sim.Options{Seed: 1})
	b := &counting{Backend: sim.NewBackend(eng)}
	never := func(time.Duration) <-chan time.Time { return nil }
	h := fleet.New(backend.Guard(b), fleet.Options{Now: clock.Now, Wall: clock.Now, After: never, Until: eng.Until, NewEvery: -1})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	o := autopilot.Options{Policy: p, After: never}
	for _, f := range opts {
		f(&o)
	}
	ap, err := autopilot.New(h, o)
	if err != nil {
		t.Fatal(err)
	}
	sub := h.Subscribe(ctx)
	t.Cleanup(sub.Close)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); ap.Run(ctx) }()
	// Cleanups run last first: cancel, then wait for Run, then close the subscription.
	t.Cleanup(wg.Wait)
	t.Cleanup(cancel)
	return clock, b, h, sub, ctx
}
