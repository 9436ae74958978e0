package main

import (
	"context"
	"testing"
	"time"

	"ecs-redeploy/backend/fleet"
)

// On --demo at --sim-speed, every hub waits for an instant on the simulator's clock with
// the simulator's Until (the tester's #3: a plan waited the wall time of a length on the
// simulator's clock, --sim-speed times too long). Ten simulated minutes at 100000x are
// 6 ms of wall time; time.After of ten minutes would not fire within the test.
func TestDemoHubWaitsOnTheSimulatorsClock(t *testing.T) {
	g := &globalOptions{Demo: true, Scenario: scenario, SimSpeed: 100_000, Instances: 5}
	e, err := g.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var until func(time.Time) <-chan time.Time
	adjustHubOptions = func(o *fleet.Options) { until = o.Until }
	t.Cleanup(func() { adjustHubOptions = nil })
	e.newHub(fleet.Options{})
	if until == nil {
		t.Fatal("the hub on an accelerated simulator waits on the wall clock (Options.Until not set)")
	}
	at := e.Now().Add(10 * time.Minute)
	select {
	case <-until(at):
		if now := e.Now(); now.Before(at) {
			t.Fatalf("woke at %v, before %v", now, at)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a wait for ten simulated minutes at 100000x did not end within 30 s of wall time")
	}
}
