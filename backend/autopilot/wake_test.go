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

// runOnStepClock runs an autopilot of policy pol over twoWeb on a stepped clock whose
// Every never ends (After never fires): only a wake on the backend's clock (Until) or a
// change the hub publishes makes it look. It stops when the test ends.
func runOnStepClock(t *testing.T, pol string) (*sim.StepClock, *counting, *fleet.Hub, *fleet.Subscription, context.Context) {
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
	ap, err := autopilot.New(h, autopilot.Options{Policy: p, After: never})
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
