// Package fleet is the hub every console session, SSH session and batch stands on: one
// refresh loop, one task tracker and one owner for every redeploy fact and call per
// process, however many sessions watch it.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
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
	// CallTimeout bounds one RedeployInstance call, reconcile included; 10 min by default.
	// It runs on the hub's own context: no session can cancel it.
	CallTimeout time.Duration
	// Now is the backend's clock.
	Now func() time.Time
	// Wall stamps refreshes for "updated Ns ago"; it differs from Now on an accelerated
	// simulator.
	Wall func() time.Time
	// After waits like time.After; tests inject it to drive the loops without sleeping.
	After func(time.Duration) <-chan time.Time
	// Logger receives panics (with their stacks) and failures of the loops; discarded by
	// default.
	Logger *slog.Logger
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
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Minute
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
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// quietAfter is how long tasks must go without a visible change before polling slows down.
const quietAfter = 20 * time.Second

// elsewhereConcurrency bounds the regions asked at once for tasks started elsewhere.
const elsewhereConcurrency = 8

// Errors of the hub.
var (
	// ErrBusy is returned by Refresh when a refresh is already running: refreshes never
	// overlap.
	ErrBusy = errors.New("fleet: a refresh is already running")
	// ErrInProgress is returned by Redeploy for an instance that already has a redeploy
	// under way, started from this process or found Processing in ECS.
	ErrInProgress = errors.New("a redeploy of this instance is already in progress")
	// ErrOutcomeHold is returned by Redeploy for an instance whose last redeploy got no
	// answer (backend.ErrOutcomeUnknown) until a refresh has shown it at rest for
	// UnsureHold, or its task is listed.
	ErrOutcomeHold = errors.New("the last redeploy of this instance got no answer and may have started; wait until the console shows its state (about two minutes) or check DescribeTasks")
	// ErrNotListed is returned by Redeploy for an instance the hub does not list: only an
	// instance a screen showed can be a target.
	ErrNotListed = errors.New("the console does not list this instance")
	// ErrDetached is returned by Redeploy when the caller's context ended before the call
	// answered: the call goes on in the hub, and every session will see its outcome.
	ErrDetached = errors.New("stopped waiting; the RedeployInstance call goes on and its outcome will show in the console")
)

// UnsureHold is how long after an unanswered redeploy the instance must be seen Running or
// Stopped before it may be redeployed again. An applied RedeployInstance moves the instance
// within seconds; two minutes leaves room for a slow API without blocking the engineer long.
const UnsureHold = 2 * time.Minute

// UnsureCap ends a hold whose instance is at rest (Running or Stopped) with no redeploy
// task Processing, whatever status it was confirmed on: a redeploy takes minutes, so after
// half an hour at rest with nothing Processing, nothing is moving it.
const UnsureCap = 30 * time.Minute

// keepFinished bounds the finished and failed tasks kept for review, so a server that runs
// for weeks does not grow without end.
const keepFinished = 200

// record is everything the hub knows about one instance. Its redeploy state has one
// owner, this record, whatever session asked.
type record struct {
	// inst is the freshest known state, the record's own copy (ownCopy). It is replaced,
	// never changed in place, so the row derived from it shares it.
	inst *model.Instance
	// listed is whether the last successful refresh listed the instance; listing is the
	// number of the last refresh that did.
	listed  bool
	listing uint64
	// lesson numbers what the task tracker learned last (0: the refresh's data), so a
	// refresh that started before the lesson does not undo it.
	lesson uint64
	state  RedeployState
	by     StartedBy
	// task is the current or last redeploy task (shared with Hub.tasks).
	task *Task
	// eventID is the event the redeploy answers; it becomes Avoided when the task finishes.
	eventID string
	// unsureAt and unsureStatus are when a call got no answer, and the status the
	// instance had then (StateOutcomeUnknown).
	unsureAt     time.Time
	unsureStatus model.InstanceStatus
	// row is the derived row; nil when it must be derived again.
	row *Row
	// dropped is set when the record leaves the hub's map, so no one reuses it.
	dropped bool
}

