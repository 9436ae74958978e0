package autopilot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model/policy"
)

var (
	alice = backend.Identity{Name: "alice", Role: backend.RoleOperator}
	eve   = backend.Identity{Name: "eve", Role: backend.RoleViewer}
	start = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
)

// rig is an autopilot on a hub over the in-process simulator, on a stepped clock.
type rig struct {
	t     *testing.T
	clock *sim.StepClock
	h     *fleet.Hub
	ap    *autopilot.Autopilot
	b     *counting

	mu      sync.Mutex
	notices []string
}

// counting counts RedeployInstance calls by instance.
type counting struct {
	backend.Backend
	mu    sync.Mutex
	calls []string
}

func (c *counting) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	c.mu.Lock()
	c.calls = append(c.calls, req.InstanceID)
	c.mu.Unlock()
	return c.Backend.Redeploy(ctx, req)
}

func (c *counting) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func newRig(t *testing.T, scenario, pol string) *rig {
	t.Helper()
	f, err := sim.ParseScenario("s.yaml", []byte(scenario), start)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("p.yaml", []byte(pol))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, clock: sim.NewStepClock(start)}
	r.b = &counting{Backend: sim.NewBackend(sim.New(f, r.clock, sim.Options{Seed: 1}))}
	r.h = fleet.New(backend.Guard(r.b), fleet.Options{Now: r.clock.Now, Wall: r.clock.Now, NewEvery: -1})
	if err := r.h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.ap, err = autopilot.New(r.h, autopilot.Options{Policy: p, OnNotice: func(kind, text string) {
		r.mu.Lock()
		r.notices = append(r.notices, kind+" "+text)
		r.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// step moves the clock, lets the hub learn what changed, and lets the autopilot look.
func (r *rig) step(d time.Duration) {
	ctx := context.Background()
	r.clock.Advance(d)
	if err := r.h.Refresh(ctx); err != nil {
		r.t.Fatal(err)
	}
	r.h.PollTasks(ctx)
	r.h.StepPlans()
	r.ap.Tick(ctx)
}

func (r *rig) told() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.notices, "\n")
}

const twoWeb = `regions: [cn-hangzhou]
instances:
  - {id: i-bp1a000000000000001, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Redeploy, not_before: "+6h", host: h-1}]}
  - {id: i-bp1a000000000000002, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Redeploy, not_before: "+7h", host: h-2}]}
`

const anyTime = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: false}
    how: {max_in_flight: 1}
`

// A pause from an operator stops the autopilot at once: no plan after it, what comes due
// is held (and shown as held), and a resume lets it go; a viewer can do neither.
func TestPauseHoldsWhatIsDueAndResumeLetsItGo(t *testing.T) {
	r := newRig(t, twoWeb, anyTime)
	r.ap.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 || got[0] != "i-bp1a000000000000001" {
		t.Fatalf("first look sent %v, want the soonest deadline only (max_in_flight 1)", got)
	}
	for _, err := range []error{r.ap.Pause(eve), r.h.PauseAutopilot(eve), r.h.ResumeAutopilot(eve)} {
		if !errors.Is(err, backend.ErrForbidden) {
			t.Fatalf("a viewer: %v, want ErrForbidden", err)
		}
	}
	if p, _ := r.ap.Paused(); p {
		t.Fatal("a viewer paused the autopilot")
	}
	if err := r.h.PauseAutopilot(alice); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		r.step(time.Minute)
	}
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("paused, yet sent %v", got)
	}
	st := r.h.Snapshot().Autopilot
	if !st.Paused || st.Why != "paused by alice (operator)" || len(st.Next) != 1 || st.Next[0].Waiting != st.Why {
		t.Fatalf("paused status: %+v", st)
	}
	if err := r.h.ResumeAutopilot(alice); err != nil {
		t.Fatal(err)
	}
	r.step(time.Minute)
	if got := r.b.sent(); len(got) != 2 {
		t.Fatalf("resumed: sent %v", got)
	}
	for _, w := range []string{autopilot.NoticePaused + " autopilot:t paused by alice", autopilot.NoticeResumed + " autopilot:t resumed by alice (operator)"} {
		if !strings.Contains(r.told(), w) {
			t.Errorf("no notice %q in\n%s", w, r.told())
		}
	}
}

// A group limit counts every redeploy the hub knows of, whoever started it and under
// whichever rule: two rules with host=1 never have two instances of one host in flight.
func TestGroupLimitsCountEveryRedeployInFlight(t *testing.T) {
	r := newRig(t, `regions: [cn-hangzhou]
instances:
  - {id: i-bp1b000000000000001, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Redeploy, not_before: "+6h", host: h-1}]}
  - {id: i-bp1b000000000000002, region: cn-hangzhou, tags: {app: api}, events: [{type: SystemMaintenance.Redeploy, not_before: "+7h", host: h-1}]}
  - {id: i-bp1b000000000000003, region: cn-hangzhou, tags: {app: api}, events: [{type: SystemMaintenance.Redeploy, not_before: "+8h", host: h-2}]}
`, `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: false}
    how: {max_in_flight: 5, max_per: {host: 1}}
  - name: api
    match: {tags: {app: api}}
    when: {in_maintenance_window: false}
    how: {max_in_flight: 5, max_per: {host: 1}}
