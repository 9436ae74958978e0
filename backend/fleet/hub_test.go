package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

var operator = backend.Identity{Name: "alice", KeyFingerprint: "SHA256:alice", Role: backend.RoleOperator}

// held holds every Redeploy until release is closed, and records whether the context the
// call ran on was cancelled.
type held struct {
	*counting
	entered   chan struct{}
	release   chan struct{}
	cancelled atomic.Bool
}

func (h *held) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	h.entered <- struct{}{}
	<-h.release
	h.cancelled.Store(ctx.Err() != nil)
	return h.counting.Redeploy(ctx, r)
}

func TestASessionThatLeavesMidCallCancelsNothing(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(plainFleet(), clock, sim.Options{})
	b := &held{counting: &counting{Backend: sim.NewBackend(eng)}, entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := New(b, Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	other := h.Subscribe(context.Background())
	defer other.Close()

	session, leave := context.WithCancel(context.Background())
	id := "i-bp1soon000000000000001"
	answered := make(chan error, 1)
	go func() {
		_, err := h.Redeploy(session, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: operator})
		answered <- err
	}()
	<-b.entered
	if r := row(t, h.Snapshot(), id); r.State != StateSubmitting || r.StartedBy.Identity != operator {
		t.Fatalf("while the call is out: %v by %v", r.State, r.StartedBy)
	}
	leave() // the SSH session drops
	if err := <-answered; !errors.Is(err, ErrDetached) {
		t.Fatalf("the leaving session got %v, want ErrDetached", err)
	}
	close(b.release)
	if err := h.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.cancelled.Load() {
		t.Fatal("the call ran on the session's context and was cancelled with it")
	}
	var snap *Snapshot
	for len(other.C()) > 0 {
		snap = <-other.C()
	}
	r := row(t, snap, id)
	if r.State != StateRunning || r.Task == nil || r.Task.StartedBy.Identity != operator || len(eng.Tasks("cn-hangzhou", sim.TaskFilter{})) != 1 {
		t.Fatalf("the other session sees %v task %+v", r.State, r.Task)
	}
}

// panicking panics inside RedeployInstance, after the engine applied it or not.
type panicking struct {
	*counting
	apply bool
}

func (p *panicking) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	if p.apply {
		_, _ = p.counting.Redeploy(ctx, r)
	}
	panic("nil map in the backend")
}

func TestAPanicInTheCallIsAnUnknownOutcomeThatARefreshSettles(t *testing.T) {
	for _, applied := range []bool{false, true} {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.New(plainFleet(), clock, sim.Options{})
		h := New(&panicking{counting: &counting{Backend: sim.NewBackend(eng)}, apply: applied}, Options{Now: clock.Now, Wall: clock.Now})
		ctx := context.Background()
		if err := h.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		id := "i-bp1soon000000000000001"
		_, err := h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: operator})
		if !errors.Is(err, backend.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "panicked") {
			t.Fatalf("applied=%v: %v", applied, err)
		}
		if r := row(t, h.Snapshot(), id); r.State != StateOutcomeUnknown {
			t.Fatalf("applied=%v: after the panic the row is %v, want outcome-unknown", applied, r.State)
		}
		clock.Advance(OutcomeHold)
		if err := h.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		want := StateIdle
		if applied {
			want = StateRunning // its task is found Processing and adopted
		}
		if r := row(t, h.Snapshot(), id); r.State != want {
			t.Fatalf("applied=%v: after a refresh past the hold: %v, want %v", applied, r.State, want)
		}
	}
}

// flaky panics in the first full listing.
type flaky struct {
	*counting
	calls atomic.Int32
}

func (f *flaky) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	if f.calls.Add(1) == 1 {
		panic("index out of range in the backend")
	}
	return f.counting.Instances(ctx, q)
}