// Hub is the process-wide fleet: the records of every listed instance, the tracked tasks,
// the RedeployInstance calls in flight, and the sessions subscribed to all of it. All
// methods are safe for concurrent use.
type Hub struct {
	b   backend.Backend
	opt Options
	log *slog.Logger

	// calls run on base, never on a session's context.
	base  context.Context
	calls sync.WaitGroup

	refreshing atomic.Bool
	refreshReq chan struct{}
	taskWake   chan struct{}

	mu         sync.Mutex
	version    uint64
	records    map[string]*record
	rows       []*Row // published order; shared with snapshots, so replaced, never changed
	index      map[string]int
	dirty      map[string]struct{}
	regroup    bool // rows were added or removed: rebuild and sort
	updated    time.Time
	refreshErr error
	failures   int
	// listing numbers the successful refreshes; listed are the records of the last one,
	// in the backend's order.
	listing uint64
	listed  []*record
	taskErr error
	// elsewhereErr is a failure to learn the tasks started elsewhere.
	elsewhereErr error
	tasks        []*Task // oldest first
	// starters names who started tasks this hub did not send, as a resumed plan knows
	// them (Follow), for when a refresh finds the task Processing.
	starters  map[string]StartedBy
	lessons   uint64
	lastShift time.Time
	snap      *Snapshot
	subs      map[*Subscription]struct{}
}

// New makes a Hub over b. Nothing is fetched until Run or Refresh.
func New(b backend.Backend, opt Options) *Hub {
	opt.defaults()
	h := &Hub{
		b:          b,
		opt:        opt,
		log:        opt.Logger,
		base:       context.Background(),
		refreshReq: make(chan struct{}, 1),
		taskWake:   make(chan struct{}, 1),
		records:    map[string]*record{},
		index:      map[string]int{},
		dirty:      map[string]struct{}{},
		subs:       map[*Subscription]struct{}{},
	}
	h.snap = &Snapshot{Scope: slices.Clone(opt.Regions), Loading: true}
	return h
}

// Now is the backend's clock.
func (h *Hub) Now() time.Time { return h.opt.Now() }

// Run drives the refresh loop and the task tracker until ctx ends. A panic in either is
// logged with its stack and retried after a back-off; it never ends the process.
func (h *Hub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); h.refreshLoop(ctx) }()
	go func() { defer wg.Done(); h.taskLoop(ctx) }()
	wg.Wait()
}

// Drain waits until every RedeployInstance call in flight has answered, or ctx ends: a
// server shutting down lets them finish so their outcome is known and audited.
func (h *Hub) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { h.calls.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("RedeployInstance calls still in flight: %w", ctx.Err())
	}
}

// recovered runs f and turns a panic into an error, logged with its stack.
func (h *Hub) recovered(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic", "in", what, "panic", safetext.Log(fmt.Sprint(p)), "stack", string(debug.Stack()))
			err = fmt.Errorf("%s panicked: %v", what, p)
		}
	}()
	return f()
}

func (h *Hub) refreshLoop(ctx context.Context) {
	for {
		err := h.recovered("refresh", func() error { return h.Refresh(ctx) })
		if err != nil && !errors.Is(err, ErrBusy) && ctx.Err() == nil {
			h.log.Warn("refresh failed", "err", safetext.Log(err.Error()))
			h.mu.Lock()
			if h.refreshErr == nil { // a panic: Refresh never got to record it
				h.refreshErr, h.failures = err, h.failures+1
				h.publishLocked()
			}
			h.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-h.opt.After(h.NextRefresh()):
		case <-h.refreshReq:
		}
	}
}

// NextRefresh is how long the loop waits before the next refresh: the interval, doubled
// for each consecutive failure up to MaxBackoff.
func (h *Hub) NextRefresh() time.Duration {
	h.mu.Lock()
	n := h.failures
	h.mu.Unlock()
	d := h.opt.Interval
	for i := 0; i < n && d < h.opt.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, h.opt.MaxBackoff)
}

