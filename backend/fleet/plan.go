package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// A plan is a batch of redeploys run in waves by the hub, so the console, the CLI and
// every SSH session get the same rules (issue 11): at most MaxInFlight at once, never two
// instances of one deployment set at once (a cluster spread over hosts must not lose two
// members together), optionally never two of one zone, deadline first, and a stop on the
// first failure. It submits only through Hub.Redeploy, so the role guard, the audit log
// and the hub's in-progress refusals apply to every call it makes.

// OnFailure is what a plan does when one of its redeploys fails.
type OnFailure string

// What a plan does on a failure.
const (
	// FailurePause stops submitting; the plan waits for Continue or Abort (headless: it
	// ends and `redeploy --resume` continues it).
	FailurePause OnFailure = "pause"
	// FailureContinue keeps submitting the rest.
	FailureContinue OnFailure = "continue"
	// FailureAbort submits nothing more; what is in flight is still followed to its end.
	FailureAbort OnFailure = "abort"
)

// ParseOnFailure reads pause, continue or abort.
func ParseOnFailure(s string) (OnFailure, error) {
	switch f := OnFailure(s); f {
	case FailurePause, FailureContinue, FailureAbort:
		return f, nil
	}
	return "", fmt.Errorf("on failure %q: give pause, continue or abort", s)
}

// DefaultMaxInFlight is how many redeploys of a plan may be in flight when nobody says.
const DefaultMaxInFlight = 3

// ItemStatus is where one instance of a plan stands.
type ItemStatus string

// Item statuses. Submitting, running and outcome-unknown are in flight: they count
// against the limits until they settle, and none is ever sent again.
const (
	ItemQueued         ItemStatus = "queued"
	ItemSubmitting     ItemStatus = "submitting"
	ItemRunning        ItemStatus = "running"
	ItemOutcomeUnknown ItemStatus = "outcome-unknown"
	ItemFinished       ItemStatus = "finished"
	ItemFailed         ItemStatus = "failed"
	ItemSkipped        ItemStatus = "skipped"
)

// InFlight reports whether a redeploy of the item may be moving the instance.
func (s ItemStatus) InFlight() bool {
	return s == ItemSubmitting || s == ItemRunning || s == ItemOutcomeUnknown
}

// Final reports whether the item has ended: finished, failed or skipped.
func (s ItemStatus) Final() bool {
	return s == ItemFinished || s == ItemFailed || s == ItemSkipped
}

// PlanPhase is where a whole plan stands.
type PlanPhase string

// Plan phases.
const (
	PhaseRunning PlanPhase = "running"
	// PhasePaused: a failure stopped the submissions (OnFailure pause).
	PhasePaused PlanPhase = "paused"
	// PhaseAborted: nothing more is submitted; what was in flight is followed.
	PhaseAborted PlanPhase = "aborted"
	// PhaseDone: every item has ended (an aborted plan stays aborted when its last ends).
	PhaseDone PlanPhase = "done"
)

// PlanItem is one instance of a plan, with what a screen needs to list it.
type PlanItem struct {
	InstanceID      string    `json:"InstanceId"`
	RegionID        string    `json:"RegionId,omitempty"`
	Name            string    `json:"InstanceName,omitempty"`
	ZoneID          string    `json:"ZoneId,omitempty"`
	DeploymentSetID string    `json:"DeploymentSetId,omitempty"`
	Deadline        time.Time `json:"Deadline,omitzero"`
	Status          ItemStatus
	TaskID          string `json:"TaskId,omitempty"`
	// Reason says why an item was skipped or failed.
	Reason string `json:"Reason,omitempty"`
	// Submitted is when the RedeployInstance call was decided (the backend's clock), before
	// it was sent; Ended when the item reached a final status.
	Submitted time.Time `json:"Submitted,omitzero"`
	Ended     time.Time `json:"Ended,omitzero"`
}

