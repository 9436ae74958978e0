package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// wid is a valid instance id made from a short name.
func wid(name string) string { return "i-bp1" + name + strings.Repeat("0", 18-len(name)) }

// waveFleet is a cluster night: a kafka deployment set of 4 and a zookeeper set of 3 spread
// over three zones, 5 single instances, one security-locked instance and one zookeeper
// member (zk4) that tests may start "elsewhere". Kafka's deadlines come first, so a plan
// that followed deadlines alone would take the whole kafka set down at once.
func waveFleet() *sim.Fleet {
	type spec struct {
		name, zone, set string
		due             time.Duration
		locked          bool
	}
	specs := []spec{
		{"k1", "h", "ds-kafka", 60 * time.Minute, false},
		{"k2", "i", "ds-kafka", 70 * time.Minute, false},
		{"k3", "j", "ds-kafka", 80 * time.Minute, false},
		{"k4", "h", "ds-kafka", 90 * time.Minute, false},
		{"z1", "h", "ds-zk", 2 * time.Hour, false},
		{"z2", "i", "ds-zk", 2*time.Hour + 5*time.Minute, false},
		{"z3", "j", "ds-zk", 2*time.Hour + 10*time.Minute, false},
		{"zk4", "j", "ds-zk", 9 * time.Hour, false},
		{"s1", "h", "", 3 * time.Hour, false},
		{"s2", "i", "", 4 * time.Hour, false},
		{"s3", "j", "", 5 * time.Hour, false},
		{"s4", "h", "", 6 * time.Hour, false},
		{"s5", "i", "", 7 * time.Hour, false},
		{"lock", "h", "", 30 * time.Minute, true},
	}
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}}
	for _, s := range specs {
		id := wid(s.name)
		in := model.Instance{ID: id, Name: s.name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-" + s.zone,
			InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning, DeploymentSetID: s.set,
			Events: []model.Event{{ID: "e-" + s.name, InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(s.due), PublishTime: sim.Epoch.Add(-24 * time.Hour)}}}
		if s.locked {
			in.OperationLocks = []model.LockReason{model.LockSecurity}
		}
		f.Instances = append(f.Instances, in)
	}
	return f
}

var waveTargets = []string{"s5", "s4", "s3", "s2", "s1", "z3", "z2", "z1", "k4", "k3", "k2", "k1"}

func ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = wid(n)
	}
	return out
}

// watch wraps the simulator's backend and, right after every RedeployInstance it
// passes, counts the engine's own Processing tasks: the number only grows at a call, so
// checking there checks every instant.
type watch struct {
	backend.Backend
	eng       *sim.Engine
	meta      map[string]model.Instance
	onePerZne bool

	mu         sync.Mutex
	calls      map[string]int
	peak       int
	violations []string
}

func (w *watch) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	ref, err := w.Backend.Redeploy(ctx, r)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls[r.InstanceID]++
	sets, zones := map[string]string{}, map[string]string{}
	processing := w.eng.Tasks("cn-hangzhou", sim.TaskFilter{Status: model.TaskProcessing})
	w.peak = max(w.peak, len(processing))
	for _, t := range processing {
		in := w.meta[t.ResourceID]
		if s := in.DeploymentSetID; s != "" {
			if other := sets[s]; other != "" {
				w.violations = append(w.violations, fmt.Sprintf("%s and %s of %s Processing at once", other, in.Name, s))
			}
			sets[s] = in.Name
		}
		if other := zones[in.ZoneID]; other != "" && w.onePerZne {
			w.violations = append(w.violations, fmt.Sprintf("%s and %s of %s Processing at once", other, in.Name, in.ZoneID))
		}
		zones[in.ZoneID] = in.Name
	}
	return ref, err
}

type rig struct {
	t     *testing.T
	eng   *sim.Engine
	clock *sim.StepClock
	w     *watch
	h     *Hub
}

func newRig(t *testing.T, f *sim.Fleet, opts sim.Options, onePerZone bool) *rig {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(f, clock, opts)
	meta := map[string]model.Instance{}
	for _, in := range f.Instances {
		meta[in.ID] = in
	}
	w := &watch{Backend: sim.NewBackend(eng), eng: eng, meta: meta, onePerZne: onePerZone, calls: map[string]int{}}
	h := New(w, Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, eng: eng, clock: clock, w: w, h: h}
}