// RequestRefresh asks the loop to refresh now. Requests made while one is pending merge.
func (h *Hub) RequestRefresh() {
	select {
	case h.refreshReq <- struct{}{}:
	default:
	}
}

// Refresh fetches the instances and the RedeployInstance tasks Processing in their regions
// once, and publishes the result. It returns ErrBusy instead of starting a second refresh
// while one runs.
func (h *Hub) Refresh(ctx context.Context) error {
	if !h.refreshing.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer h.refreshing.Store(false)
	h.mu.Lock()
	since := h.lessons
	h.mu.Unlock()
	// When the listing was asked for: a hold may be released only by a listing asked for
	// long enough after the call, never by one that was already on its way.
	listedAt := h.opt.Now()
	insts, err := h.b.Instances(ctx, backend.Query{Regions: h.opt.Regions})
	if err != nil {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.refreshErr = err
		h.failures++
		h.publishLocked()
		return err
	}
	processing, perr := h.processing(ctx, insts)
	now := h.opt.Now()

	h.mu.Lock()
	defer h.mu.Unlock()
	h.refreshErr, h.failures, h.updated, h.elsewhereErr = nil, 0, h.opt.Wall(), perr
	h.listing++
	// A backend lists in the same order each time: the records of the last listing, in its
	// order, spare most of the 100,000 map look-ups of an idle refresh.
	last := h.listed
	h.listed = make([]*record, len(insts))
	for i := range insts {
		var rec *record
		if i < len(last) && last[i] != nil && !last[i].dropped && last[i].inst.ID == insts[i].ID {
			rec = last[i]
		}
		h.listed[i] = h.mergeListedLocked(rec, &insts[i], since)
	}
	for _, t := range processing {
		h.adoptLocked(t, now)
	}
	// One pass over every record: at 100,000 instances each pass costs milliseconds.
	for id, rec := range h.records {
		rec.listed = rec.listing == h.listing
		switch {
		case !rec.listed && (rec.state == StateIdle || rec.state == StateFailed):
			// Its event is gone (cancelled, executed, or avoided by someone else).
			h.dropLocked(id)
			continue
		case rec.state == StateOutcomeUnknown && perr == nil && listedAt.Sub(rec.unsureAt) >= UnsureHold:
			// An unanswered redeploy is released once a listing asked for long enough
			// after the call that an applied one would have moved the instance shows it
			// with the status it was confirmed on, or no longer lists it, and no task of it
			// is Processing (one would have been adopted above; with the task listing
			// failed, nothing is released). A Running instance seen Stopped is
			// mid-redeploy: held, until UnsureCap has passed and it is at rest.
			if !rec.listed {
				h.dropLocked(id)
				continue
			}
			s := rec.inst.Status
			if s == rec.unsureStatus || (listedAt.Sub(rec.unsureAt) >= UnsureCap && (s == model.StatusRunning || s == model.StatusStopped)) {
				rec.state, rec.by = StateIdle, StartedBy{}
				h.markLocked(id)
			}
		}
		if rec.row != nil && rec.row.stale(now) {
			h.markLocked(id)
		}
	}
	h.publishLocked()
	return nil
}

// mergeListedLocked folds one listed instance into its record.
func (h *Hub) mergeListedLocked(rec *record, in *model.Instance, since uint64) *record {
	if rec == nil {
		rec = h.records[in.ID]
	}
	if rec == nil {
		rec = &record{}
		h.records[in.ID] = rec
		h.regroup = true
	}
	rec.listing = h.listing
	switch {
	case rec.lesson > since:
		// What the tracker learned while this refresh ran is newer than the refresh.
		return rec
	case rec.inst != nil && sameInstance(rec.inst, in):
		rec.lesson = 0
		return rec
	case rec.state == StateAvoided:
		if answered := findEvent(in, rec.eventID); answered != nil && answered.CycleStatus.Pending() {
			// The listing predates the finish: the finished state stays.
			return rec
		}
		// The instance has another pending event: the avoided one stays beside it for the
		// record, and it may be redeployed again for the new one.
		merged := ownCopy(in)
		if av := findEvent(rec.inst, rec.eventID); av != nil && findEvent(in, rec.eventID) == nil {
			merged.Events = append(merged.Events, *av)
		}
		rec.inst, rec.state = merged, StateIdle
	default:
		rec.inst = ownCopy(in)
	}
	rec.lesson = 0
	h.markLocked(in.ID)
	return rec
}