// PlanRecord is a plan as it is persisted and shown: its rules, its phase and its items,
// targets in deadline order, then the skipped ones.
type PlanRecord struct {
	// Version is the file format's version (1).
	Version     int
	ID          string `json:"PlanId"`
	Created     time.Time
	MaxInFlight int
	OnePerZone  bool
	OnFailure   OnFailure
	ForceStop   bool
	Identity    backend.Identity
	// Where names the account the plan runs against (endpoint and profile), so a plan
	// is only ever resumed against the account it was made for.
	Where string `json:"Where,omitempty"`
	Phase PlanPhase
	// Stopped says what paused or aborted the plan.
	Stopped string `json:"Stopped,omitempty"`
	Items   []PlanItem
}

// Transition is one change of an item's status: a line of `redeploy --json`. Time is
// when it happened (a task's FinishedTime for finished and failed), on the backend's clock.
type Transition struct {
	Time     time.Time  `json:"time"`
	Plan     string     `json:"plan"`
	Instance string     `json:"instance"`
	Task     string     `json:"task,omitempty"`
	Status   ItemStatus `json:"status"`
	Reason   string     `json:"reason,omitempty"`
}

// PlanOptions are the rules of a plan and where it reports.
type PlanOptions struct {
	// MaxInFlight bounds the plan's redeploys in flight at once; DefaultMaxInFlight when 0.
	MaxInFlight int
	// OnePerZone keeps to one redeploy in flight per zone.
	OnePerZone bool
	// OnFailure is what the first failure does; FailureAbort when empty (headless default).
	OnFailure OnFailure
	ForceStop bool
	// Identity is who runs the plan: every call carries it to the guard and the audit log.
	Identity backend.Identity
	// Store persists the plan; nil keeps it in memory only.
	Store *PlanStore
	// Where names the account (PlanRecord.Where).
	Where string
	// OnTransition, when set, is called for every item's change of status, in order, from
	// the goroutine that steps the plan.
	OnTransition func(Transition)
	// Submit, when set, sends one redeploy instead of Hub.Redeploy; it must end in the
	// same hub's Redeploy (serve wraps it to log the call and refuse it while shutting
	// down).
	Submit func(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error)
}

// Plan is a batch of redeploys the hub runs in waves. Its methods are safe for concurrent
// use; Step and Run must not run at the same time as each other.
type Plan struct {
	h      *Hub
	store  *PlanStore
	notify func(Transition)
	submit func(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error)

	// step makes steps one at a time; mu guards the record and is let go during calls, so
	// a screen reading the plan (Record, Summary) never waits on the API.
	step    sync.Mutex
	mu      sync.Mutex
	rec     PlanRecord
	started bool
	peak    int
	wake    chan struct{}
	// orphanPoll is when the plan last asked DescribeTasks itself about tasks the hub does
	// not follow.
	orphanPoll time.Time
	// unseen is when DescribeTasks, answering, first did not list an item's task (by
	// instance id); UnseenGiveUp later the item says so.
	unseen map[string]time.Time
	// unlock releases the plan's lock in its store (nil: not held).
	unlock func()
}

// ErrPlanStore is wrapped when a plan could not be written to the state directory: the
// plan stops submitting, since a redeploy whose record could be lost in a restart might
// be sent twice.
var ErrPlanStore = errors.New("the plan could not be saved")

// ErrPlanBusy is wrapped when another process runs the plan already (its lock is held):
// two runners of one plan could each send its queued instances.
var ErrPlanBusy = errors.New("another process (a console, serve or redeploy) is running this plan; let it finish, or stop it first")

