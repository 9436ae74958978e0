package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// GroupLimit bounds how many instances that share one value of By may have a redeploy
// in flight at once (`--max-per app=1`): instances without a value are not grouped.
type GroupLimit struct {
	// By is what groups instances: "tag:KEY" (the value of the instance's tag KEY),
	// "host" (its pending event's HostId) or "rack" (its pending event's Rack); the
	// event attributes are DescribeInstanceHistoryEvents' ExtendedAttribute.
	By string
	// Max is at least 1.
	Max int
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
	// Due and DueUntil are, in a plan that keeps to windows (InWindow), the occurrence of
	// the instance's maintenance window it may be sent in: from Due (at or before the
	// plan's clock when it is inside one) until DueUntil, the window's end or the plan's
	// cut (the event's deadline less PlanRecord.Margin) if sooner. Zero until the plan
	// has read the window (Schedule), and in a
	// plan that does not keep to windows: due now. Window is the window, as
	// model.MaintenanceWindow.String writes it.
	Due      time.Time `json:"Due,omitzero"`
	DueUntil time.Time `json:"DueUntil,omitzero"`
	Window   string    `json:"Window,omitempty"`
	// Deferred marks an item skipped because PlanOptions.HoldItem said it may not go
	// when its turn came (Reason says why): not a failure, and the plan's owner (the
	// autopilot) decides about the instance again.
	Deferred bool `json:"Deferred,omitempty"`
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
	// InWindow, Margin and Limits are PlanOptions.InWindow, PlanOptions.Margin and
	// PlanOptions.Limits. Margin is in nanoseconds (a Go time.Duration); a plan saved
	// before it was kept has none.
	InWindow bool          `json:"InWindow,omitempty"`
	Margin   time.Duration `json:"Margin,omitempty"`
	Limits   []GroupLimit  `json:"Limits,omitempty"`
	// Groups is each target's value of each grouping of Limits, as the plan read them
	// when it was made (instance id → GroupLimit.By → value; none: not grouped): an item
	// in flight holds its groups even when the hub no longer lists its instance. It is
	// never changed after NewPlan, so copies of the record may share it.
	Groups   map[string]map[string]string `json:"Groups,omitempty"`
	Identity backend.Identity
	// Where names the account the plan runs against (endpoint and profile), so a plan
	// is only ever resumed against the account it was made for.
	Where string `json:"Where,omitempty"`
	Phase PlanPhase
	// Stopped says what paused or aborted the plan.
	Stopped string `json:"Stopped,omitempty"`
	// Answered says who last answered the plan's pause, and how: "continued by bob
	// (operator)".
	Answered string `json:"Answered,omitempty"`
	Items    []PlanItem
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
	// Due is, in a plan that keeps to windows, when a queued target may be sent (the start
	// of its maintenance window; the plan's start when it is inside one), and Window that
	// window: Start reports each target so before anything is sent.
	Due    time.Time `json:"due,omitzero"`
	Window string    `json:"window,omitempty"`
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
	// InWindow sends each target only inside its instance's maintenance window
	// (DescribeInstanceMaintenanceAttributes) and Margin before its event's deadline at
	// the latest.
	InWindow bool
	// Margin, with InWindow: nothing is sent later than Margin before the deadline, so
	// the redeploy (minutes: a stop, a move to another host, a start) ends before the
	// platform acts. 0 is none; DefaultMargin is what people get unless they say.
	Margin time.Duration
	// Limits bound how many of the fleet's instances sharing one value of a grouping
	// (a tag, a host, a rack) may have a redeploy in flight at once, beside the
	// deployment-set rule.
	Limits []GroupLimit
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
	// Hold, when set, is asked before each send: a non-empty answer pauses the plan with
	// it as the reason, before that send (the autopilot's pause reaches a plan whose first
	// wave StartPlan is still sending).
	Hold func() string
	// HoldItem, when set, is asked before each send of a queued item, with the instance's
	// current row and the clock at the send: a non-empty answer skips that item (Deferred,
	// with the answer as its reason) and the plan goes on with the next. The autopilot
	// answers from its rule's timing (lead time, avoided hours, margin), which a plan
	// does not know. It is called with the plan's lock held: it must not block or call
	// into the plan.
	HoldItem func(it PlanItem, r *Row, now time.Time) string
}