func findEvent(in *model.Instance, id string) *model.Event {
	for i := range in.Events {
		if in.Events[i].ID == id {
			return &in.Events[i]
		}
	}
	return nil
}

// processing asks every region of the listing for its Processing RedeployInstance tasks
// (DESIGN "never, anywhere": a redeploy under way elsewhere must show here).
func (h *Hub) processing(ctx context.Context, insts []model.Instance) ([]model.Task, error) {
	var regions []string
	for i := range insts {
		if r := insts[i].RegionID; !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	found := make([][]model.Task, len(regions))
	errs := make([]error, len(regions))
	var g errgroup.Group
	g.SetLimit(elsewhereConcurrency)
	for i, region := range regions {
		g.Go(func() error {
			ts, err := h.b.ListTasks(ctx, backend.TaskQuery{RegionID: region, Status: model.TaskProcessing})
			if err != nil {
				errs[i] = fmt.Errorf("could not learn the redeploys under way in %s (rows there may read eligible while another tool redeploys them): %w", region, err)
				return nil
			}
			for _, t := range ts {
				// Only what was asked for counts: a task of another region, action or
				// status in the answer is not evidence of anything here.
				if t.Status == model.TaskProcessing && (t.Action == "" || t.Action == model.ActionRedeployInstance) &&
					(t.RegionID == "" || t.RegionID == region) && t.ID != "" && t.ResourceID != "" {
					t.RegionID = region
					found[i] = append(found[i], t)
				}
			}
			return nil
		})
	}
	_ = g.Wait() // every error is kept in errs
	return slices.Concat(found...), errors.Join(errs...)
}

// adoptLocked makes a Processing task found in ECS the instance's redeploy, when the hub
// does not know it already.
func (h *Hub) adoptLocked(t model.Task, now time.Time) {
	rec := h.records[t.ResourceID]
	if rec == nil || rec.inst.RegionID != t.RegionID {
		return
	}
	if rec.task != nil && rec.task.ID == t.ID {
		return
	}
	by, known := h.starters[t.ID]
	if !known {
		by = StartedBy{Elsewhere: true}
	}
	switch rec.state {
	case StateSubmitting:
		// Our call is in flight; its answer names the task.
		return
	case StateOutcomeUnknown:
		// The call that got no answer did start: this is its task.
		by = rec.by
	}
	delete(h.starters, t.ID)
	task := &Task{ID: t.ID, RegionID: t.RegionID, InstanceID: t.ResourceID, InstanceName: rec.inst.Name,
		Status: model.TaskProcessing, Phase: rec.inst.Status, StartedBy: by, Created: t.CreationTime}
	if task.Created.IsZero() {
		task.Created = now
	}
	h.startLocked(rec, task, now)
}

// Follow tells the hub who started a task it did not send: a plan resumed after a restart
// knows its own. A task the hub already follows (adopted by a refresh as started
// elsewhere) gets its starter at once; otherwise the next refresh that finds it Processing
// adopts it with by instead of "elsewhere".
func (h *Hub) Follow(ref backend.TaskRef, by StartedBy) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if rec := h.records[ref.InstanceID]; rec != nil && rec.task != nil && rec.task.ID == ref.TaskID {
		if rec.by.Elsewhere {
			rec.by, rec.task.StartedBy = by, by
			h.markLocked(ref.InstanceID)
			h.publishLocked()
		}
		return
	}
	if h.starters == nil {
		h.starters = map[string]StartedBy{}
	}
	if len(h.starters) < keepFinished { // bounded: a resumed plan has few tasks in flight
		h.starters[ref.TaskID] = by
	}
}

