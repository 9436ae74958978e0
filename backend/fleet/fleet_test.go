package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// counting wraps a Backend and counts the calls that reach it.
type counting struct {
	backend.Backend
	instances, redeploys, tasks atomic.Int32
	// gate, when set, holds a full listing's answer until it is closed; entered says the
	// answer is computed and held.
	gate    chan struct{}
	entered chan struct{}
}

func (c *counting) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	insts, err := c.Backend.Instances(ctx, q)
	c.instances.Add(1)
	if c.gate != nil && len(q.InstanceIDs) == 0 {
		c.entered <- struct{}{}
		<-c.gate // the answer is computed, then held: it grows stale in flight
	}
	return insts, err
}

func (c *counting) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	c.redeploys.Add(1)
	return c.Backend.Redeploy(ctx, r)
}

func (c *counting) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	c.tasks.Add(1)
	return c.Backend.Tasks(ctx, region, ids)
}

// plainFleet has one redeployable Running instance and one blocked by a security lock.
func plainFleet() *sim.Fleet {
	ev := func(id string, d time.Duration) []model.Event {
		return []model.Event{{ID: "e-" + id, InstanceID: id, Type: model.EventMaintenanceRedeploy,
			CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(d), PublishTime: sim.Epoch.Add(-24 * time.Hour)}}
	}
	return &sim.Fleet{
		Regions: []model.Region{{RegionID: "cn-hangzhou"}},
		Instances: []model.Instance{
			{ID: "i-bp1later00000000000001", Name: "later", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
				Status: model.StatusRunning, Events: ev("i-bp1later00000000000001", 5*time.Hour)},
			{ID: "i-bp1soon000000000000001", Name: "soon", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
				Status: model.StatusRunning, Events: ev("i-bp1soon000000000000001", time.Hour)},
			{ID: "i-bp1locked0000000000001", Name: "locked", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
				Status: model.StatusRunning, OperationLocks: []model.LockReason{model.LockSecurity},
				Events: ev("i-bp1locked0000000000001", 2*time.Hour)},
		},
	}
}

func setup(t *testing.T, opts sim.Options) (*Hub, *counting, *sim.Engine, *sim.StepClock) {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(plainFleet(), clock, opts)
	c := &counting{Backend: sim.NewBackend(eng)}
	v := New(c, Options{Now: clock.Now, Wall: clock.Now})
	return v, c, eng, clock
}

func row(t *testing.T, s *Snapshot, id string) *Row {
	t.Helper()
	for _, r := range s.Rows {
		if r.Inst.ID == id {
			return r
		}
	}
	t.Fatalf("no row %s", id)
	return nil
}

func TestRefreshPublishesSortedRowsToEverySubscriber(t *testing.T) {
	v, _, _, _ := setup(t, sim.Options{})
	a, b := v.Subscribe(context.Background()), v.Subscribe(context.Background())
	defer a.Close()
	defer b.Close()
	if s := <-a.C(); !s.Loading {
		t.Fatal("first snapshot should say loading")
	}
	<-b.C()
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []*Subscription{a, b} {
		s := <-sub.C()
		if s.Loading || len(s.Rows) != 3 {
			t.Fatalf("snapshot: loading=%v rows=%d", s.Loading, len(s.Rows))
		}
		if got := s.Rows[0].Inst.Name + "," + s.Rows[1].Inst.Name + "," + s.Rows[2].Inst.Name; got != "soon,locked,later" {
			t.Errorf("order %s, want deadline order soon,locked,later", got)
		}
		if s.Counts != (Counts{Pending: 3, Blocked: 1}) {
			t.Errorf("counts %+v", s.Counts)
		}
	}
}