func TestTheRefreshLoopSurvivesAPanic(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(plainFleet(), clock, sim.Options{})
	f := &flaky{counting: &counting{Backend: sim.NewBackend(eng)}}
	ft := &fakeTimer{fire: make(chan chan time.Time, 16)}
	h := New(f, Options{Now: clock.Now, Wall: clock.Now, After: ft.After})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { h.refreshLoop(ctx); close(stopped) }()
	tick := <-ft.fire
	if s := h.Snapshot(); s.Err == nil || !strings.Contains(s.Err.Error(), "panicked") {
		t.Fatalf("the panic is not shown as a failed refresh: %v", s.Err)
	}
	if d := ft.last(); d != 10*time.Second {
		t.Fatalf("after a panic the loop waits %v, want the doubled 10s", d)
	}
	tick <- sim.Epoch
	<-ft.fire
	if s := h.Snapshot(); s.Err != nil || len(s.Rows) != 3 {
		t.Fatalf("the refresh after the panic: %v, %d rows", s.Err, len(s.Rows))
	}
	cancel()
	<-stopped
}

func TestSubscriptionsEndWithTheirContext(t *testing.T) {
	h, _, _, _ := setup(t, sim.Options{})
	ctxs := make([]context.CancelFunc, 10)
	subs := make([]*Subscription, 10)
	for i := range ctxs {
		var ctx context.Context
		ctx, ctxs[i] = context.WithCancel(context.Background())
		subs[i] = h.Subscribe(ctx)
	}
	if n := h.Subscribers(); n != 10 {
		t.Fatalf("%d subscribers, want 10", n)
	}
	for _, cancel := range ctxs {
		cancel()
	}
	for _, s := range subs {
		<-s.Done()
	}
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers left after their contexts ended", n)
	}
	subs[0].Close() // closing again is harmless
}

func TestARedeployStartedElsewhereShowsInProgress(t *testing.T) {
	h, c, eng, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	id := "i-bp1soon000000000000001"
	// Another console, the aliyun CLI or the cloud console starts it.
	task, err := eng.Redeploy("cn-hangzhou", id, false)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // Stopped: the status alone reads eligible
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	s := h.Snapshot()
	r := row(t, s, id)
	if r.Inst.Status != model.StatusStopped || !r.InProgress || r.State != StateRunning || !r.StartedBy.Elsewhere ||
		r.Task == nil || r.Task.ID != task.ID || s.Counts.InProgress != 1 {
		t.Fatalf("started elsewhere: %s in progress %v state %v by %v task %+v counts %+v",
			r.Inst.Status, r.InProgress, r.State, r.StartedBy, r.Task, s.Counts)
	}
	if r.Badges[0] != model.BadgeInProgress {
		t.Fatalf("badges %v", r.Badges)
	}
	_, err = h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: operator})
	if !errors.Is(err, ErrInProgress) || !strings.Contains(err.Error(), task.ID) || !strings.Contains(err.Error(), "elsewhere") {
		t.Fatalf("second redeploy: %v", err)
	}
	if n := c.redeploys.Load(); n != 0 {
		t.Fatalf("%d RedeployInstance calls reached the backend", n)
	}
	// The tracker follows it to its end like its own.
	clock.Advance(10 * time.Minute)
	if left := h.PollTasks(ctx); left != 0 {
		t.Fatalf("%d still in flight", left)
	}
	if r := row(t, h.Snapshot(), id); r.State != StateAvoided || !r.Avoided || r.Event.CycleStatus != model.CycleAvoided {
		t.Fatalf("after the task finished: %v resolved %v", r.State, r.Avoided)
	}
}

func TestAnUnchangedRefreshDerivesNothing(t *testing.T) {
	h, _, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	before := h.Snapshot().Rows
	clock.Advance(5 * time.Second)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	after := h.Snapshot().Rows
	if len(before) != len(after) {
		t.Fatal("rows came or went")
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("row %s was derived again though nothing changed", after[i].Inst.ID)
		}
	}
	// Inside the deadline's last hour the warning counts minutes: derived again.
	clock.Advance(time.Hour)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r := row(t, h.Snapshot(), "i-bp1soon000000000000001")
	if r == before[0] || len(r.Eligibility.Warnings) == 0 || r.Eligibility.Warnings[len(r.Eligibility.Warnings)-1].Kind != model.WarnDeadlinePast {
		t.Fatalf("the deadline row was not derived again: %+v", r.Eligibility.Warnings)
	}
}

