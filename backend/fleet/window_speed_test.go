package fleet

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// A plan waiting for a window on a simulator at --sim-speed wakes when the simulator's
// clock reaches the window's start, not that length of wall time later (the tester's
// #3: at 600x a window 2 h on was waited for 2 h of wall time, 50 days of the
// simulator's, and the instance was left for a person once its deadline had passed).
func TestHubRunnerWakesAPlanAtItsWindowStartOnAFasterClock(t *testing.T) {
	const speed = 60
	wall := sim.NewStepClock(sim.Epoch)
	fa := &fakeAfter{asked: make(chan afterCall, 64)}
	clock := sim.NewScaledClockOn(sim.Epoch, speed, wall.Now, fa.After)
	eng := sim.New(windowFleet(windowSpecs[:2]), clock, sim.Options{})
	w := &watch{Backend: sim.NewBackend(eng), eng: eng, meta: map[string]model.Instance{}, calls: map[string]int{}}
	// As the commands build it on --demo: the backend's clock is the simulator's, waits
	// for its instants are its Until, and the API's pace is the wall's.
	h := New(w, Options{Now: clock.Now, Wall: wall.Now, After: fa.After, Until: eng.Until, NewEvery: -1, Interval: 24 * time.Hour})
	_, sub := runHub(t, h)
	if _, err := h.StartPlan(ids("now", "later"), PlanOptions{InWindow: true, Identity: operator}); err != nil {
		t.Fatal(err)
	}
	// later's window opens 2 h on the simulator's clock: 2 min of the wall's at 60x.
	opens := sim.Epoch.Add(2 * time.Hour)
	var wake afterCall
	for deadline := time.After(30 * time.Second); wake.fire == nil; {
		select {
		case c := <-fa.asked:
			switch c.d {
			case 2 * time.Hour / speed:
				wake = c
			case 2 * time.Hour:
				t.Fatalf("the plan waits 2h of wall time for a window 2h on a clock %dx faster: it wakes %v of the simulator's late", speed, (speed-1)*2*time.Hour)
			}
		case <-deadline:
			t.Fatal("the plan's runner never asked to wake at later's window start")
		}
	}
	wall.Advance(wake.d)
	wake.fire <- wall.Now()
	for deadline := time.After(30 * time.Second); ; {
		select {
		case s := <-sub.C():
			if len(s.Plans) != 1 {
				continue
			}
			for _, it := range s.Plans[0].Items {
				if it.Name != "later" || it.Submitted.IsZero() {
					continue
				}
				// Sent at its window's start, on the simulator's clock: not before, and not late.
				if it.Submitted.Before(opens) || it.Submitted.After(opens.Add(time.Minute)) {
					t.Fatalf("later was sent at %v, want its window's start %v", it.Submitted, opens)
				}
				return
			}
		case <-deadline:
			t.Fatalf("later was not sent when the runner woke at its window: %+v", h.Plans())
		}
	}
}

// maintDown answers every DescribeInstanceMaintenanceAttributes with a failure, counted.
type maintDown struct {
	backend.Backend
	calls atomic.Int32
}

func (m *maintDown) MaintenanceAttributes(context.Context, string, []string) ([]model.MaintenanceAttribute, error) {
	m.calls.Add(1)
	return nil, &backend.APIError{Code: "ServiceUnavailable", HTTPStatus: 503, Message: "down"}
}

// The other kind: a wait that paces the API stays on the wall clock at any speed. A
// failed read of the windows is asked again a minute of wall time later, not a minute
// of the simulator's (a tenth of a second at 600x: ten calls a second to a failing API).
func TestPlanAsksAgainForFailedWindowsAfterAWallMinuteOnAFasterClock(t *testing.T) {
	const speed = 600
	wall := sim.NewStepClock(sim.Epoch)
	fa := &fakeAfter{asked: make(chan afterCall, 64)}
	clock := sim.NewScaledClockOn(sim.Epoch, speed, wall.Now, fa.After)
	eng := sim.New(windowFleet(windowSpecs[:2]), clock, sim.Options{})
	m := &maintDown{Backend: sim.NewBackend(eng)}
	h := New(m, Options{Now: clock.Now, Wall: wall.Now, After: fa.After, Until: eng.Until})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(h, ids("now", "later"), PlanOptions{InWindow: true, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Schedule(ctx); err == nil {
		t.Fatal("Schedule read windows from a backend that fails")
	}
	if p.wakeAt() != nil {
		t.Fatal("a plan with no window read waits for a window instant")
	}
	p.retryAt()
	if c := <-fa.asked; c.d != windowRetry {
		t.Fatalf("the retry waits %v of wall time, want %v", c.d, windowRetry)
	}
	// Half a wall minute: five hours of the simulator's. Not asked again yet.
	wall.Advance(30 * time.Second)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if n := m.calls.Load(); n != 1 {
		t.Fatalf("asked %d times within a wall minute, want 1", n)
	}
	wall.Advance(30 * time.Second)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if n := m.calls.Load(); n != 2 {
		t.Fatalf("asked %d times after a wall minute, want 2", n)
	}
}