// NewPlan plans redeploys of ids, as the hub lists them now. Each id becomes a target, or
// a skipped item with its reason (not listed, blocked, already in progress, already
// avoided). Targets are ordered by deadline (model.CompareDeadlines). Nothing is saved
// or submitted until Start, Step or Run. The error is a bad option.
func NewPlan(h *Hub, ids []string, opt PlanOptions) (*Plan, error) {
	if opt.MaxInFlight < 0 {
		return nil, fmt.Errorf("max in flight must be at least 1, got %d", opt.MaxInFlight)
	}
	if opt.MaxInFlight == 0 {
		opt.MaxInFlight = DefaultMaxInFlight
	}
	if opt.OnFailure == "" {
		opt.OnFailure = FailureAbort
	}
	if _, err := ParseOnFailure(string(opt.OnFailure)); err != nil {
		return nil, err
	}
	now := h.Now()
	p := &Plan{h: h, store: opt.Store, notify: opt.OnTransition, submit: opt.Submit, wake: make(chan struct{}, 1)}
	p.rec = PlanRecord{Version: 1, ID: newPlanID(now), Created: now, MaxInFlight: opt.MaxInFlight,
		OnePerZone: opt.OnePerZone, OnFailure: opt.OnFailure, ForceStop: opt.ForceStop,
		Identity: opt.Identity, Where: opt.Where, Phase: PhaseRunning}

	rows := h.rowsOf(ids)
	var targets, skipped []PlanItem
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		it := PlanItem{InstanceID: id, Status: ItemQueued}
		r := rows[id]
		if r != nil {
			it.RegionID, it.Name, it.ZoneID, it.DeploymentSetID = r.Inst.RegionID, r.Inst.Name, r.Inst.ZoneID, r.Inst.DeploymentSetID
			it.Deadline = r.Deadline
		}
		if reason := skipReason(r, now, opt.ForceStop); reason != "" {
			it.Status, it.Reason, it.Ended = ItemSkipped, reason, now
			skipped = append(skipped, it)
			continue
		}
		targets = append(targets, it)
	}
	slices.SortStableFunc(targets, func(a, b PlanItem) int {
		return model.CompareDeadlines(a.Deadline, a.InstanceID, b.Deadline, b.InstanceID)
	})
	p.rec.Items = append(targets, skipped...)
	if len(targets) == 0 {
		p.rec.Phase = PhaseDone
	}
	return p, nil
}

// Start saves the plan and reports its skipped items (OnTransition), before anything is
// sent; Step starts a plan that was not. A front end shows the plan (Record) and asks
// first: a plan nobody confirmed is never saved, so --resume never finds it.
func (p *Plan) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

func (p *Plan) startLocked() error {
	if p.started {
		return nil
	}
	if err := p.lockLocked(); err != nil {
		return err
	}
	if err := p.save(); err != nil {
		return err
	}
	p.started = true
	for _, it := range p.rec.Items {
		if it.Status == ItemSkipped {
			p.emit(it, it.Ended)
		}
	}
	return nil
}

// NewPlan is fleet.NewPlan on this hub, for front ends that hold the hub behind an
// interface (the console's ui.Fleet).
func (h *Hub) NewPlan(ids []string, opt PlanOptions) (*Plan, error) { return NewPlan(h, ids, opt) }

// skipReason is why the row cannot be a target now, or "".
func skipReason(r *Row, now time.Time, forceStop bool) string {
	switch {
	case r == nil:
		return "not listed: no pending system event in scope, or no such instance"
	case r.InProgress:
		s := "already in progress (" + r.State.String()
		if r.Task != nil {
			s += ", task " + r.Task.ID
		}
		if by := r.StartedBy.String(); by != "" {
			s += ", started by " + by
		}
		return s + ")"
	case r.Resolved:
		return "its event is already Avoided"
	}
	el := r.Eligibility
	if forceStop {
		el = model.Evaluate(r.Inst, now, true)
	}
	if b := el.FirstBlock(); b != nil {
		return "blocked: " + b.Code + ": " + b.Message
	}
	return ""
}

func newPlanID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return "p-" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// rowsOf is the current row of each listed id.
func (h *Hub) rowsOf(ids []string) map[string]*Row {
	h.mu.Lock()
	defer h.mu.Unlock()
	rows := make(map[string]*Row, len(ids))
	for _, id := range ids {
		if rec := h.records[id]; rec != nil && rec.listed && rec.row != nil {
			rows[id] = rec.row
		}
	}
	return rows
}

// lockLocked takes the plan's lock in its store, once.
func (p *Plan) lockLocked() error {
	if p.store == nil || p.unlock != nil {
		return nil
	}
	unlock, err := p.store.lock(p.rec.ID)
	if err != nil {
		return err
	}
	p.unlock = unlock
	return nil
}

