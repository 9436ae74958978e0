// Package fleet is the shared view of the fleet every console session subscribes to: one
// refresh loop and one task tracker per process, however many sessions watch it.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Options tune a Hub. Zero values take the defaults.
type Options struct {
	// Regions scopes every refresh (empty: all regions).
	Regions []string
	// Interval between refreshes; 5 s by default.
	Interval time.Duration
	// MaxBackoff caps the wait after repeated refresh failures; 1 min by default.
	MaxBackoff time.Duration
	// TaskFast and TaskSlow are the task polling intervals: fast right after a change,
	// slow once the tasks have been quiet for a while. 1 s and 2 s by default.
	TaskFast, TaskSlow time.Duration
	// Now is the backend's clock.
	Now func() time.Time
	// Wall stamps refreshes for "updated Ns ago"; it differs from Now on an accelerated
	// simulator.
	Wall func() time.Time
	// After waits like time.After; tests inject it to drive the loops without sleeping.
	After func(time.Duration) <-chan time.Time
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.TaskFast <= 0 {
		o.TaskFast = time.Second
	}
	if o.TaskSlow <= 0 {
		o.TaskSlow = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
}

// quietAfter is how long tasks must go without a visible change before polling slows down.
const quietAfter = 20 * time.Second

// ErrBusy is returned by Refresh when a refresh is already running: refreshes never overlap.
var ErrBusy = errors.New("fleet: a refresh is already running")

// ErrInProgress is returned by Redeploy for an instance that already has a redeploy in
// flight, from this session or any other.
var ErrInProgress = errors.New("a redeploy of this instance is already in progress")

// ErrOutcomeHold is returned by Redeploy for an instance whose last redeploy got no answer
// (backend.ErrOutcomeUnknown) until a refresh has shown it at rest for UnsureHold.
var ErrOutcomeHold = errors.New("the last redeploy of this instance got no answer and may have started; wait until the console shows its state (about two minutes) or check DescribeTasks")

// UnsureHold is how long after an unanswered redeploy the instance must be seen Running or
// Stopped before it may be redeployed again. An applied RedeployInstance moves the instance
// within seconds; two minutes leaves room for a slow API without blocking the engineer long.
const UnsureHold = 2 * time.Minute

// unsureMark is when a redeploy's answer was lost and the status the instance had then.
type unsureMark struct {
	at     time.Time
	status model.InstanceStatus
}

// tracked is one redeploy the tracker follows.
type tracked struct {
	task Task
	// inst is the instance as last known, for when a refresh no longer lists it: the API
	// drops it the moment its event is Avoided, which can be before the tracker notices.
	inst model.Instance
	// eventID is the event the redeploy answers; it becomes Avoided when the task finishes.
	eventID string
}

// Hub is the process-wide fleet: the latest instances, the tracked tasks, and the
// sessions subscribed to both. All methods are safe for concurrent use.
type Hub struct {
	b   backend.Backend
	opt Options

	refreshing atomic.Bool
	refreshReq chan struct{}
	taskWake   chan struct{}

	mu         sync.Mutex
	version    uint64
	base       []*Row // rows of the last successful refresh, deadline order
	baseIndex  map[string]int
	updated    time.Time
	refreshErr error
	failures   int
	tasks      []*tracked // oldest first
	active     map[string]*tracked
	submitting map[string]model.Instance
	// unsure holds instances whose redeploy got no answer: a second RedeployInstance could
	// move the instance twice, so they count as in progress.
	unsure map[string]unsureMark
	// current holds instance states newer than the last refresh, learned by the tracker;
	// learnedAt numbers each lesson so a refresh only forgets what it has seen again.
	current   map[string]model.Instance
	learnedAt map[string]uint64
	lessons   uint64
	// resolved keeps instances whose redeploy finished: the API stops listing them once
	// their event is Avoided, but the engineer wants to see that it was.
	resolved  map[string]model.Instance
	taskErr   error
	lastShift time.Time
	snap      *Snapshot
	subs      map[*Subscription]struct{}
}

// New makes a Hub over b. Nothing is fetched until Run or Refresh.
func New(b backend.Backend, opt Options) *Hub {
	opt.defaults()
	v := &Hub{
		b:          b,
		opt:        opt,
		refreshReq: make(chan struct{}, 1),
		taskWake:   make(chan struct{}, 1),
		active:     map[string]*tracked{},
		submitting: map[string]model.Instance{},
		unsure:     map[string]unsureMark{},
		current:    map[string]model.Instance{},
		learnedAt:  map[string]uint64{},
		resolved:   map[string]model.Instance{},
		subs:       map[*Subscription]struct{}{},
	}
	v.snap = &Snapshot{Scope: slices.Clone(opt.Regions), Loading: true}
	return v
}

// Now is the backend's clock.
func (v *Hub) Now() time.Time { return v.opt.Now() }

// Run drives the refresh loop and the task tracker until ctx ends.
func (v *Hub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); v.refreshLoop(ctx) }()
	go func() { defer wg.Done(); v.taskLoop(ctx) }()
	wg.Wait()
}