func TestRedeployIsTrackedThroughItsPhasesToAvoided(t *testing.T) {
	v, c, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	id := "i-bp1soon000000000000001"
	ref, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id})
	if err != nil {
		t.Fatal(err)
	}
	s := v.Snapshot()
	if r := row(t, s, id); !r.InProgress || s.Counts.InProgress != 1 {
		t.Fatalf("row not in progress after submit: %+v", s.Counts)
	}
	if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id}); !errors.Is(err, ErrInProgress) {
		t.Fatalf("second redeploy: %v, want ErrInProgress", err)
	}
	if n := c.redeploys.Load(); n != 1 {
		t.Fatalf("backend saw %d redeploys, want 1", n)
	}
	for _, step := range []struct {
		advance time.Duration
		phase   model.InstanceStatus
		status  model.TaskStatus
	}{
		{0, model.StatusStopping, model.TaskProcessing},
		{2 * time.Minute, model.StatusStopped, model.TaskProcessing},
		{3 * time.Minute, model.StatusStarting, model.TaskProcessing},
		{2 * time.Minute, model.StatusRunning, model.TaskFinished},
	} {
		clock.Advance(step.advance)
		left := v.PollTasks(ctx)
		task := v.Snapshot().Tasks[0]
		if task.ID != ref.TaskID || task.Phase != step.phase || task.Status != step.status {
			t.Fatalf("after %v: task %s %s phase %s, want %s phase %s", step.advance, task.ID, task.Status, task.Phase, step.status, step.phase)
		}
		want := 1
		if step.status.Final() {
			want = 0
		}
		if left != want {
			t.Fatalf("after %v: in flight %d, want %d", step.advance, left, want)
		}
		if snap := v.Snapshot(); row(t, snap, id).InProgress != (want == 1) || snap.Counts.InProgress != want {
			t.Fatalf("after %v: row in progress %v, %d counted, want %d", step.advance, row(t, snap, id).InProgress, snap.Counts.InProgress, want)
		}
	}
	// The API no longer lists the instance; the view keeps it, Running and Avoided.
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r := row(t, v.Snapshot(), id)
	if !r.Avoided || r.InProgress || r.Event.CycleStatus != model.CycleAvoided || r.Inst.Status != model.StatusRunning {
		t.Fatalf("finished row: resolved=%v inProgress=%v event=%s status=%s", r.Avoided, r.InProgress, r.Event.CycleStatus, r.Inst.Status)
	}
	if got := v.Snapshot().Counts; got.Pending != 2 || got.InProgress != 0 {
		t.Errorf("counts after finish %+v", got)
	}
}

func TestFailedRedeployKeepsReasonAndRequestID(t *testing.T) {
	v, _, _, clock := setup(t, sim.Options{FailureRate: 1})
	ctx := context.Background()
	_ = v.Refresh(ctx)
	id := "i-bp1later00000000000001"
	if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	if left := v.PollTasks(ctx); left != 0 {
		t.Fatalf("%d still in flight", left)
	}
	task := v.Snapshot().Tasks[0]
	if task.Status != model.TaskFailed || task.FailedReason == "" || task.RequestID == "" || task.Phase != model.StatusRunning {
		t.Fatalf("failed task: %+v", task)
	}
	if r := row(t, v.Snapshot(), id); r.InProgress || r.Avoided || r.Event.CycleStatus != model.CycleScheduled {
		t.Fatalf("row after failure: %+v", r)
	}
}

func TestRefreshFailureMarksStaleAndBacksOff(t *testing.T) {
	v, _, eng, _ := setup(t, sim.Options{})
	ctx := context.Background()
	_ = v.Refresh(ctx)
	eng.SetFaults(sim.Faults{ServerErrorRate: 1})
	var waits []time.Duration
	for range 5 {
		err := v.Refresh(ctx)
		if backend.Code(err) != backend.CodeInternalError {
			t.Fatalf("refresh error %v", err)
		}
		waits = append(waits, v.NextRefresh())
	}
	s := v.Snapshot()
	if s.Err == nil || len(s.Rows) != 3 {
		t.Fatalf("stale snapshot: err=%v rows=%d", s.Err, len(s.Rows))
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("backoff %v, want %v", waits, want)
		}
	}
	eng.SetFaults(sim.Faults{})
	// Back to the planned cadence: a full listing every EndedWithin less 5 s (it took no
	// time on the stepped clock), the budget allowing.
	if err := v.Refresh(ctx); err != nil || v.NextRefresh() != 2*time.Minute-5*time.Second || v.Snapshot().Err != nil {
		t.Fatalf("recovery: err=%v next=%v", err, v.NextRefresh())
	}
}