// Close releases the plan's lock, so another process may resume it. The plan itself is
// left as it stands; what is in flight goes on.
func (p *Plan) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unlock != nil {
		p.unlock()
		p.unlock = nil
	}
}

// Record is a copy of the plan as it stands.
func (p *Plan) Record() PlanRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rec
	r.Items = slices.Clone(p.rec.Items)
	return r
}

// Peak is the most redeploys of the plan ever in flight at once in this process.
func (p *Plan) Peak() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Continue resumes a paused plan.
func (p *Plan) Continue() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rec.Phase != PhasePaused {
		return nil
	}
	p.rec.Phase, p.rec.Stopped = PhaseRunning, ""
	err := p.save()
	p.poke()
	return err
}

// Abort submits nothing more: queued items are skipped; what is in flight is followed.
func (p *Plan) Abort(why string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.abortLocked(why, p.h.Now())
	err := p.save()
	p.poke()
	return err
}

func (p *Plan) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Plan) abortLocked(why string, now time.Time) {
	if p.rec.Phase == PhaseDone {
		return
	}
	p.rec.Phase, p.rec.Stopped = PhaseAborted, why
	for i := range p.rec.Items {
		it := &p.rec.Items[i]
		if it.Status == ItemQueued {
			it.Status, it.Reason, it.Ended = ItemSkipped, "not sent: the plan was aborted ("+why+")", now
			p.emit(*it, now)
		}
	}
}

// Settled reports whether the plan has nothing in flight and will submit nothing more
// until someone acts: done, aborted, or paused.
func (p *Plan) Settled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settledLocked()
}

func (p *Plan) settledLocked() bool {
	queued := false
	for _, it := range p.rec.Items {
		if it.Status.InFlight() {
			return false
		}
		queued = queued || it.Status == ItemQueued
	}
	return !queued || p.rec.Phase != PhaseRunning
}

// Run steps the plan on every snapshot the hub publishes until it is settled (done,
// aborted, or paused with nothing in flight) or ctx ends. The hub's loops must be
// running (Hub.Run) for tasks to be followed.
func (p *Plan) Run(ctx context.Context) error { return p.RunUntil(ctx, nil) }

// RunUntil is Run that also returns as soon as stop, given the plan's counts after a step,
// says so: `redeploy` without --wait stops once nothing is queued.
func (p *Plan) RunUntil(ctx context.Context, stop func(Summary) bool) error {
	sub := p.h.Subscribe(ctx)
	defer sub.Close()
	for {
		if err := p.Step(ctx); err != nil {
			return err
		}
		if p.Settled() || (stop != nil && stop(p.Summary())) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sub.C():
		case <-p.wake:
		}
	}
}

// Step follows the plan's redeploys through the hub's records and submits as many queued
// targets as the rules allow now. It sends nothing whose intent could not be saved first.
func (p *Plan) Step(ctx context.Context) error {
	p.step.Lock()
	defer p.step.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.startLocked(); err != nil {
		return err
	}
	now := p.h.Now()
	changed := p.followLocked(ctx, now)
	if p.rec.Phase == PhaseRunning {
		if err := p.submitLocked(ctx, now); err != nil {
			return err
		}
	}
	if p.rec.Phase != PhaseDone && p.rec.Phase != PhaseAborted && p.rec.Ended() {
		p.rec.Phase = PhaseDone
		changed = true
	}
	if changed {
		return p.save()
	}
	return nil
}

// Ended reports whether every item has ended: the plan will never send anything again.
func (r *PlanRecord) Ended() bool {
	for _, it := range r.Items {
		if !it.Status.Final() {
			return false
		}
	}
	return true
}

// planView is what the hub knows about the plan's instances, read under its lock once
// per step: each instance's record, and the deployment sets and zones with a redeploy
// in flight anywhere the hub knows of (this plan, a session, or elsewhere).
type planView struct {
	state map[string]RedeployState
	task  map[string]*Task // the instance's current or last task
	row   map[string]*Row
	sets  map[string]string // deployment set → an instance in flight in it
	zones map[string]string
}

