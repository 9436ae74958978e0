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

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// Options tune a Hub. Zero values take the defaults.
type Options struct {
	// Regions scopes every refresh (empty: all regions).
	Regions []string
	// Instances scopes every refresh to these instances (empty: all of the regions): a
	// headless command lists only what it names.
	Instances []string
	// Budget is the API calls a minute the hub plans its questions for, across every
	// region (aliyun.DefaultBudget, 600, by default; the real backend enforces it too). See
	// cadence.go.
	Budget float64
	// NewEvery is how often every region is asked what is new (events published since the
	// last look, redeploys under way) and the instances the hub follows are read by id;
	// the regions are asked in turn, each once a period; 14 s by default, so that anything
	// new shows within 15 s. Longer when the budget requires. Negative: no such looks
	// (a headless run that follows only its own instances, or a test that steps time).
	NewEvery time.Duration
	// EndedWithin is how soon the full listing should find an event that ended or an
	// attribute that changed, when the budget allows; 2 min by default.
	EndedWithin time.Duration
	// Overlap is how far before the last look each new-events question starts: ECS may
	// publish an event late, stamp it to the minute, or keep another clock; 5 min by
	// default.
	Overlap time.Duration
	// Interval, when set, fixes the time between full listings instead of planning it.
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
	// It measures the wall clock: the pace of API calls (refresh, new events, task polls).
	After func(time.Duration) <-chan time.Time
	// Until fires once Now reads t or later: the wait for an instant on the backend's
	// clock (a plan's maintenance window, the autopilot's next decision). Nil waits
	// After(t − Now()), right while Now runs at the wall clock's rate: a simulator at
	// --sim-speed X runs X times faster, and its commands set Until from its clock
	// (sim.Engine.Until), or every such wait would end X times late.
	Until func(t time.Time) <-chan time.Time
	// Plans keeps the plans the hub runs, so a restart resumes them (ResumePlans); nil
	// keeps them in memory only (--demo). It is also where the per-instance send locks
	// are taken, so two processes on one host never both send for one instance.
	Plans *PlanStore
	// Where names the account the hub runs against (PlanRecord.Where).
	Where string
	// AccountFlags are the command-line flags that choose that account (--endpoint …
	// --profile …), shell-quoted: the commands its refusals print carry them, so that they
	// run as printed (backend.InProgressError.Flags). Empty: none are needed.
	AccountFlags string
	// Drills keeps the drill events this tool made (drill.go), so the hub marks them as
	// drills in every listing; nil marks only what the backend says (the simulator).
	Drills *DrillBook
	// OnTransition, when set, is called for every item's change of status of every plan
	// the hub runs, resumed ones included (headless prints them), unless the plan has its
	// own (PlanOptions.OnTransition).
	OnTransition func(Transition)
	// Logger receives panics (with their stacks) and failures of the loops; discarded by
	// default.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	if o.NewEvery == 0 {
		o.NewEvery = 14 * time.Second
	}
	if o.EndedWithin <= 0 {
		o.EndedWithin = 2 * time.Minute
	}
	if o.Overlap <= 0 {
		o.Overlap = 5 * time.Minute
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
	if o.Until == nil {
		now, after := o.Now, o.After
		o.Until = func(t time.Time) <-chan time.Time { return after(t.Sub(now())) }
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
	// OutcomeHold, or its task is listed.
	ErrOutcomeHold = errors.New("the last redeploy of this instance got no answer and may have started; wait until the console shows its state (about two minutes) or check DescribeTasks")
	// ErrNotListed is returned by Redeploy for an instance the hub does not list: only an
	// instance a screen showed can be a target.
	ErrNotListed = errors.New("the console does not list this instance")
	// ErrDetached is returned by Redeploy when the caller's context ended before the call
	// answered: the call goes on in the hub, and every session will see its outcome.
	ErrDetached = errors.New("stopped waiting; the RedeployInstance call goes on and its outcome will show in the console")
)

// OutcomeHold is how long after an unanswered redeploy the instance must be seen Running or
// Stopped before it may be redeployed again. An applied RedeployInstance moves the instance
// within seconds; two minutes leaves room for a slow API without blocking the engineer long.
const OutcomeHold = 2 * time.Minute

// OutcomeHoldCap ends a hold whose instance is at rest (Running or Stopped) with no redeploy
// task Processing, whatever status it was confirmed on: a redeploy takes minutes, so after
// half an hour at rest with nothing Processing, nothing is moving it.
const OutcomeHoldCap = 30 * time.Minute

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
	// number of the last refresh that did. dropped is set when the record leaves the
	// hub's map, so no one reuses it. (The two flags side by side, and the rare hold
	// behind a pointer, keep a record in a smaller size class: 3 MB at 100,000, issue 20.)
	listed  bool
	dropped bool
	listing uint64
	// polled is the number of the task poll whose answer last changed the record (0: the
	// refresh's data), so a refresh that started before that poll does not undo it.
	polled uint64
	state  RedeployState
	by     StartedBy
	// task is the current or last redeploy task (shared with Hub.tasks).
	task *Task
	// eventID is the event the redeploy answers; it becomes Avoided when the task finishes.
	eventID string
	// held is the outcome hold's (StateOutcomeUnknown); nil until a call got no answer.
	held *outcomeHold
	// row is the derived row; nil when it must be derived again.
	row *Row
}