// drive steps the plan, the clock (30 s at a time) and the hub's tracker until the plan is
// settled, as Run and Hub.Run would, without sleeping.
func (r *rig) drive(p *Plan) {
	r.t.Helper()
	ctx := context.Background()
	for i := 0; i < 2000; i++ {
		if err := p.Step(ctx); err != nil {
			r.t.Fatal(err)
		}
		if p.Settled() {
			return
		}
		r.clock.Advance(30 * time.Second)
		r.h.PollTasks(ctx)
		if i%10 == 9 {
			if err := r.h.Refresh(ctx); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	r.t.Fatalf("the plan never settled: %+v", p.Record())
}

func statuses(p *Plan) map[string]ItemStatus {
	out := map[string]ItemStatus{}
	for _, it := range p.Record().Items {
		out[it.InstanceID] = it.Status
	}
	return out
}

func TestPlanWaveLimitsHoldAtEveryInstant(t *testing.T) {
	for _, tc := range []struct {
		max        int
		onePerZone bool
		wantPeak   int
	}{
		{max: 3, wantPeak: 3},
		{max: 10, wantPeak: 7}, // the two sets hold 5 of the 12 back at the start
		{max: 10, onePerZone: true, wantPeak: 3},
		{max: 1, wantPeak: 1},
	} {
		t.Run(fmt.Sprintf("max%d-zone%v", tc.max, tc.onePerZone), func(t *testing.T) {
			r := newRig(t, waveFleet(), sim.Options{}, tc.onePerZone)
			p, err := NewPlan(r.h, ids(waveTargets...), PlanOptions{MaxInFlight: tc.max, OnePerZone: tc.onePerZone, Identity: operator})
			if err != nil {
				t.Fatal(err)
			}
			r.drive(p)
			if len(r.w.violations) > 0 {
				t.Fatalf("the rules broke: %v", r.w.violations)
			}
			if r.w.peak > tc.max || r.w.peak != tc.wantPeak || p.Peak() != tc.wantPeak {
				t.Fatalf("peak in flight %d (plan says %d), want %d with at most %d", r.w.peak, p.Peak(), tc.wantPeak, tc.max)
			}
			for _, id := range ids(waveTargets...) {
				if r.w.calls[id] != 1 || statuses(p)[id] != ItemFinished {
					t.Errorf("%s: %d calls, %s", id, r.w.calls[id], statuses(p)[id])
				}
			}
			if rec := p.Record(); rec.Phase != PhaseDone {
				t.Fatalf("phase %s", rec.Phase)
			}
			if s := p.Summary(); s.Redeployed != 12 || !strings.HasPrefix(s.String(), "12 redeployed, 0 failed, 0 skipped — ") {
				t.Fatalf("summary %q", s)
			}
		})
	}
}

func TestPlanFollowsDeadlinesWithinTheRules(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	var order []string
	p, err := NewPlan(r.h, ids(waveTargets...), PlanOptions{MaxInFlight: 3, Identity: operator,
		OnTransition: func(tr Transition) {
			if tr.Status == ItemSubmitting {
				order = append(order, strings.TrimRight(strings.TrimPrefix(tr.Instance, "i-bp1"), "0"))
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, it := range p.Record().Items {
		planned = append(planned, it.Name)
	}
	if want := []string{"k1", "k2", "k3", "k4", "z1", "z2", "z3", "s1", "s2", "s3", "s4", "s5"}; !slices.Equal(planned, want) {
		t.Fatalf("planned order %v, want the deadline order %v", planned, want)
	}
	r.drive(p)
	// The first wave takes the most urgent kafka member, skips its set, then zookeeper's
	// most urgent and the next single; each set then goes one member at a time.
	if want := []string{"k1", "z1", "s1"}; !slices.Equal(order[:3], want) {
		t.Fatalf("first wave %v, want %v (whole order %v)", order[:3], want, order)
	}
	if len(order) != 12 {
		t.Fatalf("%d submissions: %v", len(order), order)
	}
}

func TestPlanListsSkippedWithReasonsBeforeSending(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	ctx := context.Background()
	elsewhere, err := r.eng.Redeploy("cn-hangzhou", wid("zk4"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var trs []Transition
	targets := append(ids("z1", "z2", "lock", "zk4", "s1"), "i-bp1nosuch00000000000001")
	p, err := NewPlan(r.h, targets, PlanOptions{Identity: operator, OnTransition: func(tr Transition) { trs = append(trs, tr) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 0 {
		t.Fatalf("a plan nobody started reported %+v", trs)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		wid("lock"):                 "blocked: InstanceLockedForSecurity",
		wid("zk4"):                  "already in progress (running, task " + elsewhere.ID + ", started by elsewhere)",
		"i-bp1nosuch00000000000001": "not listed",
	}
	if len(trs) != len(want) {
		t.Fatalf("transitions before anything is sent: %+v", trs)
	}
	for _, tr := range trs {
		if tr.Status != ItemSkipped || !strings.HasPrefix(tr.Reason, want[tr.Instance]) {
			t.Errorf("%s: %s %q, want skipped %q", tr.Instance, tr.Status, tr.Reason, want[tr.Instance])
		}
	}
	rec := p.Record()
	if n := len(rec.Items); n != 6 || rec.Items[3].Status != ItemSkipped {
		t.Fatalf("items: %+v", rec.Items)
	}
	if len(r.w.calls) != 0 {
		t.Fatalf("calls before the plan stepped: %v", r.w.calls)
	}
	r.drive(p)
	if len(r.w.violations) > 0 {
		t.Fatalf("the rules broke: %v", r.w.violations)
	}
	st := statuses(p)
	if st[wid("z1")] != ItemFinished || st[wid("z2")] != ItemFinished || st[wid("s1")] != ItemFinished || r.w.calls[wid("zk4")] != 0 || r.w.calls[wid("lock")] != 0 {
		t.Fatalf("after the plan: %v, calls %v", st, r.w.calls)
	}
	// zk4's redeploy elsewhere held the zookeeper set: z1 went only after it ended.
	var z1 model.Task
	for _, tk := range r.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: ids("z1")}) {
		z1 = tk
	}
	if zk := r.eng.Tasks("cn-hangzhou", sim.TaskFilter{TaskIDs: []string{elsewhere.ID}}); len(zk) != 1 || z1.CreationTime.Before(zk[0].FinishedTime) {
		t.Fatalf("z1 started at %v, while zk4's redeploy elsewhere ran until %v", z1.CreationTime, zk[0].FinishedTime)
	}
}

func TestPlanOnFailure(t *testing.T) {
	for _, tc := range []struct {
		on        OnFailure
		wantCalls int
		phase     PlanPhase
	}{
		{FailurePause, 2, PhasePaused}, // the first wave of 2 was out when the first failed
		{FailureAbort, 2, PhaseAborted},
		{FailureContinue, 5, PhaseDone},
	} {
		t.Run(string(tc.on), func(t *testing.T) {
			r := newRig(t, waveFleet(), sim.Options{FailureRate: 1}, false)
			p, err := NewPlan(r.h, ids("s1", "s2", "s3", "s4", "s5"), PlanOptions{MaxInFlight: 2, OnFailure: tc.on, Identity: operator})
			if err != nil {
				t.Fatal(err)
			}
			r.drive(p)
			rec := p.Record()
			calls := 0
			for _, n := range r.w.calls {
				calls += n
			}
			if calls != tc.wantCalls || rec.Phase != tc.phase {
				t.Fatalf("%d calls, phase %s (%s); want %d, %s", calls, rec.Phase, rec.Stopped, tc.wantCalls, tc.phase)
			}
			if tc.on == FailureContinue {
				return
			}
			if !strings.Contains(rec.Stopped, "failed: Failed: ") || !strings.Contains(rec.Stopped, sim.FailureRollbackReason) {
				t.Fatalf("stopped: %q", rec.Stopped)
			}
			st := statuses(p)
			queued := ItemQueued
			if tc.on == FailureAbort {
				queued = ItemSkipped
			}
			for _, id := range ids("s3", "s4", "s5") {
				if st[id] != queued {
					t.Fatalf("%s is %s after the failure, want %s", id, st[id], queued)
				}
			}
			if tc.on == FailurePause {
				if err := p.Continue(); err != nil {
					t.Fatal(err)
				}
				r.drive(p)
				// The next wave (s3, s4) goes out together; its first failure pauses again.
				if calls := len(r.w.calls); calls != 4 || p.Record().Phase != PhasePaused {
					t.Fatalf("after continue: %d instances called, phase %s", calls, p.Record().Phase)
				}
			}
		})
	}
}

// stuck applies the RedeployInstance of one instance, then never answers: the process
// stops while that call is out.
type stuck struct {
	backend.Backend
	id      string
	entered chan struct{}
	release chan struct{}
}

func (s *stuck) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	ref, err := s.Backend.Redeploy(ctx, r)
	if r.InstanceID == s.id {
		close(s.entered)
		<-s.release
	}
	return ref, err
}

func TestPlanResumesAfterARestartWithoutSendingTwice(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	store := &PlanStore{Dir: filepath.Join(t.TempDir(), "state")}
	st := &stuck{Backend: r.w, id: wid("s1"), entered: make(chan struct{}), release: make(chan struct{})}
	defer close(st.release)
	h1 := New(st, Options{Now: r.clock.Now, Wall: r.clock.Now})
	ctx := context.Background()
	if err := h1.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p1, err := NewPlan(h1, ids(waveTargets...), PlanOptions{MaxInFlight: 3, Store: store, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	// Wave 1 (k1, z1, s1): s1's call is applied and never answers; the process dies.
	stepCtx, die := context.WithCancel(ctx)
	go func() { <-st.entered; die() }()
	if err := p1.Step(stepCtx); err != nil {
		t.Fatal(err)
	}
	// Time passes while nothing runs.
	r.clock.Advance(3 * time.Minute)

	recs, err := store.Unfinished()
	if err != nil || len(recs) != 1 {
		t.Fatalf("unfinished plans: %d, %v", len(recs), err)
	}
	saved := map[string]PlanItem{}
	for _, it := range recs[0].Items {
		saved[it.Name] = it
	}
	if saved["k1"].Status != ItemRunning || saved["k1"].TaskID == "" || saved["s1"].Status != ItemSubmitting || saved["s1"].TaskID != "" {
		t.Fatalf("saved before the crash: k1 %+v, s1 %+v", saved["k1"], saved["s1"])
	}

	// The restart: a new hub over the same account.
	h2 := New(r.w, Options{Now: r.clock.Now, Wall: r.clock.Now})
	if err := h2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// While the first runner holds the plan, nobody else resumes it.
	if _, err := ResumePlan(ctx, h2, recs[0], PlanOptions{Store: store, Identity: operator}); !errors.Is(err, ErrPlanBusy) {
		t.Fatalf("a second runner: %v, want ErrPlanBusy", err)
	}
	p1.Close() // the first process is gone; the kernel drops its lock
	var trs []Transition
	p2, err := ResumePlan(ctx, h2, recs[0], PlanOptions{Store: store, Identity: operator, OnTransition: func(tr Transition) { trs = append(trs, tr) }})
	if err != nil {
		t.Fatal(err)
	}
	st2 := statuses(p2)
	if st2[wid("k1")] != ItemRunning || st2[wid("s1")] != ItemRunning || st2[wid("k2")] != ItemQueued {
		t.Fatalf("reconciled: %v", st2)
	}
	s1 := p2.Record().Items[slices.IndexFunc(p2.Record().Items, func(it PlanItem) bool { return it.Name == "s1" })]
	if engine := r.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: ids("s1")}); len(engine) != 1 || s1.TaskID != engine[0].ID {
		t.Fatalf("s1 adopted task %q; the engine has %+v", s1.TaskID, engine)
	}
	r.h = h2
	r.drive(p2)
	if len(r.w.violations) > 0 {
		t.Fatalf("the rules broke: %v", r.w.violations)
	}
	for _, id := range ids(waveTargets...) {
		if n := len(r.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{id}})); n != 1 || statuses(p2)[id] != ItemFinished {
			t.Errorf("%s: %d redeploys sent, %s", id, n, statuses(p2)[id])
		}
	}
	if recs, err := store.Unfinished(); err != nil || len(recs) != 0 {
		t.Fatalf("after the resumed plan ended: %d unfinished, %v", len(recs), err)
	}
}

func TestPlanResumeWithNoTaskFoundSendsNothingAgain(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	store := &PlanStore{Dir: t.TempDir()}
	p, err := NewPlan(r.h, ids("s1"), PlanOptions{Store: store, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	// As if the process stopped after saving the intent, before the call left.
	rec := p.Record()
	rec.Items[0].Status, rec.Items[0].Submitted = ItemSubmitting, r.clock.Now()
	p2, err := ResumePlan(context.Background(), r.h, rec, PlanOptions{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	r.drive(p2)
	got := p2.Record()
	if got.Items[0].Status != ItemFailed || !strings.Contains(got.Items[0].Reason, "not sent again") || len(r.w.calls) != 0 {
		t.Fatalf("%+v, calls %v", got.Items[0], r.w.calls)
	}
}

func TestPlanSendsNothingItCouldNotSave(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	dir := t.TempDir()
	store := &PlanStore{Dir: dir}
	p, err := NewPlan(r.h, ids("s1", "s2"), PlanOptions{Store: store, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	// The state directory's place is taken by a file: nothing can be saved there.
	blocked := filepath.Join(dir, "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	store.Dir = filepath.Join(blocked, "state")
	if err := p.Step(context.Background()); !errors.Is(err, ErrPlanStore) {
		t.Fatalf("step: %v, want ErrPlanStore", err)
	}
	if len(r.w.calls) != 0 || p.Record().Phase != PhasePaused || statuses(p)[wid("s1")] != ItemQueued {
		t.Fatalf("calls %v, phase %s, %v", r.w.calls, p.Record().Phase, statuses(p))
	}
}

func TestPlanStoreWritesWholeFilesOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ecs-redeploy")
	store := &PlanStore{Dir: dir}
	rec := PlanRecord{Version: 1, ID: "p-1", Phase: PhaseRunning, Items: []PlanItem{{InstanceID: wid("s1"), Status: ItemQueued}}}
	for i := 0; i < 3; i++ {
		rec.Items[0].Reason = strings.Repeat("x", i)
		if err := store.save(&rec); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "plan-p-1.json" {
		t.Fatalf("the state directory holds %v", entries)
	}
	fi, _ := entries[0].Info()
	di, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", fi.Mode(), di.Mode())
	}
	recs, err := store.Load()
	if err != nil || len(recs) != 1 || recs[0].Items[0].Reason != "xx" {
		t.Fatalf("%+v, %v", recs, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan-p-2.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(); err == nil || !strings.Contains(err.Error(), "not a plan file") {
		t.Fatalf("a torn file: %v", err)
	}
}

func TestStateDirFollowsXDG(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/var/tmp/st")
	if d, _ := StateDir(); d != "/var/tmp/st/ecs-redeploy" {
		t.Fatal(d)
	}
	t.Setenv("XDG_STATE_HOME", "relative")
	t.Setenv("HOME", "/home/op")
	if d, _ := StateDir(); d != "/home/op/.local/state/ecs-redeploy" {
		t.Fatal(d)
	}
}

// A resumed plan whose task the hub does not follow (its instance is not listed here)
// asks DescribeTasks itself, and still ends.
func TestResumedPlanFollowsATaskTheHubDoesNotList(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	ctx := context.Background()
	p, err := NewPlan(r.h, ids("s1"), PlanOptions{Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	rec := p.Record()
	if rec.Items[0].Status != ItemRunning {
		t.Fatalf("%+v", rec.Items[0])
	}
	h2 := New(r.w, Options{Now: r.clock.Now, Wall: r.clock.Now}) // never refreshed: lists nothing
	p2, err := ResumePlan(ctx, h2, rec, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(10 * time.Minute)
	if err := p2.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if got := p2.Record(); got.Items[0].Status != ItemFinished || got.Phase != PhaseDone || r.w.calls[wid("s1")] != 1 {
		t.Fatalf("%s %+v, calls %v", got.Phase, got.Items[0], r.w.calls)
	}
}

// fiftyFleet is 50 redeployable instances: ten deployment sets of three spread over
// three zones, and twenty single instances.
func fiftyFleet() (*sim.Fleet, []string) {
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}}
	var targets []string
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("n%02d", i)
		set := ""
		if i < 30 {
			set = fmt.Sprintf("ds-%d", i/3)
		}
		id := wid(name)
		f.Instances = append(f.Instances, model.Instance{ID: id, Name: name, RegionID: "cn-hangzhou",
			ZoneID: "cn-hangzhou-" + string(rune('h'+i%3)), InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning,
			DeploymentSetID: set, Events: []model.Event{{ID: "e-" + name, InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Duration(60+i) * time.Minute), PublishTime: sim.Epoch.Add(-time.Hour)}}})
		targets = append(targets, id)
	}
	return f, targets
}

// BenchmarkPlan50 plans a 50-instance batch and runs it to its last submission on the
// in-process simulator, the clock stepped 30 s between steps (the hub's tracker polls
// in between): the time is the plan's and the hub's own work, never a wait. It reports
// the peak in flight and how long the batch takes in simulated minutes.
func BenchmarkPlan50(b *testing.B) {
	for _, max := range []int{3, 10} {
		b.Run(fmt.Sprintf("max%d", max), func(b *testing.B) {
			var peak int
			var simulated time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				f, targets := fiftyFleet()
				clock := sim.NewStepClock(sim.Epoch)
				h := New(sim.NewBackend(sim.New(f, clock, sim.Options{})), Options{Now: clock.Now, Wall: clock.Now})
				ctx := context.Background()
				if err := h.Refresh(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				p, err := NewPlan(h, targets, PlanOptions{MaxInFlight: max, Identity: operator})
				if err != nil {
					b.Fatal(err)
				}
				for p.Summary().Queued > 0 {
					if err := p.Step(ctx); err != nil {
						b.Fatal(err)
					}
					clock.Advance(30 * time.Second)
					h.PollTasks(ctx)
				}
				peak, simulated = p.Peak(), clock.Now().Sub(sim.Epoch)
			}
			b.ReportMetric(float64(peak), "peak-in-flight")
			b.ReportMetric(simulated.Minutes(), "sim-min")
		})
	}
}