// Plan is a batch of redeploys the hub runs in waves. Its methods are safe for concurrent
// use; Step and Run must not run at the same time as each other.
type Plan struct {
	h      *Hub
	store  *PlanStore
	notify func(Transition)
	submit func(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error)
	hold   func() string
	// holdItem is PlanOptions.HoldItem.
	holdItem func(PlanItem, *Row, time.Time) string

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
	// windowErrAt is when reading the maintenance windows last failed, on the wall clock
	// (Options.Wall; zero: it did not): they are asked again windowRetry later, not on
	// every step.
	windowErrAt time.Time
	// wakeFor is the time the plan's wake (wakeCh, from the hub's Until) was asked for.
	wakeFor time.Time
	wakeCh  <-chan time.Time
	// retryCh is the wait (the hub's After) before a failed read of the windows is asked
	// again.
	retryCh <-chan time.Time
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
	if opt.Margin < 0 {
		return nil, fmt.Errorf("the margin before the deadline must not be negative, got %s", opt.Margin)
	}
	if opt.OnFailure == "" {
		opt.OnFailure = FailureAbort
	}
	if _, err := ParseOnFailure(string(opt.OnFailure)); err != nil {
		return nil, err
	}
	for _, l := range opt.Limits {
		if err := l.check(); err != nil {
			return nil, err
		}
	}
	now := h.Now()
	p := &Plan{h: h, store: opt.Store, notify: opt.OnTransition, submit: opt.Submit, hold: opt.Hold, holdItem: opt.HoldItem, wake: make(chan struct{}, 1)}
	p.rec = PlanRecord{Version: 1, ID: newPlanID(now), Created: now, MaxInFlight: opt.MaxInFlight,
		OnePerZone: opt.OnePerZone, OnFailure: opt.OnFailure, ForceStop: opt.ForceStop,
		InWindow: opt.InWindow, Limits: slices.Clone(opt.Limits),
		Identity: opt.Identity, Where: opt.Where, Phase: PhaseRunning}

	if opt.InWindow {
		p.rec.Margin = opt.Margin
	}

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
			if g := groupsOf(opt.Limits, r.Inst); g != nil {
				if p.rec.Groups == nil {
					p.rec.Groups = map[string]map[string]string{}
				}
				p.rec.Groups[id] = g
			}
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
	if p.rec.InWindow {
		// When each target goes, before anything is sent (a plan nobody scheduled is
		// scheduled by its first step, and says nothing here).
		now := p.h.Now()
		for _, it := range p.rec.Items {
			if it.Status == ItemQueued && !it.Due.IsZero() {
				p.emit(it, now)
			}
		}
	}
	return nil
}

// NewPlan is fleet.NewPlan on this hub, with the hub's plan store and account
// (Options.Plans, Options.Where) when opt names none.
func (h *Hub) NewPlan(ids []string, opt PlanOptions) (*Plan, error) {
	if opt.Store == nil {
		opt.Store, opt.Where = h.opt.Plans, h.opt.Where
	}
	if opt.OnTransition == nil {
		opt.OnTransition = h.opt.OnTransition
	}
	return NewPlan(h, ids, opt)
}

// skipReason is why the row cannot be a target now, or "".
func skipReason(r *Row, now time.Time, forceStop bool) string {
	switch {
	case r == nil:
		return "not listed: no pending system event in scope, or no such instance"
	case r.InProgress:
		return "already in progress (" + r.Underway() + ")"
	case r.Avoided:
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

// answer continues (goOn) or aborts the plan for who, if it is paused; it reports whether
// it was.
func (p *Plan) answer(who backend.Identity, goOn bool) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rec.Phase != PhasePaused {
		return false, nil
	}
	if goOn {
		p.rec.Phase, p.rec.Stopped, p.rec.Answered = PhaseRunning, "", "continued by "+who.String()
	} else {
		p.rec.Answered = "aborted by " + who.String()
		p.abortLocked("aborted by "+who.String()+" after a failure", p.h.Now())
	}
	err := p.save()
	p.poke()
	return true, err
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

// Ended reports whether every item has ended: the plan will never send anything again.
func (r *PlanRecord) Ended() bool {
	for _, it := range r.Items {
		if !it.Status.Final() {
			return false
		}
	}
	return true
}

// emit reports an item's new status. Its time is when it happened: a task's FinishedTime
// from DescribeTasks when the item ended with one, else now, when the plan saw it.
func (p *Plan) emit(it PlanItem, now time.Time) {
	// The hub's log (serve's) keeps every item's change, with who the plan runs for: a
	// batch's calls are the hub's, not a session's, so no session logs them.
	p.h.log.Info("plan item", "plan", p.rec.ID, "by", safetext.Log(p.rec.Identity.Name), "instance", it.InstanceID,
		"status", it.Status, "task", it.TaskID, "reason", safetext.Log(it.Reason))
	if p.notify == nil {
		return
	}
	at := now
	if it.Status.Final() && !it.Ended.IsZero() {
		at = it.Ended
	}
	tr := Transition{Time: at, Plan: p.rec.ID, Instance: it.InstanceID, Task: it.TaskID, Status: it.Status, Reason: it.Reason}
	if it.Status == ItemQueued {
		tr.Due, tr.Window = it.Due, it.Window
	}
	p.notify(tr)
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

// Describe is a plan's rules in one line: "at most 3 in flight, one per deployment set,
// one per zone, at most 1 per tag app, inside each instance's maintenance window, before
// its deadline, on failure abort".
func (r *PlanRecord) Describe() string {
	parts := []string{fmt.Sprintf("at most %d in flight", r.MaxInFlight), "one per deployment set"}
	if r.OnePerZone {
		parts = append(parts, "one per zone")
	}
	for _, l := range r.Limits {
		parts = append(parts, l.Describe())
	}
	if r.InWindow {
		parts = append(parts, "inside each instance's maintenance window, "+marginWords(r.Margin))
	}
	if r.ForceStop {
		parts = append(parts, "ForceStop")
	}
	parts = append(parts, "on failure "+string(r.OnFailure))
	return strings.Join(parts, ", ")
}