func (h *Hub) planView(ids []string) planView {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := planView{state: map[string]RedeployState{}, task: map[string]*Task{}, row: map[string]*Row{},
		sets: map[string]string{}, zones: map[string]string{}}
	for _, id := range ids {
		rec := h.records[id]
		if rec == nil {
			continue
		}
		v.state[id] = rec.state
		if rec.task != nil {
			t := *rec.task
			v.task[id] = &t
		}
		if rec.listed && rec.row != nil {
			v.row[id] = rec.row
		}
	}
	for id, rec := range h.records {
		if rec.state.InProgress() {
			if rec.inst.DeploymentSetID != "" {
				v.sets[rec.inst.DeploymentSetID] = id
			}
			v.zones[rec.inst.ZoneID] = id
		}
	}
	return v
}

// followLocked moves in-flight items along what the hub learned; it reports a change.
func (p *Plan) followLocked(ctx context.Context, now time.Time) bool {
	ids := make([]string, 0, len(p.rec.Items))
	for _, it := range p.rec.Items {
		if it.Status.InFlight() {
			ids = append(ids, it.InstanceID)
		}
	}
	if len(ids) == 0 {
		return false
	}
	v := p.h.planView(ids)
	changed := false
	var orphans, lost []int
	for i := range p.rec.Items {
		it := &p.rec.Items[i]
		if !it.Status.InFlight() {
			continue
		}
		before := *it
		t := v.task[it.InstanceID]
		switch {
		case it.TaskID != "" && t != nil && t.ID == it.TaskID:
			p.fromTask(it, t, now)
		case it.TaskID != "":
			// The hub does not follow our task (a resumed plan whose instance this hub
			// does not list): the plan asks DescribeTasks itself, below.
			orphans = append(orphans, i)
		case t != nil && (t.Status == model.TaskProcessing || !t.Created.Before(it.Submitted)) && v.state[it.InstanceID] != StateSubmitting:
			// The call that got no answer (or whose answer we stopped waiting for) did
			// start: the hub found its task.
			it.TaskID = t.ID
			p.fromTask(it, t, now)
		default:
			switch st, ok := v.state[it.InstanceID]; {
			case st == StateSubmitting && ok:
			case st == StateOutcomeUnknown:
				it.Status = ItemOutcomeUnknown
			case !ok:
				// The hub dropped the instance: it is no longer listed, so its event went
				// away, perhaps by this very redeploy. Nothing says the instance did not
				// move: DescribeTasks settles it, below.
				it.Status, it.Reason = ItemOutcomeUnknown, reasonEventGone
				lost = append(lost, i)
			case it.Status == ItemSubmitting:
				// The call answered while nobody waited (ErrDetached), and started nothing
				// the hub knows of.
				it.Status, it.Reason, it.Ended = ItemFailed, "the call ended while nobody waited, and no task of it is known (see the audit log); not sent again", now
			default:
				// Released after the hold: the instance never moved. Never sent again: the
				// engineer decides.
				it.Status, it.Reason, it.Ended = ItemFailed, "RedeployInstance got no answer and the instance did not move; not sent again", now
			}
		}
		if *it != before {
			changed = true
			p.emit(*it, now)
			if it.Status == ItemFailed {
				p.failedLocked(it, now)
			}
		}
	}
	if (len(orphans) > 0 || len(lost) > 0) && (p.orphanPoll.IsZero() || now.Sub(p.orphanPoll) >= p.h.opt.TaskSlow) {
		p.orphanPoll = now
		if p.pollOrphansLocked(ctx, orphans, now) {
			changed = true
		}
		if p.findLostLocked(ctx, lost, now) {
			changed = true
		}
	}
	return changed
}

// reasonEventGone is an unanswered item's reason once the hub no longer lists its instance.
const reasonEventGone = "RedeployInstance got no answer and the instance's event is gone (the redeploy may have run); looking for its task in DescribeTasks"

