package fleet

import (
	"context"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// Issue 20: the demo console at 100,000 instances ignored SIGTERM for seconds (once for
// minutes) in about half the tries: the first listing holds the hub's lock while it folds
// in a region of rows, and the console's way out, Drain and the screen's Subscription.Close,
// both waited for that lock. With nothing in flight neither waits for it now. The lock is
// held here by the test itself, for as long as the test likes.
func TestEndingWaitsForNoListingWhenNothingIsInFlight(t *testing.T) {
	h, _, _, _ := setup(t, sim.Options{})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	sub := h.Subscribe(context.Background())
	other := h.Subscribe(context.Background())
	defer other.Close()

	h.mu.Lock() // a long listing
	ended := make(chan error, 1)
	go func() {
		sub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ended <- h.Drain(ctx)
	}()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("Drain with nothing in flight: %v", err)
		}
	case <-time.After(10 * time.Second):
		h.mu.Unlock()
		t.Fatal("Close and Drain waited for the listing's lock with nothing in flight")
	}
	h.mu.Unlock()

	// The closed subscription is forgotten: not counted, and the next publish drops it.
	if n := h.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers after one of two closed, want 1", n)
	}
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	_, kept := h.subs[sub]
	h.mu.Unlock()
	if kept {
		t.Fatal("a publish after the close still offers the closed subscription its snapshots")
	}
	select {
	case <-other.C():
	default:
		t.Fatal("the open subscription got nothing")
	}
}

// With a call in flight, Drain still waits for it (the audit line and the outcome), up to
// its context.
func TestDrainStillWaitsForACallInFlight(t *testing.T) {
	h, _, _, _ := setup(t, sim.Options{})
	h.callBegun()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Drain(ctx); err == nil {
		t.Fatal("Drain returned nil with a call in flight and its context over")
	}
	h.callEnded()
	if err := h.Drain(context.Background()); err != nil {
		t.Fatalf("Drain after the call ended: %v", err)
	}
}