`)
	r.ap.Tick(context.Background())
	got := r.b.sent()
	if len(got) != 2 || got[0] != "i-bp1b000000000000001" || got[1] != "i-bp1b000000000000003" {
		t.Fatalf("sent %v, want web's instance of h-1 and api's of h-2, not api's of h-1", got)
	}
	st := r.h.Snapshot().Autopilot
	if len(st.Next) != 1 || st.Next[0].InstanceID != "i-bp1b000000000000002" || !strings.Contains(st.Next[0].Waiting, "host h-1") {
		t.Fatalf("held: %+v", st.Next)
	}
	for range 10 {
		r.step(time.Minute)
	}
	if got := r.b.sent(); len(got) != 3 {
		t.Fatalf("once h-1 is free: sent %v", got)
	}
}

// A failed redeploy pauses the autopilot, and its instance is never sent again by it: it
// is left to humans with the failure's reason.
func TestAFailurePausesAndIsLeftToHumans(t *testing.T) {
	f, err := sim.ParseScenario("s.yaml", []byte(twoWeb), start)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := policy.Parse("p.yaml", []byte(anyTime))
	clock := sim.NewStepClock(start)
	b := &counting{Backend: sim.NewBackend(sim.New(f, clock, sim.Options{Seed: 1, FailureRate: 1}))}
	h := fleet.New(backend.Guard(b), fleet.Options{Now: clock.Now, Wall: clock.Now, NewEvery: -1})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ap, _ := autopilot.New(h, autopilot.Options{Policy: p})
	for range 30 {
		clock.Advance(time.Minute)
		_ = h.Refresh(ctx)
		h.PollTasks(ctx)
		h.StepPlans()
		ap.Tick(ctx)
	}
	st := h.Snapshot().Autopilot
	if got := b.sent(); len(got) != 1 || !st.Paused || !strings.Contains(st.Why, "paused by the failure") {
		t.Fatalf("sent %v, status %+v", got, st)
	}
	if len(st.Left) == 0 || st.Left[0].InstanceID != "i-bp1a000000000000001" || !strings.Contains(st.Left[0].Reason, "does not try again") {
		t.Fatalf("left: %+v", st.Left)
	}
	if err := ap.Resume(alice); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		clock.Advance(time.Minute)
		_ = h.Refresh(ctx)
		ap.Tick(ctx)
	}
	if got := b.sent(); len(got) != 2 || got[1] != "i-bp1a000000000000002" {
		t.Fatalf("resumed: sent %v, want the other one, never the failed one again", got)
	}
}

// A reload that does not parse keeps the last good policy, and every session sees why.
func TestReloadFailedKeepsTheLastGoodPolicy(t *testing.T) {
	r := newRig(t, twoWeb, anyTime)
	_, err := policy.Parse("p.yaml", []byte("name: t\nrules: []\n"))
	r.ap.ReloadFailed(err)
	st := r.h.Snapshot().Autopilot
	if !strings.Contains(st.PolicyErr, "p.yaml:2: rules: empty") || st.Name != "autopilot:t" {
		t.Fatalf("%+v", st)
	}
	r.ap.Tick(context.Background())
	if len(r.b.sent()) != 1 {
		t.Fatal("the last good policy is not in force")
	}
	if !strings.Contains(r.told(), autopilot.NoticePolicyRefused) {
		t.Errorf("not told: %s", r.told())
	}
	good, _ := policy.Parse("p.yaml", []byte(strings.Replace(anyTime, "max_in_flight: 1", "max_in_flight: 2", 1)))
	r.ap.Reload(good)
	if st := r.h.Snapshot().Autopilot; st.PolicyErr != "" || st.Name != "autopilot:t" || st.Reloads != 1 {
		t.Fatalf("after a good reload: %+v", st)
	}
	// A second good one, with no refusal between: sessions see the count move.
	r.ap.Reload(good)
	if st := r.h.Snapshot().Autopilot; st.Reloads != 2 {
		t.Fatalf("after a second good reload: %+v", st)
	}
}

// A reload that renames the policy would change the autopilot's identity and state file:
// after a restart its plans (started under the old name) are not adopted, and its pause
// and failures are read from another file. It is refused, saying why, and the last good
// policy stays in force.
func TestAReloadThatRenamesThePolicyIsRefused(t *testing.T) {
	r := newRig(t, twoWeb, anyTime)
	renamed, err := policy.Parse("p.yaml", []byte(strings.Replace(anyTime, "name: t", "name: t2", 1)))
	if err != nil {
		t.Fatal(err)
	}
	r.ap.Reload(renamed)
	st := r.h.Snapshot().Autopilot
	if st.Name != "autopilot:t" || r.ap.Identity().Name != "autopilot:t" || !strings.Contains(st.PolicyErr, `name "t2" is not the running policy's "t"`) || strings.Contains(st.PolicyErr, "\n") || st.Reloads != 0 {
		t.Fatalf("after a renaming reload: %+v", st)
	}
	if !strings.Contains(r.told(), autopilot.NoticePolicyRefused) || strings.Contains(r.told(), autopilot.NoticePolicyReloaded) {
		t.Errorf("told: %s", r.told())
	}
	r.ap.Tick(context.Background())
	if got := r.b.sent(); len(got) != 1 {
		t.Fatalf("the last good policy is not in force: sent %v", got)
	}
	for _, p := range r.h.Plans() {
		if p.Identity.Name != "autopilot:t" {
			t.Fatalf("a plan runs as %s", p.Identity.Name)
		}
	}
}