func TestRefreshesNeverOverlap(t *testing.T) {
	v, c, _, _ := setup(t, sim.Options{})
	c.gate, c.entered = make(chan struct{}), make(chan struct{}, 1)
	done := make(chan error)
	go func() { done <- v.Refresh(context.Background()) }()
	<-c.entered // the first refresh is inside the backend
	if err := v.Refresh(context.Background()); !errors.Is(err, ErrBusy) {
		t.Fatalf("overlapping refresh: %v, want ErrBusy", err)
	}
	close(c.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := c.instances.Load(); n != 1 {
		t.Fatalf("backend saw %d refreshes, want 1", n)
	}
}

// fakeTimer hands the loop a channel per wait and records how long it asked to wait.
type fakeTimer struct {
	mu    sync.Mutex
	waits []time.Duration
	fire  chan chan time.Time
}

func (f *fakeTimer) After(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	f.fire <- c
	return c
}

func (f *fakeTimer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waits)
}

func (f *fakeTimer) last() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waits[len(f.waits)-1]
}

func TestLoopRefreshesOnTimerAndOnRequest(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(plainFleet(), clock, sim.Options{})
	c := &counting{Backend: sim.NewBackend(eng)}
	ft := &fakeTimer{fire: make(chan chan time.Time, 16)}
	v := New(c, Options{Now: clock.Now, Wall: clock.Now, After: ft.After, Interval: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { v.refreshLoop(ctx); close(stopped) }()

	tick := <-ft.fire // first refresh done, loop waits
	if n := c.instances.Load(); n != 1 {
		t.Fatalf("%d refreshes before the first tick", n)
	}
	tick <- sim.Epoch
	<-ft.fire
	if n := c.instances.Load(); n != 2 {
		t.Fatalf("%d refreshes after one tick, want 2", n)
	}
	v.RequestRefresh()
	<-ft.fire
	if n := c.instances.Load(); n != 3 {
		t.Fatalf("%d refreshes after a request, want 3", n)
	}
	cancel()
	<-stopped
	ft.mu.Lock()
	defer ft.mu.Unlock()
	for _, d := range ft.waits {
		if d != 5*time.Second {
			t.Fatalf("waits %v, want 5s each", ft.waits)
		}
	}
}

func TestRefreshRequestsMerge(t *testing.T) {
	v, _, _, _ := setup(t, sim.Options{})
	v.RequestRefresh()
	v.RequestRefresh()
	if n := len(v.refreshReq); n != 1 {
		t.Fatalf("%d pending requests, want 1", n)
	}
}

func TestTaskLoopIdlesWithoutTasks(t *testing.T) {
	v, c, _, clock := setup(t, sim.Options{})
	ft := &fakeTimer{fire: make(chan chan time.Time, 16)}
	v.opt.After = ft.After
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = v.Refresh(ctx)
	if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1soon000000000000001"}); err != nil {
		t.Fatal(err)
	}
	<-v.taskWake // the loop starts with the task already known
	go v.taskLoop(ctx)
	tick := <-ft.fire // polled once, now waits the fast interval
	if got := ft.last(); got != time.Second {
		t.Fatalf("fast poll wait %v", got)
	}
	clock.Advance(30 * time.Second) // no phase change for a while: slow down
	tick <- sim.Epoch
	tick = <-ft.fire
	if got := ft.last(); got != 2*time.Second {
		t.Fatalf("quiet poll wait %v, want 2s", got)
	}
	sub := v.Subscribe(context.Background())
	defer sub.Close()
	clock.Advance(10 * time.Minute)
	tick <- sim.Epoch
	for s := range sub.C() { // the loop polls and the task finishes
		if s.Tasks[0].Status == model.TaskFinished {
			break
		}
	}
	// With nothing in flight the loop arms no timer and makes no call: only a redeploy
	// wakes it.
	calls, waits := c.tasks.Load(), ft.count()
	if v.taskWait(v.PollTasks(ctx)) != nil {
		t.Fatal("an idle tracker armed a timer")
	}
	if c.tasks.Load() != calls || ft.count() != waits {
		t.Fatal("an idle tracker called the backend or asked for a timer")
	}
}

func TestPollWithoutChangePublishesNothing(t *testing.T) {
	v, _, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	_ = v.Refresh(ctx)
	if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1soon000000000000001"}); err != nil {
		t.Fatal(err)
	}
	v.PollTasks(ctx)
	before := v.Snapshot().Version
	clock.Advance(10 * time.Second) // still Stopping
	v.PollTasks(ctx)
	if after := v.Snapshot().Version; after != before {
		t.Fatalf("a poll that changed nothing published snapshot %d after %d", after, before)
	}
}