func TestAViewerIsRefusedBelowTheHub(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(plainFleet(), clock, sim.Options{})
	c := &counting{Backend: sim.NewBackend(eng)}
	h := New(backend.Guard(c), Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	viewer := backend.Identity{Name: "bob", KeyFingerprint: "SHA256:bob", Role: backend.RoleViewer}
	id := "i-bp1soon000000000000001"
	_, err := h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: viewer})
	if backend.Code(err) != backend.CodeForbiddenRole {
		t.Fatalf("a viewer's redeploy: %v", err)
	}
	if n := c.redeploys.Load(); n != 0 {
		t.Fatalf("%d calls reached the backend", n)
	}
	if r := row(t, h.Snapshot(), id); r.State != StateIdle || r.InProgress {
		t.Fatalf("a refused redeploy left the row %v", r.State)
	}
}

func TestOnlyListedInstancesAreTargets(t *testing.T) {
	h, c, _, _ := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, req := range []backend.RedeployRequest{
		{RegionID: "cn-hangzhou", InstanceID: ""},
		{RegionID: "cn-hangzhou", InstanceID: "i-bp1notlisted0000000001"},
		{RegionID: "cn-beijing", InstanceID: "i-bp1soon000000000000001"}, // listed, in another region
	} {
		req.Identity = operator
		if _, err := h.Redeploy(ctx, req); !errors.Is(err, ErrNotListed) {
			t.Fatalf("%+v: %v, want ErrNotListed", req, err)
		}
	}
	if n := c.redeploys.Load(); n != 0 {
		t.Fatalf("%d calls reached the backend", n)
	}
}

func TestATaskWhoseStarterIsKnownIsNotShownAsElsewhere(t *testing.T) {
	h, _, eng, _ := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// Two tasks a plan started before a restart: one the hub is told of before the refresh
	// that finds it, one after a refresh adopted it as started elsewhere.
	soon, later := "i-bp1soon000000000000001", "i-bp1later00000000000001"
	t1, err := eng.Redeploy("cn-hangzhou", soon, false)
	if err != nil {
		t.Fatal(err)
	}
	// Tester2's defect 6: the plan sent them at sent, on the hub's clock; the elapsed
	// time after the restart counts from there, not from ECS's CreationTime (another
	// clock: "Stopped 2m", then "Stopped 1m").
	sent := eng.Now().Add(-7 * time.Minute)
	h.Follow(backend.TaskRef{TaskID: t1.ID, RegionID: "cn-hangzhou", InstanceID: soon}, StartedBy{Identity: operator}, sent)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := row(t, h.Snapshot(), soon); r.State != StateRunning || r.StartedBy.Elsewhere || r.StartedBy.Identity != operator || !r.Task.Created.Equal(sent) {
		t.Fatalf("told before: %v by %v, created %v (want %v)", r.State, r.StartedBy, r.Task.Created, sent)
	}
	t2, err := eng.Redeploy("cn-hangzhou", later, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := row(t, h.Snapshot(), later); !r.StartedBy.Elsewhere {
		t.Fatalf("unknown starter: %v", r.StartedBy)
	}
	h.Follow(backend.TaskRef{TaskID: t2.ID, RegionID: "cn-hangzhou", InstanceID: later}, StartedBy{Identity: operator}, sent)
	if r := row(t, h.Snapshot(), later); r.StartedBy.Elsewhere || r.StartedBy.Identity != operator || r.Task.StartedBy.Identity != operator || !r.Task.Created.Equal(sent) {
		t.Fatalf("told after: %v, task by %v, created %v", r.StartedBy, r.Task.StartedBy, r.Task.Created)
	}
}

// reviewBackend bends what a plain simulator answers: statuses seen by listings, a
// failing task listing, and a RedeployInstance held until released that ends unanswered.
type reviewBackend struct {
	*counting
	mu        sync.Mutex
	status    map[string]model.InstanceStatus
	tasksErr  error
	entered   chan struct{}
	release   chan struct{}
	unanswerd bool
}

func (b *reviewBackend) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	ins, err := b.counting.Instances(ctx, q)
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range ins {
		if s, ok := b.status[ins[i].ID]; ok {
			ins[i].Status = s
		}
	}
	return ins, err
}

func (b *reviewBackend) ListTasks(ctx context.Context, q backend.TaskQuery) ([]model.Task, error) {
	b.mu.Lock()
	err := b.tasksErr
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return b.counting.ListTasks(ctx, q)
}

