package fleet

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// marginSpecs: sim.Epoch is 11:00 UTC+8. tight's window opens in 2h, 27m before its
// deadline (the tester's kafka: sent at deadline − 4m, it ended after the platform
// acted); cut's opens in 2h, 45m before its deadline; inside is in its window 20m before
// its deadline.
var marginSpecs = []windowSpec{
	{name: "tight", from: 13, to: 15, due: 2*time.Hour + 27*time.Minute},
	{name: "cut", from: 13, to: 15, due: 2*time.Hour + 45*time.Minute},
	{name: "inside", from: 10, to: 14, due: 20 * time.Minute},
}

// A plan that keeps to windows sends nothing later than its margin before the deadline:
// a window that opens after the cut, or a deadline nearer than the margin, is left for a
// person, saying so; a window that runs past the cut ends there.
func TestPlanInWindowSendsNothingAfterTheMarginBeforeTheDeadline(t *testing.T) {
	r := newRig(t, windowFleet(marginSpecs), sim.Options{}, false)
	ctx := context.Background()
	p, err := NewPlan(r.h, ids("tight", "cut", "inside"), PlanOptions{MaxInFlight: 10, InWindow: true, Margin: DefaultMargin, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	if got := itemOf(p, "tight"); got.Status != ItemSkipped ||
		got.Reason != "no maintenance window before 2026-11-25T04:57:00Z, 30m before the deadline 2026-11-25T05:27:00Z (the next, 13:00:00–15:00:00 UTC+8, starts 2026-11-25T05:00:00Z); left for a person" {
		t.Fatalf("tight: %s %q", got.Status, got.Reason)
	}
	if got := itemOf(p, "inside"); got.Status != ItemSkipped || got.Reason != "no maintenance window before 2026-11-25T02:50:00Z, 30m before the deadline 2026-11-25T03:20:00Z: that time has passed; left for a person" {
		t.Fatalf("inside: %s %q", got.Status, got.Reason)
	}
	cut := sim.Epoch.Add(2*time.Hour + 15*time.Minute)
	if got := itemOf(p, "cut"); got.Status != ItemQueued || !got.Due.Equal(sim.Epoch.Add(2*time.Hour)) || !got.DueUntil.Equal(cut) {
		t.Fatalf("cut: %s due %v until %v, want until %v (the deadline less 30m)", got.Status, got.Due, got.DueUntil, cut)
	}
	if rec := p.Record(); !strings.Contains(rec.Describe(), "inside each instance's maintenance window, 30m before its deadline at the latest") {
		t.Fatalf("Describe: %s", rec.Describe())
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	// Nothing steps the plan until the cut (a long stall, a process stopped): at the
	// cut, it is too late to send.
	r.clock.Advance(cut.Sub(r.clock.Now()))
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.w.calls[wid("cut")]; n != 0 {
		t.Fatalf("cut: sent %d times at %v, 30m before its deadline", n, r.clock.Now())
	}
	if got := itemOf(p, "cut"); got.Status != ItemSkipped || got.Reason != "no maintenance window before 2026-11-25T05:15:00Z, 30m before the deadline 2026-11-25T05:45:00Z: that time has passed; left for a person" {
		t.Fatalf("cut at its cut: %s %q", got.Status, got.Reason)
	}
}

// The margin is saved with the plan: a resumed plan keeps to it.
func TestResumedPlanKeepsItsMargin(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(windowFleet(marginSpecs[1:2]), clock, sim.Options{})
	store := &PlanStore{Dir: filepath.Join(t.TempDir(), "state")}
	ctx := context.Background()
	h1 := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
	if err := h1.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p1, err := NewPlan(h1, ids("cut"), PlanOptions{InWindow: true, Margin: 40 * time.Minute, Store: store, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p1.Step(ctx); err != nil {
		t.Fatal(err)
	}
	p1.Close()
	h2 := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
	if err := h2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	plans, _, err := ResumeUnfinished(ctx, h2, PlanOptions{Store: store, Identity: operator})
	if err != nil || len(plans) != 1 {
		t.Fatalf("resumed %d, %v", len(plans), err)
	}
	if rec := plans[0].Record(); rec.Margin != 40*time.Minute || !rec.Items[0].DueUntil.Equal(sim.Epoch.Add(2*time.Hour+5*time.Minute)) {
		t.Fatalf("resumed: margin %v, due until %v", rec.Margin, rec.Items[0].DueUntil)
	}
}

func TestNewPlanRefusesANegativeMargin(t *testing.T) {
	r := newRig(t, windowFleet(marginSpecs), sim.Options{}, false)
	if _, err := NewPlan(r.h, ids("cut"), PlanOptions{InWindow: true, Margin: -time.Minute}); err == nil {
		t.Fatal("a negative margin was taken")
	}
}