// startLocked makes task the instance's running redeploy and wakes the tracker.
func (h *Hub) startLocked(rec *record, task *Task, now time.Time) {
	rec.state, rec.by, rec.task = StateRunning, task.StartedBy, task
	rec.eventID = ""
	if ev := model.AnsweredEvent(rec.inst); ev != nil {
		rec.eventID = ev.ID
	}
	h.tasks = append(h.tasks, task)
	h.lastShift = now
	h.markLocked(task.InstanceID)
	select {
	case h.taskWake <- struct{}{}:
	default:
	}
}

func (h *Hub) dropLocked(id string) {
	if rec := h.records[id]; rec != nil {
		rec.dropped = true
	}
	delete(h.records, id)
	delete(h.dirty, id)
	h.regroup = true
}

func (h *Hub) markLocked(id string) { h.dirty[id] = struct{}{} }

func (h *Hub) taskLoop(ctx context.Context) {
	for {
		var inFlight int
		err := h.recovered("task poll", func() error { inFlight = h.PollTasks(ctx); return nil })
		wait := h.taskWait(inFlight)
		if err != nil {
			wait = h.opt.After(h.opt.TaskSlow)
		}
		select {
		case <-ctx.Done():
			return
		case <-wait:
		case <-h.taskWake:
		}
	}
}

// taskWait is the tracker's next timer: none at all while nothing is in flight (a
// redeploy wakes it), so an idle console makes no task calls.
func (h *Hub) taskWait(inFlight int) <-chan time.Time {
	if inFlight == 0 {
		return nil
	}
	return h.opt.After(h.taskInterval())
}

// taskInterval is fast while tasks are changing and slow once they have been quiet.
func (h *Hub) taskInterval() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.opt.Now().Sub(h.lastShift) > quietAfter {
		return h.opt.TaskSlow
	}
	return h.opt.TaskFast
}