func (b *reviewBackend) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	if b.entered != nil {
		b.entered <- struct{}{}
		<-b.release
	}
	if b.unanswerd {
		b.redeploys.Add(1)
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: timed out", r.InstanceID, backend.ErrOutcomeUnknown)
	}
	return b.counting.Redeploy(ctx, r)
}

func (b *reviewBackend) set(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f()
}

func reviewSetup(t *testing.T) (*Hub, *reviewBackend, *sim.StepClock) {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(plainFleet(), clock, sim.Options{})
	b := &reviewBackend{counting: &counting{Backend: sim.NewBackend(eng)}, status: map[string]model.InstanceStatus{}}
	h := New(b, Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, b, clock
}

// A status seen while the call was out (a refresh showed the instance Stopping) used to
// become the status the hold waited for, so an instance back at Running stayed held for
// ever. The hold waits for the status the engineer confirmed on.
func TestAnUnansweredHoldWaitsForTheConfirmedStatus(t *testing.T) {
	h, b, clock := reviewSetup(t)
	ctx := context.Background()
	id := "i-bp1soon000000000000001"
	b.entered, b.release, b.unanswerd = make(chan struct{}), make(chan struct{}), true
	answered := make(chan error, 1)
	go func() {
		_, err := h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: operator})
		answered <- err
	}()
	<-b.entered
	b.set(func() { b.status[id] = model.StatusStopping })
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	close(b.release)
	if err := <-answered; !errors.Is(err, backend.ErrOutcomeUnknown) {
		t.Fatal(err)
	}
	b.set(func() { delete(b.status, id) }) // back at Running, no task: it did not start
	clock.Advance(OutcomeHold)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := row(t, h.Snapshot(), id); r.State != StateIdle {
		t.Fatalf("held for ever: %v", r.State)
	}
}

// A listing already on its way when the call got no answer proves nothing about the call;
// nor does a refresh whose task listing failed.
func TestAHoldIsReleasedOnlyByALateEnoughListingWithTasksKnown(t *testing.T) {
	h, b, clock := reviewSetup(t)
	ctx := context.Background()
	id := "i-bp1soon000000000000001"
	b.unanswerd = true
	if _, err := h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: operator}); !errors.Is(err, backend.ErrOutcomeUnknown) {
		t.Fatal(err)
	}
	// A listing asked for a minute after the call answers two minutes later.
	clock.Advance(time.Minute)
	b.counting.gate, b.counting.entered = make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- h.Refresh(ctx) }()
	<-b.counting.entered
	clock.Advance(2 * time.Minute)
	close(b.counting.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b.counting.gate = nil
	if r := row(t, h.Snapshot(), id); r.State != StateOutcomeUnknown {
		t.Fatalf("released by a listing asked for 1m after the call: %v", r.State)
	}
	// Late enough, but the task listing failed: still held.
	b.set(func() { b.tasksErr = errors.New("DescribeTasks: ServiceUnavailable") })
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := row(t, h.Snapshot(), id); r.State != StateOutcomeUnknown {
		t.Fatalf("released while the task listing failed: %v", r.State)
	}
	b.set(func() { b.tasksErr = nil })
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := row(t, h.Snapshot(), id); r.State != StateIdle {
		t.Fatalf("not released by a late listing with the tasks known: %v", r.State)
	}
}

// A finished redeploy's instance is not a target again: its event is Avoided, and an old
// screen's dialog must not send a second RedeployInstance.
func TestAnAvoidedInstanceIsNotATarget(t *testing.T) {
	h, c, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	id := "i-bp1soon000000000000001"
	req := backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: operator}
	if _, err := h.Redeploy(ctx, req); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	h.PollTasks(ctx)
	if r := row(t, h.Snapshot(), id); r.State != StateAvoided {
		t.Fatalf("%v", r.State)
	}
	if _, err := h.Redeploy(ctx, req); !errors.Is(err, ErrNotListed) {
		t.Fatalf("second redeploy of an avoided instance: %v", err)
	}
	if n := c.redeploys.Load(); n != 1 {
		t.Fatalf("%d calls reached the backend", n)
	}
}