func TestStaleRefreshDoesNotUndoWhatTheTrackerLearned(t *testing.T) {
	v, c, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	_ = v.Refresh(ctx)
	id := "i-bp1soon000000000000001"
	if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id}); err != nil {
		t.Fatal(err)
	}
	v.PollTasks(ctx) // Stopping
	c.gate, c.entered = make(chan struct{}), make(chan struct{}, 1)
	done := make(chan error)
	go func() { done <- v.Refresh(ctx) }() // reads Stopping, then is held
	<-c.entered
	clock.Advance(2 * time.Minute)
	v.PollTasks(ctx) // learns Stopped while the refresh is in flight
	close(c.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := row(t, v.Snapshot(), id).Inst.Status; got != model.StatusStopped {
		t.Fatalf("row status %s after a stale refresh, want Stopped", got)
	}
}

func TestFinishSeenByARefreshBeforeTheTracker(t *testing.T) {
	v, _, _, clock := setup(t, sim.Options{})
	ctx := context.Background()
	_ = v.Refresh(ctx)
	id := "i-bp1soon000000000000001"
	if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id}); err != nil {
		t.Fatal(err)
	}
	v.PollTasks(ctx)
	clock.Advance(10 * time.Minute)
	// The refresh runs first: the API no longer lists the instance, its event is Avoided.
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := row(t, v.Snapshot(), id); !r.InProgress {
		t.Fatal("until the tracker knows, the row stays in progress")
	}
	v.PollTasks(ctx)
	s := v.Snapshot()
	r := row(t, s, id)
	if !r.Avoided || r.Inst.Status != model.StatusRunning || r.Event.CycleStatus != model.CycleAvoided {
		t.Fatalf("row after finish: resolved=%v status=%s event=%s", r.Avoided, r.Inst.Status, r.Event.CycleStatus)
	}
	if tk := s.Tasks[0]; tk.Status != model.TaskFinished || tk.Phase != model.StatusRunning {
		t.Fatalf("task %s phase %s", tk.Status, tk.Phase)
	}
	for _, r := range s.Rows {
		if r.Inst.ID == "" {
			t.Fatal("a row without an instance id")
		}
	}
	if len(s.Rows) != 3 || s.Counts.Pending != 2 {
		t.Fatalf("%d rows, counts %+v", len(s.Rows), s.Counts)
	}
}

