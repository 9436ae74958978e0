package autopilot_test

// Reproductions from the review of issue 23 (branch review). Each fails on c8b31b9.

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
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
	state := filepath.Join(t.TempDir(), "autopilot-t.json")
	r := newRig(t, twoWeb, anyTime)
	p, _ := policy.Parse("p.yaml", []byte(anyTime))
	ap1, err := autopilot.New(r.h, autopilot.Options{Policy: p, State: state})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.h.PauseAutopilot(alice); err != nil {
		t.Fatal(err)
	}
	if pa, _ := ap1.Paused(); !pa {
		t.Fatal("not paused")
	}
	ap2, err := autopilot.New(r.h, autopilot.Options{Policy: p, State: state})
	if err != nil {
		t.Fatal(err)
	}
	ap2.Tick(context.Background())
	if got := r.b.sent(); len(got) != 0 {
		t.Fatalf("paused by alice, restarted, and nobody resumed it: sent %v", got)
	}
	if st := r.h.Snapshot().Autopilot; !st.Paused || st.Why != "paused by alice (operator)" {
		t.Fatalf("after the restart: %+v", st)
	}
	if err := r.h.ResumeAutopilot(alice); err != nil {
		t.Fatal(err)
	}
	ap2.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("resumed: sent %v", got)
	}
	// A state file that cannot be read starts it paused, saying why.
	if err := os.WriteFile(state, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	ap3, _ := autopilot.New(r.h, autopilot.Options{Policy: p, State: state})
	if pa, why := ap3.Paused(); !pa || !strings.Contains(why, "state file could not be read") {
		t.Fatalf("a broken state file: paused %v, %q", pa, why)
	}
	// A FIFO where the state file goes is refused at once (os.ReadFile waited for a
	// writer for ever, and serve never started): it starts paused, saying what is there.
	if err := os.Remove(state); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(state, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ap4, _ := autopilot.New(r.h, autopilot.Options{Policy: p, State: state})
	if pa, why := ap4.Paused(); !pa || !strings.Contains(why, "named pipe") {
		t.Fatalf("a FIFO for a state file: paused %v, %q", pa, why)
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

// A failed redeploy is "never sent again" by the autopilot, and the failure pauses it.
// Both live in memory: the plan that failed is done (its only item ended), so a restart
// resumes nothing, the new autopilot is not paused and knows no failure, and it sends
// RedeployInstance for the failed instance again.
func TestReviewAFailureIsNotRetriedAfterARestart(t *testing.T) {
	f, err := sim.ParseScenario("s.yaml", []byte(twoWeb), start)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := policy.Parse("p.yaml", []byte(anyTime))
	clock := sim.NewStepClock(start)
	b := &counting{Backend: sim.NewBackend(sim.New(f, clock, sim.Options{Seed: 1, FailureRate: 1}))}
	store := &fleet.PlanStore{Dir: t.TempDir()}
	ctx := context.Background()
	newHub := func() *fleet.Hub {
		h := fleet.New(backend.Guard(b), fleet.Options{Now: clock.Now, Wall: clock.Now, NewEvery: -1, Plans: store})
		if err := h.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		return h
	}
	state := filepath.Join(t.TempDir(), "autopilot-t.json")
	h := newHub()
	ap, _ := autopilot.New(h, autopilot.Options{Policy: p, State: state})
	for range 30 {
		clock.Advance(time.Minute)
		_ = h.Refresh(ctx)
		h.PollTasks(ctx)
		h.StepPlans()
		ap.Tick(ctx)
	}
	if got := b.sent(); len(got) != 1 {
		t.Fatalf("before the restart: sent %v", got)
	}
	if st := h.Snapshot().Autopilot; !st.Paused {
		t.Fatalf("the failure did not pause it: %+v", st)
	}
	// The restart: a new hub on the same state directory, the plans resumed, a new autopilot.
	h2 := newHub()
	if _, _, err := h2.ResumePlans(ctx, backend.Identity{}); err != nil {
		t.Fatal(err)
	}
	ap2, _ := autopilot.New(h2, autopilot.Options{Policy: p, State: state})
	clock.Advance(time.Minute)
	ap2.Tick(ctx)
	for _, id := range b.sent()[1:] {
		if id == "i-bp1a000000000000001" {
			t.Fatalf("after a restart the autopilot sent its failed instance again: %v", b.sent())
		}
	}
}

// A drill (CreateSimulatedSystemEvents) is a rehearsal: the autopilot must not redeploy for
// it. Rules match the row's event, the earliest pending one, which is the drill when one is
// due first: a rule for SystemMaintenance.Redeploy takes an instance whose only real event
// is a SystemMaintenance.Reboot two days away (which the rule does not name), on the drill's
// deadline, and sends a real RedeployInstance.
func TestReviewADrillDoesNotTriggerARealRedeploy(t *testing.T) {
	r := newRig(t, `regions: [cn-hangzhou]
instances:
  - {id: i-bp1d000000000000001, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Reboot, status: Scheduled, not_before: "+48h"}]}
`, `name: t
rules:
  - name: web
    match: {tags: {app: web}, event_types: [SystemMaintenance.Redeploy]}
    when: {in_maintenance_window: false, lead_time: 6h}
`)
	ctx := context.Background()
	r.ap.Tick(ctx)
	if got := r.b.sent(); len(got) != 0 {
		t.Fatalf("no rule names its event, yet sent %v", got)
	}
	if _, err := r.h.Drill(ctx, backend.DrillRequest{RegionID: "cn-hangzhou", InstanceIDs: []string{"i-bp1d000000000000001"},
		EventType: "SystemMaintenance.Redeploy", NotBefore: start.Add(time.Hour), Identity: alice}); err != nil {
		t.Fatal(err)
	}
	r.step(time.Minute)
	if got := r.b.sent(); len(got) != 0 {
		t.Fatalf("a drill made the autopilot send a real RedeployInstance: %v; status %+v", got, r.h.Snapshot().Autopilot)
	}
}

// The dry run must agree with the run while the autopilot has redeploys in flight: a
// redeploy its own identity started holds its rule's max_in_flight in the run, but the dry
// run counted it under no rule and put the next instance at once.
func TestReviewDryRunCountsTheAutopilotsOwnRedeploysInFlight(t *testing.T) {
	r := newRig(t, twoWeb, anyTime)
	r.ap.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("sent %v", got)
	}
	p, _ := policy.Parse("p.yaml", []byte(anyTime))
	tl := autopilot.DryRun(context.Background(), r.h, p, time.Hour, 10*time.Minute)
	if len(tl.Redeploys) == 0 || tl.Redeploys[0].InstanceID != "i-bp1a000000000000002" {
		t.Fatalf("timeline %+v", tl.Redeploys)
	}
	if at := tl.Redeploys[0].At; at.Before(r.h.Now().Add(10 * time.Minute)) {
		t.Fatalf("the dry run starts %s at %s, while rule web (max_in_flight 1) has one in flight until %s", tl.Redeploys[0].InstanceID, at, r.h.Now().Add(10*time.Minute))
	}
	r.ap.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("the run sent %v", got)
	}
}