// outcomeHold is when a call got no answer, and the status the instance had then
// (StateOutcomeUnknown): the outcome hold waits to see it again.
type outcomeHold struct {
	at     time.Time
	status model.InstanceStatus
}

// heldAt is the hold's start; zero when there was none.
func (r *record) heldAt() time.Time {
	if r.held == nil {
		return time.Time{}
	}
	return r.held.at
}

// heldStatus is the status the hold waits for; empty when there was none.
func (r *record) heldStatus() model.InstanceStatus {
	if r.held == nil {
		return ""
	}
	return r.held.status
}

// Hub is the process-wide fleet: the records of every listed instance, the tracked tasks,
// the RedeployInstance calls in flight, and the sessions subscribed to all of it. All
// methods are safe for concurrent use.
type Hub struct {
	b   backend.Backend
	opt Options
	log *slog.Logger
	// since is when the hub was made (Snapshot.Since).
	since time.Time

	// calls run on base, never on a session's context. inCalls counts them too, and
	// planned is set once a plan is registered, so that Drain knows without the lock
	// (which a long listing may hold) that it has nothing to wait for.
	base    context.Context
	calls   sync.WaitGroup
	inCalls atomic.Int64
	planned atomic.Bool

	refreshing atomic.Bool
	refreshReq chan struct{}
	taskWake   chan struct{}

	mu         sync.Mutex
	version    uint64
	records    map[string]*record
	rows       []*Row // published order; shared with snapshots, so replaced, never changed
	dirty      map[string]struct{}
	rebuild    bool   // rows were added or removed: rebuild the order and sort
	gone       []*Row // rows of records dropped since the last layout
	counted    []*Row // the rows counts counts
	counts     Counts
	updated    time.Time
	refreshErr error
	failures   int
	// searchLater is set while a listing publishes: rows it derives by the thousand make
	// their search text after (unsearched, filled by fillSearch once the lock is free).
	searchLater bool
	unsearched  []*Row
	// listing numbers the successful listings; listedScope are the records of the last
	// listing of each scope (all regions "", or one region), in the backend's order.
	listing     uint64
	listedScope map[string][]*record
	taskErr     error
	// elsewhereErr is a failure to learn the tasks started elsewhere.
	elsewhereErr error
	tasks        []*Task // oldest first
	// starters names who started tasks this hub did not send, as a resumed plan knows
	// them (Follow), for when a refresh finds the task Processing.
	starters  map[string]starter
	polls     uint64
	lastShift time.Time
	snap      *Snapshot
	subs      map[*Subscription]struct{}
	// rf is what the refresh loops know of their own pace (refresh.go, cadence.go).
	rf refreshState

	// runs are the plans the hub runs (and the last ended ones), oldest first; runCtx is
	// Run's context once it runs. planLoops counts the plans' loops; steps is held (read)
	// by every plan step, so Drain can wait for them; stopping is set by Drain: plans send
	// nothing more.
	runs      []*planRun
	runCtx    context.Context
	planLoops sync.WaitGroup
	steps     sync.RWMutex
	stopping  atomic.Bool
	accepting map[string]bool // events with an accept in flight (accept.go)
	// accepted are the events an accept through this hub answered, by event id, while
	// they are listed pending (accept.go): replaced, never changed, once published.
	accepted map[string]Acceptance

	// maint caches the maintenance attributes sessions read (maintenance.go).
	maint maintenanceCache

	// autopilot is what the autopilot shows every session; autopilotCtl pauses it
	// (autopilot.go).
	autopilot    *AutopilotStatus
	autopilotCtl AutopilotControl
}