// PollTasks asks the backend once about every Processing task and the instances they move,
// publishes what changed, and returns how many tasks are still in flight.
func (h *Hub) PollTasks(ctx context.Context) int {
	h.mu.Lock()
	byRegion := map[string][]backend.TaskRef{}
	var regions []string
	for _, t := range h.tasks {
		if t.Status == model.TaskProcessing {
			if byRegion[t.RegionID] == nil {
				regions = append(regions, t.RegionID)
			}
			byRegion[t.RegionID] = append(byRegion[t.RegionID], backend.TaskRef{TaskID: t.ID, RegionID: t.RegionID, InstanceID: t.InstanceID})
		}
	}
	h.mu.Unlock()
	var errs []error
	changed := false
	for _, region := range regions {
		states, err := backend.PollTasks(ctx, h.b, region, byRegion[region])
		if err != nil {
			errs = append(errs, err)
		}
		if h.apply(states) {
			changed = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	taskErr := errors.Join(errs...)
	if fmt.Sprint(taskErr) != fmt.Sprint(h.taskErr) {
		changed = true
	}
	h.taskErr = taskErr
	n := 0
	for _, t := range h.tasks {
		if t.Status == model.TaskProcessing {
			n++
		}
	}
	if changed {
		h.pruneLocked()
		h.publishLocked()
	}
	return n
}

// apply folds one region's task states into the records, and reports whether anything a
// session shows changed.
func (h *Hub) apply(states []backend.TaskState) (changed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lessons++
	now := h.opt.Now()
	for _, st := range states {
		rec := h.records[st.Ref.InstanceID]
		if rec == nil || rec.task == nil || rec.task.ID != st.Ref.TaskID || !st.TaskSeen {
			continue
		}
		t := rec.task
		before := *t
		t.Status, t.FailedReason, t.Finished = st.Task.Status, st.Task.FailedReason, st.Task.FinishedTime
		learned := *rec.inst
		if st.InstanceSeen {
			learned.Status = st.Instance.Status
		}
		switch st.Task.Status {
		case model.TaskFinished:
			// The API stops listing the instance once its event is Avoided, so the hub
			// records what a finished redeploy means: Running, event Avoided.
			learned.Status = model.StatusRunning
			learned.Events = slices.Clone(learned.Events)
			for i := range learned.Events {
				if learned.Events[i].ID == rec.eventID {
					learned.Events[i].CycleStatus = model.CycleAvoided
					learned.Events[i].FinishTime = st.Task.FinishedTime
				}
			}
			rec.state = StateAvoided
		case model.TaskFailed:
			rec.state = StateFailed
		}
		if learned.Status != rec.inst.Status || rec.state != StateRunning {
			rec.inst = &learned
			rec.lesson = h.lessons
		}
		t.Phase = rec.inst.Status
		if *t != before || rec.row == nil || rec.row.Inst.Status != rec.inst.Status {
			h.lastShift = now
			h.markLocked(st.Ref.InstanceID)
			changed = true
		}
	}
	return changed
}

// pruneLocked drops the oldest final tasks beyond keepFinished, and the avoided instances
// only they kept on screen.
func (h *Hub) pruneLocked() {
	final := 0
	for _, t := range h.tasks {
		if t.Status.Final() {
			final++
		}
	}
	if final <= keepFinished {
		return
	}
	drop := final - keepFinished
	keep := h.tasks[:0]
	for _, t := range h.tasks {
		if drop > 0 && t.Status.Final() {
			drop--
			if rec := h.records[t.InstanceID]; rec != nil && rec.task == t {
				rec.task = nil
				if rec.state == StateAvoided && !rec.listed {
					h.dropLocked(t.InstanceID)
				} else {
					h.markLocked(t.InstanceID)
				}
			}
			continue
		}
		keep = append(keep, t)
	}
	clear(h.tasks[len(keep):])
	h.tasks = keep
}

// Redeploy asks the hub for one RedeployInstance of an instance it lists. The call runs on
// the hub's own context with its own timeout: ctx bounds only the wait for the outcome,
// and a caller that stops waiting (ErrDetached) cancels nothing; every session sees the
// outcome. It refuses an instance with a redeploy under way anywhere (ErrInProgress), one
// whose last call got no answer (ErrOutcomeHold), and one it does not list in
// req.RegionID or whose redeploy already finished (ErrNotListed). The backend's errors
// come back unwrapped.
func (h *Hub) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	prev, before, err := h.begin(req)
	if err != nil {
		return backend.TaskRef{}, err
	}
	type outcome struct {
		ref backend.TaskRef
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer h.calls.Done()
		ref, err := h.call(req, prev, before)
		done <- outcome{ref, err}
	}()
	select {
	case o := <-done:
		return o.ref, o.err
	case <-ctx.Done():
		return backend.TaskRef{}, ErrDetached
	}
}

// begin checks that req may be sent and marks its instance submitting. It returns the
// state to go back to on a refusal, and the status the instance had when the engineer
// confirmed: the one an unanswered call's hold waits to see again. The call is counted
// in flight (Drain) before the lock is let go.
func (h *Hub) begin(req backend.RedeployRequest) (RedeployState, model.InstanceStatus, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rec := h.records[req.InstanceID]
	switch {
	case rec == nil || rec.inst.RegionID != req.RegionID:
		return 0, "", fmt.Errorf("%s in %s: %w", req.InstanceID, req.RegionID, ErrNotListed)
	case rec.state == StateOutcomeUnknown:
		return 0, "", ErrOutcomeHold
	case rec.state.InProgress():
		err := fmt.Errorf("%w (%s", ErrInProgress, rec.state)
		if rec.task != nil {
			err = fmt.Errorf("%w, task %s", err, rec.task.ID)
		}
		if by := rec.by.String(); by != "" {
			err = fmt.Errorf("%w, started by %s", err, by)
		}
		return 0, "", fmt.Errorf("%w)", err)
	case !rec.listed || rec.state == StateAvoided:
		// Its event was answered (here, or by the platform): nothing pending to redeploy
		// for, whatever an old screen still shows.
		return 0, "", fmt.Errorf("%s in %s: its redeploy finished or its event is gone: %w", req.InstanceID, req.RegionID, ErrNotListed)
	}
	prev := rec.state
	rec.state, rec.by = StateSubmitting, StartedBy{Identity: req.Identity}
	h.calls.Add(1)
	h.markLocked(req.InstanceID)
	h.publishLocked()
	return prev, rec.inst.Status, nil
}

// call sends one RedeployInstance and records its outcome. A panic in the backend is an
// unknown outcome, never an instance stuck submitting.
func (h *Hub) call(req backend.RedeployRequest, prev RedeployState, before model.InstanceStatus) (backend.TaskRef, error) {
	ctx, cancel := context.WithTimeout(h.base, h.opt.CallTimeout)
	defer cancel()
	var ref backend.TaskRef
	var panicked bool
	err := h.recovered("RedeployInstance "+req.InstanceID, func() error {
		panicked = true
		var err error
		ref, err = h.b.Redeploy(ctx, req)
		panicked = false
		return err
	})
	// A task that started though its audit result line was lost is still a task to follow;
	// the error goes back to the session.
	started := ref.TaskID != "" && errors.Is(err, backend.ErrAuditResult)
	if panicked {
		// The call may have left before the panic: nobody knows whether it started.
		err = fmt.Errorf("%w: %w", backend.ErrOutcomeUnknown, err)
	} else if (err == nil || started) && (ref.TaskID == "" || (ref.InstanceID != "" && ref.InstanceID != req.InstanceID)) {
		// An answer that names no task, or another instance, proves nothing.
		if err == nil {
			err = fmt.Errorf("RedeployInstance %s: %w: the answer named task %q of instance %q", req.InstanceID, backend.ErrOutcomeUnknown, ref.TaskID, ref.InstanceID)
		} else {
			err = fmt.Errorf("RedeployInstance %s: %w: the answer named task %q of instance %q; and %w", req.InstanceID, backend.ErrOutcomeUnknown, ref.TaskID, ref.InstanceID, err)
		}
	} else if err != nil && !errors.Is(err, backend.ErrOutcomeUnknown) && h.log.Enabled(ctx, slog.LevelDebug) {
		h.log.Debug("redeploy refused", "instance", req.InstanceID, "err", safetext.Log(err.Error()))
	}
	now := h.opt.Now()
	h.mu.Lock()
	defer func() {
		// A bug in deriving a row must not leave the hub locked for every session.
		if p := recover(); p != nil {
			h.log.Error("panic", "in", "recording a RedeployInstance outcome", "panic", safetext.Log(fmt.Sprint(p)), "stack", string(debug.Stack()))
		}
		h.mu.Unlock()
	}()
	defer h.publishLocked()
	rec := h.records[req.InstanceID]
	if rec == nil { // never dropped while submitting, but never a panic either
		return ref, err
	}
	h.markLocked(req.InstanceID)
	switch {
	case errors.Is(err, backend.ErrOutcomeUnknown):
		// The hold waits to see the status the engineer confirmed on: a status seen while
		// the call was out may be a move the call itself started.
		rec.state, rec.unsureAt, rec.unsureStatus = StateOutcomeUnknown, now, before
		return ref, err
	case err != nil && !started:
		rec.state = prev
		if prev == StateIdle {
			rec.by = StartedBy{}
		}
		if errors.Is(err, backend.ErrAlreadyInProgress) {
			// Started elsewhere since the last refresh: the next one adopts its task.
			h.RequestRefresh()
		}
		return ref, err
	}
	ref.InstanceID = req.InstanceID
	task := &Task{ID: ref.TaskID, RegionID: req.RegionID, InstanceID: req.InstanceID, InstanceName: rec.inst.Name,
		Status: model.TaskProcessing, Phase: rec.inst.Status, ForceStop: req.ForceStop,
		StartedBy: StartedBy{Identity: req.Identity}, RequestID: ref.RequestID, Created: now}
	h.startLocked(rec, task, now)
	return ref, err
}

// publishLocked derives the rows that changed, and hands a new snapshot to every
// subscriber.
func (h *Hub) publishLocked() {
	now := h.opt.Now()
	if len(h.dirty) > 0 || h.regroup {
		h.deriveLocked(now)
	}
	h.version++
	s := &Snapshot{
		Version: h.version,
		Rows:    h.rows,
		Scope:   slices.Clone(h.opt.Regions),
		Updated: h.updated,
		Err:     h.refreshErr,
		TaskErr: errors.Join(h.taskErr, h.elsewhereErr),
		Loading: h.updated.IsZero() && h.refreshErr == nil,
	}
	for _, r := range h.rows {
		switch {
		case r.InProgress:
			s.Counts.InProgress++
		case r.Resolved:
			continue
		case r.Blocked:
			s.Counts.Blocked++
		case r.NoRedeploy:
			s.Counts.NoRedeploy++
		}
		s.Counts.Pending++
	}
	s.Tasks = make([]Task, len(h.tasks))
	for i, t := range h.tasks {
		s.Tasks[len(h.tasks)-1-i] = *t
	}
	h.snap = s
	for sub := range h.subs {
		sub.offer(s)
	}
}

// deriveLocked derives the dirty rows again and lays out h.rows: patched in a copy when
// only rows changed in place, rebuilt and sorted when rows came, went, or moved.
func (h *Hub) deriveLocked(now time.Time) {
	resort := h.regroup
	for id := range h.dirty {
		rec := h.records[id]
		if rec == nil {
			continue
		}
		var task *Task
		if rec.task != nil {
			t := *rec.task
			task = &t
		}
		old := rec.row
		rec.row = deriveRow(rec.inst, now, rec.state, rec.by, task)
		if old == nil || !old.Deadline.Equal(rec.row.Deadline) {
			resort = true
		}
	}
	if resort {
		rows := make([]*Row, 0, len(h.records))
		for _, rec := range h.records {
			if rec.row == nil { // a record made outside a refresh
				rec.row = deriveRow(rec.inst, now, rec.state, rec.by, nil)
			}
			rows = append(rows, rec.row)
		}
		slices.SortFunc(rows, compareRows)
		clear(h.index)
		for i, r := range rows {
			h.index[r.Inst.ID] = i
		}
		h.rows = rows
	} else {
		rows := slices.Clone(h.rows)
		for id := range h.dirty {
			if rec := h.records[id]; rec != nil {
				rows[h.index[id]] = rec.row
			}
		}
		h.rows = rows
	}
	clear(h.dirty)
	h.regroup = false
}

// Snapshot returns the latest snapshot.
func (h *Hub) Snapshot() *Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snap
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Subscribe returns a subscription that receives the current snapshot at once and every
// newer one after it, until ctx ends or Close is called. Slow readers skip to the newest
// snapshot instead of blocking others.
func (h *Hub) Subscribe(ctx context.Context) *Subscription {
	s := &Subscription{c: make(chan *Snapshot, 1), done: make(chan struct{}), h: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	s.offer(h.snap)
	h.mu.Unlock()
	stop := context.AfterFunc(ctx, s.Close)
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	return s
}

// Subscription delivers snapshots to one session.
type Subscription struct {
	c    chan *Snapshot
	done chan struct{}
	once sync.Once
	h    *Hub
	// stop unregisters the context hook, so a closed subscription leaves nothing behind.
	mu   sync.Mutex
	stop func() bool
}

// C delivers snapshots, newest only.
func (s *Subscription) C() <-chan *Snapshot { return s.c }

// Done is closed when the subscription is closed, so a waiting reader can stop.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close stops deliveries. It is safe to call more than once.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.h.mu.Lock()
		delete(s.h.subs, s)
		s.h.mu.Unlock()
		close(s.done)
		s.mu.Lock()
		stop := s.stop
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
	})
}

// offer replaces any undelivered snapshot with snap. Callers hold the hub's lock, so
// offers never race each other.
func (s *Subscription) offer(snap *Snapshot) {
	select {
	case <-s.c:
	default:
	}
	s.c <- snap
}