func (v *Hub) refreshLoop(ctx context.Context) {
	for {
		_ = v.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-v.opt.After(v.NextRefresh()):
		case <-v.refreshReq:
		}
	}
}

// NextRefresh is how long the loop waits before the next refresh: the interval, doubled
// for each consecutive failure up to MaxBackoff.
func (v *Hub) NextRefresh() time.Duration {
	v.mu.Lock()
	n := v.failures
	v.mu.Unlock()
	d := v.opt.Interval
	for i := 0; i < n && d < v.opt.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, v.opt.MaxBackoff)
}

// RequestRefresh asks the loop to refresh now. Requests made while one is pending merge.
func (v *Hub) RequestRefresh() {
	select {
	case v.refreshReq <- struct{}{}:
	default:
	}
}

// Refresh fetches the instances once and publishes the result. It returns ErrBusy instead
// of starting a second refresh while one runs.
func (v *Hub) Refresh(ctx context.Context) error {
	if !v.refreshing.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer v.refreshing.Store(false)
	v.mu.Lock()
	since := v.lessons
	v.mu.Unlock()
	insts, err := v.b.Instances(ctx, backend.Query{Regions: v.opt.Regions})
	now := v.opt.Now()
	if err != nil {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.refreshErr = err
		v.failures++
		v.publishLocked()
		return v.refreshErr
	}

	// Rows are derived outside the lock: at 100,000 instances that takes longer than a
	// session should wait to subscribe or to redeploy. In-progress marks are patched on
	// at publish time, so the base rows do not need them.
	v.mu.Lock()
	resolved := maps.Clone(v.resolved)
	v.mu.Unlock()
	var settled []string
	rows := make([]*Row, len(insts))
	for i := range insts {
		in := &insts[i]
		if res, ok := resolved[in.ID]; ok && mergeResolved(in, res) {
			settled = append(settled, in.ID)
		}
		rows[i] = newRow(in, now, false)
	}
	sortRows(rows)
	idx := make(map[string]int, len(rows))
	for i, r := range rows {
		idx[r.Inst.ID] = i
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	v.refreshErr, v.failures, v.updated = nil, 0, v.opt.Wall()
	// What the tracker learned while this refresh ran is newer than the refresh.
	for id, n := range v.learnedAt {
		if n <= since {
			delete(v.current, id)
			delete(v.learnedAt, id)
		}
	}
	for _, id := range settled {
		delete(v.resolved, id)
	}
	// An unanswered redeploy is released once the instance, long enough after the call that
	// an applied one would have moved it, still has the status it had then (or is no longer
	// listed: its event is gone). A Running instance seen Stopped is mid-redeploy: held.
	for id, mark := range v.unsure {
		i, listed := idx[id]
		if now.Sub(mark.at) >= UnsureHold && (!listed || rows[i].Inst.Status == mark.status) {
			delete(v.unsure, id)
		}
	}
	v.base, v.baseIndex = rows, idx
	v.publishLocked()
	return nil
}

func (v *Hub) taskLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.taskWait(v.PollTasks(ctx)):
		case <-v.taskWake:
		}
	}
}