// findLostLocked settles the unanswered items idx whose instance the hub dropped through
// DescribeTasks (ListTasks of the instance): a RedeployInstance task created since the
// call is adopted; none, long after the hold, means the call did not start. A failed
// listing changes nothing: the next step asks again.
func (p *Plan) findLostLocked(ctx context.Context, idx []int, now time.Time) bool {
	changed := false
	for _, i := range idx {
		it := &p.rec.Items[i]
		region, inst, submitted := it.RegionID, it.InstanceID, it.Submitted
		p.mu.Unlock()
		found, err := p.findTask(ctx, region, inst, submitted)
		p.mu.Lock()
		if err != nil || it.Status != ItemOutcomeUnknown || it.TaskID != "" {
			continue
		}
		if found == nil {
			it.Status, it.Ended = ItemFailed, now
			it.Reason = "RedeployInstance got no answer, the instance's event is gone, and DescribeTasks lists no RedeployInstance task of it since the call; not sent again: check the instance"
			p.failedLocked(it, now)
		} else {
			it.TaskID, it.Reason = found.ID, ""
			p.fromModelTask(it, found, now)
		}
		p.emit(*it, now)
		changed = true
	}
	return changed
}

// pollOrphansLocked asks DescribeTasks about the items idx whose tasks the hub does not
// follow, at the hub's slow task interval; it reports a change. A failed poll changes
// nothing: the items stay in flight, and the next step asks again.
func (p *Plan) pollOrphansLocked(ctx context.Context, idx []int, now time.Time) bool {
	byRegion := map[string][]int{}
	var regions []string
	for _, i := range idx {
		r := p.rec.Items[i].RegionID
		if byRegion[r] == nil {
			regions = append(regions, r)
		}
		byRegion[r] = append(byRegion[r], i)
	}
	changed := false
	for _, region := range regions {
		refs := make([]backend.TaskRef, len(byRegion[region]))
		for k, i := range byRegion[region] {
			it := p.rec.Items[i]
			refs[k] = backend.TaskRef{TaskID: it.TaskID, RegionID: region, InstanceID: it.InstanceID}
		}
		// A screen reading the plan does not wait on DescribeTasks; what failed is asked
		// again next time.
		p.mu.Unlock()
		states, err := backend.PollTasks(ctx, p.h.b, region, refs)
		p.mu.Lock()
		answered := err == nil || slices.ContainsFunc(states, func(st backend.TaskState) bool { return st.TaskSeen })
		for k, st := range states {
			it := &p.rec.Items[byRegion[region][k]]
			before := *it
			if st.TaskSeen {
				delete(p.unseen, it.InstanceID)
				p.fromModelTask(it, &st.Task, now)
			} else if answered {
				p.unseenLocked(it, now)
			}
			if *it != before {
				p.emit(*it, now)
				changed = true
			}
		}
	}
	return changed
}

// UnseenGiveUp is how long DescribeTasks may go on not listing a plan's recorded task
// before the item says so (outcome unknown): it lists a task within seconds of its
// start, so half an hour unseen is no lag. The item stays in flight, never sent again,
// and is still asked about.
const UnseenGiveUp = 30 * time.Minute

// unseenLocked notes that DescribeTasks, answering, did not list its task.
func (p *Plan) unseenLocked(it *PlanItem, now time.Time) {
	if p.unseen == nil {
		p.unseen = map[string]time.Time{}
	}
	first, ok := p.unseen[it.InstanceID]
	if !ok {
		p.unseen[it.InstanceID] = now
		return
	}
	if now.Sub(first) >= UnseenGiveUp && it.Status != ItemOutcomeUnknown {
		it.Status = ItemOutcomeUnknown
		it.Reason = fmt.Sprintf("DescribeTasks has not listed task %s for %s; whether the redeploy runs is unknown: check the instance's tasks before anything else (not sent again)",
			it.TaskID, model.FormatDuration(now.Sub(first)))
	}
}

// fromTask sets the item from its task as the hub follows it.
func (p *Plan) fromTask(it *PlanItem, t *Task, now time.Time) {
	switch t.Status {
	case model.TaskFinished:
		it.Status, it.Ended = ItemFinished, orTime(t.Finished, now)
	case model.TaskFailed:
		it.Status, it.Reason, it.Ended = ItemFailed, "Failed: "+orWord(t.FailedReason, "no reason given")+"; the instance is back on its original host", orTime(t.Finished, now)
	default:
		it.Status = ItemRunning
	}
}

