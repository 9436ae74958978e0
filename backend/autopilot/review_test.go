package autopilot_test

// Reproductions from the review of issue 23 (branch review). Each fails on c8b31b9.

import (
	"context"
	"runtime"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/model/policy"
)

// A restarted process makes a new Autopilot on a hub that runs the plans the last one
// left (ResumePlans adopts them). The rule that took their instances is not known (New
// adopts them under rule ""), so their redeploys in flight do not count against the
// rule's max_in_flight, and the new autopilot starts another: two in flight under a rule
// that says one.
func TestReviewRestartKeepsTheRulesMaxInFlight(t *testing.T) {
	r := newRig(t, twoWeb, anyTime)
	r.ap.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("first look sent %v", got)
	}
	// The restart: the same hub (its plans resumed), a new autopilot of the same policy.
	p, _ := policy.Parse("p.yaml", []byte(anyTime))
	ap2, err := autopilot.New(r.h, autopilot.Options{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	ap2.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("after a restart, with %s still in flight under rule web (max_in_flight 1), sent %v", r.b.sent()[0], got)
	}
}

// An operator pauses the autopilot at night; the process restarts (an upgrade, a crash,
// a reboot). The pause lived only in memory: the new autopilot runs and sends, though
// nobody resumed it. It should come back paused, saying by whom.
func TestReviewPauseSurvivesARestart(t *testing.T) {
	r := newRig(t, twoWeb, anyTime)
	if err := r.h.PauseAutopilot(alice); err != nil {
		t.Fatal(err)
	}
	p, _ := policy.Parse("p.yaml", []byte(anyTime))
	ap2, err := autopilot.New(r.h, autopilot.Options{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	ap2.Tick(context.Background())
	if got := r.b.sent(); len(got) != 0 {
		t.Fatalf("paused by alice, restarted, and nobody resumed it: sent %v", got)
	}
}

// blocking holds the first RedeployInstance call until released.
type blocking struct {
	backend.Backend
	entered, release chan struct{}
	first            bool
}

func (b *blocking) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	if !b.first {
		b.first = true
		close(b.entered)
		<-b.release
	}
	return b.Backend.Redeploy(ctx, req)
}

// The pause must stop further sends at once. While the autopilot's plan sends its first
// wave (StartPlan sends it before returning), a pause waits for the whole wave: the plan
// is not yet among the autopilot's plans, so nothing pauses it, and every remaining send
// of the wave goes out while the operator's pause waits for it.
func TestReviewPauseStopsTheFirstWaveAtOnce(t *testing.T) {
	r := newRig(t, twoWeb, `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: false}
    how: {max_in_flight: 2}
`)
	bl := &blocking{Backend: r.b.Backend, entered: make(chan struct{}), release: make(chan struct{})}
	r.b.Backend = bl
	ticked := make(chan struct{})
	go func() { r.ap.Tick(context.Background()); close(ticked) }()
	<-bl.entered // the first send of the wave is out
	paused := make(chan struct{})
	go func() { _ = r.h.PauseAutopilot(alice); close(paused) }()
	for p, _ := r.ap.Paused(); !p; p, _ = r.ap.Paused() {
		runtime.Gosched()
	}
	close(bl.release)
	<-ticked
	<-paused
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("paused while the first send was out; sent %v after it", got)
	}
}