// taskWait is the tracker's next timer: none at all while nothing is in flight (a
// redeploy wakes it), so an idle console makes no task calls.
func (v *Hub) taskWait(inFlight int) <-chan time.Time {
	if inFlight == 0 {
		return nil
	}
	return v.opt.After(v.taskInterval())
}

// taskInterval is fast while tasks are changing and slow once they have been quiet.
func (v *Hub) taskInterval() time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.opt.Now().Sub(v.lastShift) > quietAfter {
		return v.opt.TaskSlow
	}
	return v.opt.TaskFast
}

// PollTasks asks the backend once about every in-flight task and the instances they move,
// publishes what changed, and returns how many tasks are still in flight.
func (v *Hub) PollTasks(ctx context.Context) int {
	v.mu.Lock()
	byRegion := map[string][]string{}
	var regions []string
	for _, t := range v.tasks {
		if t.task.Status == model.TaskProcessing {
			if byRegion[t.task.RegionID] == nil {
				regions = append(regions, t.task.RegionID)
			}
			byRegion[t.task.RegionID] = append(byRegion[t.task.RegionID], t.task.ID)
		}
	}
	v.mu.Unlock()
	var errs []error
	changed := false
	for _, region := range regions {
		ids := byRegion[region]
		tasks, err := v.b.Tasks(ctx, region, ids)
		if err != nil {
			errs = append(errs, fmt.Errorf("task status in %s: %w", region, err))
			continue
		}
		var instIDs []string
		for _, t := range tasks {
			instIDs = append(instIDs, t.ResourceID)
		}
		insts, err := v.b.Instances(ctx, backend.Query{Regions: []string{region}, InstanceIDs: instIDs})
		if err != nil {
			errs = append(errs, fmt.Errorf("instance status in %s: %w", region, err))
		}
		if v.apply(tasks, insts, err == nil) {
			changed = true
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	taskErr := errors.Join(errs...)
	if fmt.Sprint(taskErr) != fmt.Sprint(v.taskErr) {
		changed = true
	}
	v.taskErr = taskErr
	n := 0
	for _, t := range v.tasks {
		if t.task.Status == model.TaskProcessing {
			n++
		}
	}
	if changed {
		v.pruneLocked()
		v.publishLocked()
	}
	return n
}

// apply folds one region's task answers and instance states into the view, and reports
// whether anything a session shows changed.
func (v *Hub) apply(tasks []model.Task, insts []model.Instance, instsOK bool) (changed bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lessons++
	learn := func(in model.Instance) {
		if old, ok := v.current[in.ID]; !ok || old.Status != in.Status {
			changed = true
		}
		v.current[in.ID] = in
		v.learnedAt[in.ID] = v.lessons
	}
	now := v.opt.Now()
	latest := map[string]model.Instance{}
	for _, in := range insts {
		latest[in.ID] = in
	}
	for _, mt := range tasks {
		t := v.active[mt.ResourceID]
		if t == nil || t.task.ID != mt.ID {
			continue
		}
		before := t.task
		t.task.Status, t.task.FailedReason, t.task.Finished = mt.Status, mt.FailedReason, mt.FinishedTime
		in, seen := latest[mt.ResourceID]
		if !seen {
			in, seen = v.instanceLocked(mt.ResourceID)
		}
		if !seen {
			in, seen = t.inst, t.inst.ID != ""
		}
		if seen {
			t.inst = in
		}
		switch mt.Status {
		case model.TaskFinished:
			// The API stops listing the instance once its event is Avoided, so the view
			// records what a finished redeploy means: Running, event Avoided.
			in.Status = model.StatusRunning
			in.Events = slices.Clone(in.Events)
			for i := range in.Events {
				if in.Events[i].ID == t.eventID {
					in.Events[i].CycleStatus = model.CycleAvoided
					in.Events[i].FinishTime = mt.FinishedTime
				}
			}
			if seen {
				v.resolved[in.ID] = in
			}
			delete(v.current, mt.ResourceID)
			delete(v.learnedAt, mt.ResourceID)
			delete(v.active, mt.ResourceID)
		case model.TaskFailed:
			delete(v.active, mt.ResourceID)
			if seen && instsOK {
				learn(in)
			}
		default:
			if seen && instsOK {
				learn(in)
			}
		}
		if seen {
			t.task.Phase = in.Status
		}
		if t.task != before {
			v.lastShift = now
			changed = true
		}
	}
	return changed
}

// keepFinished bounds the finished and failed tasks kept for review, so a server that runs
// for weeks does not grow without end.
const keepFinished = 200

// pruneLocked drops the oldest final tasks beyond keepFinished.
func (v *Hub) pruneLocked() {
	final := 0
	for _, t := range v.tasks {
		if t.task.Status.Final() {
			final++
		}
	}
	if final <= keepFinished {
		return
	}
	drop := final - keepFinished
	keep := v.tasks[:0]
	for _, t := range v.tasks {
		if drop > 0 && t.task.Status.Final() {
			drop--
			continue
		}
		keep = append(keep, t)
	}
	clear(v.tasks[len(keep):])
	v.tasks = keep
}

// mergeResolved reconciles a refreshed instance with the redeploy that finished on it. A
// refresh that still lists the avoided event as pending started before the finish, so the
// finished state wins and stays recorded (false). Otherwise the instance has another
// pending event: the avoided one is kept beside it for the record, and the refresh has
// caught up (true).
func mergeResolved(in *model.Instance, res model.Instance) bool {
	for _, av := range res.Events {
		if av.CycleStatus != model.CycleAvoided {
			continue
		}
		for _, ev := range in.Events {
			if ev.ID == av.ID && ev.CycleStatus.Pending() {
				*in = res
				return false
			}
		}
		in.Events = append(slices.Clone(in.Events), av)
	}
	return true
}

// instanceLocked finds the freshest known state of instance id.
func (v *Hub) instanceLocked(id string) (model.Instance, bool) {
	if in, ok := v.current[id]; ok {
		return in, true
	}
	if in, ok := v.resolved[id]; ok {
		return in, true
	}
	if i, ok := v.baseIndex[id]; ok {
		return *v.base[i].Inst, true
	}
	if t := v.active[id]; t != nil && t.inst.ID != "" {
		return t.inst, true
	}
	return model.Instance{}, false
}

// Redeploy submits one redeploy through the backend and tracks its task. It refuses an
// instance that already has a redeploy in flight, whichever session started it. The
// backend's errors come back unwrapped: the caller knows which instance it asked for.
func (v *Hub) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	v.mu.Lock()
	if _, busy := v.submitting[req.InstanceID]; busy || v.active[req.InstanceID] != nil {
		v.mu.Unlock()
		return backend.TaskRef{}, ErrInProgress
	}
	if _, held := v.unsure[req.InstanceID]; held {
		v.mu.Unlock()
		return backend.TaskRef{}, ErrOutcomeHold
	}
	in, _ := v.instanceLocked(req.InstanceID)
	v.submitting[req.InstanceID] = in
	v.publishLocked()
	v.mu.Unlock()

	ref, err := v.b.Redeploy(ctx, req)

	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.submitting, req.InstanceID)
	if err != nil {
		if errors.Is(err, backend.ErrOutcomeUnknown) {
			v.unsure[req.InstanceID] = unsureMark{at: v.opt.Now(), status: in.Status}
		}
		v.publishLocked()
		return ref, err
	}
	now := v.opt.Now()
	t := &tracked{inst: in, task: Task{
		ID: ref.TaskID, RegionID: req.RegionID, InstanceID: req.InstanceID, InstanceName: in.Name,
		Status: model.TaskProcessing, ForceStop: req.ForceStop, StartedBy: req.Identity,
		RequestID: ref.RequestID, Created: now,
	}}
	if ev := model.AnsweredEvent(&in); ev != nil {
		t.eventID = ev.ID
	}
	v.tasks = append(v.tasks, t)
	v.active[req.InstanceID] = t
	delete(v.resolved, req.InstanceID)
	v.lastShift = now
	v.publishLocked()
	select {
	case v.taskWake <- struct{}{}:
	default:
	}
	return ref, nil
}