func TestFiftySessionsCostOneRefresh(t *testing.T) {
	v, c, _, _ := setup(t, sim.Options{})
	subs := make([]*Subscription, 50)
	for i := range subs {
		subs[i] = v.Subscribe(context.Background())
		defer subs[i].Close()
	}
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, s := range subs {
		if snap := <-s.C(); snap.Loading || len(snap.Rows) != 3 {
			t.Fatalf("session %d got loading=%v rows=%d", i, snap.Loading, len(snap.Rows))
		}
	}
	if n := c.instances.Load(); n != 1 {
		t.Fatalf("50 sessions cost %d refreshes, want 1", n)
	}
	// A session that stopped reading does not hold the others back.
	subs[0].Close()
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if snap := <-subs[1].C(); snap.Version != v.Snapshot().Version {
		t.Fatal("a live session missed the newest snapshot")
	}
}

// unanswered makes every Redeploy end as a lost reply whose outcome is unknown, after the
// engine applied it or not, as the aliyun backend reports a timed-out call.
type unanswered struct {
	*counting
	apply bool
}

func (u *unanswered) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	u.redeploys.Add(1)
	if u.apply {
		if _, err := u.Backend.Redeploy(ctx, r); err != nil {
			return backend.TaskRef{}, err
		}
	}
	return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the call timed out", r.InstanceID, backend.ErrOutcomeUnknown)
}

func TestUnansweredRedeployHoldsTheInstance(t *testing.T) {
	for _, applied := range []bool{false, true} {
		t.Run(fmt.Sprintf("applied=%v", applied), func(t *testing.T) {
			clock := sim.NewStepClock(sim.Epoch)
			eng := sim.New(plainFleet(), clock, sim.Options{})
			u := &unanswered{counting: &counting{Backend: sim.NewBackend(eng)}, apply: applied}
			v := New(u, Options{Now: clock.Now, Wall: clock.Now})
			ctx := context.Background()
			if err := v.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			id := "i-bp1soon000000000000001"
			req := backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id,
				Identity: backend.Identity{Name: "alice", Role: backend.RoleOperator}}
			if _, err := v.Redeploy(ctx, req); !errors.Is(err, backend.ErrOutcomeUnknown) {
				t.Fatalf("first redeploy: %v", err)
			}
			if r := row(t, v.Snapshot(), id); !r.InProgress {
				t.Fatal("an unanswered redeploy left the row free for a second R")
			}
			if _, err := v.Redeploy(ctx, req); !errors.Is(err, ErrOutcomeHold) {
				t.Fatalf("second redeploy: %v, want ErrOutcomeHold", err)
			}
			if n := u.redeploys.Load(); n != 1 {
				t.Fatalf("%d RedeployInstance calls reached the backend, want 1", n)
			}
			// A refresh before the hold has passed releases nothing. When the call was
			// applied, the refresh finds its task Processing and adopts it as ours.
			clock.Advance(time.Minute)
			if err := v.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			want := ErrOutcomeHold
			if applied {
				want = ErrInProgress
				r := row(t, v.Snapshot(), id)
				if r.State != StateRunning || r.Task == nil || r.StartedBy.Elsewhere || r.StartedBy.Identity != req.Identity {
					t.Fatalf("the applied call's task was not adopted as ours: %v %+v %+v", r.State, r.Task, r.StartedBy)
				}
			}
			if _, err := v.Redeploy(ctx, req); !errors.Is(err, want) {
				t.Fatalf("after 1m: %v, want %v", err, want)
			}
			clock.Advance(OutcomeHold)
			if err := v.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			r := row(t, v.Snapshot(), id)
			if !applied {
				// Seen at rest long after the call: it did not start; the row is free again.
				if r.InProgress {
					t.Fatal("still held after the instance was seen at rest past the hold")
				}
				return
			}
			// Applied: the instance is moving (Stopped, mid-redeploy), so it stays held.
			if !r.InProgress || r.Inst.Status == model.StatusRunning {
				t.Fatalf("applied redeploy released while the instance moves: %s, in progress %v", r.Inst.Status, r.InProgress)
			}
			if _, err := v.Redeploy(ctx, req); !errors.Is(err, ErrInProgress) {
				t.Fatalf("while moving: %v, want ErrInProgress", err)
			}
		})
	}
}