// callBegun counts a RedeployInstance or accept call in flight (Drain waits for it);
// callEnded is its end.
func (h *Hub) callBegun() { h.calls.Add(1); h.inCalls.Add(1) }
func (h *Hub) callEnded() { h.inCalls.Add(-1); h.calls.Done() }

// New makes a Hub over b. Nothing is fetched until Run or Refresh.
func New(b backend.Backend, opt Options) *Hub {
	opt.defaults()
	if opt.Drills != nil {
		b = drillMarks{Backend: b, book: opt.Drills}
	}
	h := &Hub{
		b:          b,
		opt:        opt,
		log:        opt.Logger,
		base:       context.Background(),
		refreshReq: make(chan struct{}, 1),
		taskWake:   make(chan struct{}, 1),
		records:    map[string]*record{},
		dirty:      map[string]struct{}{},
		subs:       map[*Subscription]struct{}{},
	}
	h.since = opt.Wall()
	h.snap = &Snapshot{Scope: slices.Clone(opt.Regions), Loading: true, Since: h.since}
	return h
}

// Now is the backend's clock.
func (h *Hub) Now() time.Time { return h.opt.Now() }

// Until fires once Now reads t or later (Options.Until): how anything on the hub waits
// for an instant of the backend's clock.
func (h *Hub) Until(t time.Time) <-chan time.Time { return h.opt.Until(t) }

// Run drives the refresh loop, the task tracker and the plan runner until ctx ends. A
// panic in any is logged with its stack and retried after a back-off; it never ends the
// process.
func (h *Hub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); h.refreshLoop(ctx) }()
	if h.opt.NewEvery > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); h.newsLoop(ctx) }()
	}
	go func() { defer wg.Done(); h.taskLoop(ctx) }()
	go func() { defer wg.Done(); h.runPlans(ctx) }()
	wg.Wait()
}

// Drain stops every plan from sending anything more (what is left stays saved, for the
// next start to resume), then waits until every RedeployInstance call in flight has
// answered and the plans have recorded it, or ctx ends: a process shutting down lets them
// finish so their outcome is known, audited and saved. It is for the end of the process:
// no plan sends again in this hub.
func (h *Hub) Drain(ctx context.Context) error {
	h.stopping.Store(true)
	if h.inCalls.Load() == 0 && !h.planned.Load() {
		// Nothing was ever planned and no call is out: nothing to wait for, and no need
		// for the lock, which a listing of 100,000 instances on a busy machine holds for
		// seconds (the console's SIGTERM waited for it; issue 20).
		return nil
	}
	done := make(chan struct{})
	go func() {
		// Every step in progress has recorded its calls' answers; none after sends, so
		// another process may resume the plans (their locks go).
		h.steps.Lock()
		h.mu.Lock()
		runs := slices.Clone(h.runs)
		h.mu.Unlock()
		for _, r := range runs {
			r.p.Close()
		}
		h.steps.Unlock()
		h.calls.Wait()
		close(done)
	}()
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