// publishLocked builds a snapshot from the current state and hands it to every subscriber.
func (v *Hub) publishLocked() {
	now := v.opt.Now()
	rows := slices.Clone(v.base)
	changed := false
	patched := map[string]*Row{}
	patch := func(in model.Instance) {
		r := newRow(&in, now, v.inProgressLocked(in.ID))
		patched[in.ID] = r
		if i, ok := v.baseIndex[in.ID]; ok {
			rows[i] = r
			return
		}
		rows = append(rows, r)
		changed = true
	}
	for _, in := range v.resolved {
		if _, ok := v.current[in.ID]; !ok {
			patch(in)
		}
	}
	for _, in := range v.current {
		patch(in)
	}
	for id, in := range v.submitting {
		if _, ok := v.current[id]; !ok && in.ID != "" {
			patch(in)
		}
	}
	for id := range v.unsure {
		if _, done := patched[id]; !done {
			if i, ok := v.baseIndex[id]; ok {
				patch(*v.base[i].Inst)
			}
		}
	}
	for id, t := range v.active {
		if _, ok := v.current[id]; !ok {
			if i, ok := v.baseIndex[id]; ok {
				patch(*v.base[i].Inst)
			} else if t.inst.ID != "" {
				patch(t.inst)
			}
		}
	}
	if changed {
		sortRows(rows)
	}
	v.version++
	s := &Snapshot{
		Version: v.version,
		Rows:    rows,
		Scope:   slices.Clone(v.opt.Regions),
		Updated: v.updated,
		Err:     v.refreshErr,
		TaskErr: v.taskErr,
		Loading: v.updated.IsZero() && v.refreshErr == nil,
	}
	for _, r := range rows {
		switch {
		case r.InProgress:
			s.Counts.InProgress++
		case r.Resolved:
			continue
		case r.Blocked:
			s.Counts.Blocked++
		}
		s.Counts.Pending++
	}
	s.Tasks = make([]Task, len(v.tasks))
	for i, t := range v.tasks {
		task := t.task
		// A running task's phase is its instance's status in this very snapshot, so the
		// panel and the row never disagree.
		if r := patched[task.InstanceID]; r != nil && task.Status == model.TaskProcessing && task.Phase != "" {
			task.Phase = r.Inst.Status
		}
		s.Tasks[len(v.tasks)-1-i] = task
	}
	v.snap = s
	for sub := range v.subs {
		sub.offer(s)
	}
}