func orTime(t, or time.Time) time.Time {
	if t.IsZero() {
		return or
	}
	return t
}

func orWord(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// failedLocked applies OnFailure after an item failed.
func (p *Plan) failedLocked(it *PlanItem, now time.Time) {
	why := it.InstanceID + " failed: " + it.Reason
	switch p.rec.OnFailure {
	case FailurePause:
		if p.rec.Phase == PhaseRunning {
			p.rec.Phase, p.rec.Stopped = PhasePaused, why
		}
	case FailureAbort:
		if p.rec.Phase != PhaseAborted {
			p.abortLocked(why, now)
		}
	}
}

// submitLocked sends the next targets the rules allow: deadline order, skipping over a
// target whose deployment set (or zone) has a redeploy in flight.
func (p *Plan) submitLocked(ctx context.Context, now time.Time) error {
	inFlight := 0
	var queued []string
	for _, it := range p.rec.Items {
		if it.Status.InFlight() {
			inFlight++
		}
		if it.Status == ItemQueued {
			queued = append(queued, it.InstanceID)
		}
	}
	if len(queued) == 0 || inFlight >= p.rec.MaxInFlight {
		return nil
	}
	v := p.viewLocked(queued)
	for i := range p.rec.Items {
		if inFlight >= p.rec.MaxInFlight || p.rec.Phase != PhaseRunning || ctx.Err() != nil {
			// A caller that stopped waiting (ctrl+c) sends nothing more: the hub would
			// still make the call, with nobody to see its answer.
			break
		}
		it := &p.rec.Items[i]
		if it.Status != ItemQueued {
			continue
		}
		r := v.row[it.InstanceID]
		if reason := skipReason(r, now, p.rec.ForceStop); reason != "" {
			it.Status, it.Reason, it.Ended = ItemSkipped, reason, now
			p.emit(*it, now)
			continue
		}
		if it.DeploymentSetID != "" && v.sets[it.DeploymentSetID] != "" {
			continue
		}
		if p.rec.OnePerZone && v.zones[it.ZoneID] != "" {
			continue
		}
		// The intent is saved before the call: after a crash, a resumed plan knows this
		// instance may have been sent, and reconciles instead of sending it again.
		it.Status, it.Submitted = ItemSubmitting, now
		if err := p.save(); err != nil {
			it.Status, it.Submitted = ItemQueued, time.Time{}
			p.rec.Phase, p.rec.Stopped = PhasePaused, err.Error()
			return err
		}
		p.emit(*it, now)
		inFlight++
		p.peak = max(p.peak, inFlight)
		if it.DeploymentSetID != "" {
			v.sets[it.DeploymentSetID] = it.InstanceID
		}
		v.zones[it.ZoneID] = it.InstanceID
		send := p.h.Redeploy
		if p.submit != nil {
			send = p.submit
		}
		req := backend.RedeployRequest{RegionID: it.RegionID, InstanceID: it.InstanceID,
			ForceStop: p.rec.ForceStop, Identity: p.rec.Identity}
		// The item is saved as submitting: readers may see it while the call is out. Items
		// are never added or removed, so it still points at the same one after.
		p.mu.Unlock()
		ref, err := send(ctx, req)
		p.mu.Lock()
		p.submitted(it, ref, err, now)
		if it.Status.Final() {
			inFlight--
		}
		if err := p.save(); err != nil {
			p.rec.Phase, p.rec.Stopped = PhasePaused, err.Error()
			return err
		}
		// The call may have taken minutes, with the lock let go: another session may
		// have started a member of a set (or zone) the next target is in meanwhile.
		v = p.viewLocked(queued)
	}
	return nil
}

// viewLocked is the hub's view of the queued ids, with the plan's own items in flight
// holding their set and zone too, even when the hub has already settled them
// differently this instant.
func (p *Plan) viewLocked(queued []string) planView {
	v := p.h.planView(queued)
	for _, it := range p.rec.Items {
		if it.Status.InFlight() {
			if it.DeploymentSetID != "" {
				v.sets[it.DeploymentSetID] = it.InstanceID
			}
			v.zones[it.ZoneID] = it.InstanceID
		}
	}
	return v
}

// submitted records the answer of one RedeployInstance call.
func (p *Plan) submitted(it *PlanItem, ref backend.TaskRef, err error, now time.Time) {
	switch {
	case ref.TaskID != "" && (err == nil || errors.Is(err, backend.ErrAuditResult)):
		// A started task is followed even when its audit result line was lost.
		it.Status, it.TaskID = ItemRunning, ref.TaskID
		if err != nil {
			it.Reason = safetext.Terminal(err.Error())
		}
	case errors.Is(err, backend.ErrOutcomeUnknown):
		it.Status, it.Reason = ItemOutcomeUnknown, safetext.Terminal(err.Error())
	case errors.Is(err, ErrDetached):
		// Still submitting: the hub's record will say how it ended.
		return
	case errors.Is(err, ErrInProgress), errors.Is(err, ErrOutcomeHold), errors.Is(err, ErrNotListed),
		errors.Is(err, backend.ErrAlreadyInProgress):
		it.Status, it.Reason, it.Ended = ItemSkipped, safetext.Terminal(err.Error()), now
	default:
		it.Status, it.Reason, it.Ended = ItemFailed, "not started: "+safetext.Terminal(err.Error()), now
	}
	p.emit(*it, now)
	if it.Status == ItemFailed {
		p.failedLocked(it, now)
	}
}

// emit reports an item's new status. Its time is when it happened: a task's FinishedTime
// from DescribeTasks when the item ended with one, else now, when the plan saw it.
func (p *Plan) emit(it PlanItem, now time.Time) {
	if p.notify == nil {
		return
	}
	at := now
	if it.Status.Final() && !it.Ended.IsZero() {
		at = it.Ended
	}
	p.notify(Transition{Time: at, Plan: p.rec.ID, Instance: it.InstanceID, Task: it.TaskID, Status: it.Status, Reason: it.Reason})
}

func (p *Plan) save() error {
	if p.store == nil {
		return nil
	}
	if err := p.store.save(&p.rec); err != nil {
		return fmt.Errorf("%w: %w; nothing more is sent until it can be", ErrPlanStore, err)
	}
	return nil
}

// Summary counts a plan's items.
type Summary struct {
	Redeployed, Failed, Skipped, InFlight, Queued int
	// Elapsed runs from the plan's creation to its last item's end (or now, while it runs).
	Elapsed time.Duration
}

// Summary counts the plan's items now.
func (p *Plan) Summary() Summary {
	p.mu.Lock()
	defer p.mu.Unlock()
	return summarize(&p.rec, p.h.Now())
}

func summarize(rec *PlanRecord, now time.Time) Summary {
	var s Summary
	last := time.Time{}
	for _, it := range rec.Items {
		switch {
		case it.Status == ItemFinished:
			s.Redeployed++
		case it.Status == ItemFailed:
			s.Failed++
		case it.Status == ItemSkipped:
			s.Skipped++
		case it.Status.InFlight():
			s.InFlight++
		default:
			s.Queued++
		}
		if it.Ended.After(last) {
			last = it.Ended
		}
	}
	if s.InFlight > 0 || s.Queued > 0 || last.IsZero() {
		last = now
	}
	s.Elapsed = max(last.Sub(rec.Created), 0)
	return s
}

// String is the line that stays when a plan ends: "30 redeployed, 2 failed, 8 skipped — 14m",
// with what is still in flight or queued when it has not.
func (s Summary) String() string {
	line := fmt.Sprintf("%d redeployed, %d failed, %d skipped", s.Redeployed, s.Failed, s.Skipped)
	if s.InFlight > 0 {
		line += fmt.Sprintf(", %d in flight", s.InFlight)
	}
	if s.Queued > 0 {
		line += fmt.Sprintf(", %d not sent", s.Queued)
	}
	return line + " — " + model.FormatDuration(s.Elapsed)
}