func (v *Hub) inProgressLocked(id string) bool {
	_, sub := v.submitting[id]
	_, held := v.unsure[id]
	return sub || held || v.active[id] != nil
}

// Snapshot returns the latest snapshot.
func (v *Hub) Snapshot() *Snapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.snap
}

// Subscribe returns a subscription that receives the current snapshot at once and every
// newer one after it. Slow readers skip to the newest snapshot instead of blocking others.
func (v *Hub) Subscribe() *Subscription {
	s := &Subscription{c: make(chan *Snapshot, 1), done: make(chan struct{}), v: v}
	v.mu.Lock()
	v.subs[s] = struct{}{}
	s.offer(v.snap)
	v.mu.Unlock()
	return s
}

// Subscription delivers snapshots to one session.
type Subscription struct {
	c    chan *Snapshot
	done chan struct{}
	once sync.Once
	v    *Hub
}

// C delivers snapshots, newest only.
func (s *Subscription) C() <-chan *Snapshot { return s.c }

// Done is closed when the subscription is closed, so a waiting reader can stop.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close stops deliveries.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.v.mu.Lock()
		delete(s.v.subs, s)
		s.v.mu.Unlock()
		close(s.done)
	})
}

// offer replaces any undelivered snapshot with snap. Callers hold the view's lock, so
// offers never race each other.
func (s *Subscription) offer(snap *Snapshot) {
	select {
	case <-s.c:
	default:
	}
	s.c <- snap
}

// sortRows orders rows by deadline, then instance id; rows without one go last.
func sortRows(rows []*Row) {
	slices.SortFunc(rows, func(a, b *Row) int {
		if a.Deadline.IsZero() != b.Deadline.IsZero() {
			if a.Deadline.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return strings.Compare(a.Inst.ID, b.Inst.ID)
	})
}
