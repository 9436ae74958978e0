// Package autopilot redeploys, by itself, the instances a team's policy (model/policy)
// names, at the hours it allows and within its bounds, through the hub's plans: every
// redeploy it starts is a hub plan every session sees, sent under its own identity
// (operator, "autopilot:<policy name>") through the role guard and the audit log.
package autopilot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/policy"
	"ecs-redeploy/model/safetext"
)

// Notice kinds, the first argument of Options.OnNotice.
const (
	NoticePlanStarted    = "autopilot.plan_started"
	NoticePaused         = "autopilot.paused"
	NoticeResumed        = "autopilot.resumed"
	NoticeLeftToHumans   = "autopilot.left_to_humans"
	NoticePolicyReloaded = "autopilot.policy_reloaded"
	NoticePolicyRefused  = "autopilot.policy_refused"
)

// DefaultEvery is how often the autopilot looks at the fleet when nothing wakes it.
const DefaultEvery = 30 * time.Second

// Options configure an Autopilot.
type Options struct {
	Policy *policy.Policy
	// OnNotice, when set, is told what the humans should hear (kind is one of the Notice
	// constants, text one line); it is called without the autopilot's lock held and must
	// not block (the notify package queues).
	OnNotice func(kind, text string)
	// Logger is the audit trail of pauses, resumes, reloads and plans (serve's log);
	// discarded when nil.
	Logger *slog.Logger
	// Every is how often Run looks (wall clock); DefaultEvery when 0.
	Every time.Duration
	// After waits like time.After (tests step it).
	After func(time.Duration) <-chan time.Time
	// State is the file its pause and its failed instances are kept in across restarts
	// (in the state directory); "" keeps them in memory only. A pause read from it holds
	// until an operator resumes; a file that cannot be read starts it paused, saying why.
	State string
}

// Autopilot runs a policy on a hub. Its methods are safe for concurrent use.
type Autopilot struct {
	h      *fleet.Hub
	log    *slog.Logger
	notify func(kind, text string)
	every  time.Duration
	after  func(time.Duration) <-chan time.Time
	wake   chan struct{}

	// tick makes ticks one at a time; starting is held while plans are started, so a
	// pause that has returned has paused every plan started before it.
	tick     sync.Mutex
	starting sync.Mutex
	mu       sync.Mutex
	pol      *policy.Policy
	// polErr is the last refused reload.
	polErr string
	paused bool
	// startedPaused says why it started paused ("its state file could not be read", "it
	// was paused before the restart"), "" when it started running.
	startedPaused string
	// resolved are the instances whose windows the last look read before their lead time
	// began (resolveNext): the next look reads them again.
	resolved map[string]bool
	why      string
	// plans are the plans it started (or adopted from the hub at start), by id, with the
	// rule that took their instances.
	plans map[string]string
	// failed are the instances whose redeploy by the autopilot did not finish, with why:
	// they are left to humans and never sent again by it.
	failed map[string]string
	// told are the instances already reported left to humans, with the reason told.
	told map[string]string
	// held are its plans it paused itself (or found paused) when it paused: a resume
	// continues them, and their pause is no new failure.
	held map[string]bool
	// looked is how many of its redeploys the last look counted in flight, with the ones
	// it started itself: a snapshot that shows fewer says one ended, and what a bound held
	// may go (Run). Counted at the look, not after it: a redeploy that ended between the
	// look and a count after it would leave nothing to compare with, and the held one
	// waited for Every.
	looked int
	status fleet.AutopilotStatus
	// state is Options.State.
	state string
}

// New makes the autopilot of opt.Policy on h, adopting the plans its identity left in the
// hub (resumed after a restart). Nothing runs until Run or Tick.
func New(h *fleet.Hub, opt Options) (*Autopilot, error) {
	if opt.Policy == nil {
		return nil, errors.New("autopilot: no policy")
	}
	a := &Autopilot{h: h, log: opt.Logger, notify: opt.OnNotice, every: opt.Every, after: opt.After,
		wake: make(chan struct{}, 1), pol: opt.Policy, plans: map[string]string{}, failed: map[string]string{}, told: map[string]string{}, held: map[string]bool{},
		state: opt.State}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.every <= 0 {
		a.every = DefaultEvery
	}
	if a.after == nil {
		a.after = time.After
	}
	// A plan records no rule: an adopted plan is counted under the rule that takes its
	// instances now, or its redeploys in flight would hold no rule's max_in_flight and a
	// restart would start more.
	rows := map[string]*fleet.Row{}
	for _, r := range h.Snapshot().Rows {
		rows[r.Inst.ID] = r
	}
	for _, st := range h.Plans() {
		if st.Identity.Name == a.identity().Name && !st.Ended() {
			a.plans[st.ID] = ""
			for _, it := range st.Items {
				if r := rows[it.InstanceID]; r != nil && !it.Status.Final() {
					ev := r.Event
					if r.Eligibility.Event != nil {
						ev = r.Eligibility.Event // as fromRows matches it
					}
					if m := opt.Policy.Match(r.Inst, ev); m != nil {
						a.plans[st.ID] = m.Name
						break
					}
				}
			}
		}
	}
	if a.state != "" {
		st, err := loadState(a.state)
		switch {
		case err != nil:
			a.paused, a.why = true, "paused: its state file could not be read ("+oneLine(err.Error())+"); an operator resumes it"
			a.startedPaused = "its state file could not be read"
		case st.Paused:
			a.paused, a.why = true, st.Why
			a.startedPaused = "it was paused before the restart"
		}
		for id, why := range st.Failed {
			a.failed[id] = why
		}
	}
	if a.paused {
		// Its plans were paused with it: a resume continues them, as it does before a restart.
		for id := range a.plans {
			a.held[id] = true
		}
	}
	// Holds are not saved with a plan: the plans it adopts get them again, or their queued
	// items would go out on the window alone, and a pause read from its state file would
	// not stop them.
	for id := range a.plans {
		if err := h.SetPlanHolds(id, a.holdPlan(a.identity()), a.holdItem); err != nil {
			a.log.Warn("autopilot could not adopt its plan", "plan", id, "err", safetext.Log(err.Error()))
		}
	}
	a.status = fleet.AutopilotStatus{Name: a.identity().Name, Policy: opt.Policy.File, Paused: a.paused, Why: a.why}
	h.SetAutopilotControl(a)
	h.SetAutopilot(a.statusCopy())
	return a, nil
}

// identity is who the autopilot's plans run as: an operator named after the policy.
func (a *Autopilot) identity() backend.Identity {
	return backend.Identity{Name: a.pol.Identity(), Role: backend.RoleOperator}
}

// Identity is who the autopilot's plans run as.
func (a *Autopilot) Identity() backend.Identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.identity()
}

// Status is what every session shows of the autopilot.
func (a *Autopilot) Status() fleet.AutopilotStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	return *a.statusCopy()
}

func (a *Autopilot) statusCopy() *fleet.AutopilotStatus {
	st := a.status
	st.Next, st.Left = slices.Clone(st.Next), slices.Clone(st.Left)
	return &st
}

// Run looks at the fleet every Options.Every, when the next instance it found due later
// is due (on the backend's clock), and at once when woken (a resume, a reload, a plan of
// its own that paused), until ctx ends.
func (a *Autopilot) Run(ctx context.Context) {
	sub := a.h.Subscribe(ctx)
	defer sub.Close()
	for {
		// A look before the hub's first listing sees nothing: the first listing wakes it.
		listed := !a.h.Snapshot().Updated.IsZero()
		a.Tick(ctx)
		timer := a.after(a.every)
		due := a.dueAt()
		a.mu.Lock()
		inFlight := a.looked
		a.mu.Unlock()
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-a.wake:
				break wait
			case <-timer:
				break wait
			case <-due:
				break wait
			case snap := <-sub.C():
				if a.failedPlan(snap) != "" || (!listed && !snap.Updated.IsZero()) {
					break wait
				}
				// One of its redeploys ended: what a bound held (Waiting) may go now.
				// Every is wall time, hours of a simulator at --sim-speed.
				n := a.ownInFlight(snap)
				if n < inFlight {
					break wait
				}
				inFlight = n
			}
		}
	}
}

// dueAt fires when the next instance its last look found due later (a lead time that
// begins, a window that opens, an avoided range that ends) is due, on the hub's Until:
// the instant is on the backend's clock, which on a simulator at --sim-speed runs
// faster than the wall clock Every is measured on. Nil (never) when none is.
func (a *Autopilot) dueAt() <-chan time.Time {
	a.mu.Lock()
	var next time.Time
	for _, d := range a.status.Next {
		if d.At.After(a.status.Checked) && (next.IsZero() || d.At.Before(next)) {
			next = d.At
		}
	}
	a.mu.Unlock()
	if next.IsZero() {
		return nil
	}
	return a.h.Until(next)
}

// ownInFlight is how many redeploys of its plans are in flight in snap.
func (a *Autopilot) ownInFlight(snap *fleet.Snapshot) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, st := range snap.Plans {
		if _, ours := a.plans[st.ID]; !ours {
			continue
		}
		for _, it := range st.Items {
			if it.Status.InFlight() {
				n++
			}
		}
	}
	return n
}

func (a *Autopilot) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// failedPlan is a line naming a failure in one of the autopilot's plans it has not acted
// on yet, "" when there is none (or the autopilot is paused already): an item that failed,
// or a plan paused by a failure (a plan whose items have all ended is done, paused or not,
// so the items are what tell).
func (a *Autopilot) failedPlan(snap *fleet.Snapshot) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.paused {
		return ""
	}
	for _, st := range snap.Plans {
		if _, ours := a.plans[st.ID]; !ours {
			continue
		}
		for _, it := range st.Items {
			if _, known := a.failed[it.InstanceID]; it.Status == fleet.ItemFailed && !known {
				return "plan " + st.ID + ": " + it.InstanceID + " failed: " + it.Reason
			}
		}
		if st.Phase == fleet.PhasePaused && !a.held[st.ID] {
			return "plan " + st.ID + " paused: " + st.Stopped
		}
	}
	return ""
}

// Tick looks at the hub's snapshot once: it pauses itself when one of its plans paused
// on a failure, and otherwise starts a hub plan for each rule with instances due now,
// within the rule's bounds.
func (a *Autopilot) Tick(ctx context.Context) {
	a.tick.Lock()
	defer a.tick.Unlock()
	snap := a.h.Snapshot()
	now := a.h.Now()
	if why := a.failedPlan(snap); why != "" {
		a.pauseAll(a.identity(), "paused by the failure of its "+why)
		snap = a.h.Snapshot()
	}

	a.mu.Lock()
	pol := a.pol
	l := newLoad()
	done := maps.Clone(a.failed)
	rows := map[string]*fleet.Row{}
	for _, r := range snap.Rows {
		rows[r.Inst.ID] = r
		if r.InProgress {
			l.add(r.Inst, r.Event, "")
		}
	}
	plans, inFlight := 0, 0
	failedNew := false
	for _, st := range snap.Plans {
		rule, ours := a.plans[st.ID]
		if !ours {
			continue
		}
		if !st.Ended() {
			plans++
		}
		for _, it := range st.Items {
			switch {
			case it.Deferred:
				// Skipped by its hold (holdItem) when its turn came: not a failure, and
				// not handled; the decision below takes it again.
			case it.Status == fleet.ItemFailed || (it.Status == fleet.ItemSkipped && it.Submitted.IsZero() && it.Reason != ""):
				if _, known := a.failed[it.InstanceID]; !known {
					a.failed[it.InstanceID] = "the autopilot's redeploy did not finish (" + string(it.Status) + ": " + it.Reason + "); it does not try again"
					failedNew = true
				}
				done[it.InstanceID] = a.failed[it.InstanceID]
			case it.Status.Final():
				done[it.InstanceID] = ""
			default:
				done[it.InstanceID] = ""
				if it.Status.InFlight() {
					inFlight++
				}
				if r := rows[it.InstanceID]; r != nil {
					l.add(r.Inst, r.Event, rule)
				} else if rule != "" {
					l.byRule[rule]++
				}
			}
		}
	}
	a.mu.Unlock()
	if failedNew {
		a.save()
	}

	cands := fromRows(snap.Rows)
	maint := windowsDue(ctx, a.h, pol, now, cands, done)
	// The reads may have taken a while (up to 30 s a region): the decision is made on the
	// clock after them, not on the one the tick started with.
	now = a.h.Now()
	d := decide(ctx, pol, now, cands, done, l, maint)
	a.mu.Lock()
	before := a.resolved
	a.mu.Unlock()
	resolved := resolveNext(ctx, a.h, now, &d, before)
	var notices [][2]string
	a.mu.Lock()
	if a.paused {
		// Due, and nothing but the pause holds them: every session sees what waits for
		// a resume.
		for _, p := range d.start {
			d.next = append(d.next, fleet.AutopilotDue{InstanceID: p.c.inst.ID, Rule: p.rule.Name, At: now, Waiting: a.why})
		}
		d.start = nil
	}
	// What it keeps follows the fleet, not how long it runs: plans the hub no longer
	// shows, and instances no longer left to humans, are forgotten.
	shown := map[string]bool{}
	for _, st := range snap.Plans {
		shown[st.ID] = true
	}
	for id := range a.plans {
		if !shown[id] && !a.held[id] {
			delete(a.plans, id)
		}
	}
	// A failure is kept while its instance is listed or its plan is shown: forgotten
	// sooner, the plan's failed item would read as a new failure and pause it again.
	listed := map[string]bool{}
	for _, r := range snap.Rows {
		listed[r.Inst.ID] = true
	}
	for _, st := range snap.Plans {
		for _, it := range st.Items {
			listed[it.InstanceID] = true
		}
	}
	forgot := false
	for id := range a.failed {
		if !listed[id] {
			delete(a.failed, id)
			forgot = true
		}
	}
	stillLeft := map[string]bool{}
	for _, lf := range d.left {
		stillLeft[lf.InstanceID] = true
	}
	for id := range a.told {
		if !stillLeft[id] {
			delete(a.told, id)
		}
	}
	slices.SortStableFunc(d.next, func(x, y fleet.AutopilotDue) int { return x.At.Compare(y.At) })
	a.status.Next, a.status.Left = d.next, d.left
	a.resolved = resolved
	a.status.Checked = now
	a.status.Plans, a.status.InFlight = plans, inFlight
	for _, lf := range d.left {
		if a.told[lf.InstanceID] != lf.Reason {
			a.told[lf.InstanceID] = lf.Reason
			notices = append(notices, [2]string{NoticeLeftToHumans, lf.InstanceID + " is left to humans: " + lf.Reason})
		}
	}
	a.mu.Unlock()
	if forgot {
		a.save()
	}
	started, told := a.start(d.start)
	notices = append(notices, told...)
	a.mu.Lock()
	a.looked = inFlight + started
	a.mu.Unlock()
	a.publish()
	a.tell(notices)
}

// start starts one hub plan per rule for the picks, and counts the instances of the plans
// it started.
func (a *Autopilot) start(picks []pick) (started int, notices [][2]string) {
	var order []*policy.Rule
	byRule := map[*policy.Rule][]string{}
	for _, p := range picks {
		if byRule[p.rule] == nil {
			order = append(order, p.rule)
		}
		byRule[p.rule] = append(byRule[p.rule], p.c.inst.ID)
	}
	who := a.Identity()
	a.starting.Lock()
	defer a.starting.Unlock()
	for _, r := range order {
		if p, _ := a.Paused(); p {
			// Paused while this tick decided: nothing more starts.
			break
		}
		ids := byRule[r]
		opt := PlanOptions(r, who)
		// A pause while StartPlan sends the plan's first wave stops the next send of it.
		opt.Hold, opt.HoldItem = a.holdPlan(who), a.holdItem
		st, err := a.h.StartPlan(ids, opt)
		if err != nil {
			a.log.Warn("autopilot could not start a plan", "autopilot", safetext.Log(who.Name), "rule", safetext.Log(r.Name), "err", safetext.Log(err.Error()))
			a.mu.Lock()
			for _, id := range ids {
				a.failed[id] = "the autopilot could not start its plan: " + oneLine(err.Error())
			}
			a.mu.Unlock()
			a.save()
			continue
		}
		a.mu.Lock()
		a.plans[st.ID] = r.Name
		a.mu.Unlock()
		started += len(ids)
		a.log.Info("autopilot started a plan", "autopilot", safetext.Log(who.Name), "rule", safetext.Log(r.Name), "plan", st.ID, "instances", ids)
		notices = append(notices, [2]string{NoticePlanStarted, fmt.Sprintf("%s started plan %s under rule %q: %v", who.Name, st.ID, r.Name, ids)})
	}
	return started, notices
}

// holdPlan is its plans' PlanOptions.Hold: its pause stops their next send.
func (a *Autopilot) holdPlan(who backend.Identity) func() string {
	return func() string {
		if p, why := a.Paused(); p {
			return who.Name + " " + why
		}
		return ""
	}
}

// holdItem is its plans' PlanOptions.HoldItem: why the queued instance of row r may not be
// sent at now, by the same rule timing as its ticks (policy.Rule.Start, through NotNow),
// under the rule that takes the instance now. A plan keeps only to the window and the
// deadline; an item queued behind a deployment set, a pause or a missed window would
// otherwise go out later inside the avoided hours or the margin.
//
// The item is skipped, not kept waiting: a wait has no end a plan can tell (past the
// margin it would never go, and the autopilot would neither start it elsewhere nor leave
// it to humans), while a skipped item (Deferred) is the tick's again at its next look: due
// later, started in a new plan when due, or left to humans with the reason, as any
// instance is.
func (a *Autopilot) holdItem(_ fleet.PlanItem, r *fleet.Row, now time.Time) string {
	if r == nil {
		return "" // not listed: the plan skips it itself
	}
	a.mu.Lock()
	pol := a.pol
	a.mu.Unlock()
	cs := fromRows([]*fleet.Row{r})
	if len(cs) == 0 {
		return ""
	}
	c := cs[0]
	rule := pol.Match(c.inst, c.event)
	if rule == nil {
		return "no rule of " + pol.Identity() + " takes it now"
	}
	if why := rule.Refusal(c.inst); why != "" {
		return why
	}
	return rule.NotNow(now, c.deadline)
}

// PlanOptions are the rules of a plan the autopilot starts for rule r: at most the rule's
// max in flight, its group limits, inside the window when the rule says and then not
// later than the rule's margin before the deadline (the plan's own cut, beside holdItem),
// a pause at the first failure, and ForceStop only when the rule names its loss.
func PlanOptions(r *policy.Rule, who backend.Identity) fleet.PlanOptions {
	limits := make([]fleet.GroupLimit, len(r.How.Limits))
	for i, l := range r.How.Limits {
		limits[i] = fleet.GroupLimit{By: l.By, Max: l.Max}
	}
	return fleet.PlanOptions{MaxInFlight: r.How.MaxInFlight, OnFailure: fleet.FailurePause,
		ForceStop: r.How.ForceStop == policy.ForceStopLoseUnwrittenData, InWindow: r.When.InWindow,
		Margin: r.When.Margin, Limits: limits, Identity: who}
}

// Pause stops the autopilot for who: it starts no plan, and its running plans send
// nothing more (a call already out is followed to its end). A viewer is refused.
func (a *Autopilot) Pause(who backend.Identity) error {
	if err := backend.AuthorizeTo(who, "pause the autopilot"); err != nil {
		return err
	}
	// The audit line has the key's fingerprint; every screen says who, in short.
	a.pauseAll(who, "paused by "+who.Name+" ("+string(who.Role)+")")
	return nil
}

func (a *Autopilot) pauseAll(who backend.Identity, why string) {
	a.mu.Lock()
	if a.paused {
		a.mu.Unlock()
		return
	}
	a.paused, a.why = true, why
	a.status.Paused, a.status.Why = true, why
	a.mu.Unlock()
	a.save()
	// A tick starting plans now stops before its next one; wait for the one it sends.
	a.starting.Lock()
	defer a.starting.Unlock()
	a.mu.Lock()
	ids := slices.Collect(maps.Keys(a.plans))
	for _, id := range ids {
		a.held[id] = true
	}
	name := a.identity().Name
	a.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		if err := a.h.PausePlan(who, id, name+" "+why); err != nil && !errors.Is(err, fleet.ErrNoPlan) {
			a.log.Warn("autopilot could not pause its plan", "plan", id, "err", safetext.Log(err.Error()))
		}
	}
	a.log.Warn("autopilot paused", "autopilot", safetext.Log(name), "by", safetext.Log(who.Name), "fingerprint", who.KeyFingerprint, "role", who.Role, "why", safetext.Log(why))
	a.publish()
	a.tell([][2]string{{NoticePaused, name + " " + why}})
}

// Resume lets the autopilot start plans again for who, and continues its paused plans
// (answered by who). Instances whose redeploy failed stay left to humans. A viewer is
// refused.
func (a *Autopilot) Resume(who backend.Identity) error {
	if err := backend.AuthorizeTo(who, "resume the autopilot"); err != nil {
		return err
	}
	a.mu.Lock()
	if !a.paused {
		a.mu.Unlock()
		return nil
	}
	a.paused, a.why = false, ""
	a.status.Paused, a.status.Why = false, ""
	ids := slices.Collect(maps.Keys(a.held))
	name := a.identity().Name
	a.mu.Unlock()
	a.save()
	slices.Sort(ids)
	var errs []error
	for _, id := range ids {
		if err := a.h.AnswerPlan(who, id, true); err != nil && !errors.Is(err, fleet.ErrNotPaused) && !errors.Is(err, fleet.ErrNoPlan) {
			errs = append(errs, err)
		}
		a.mu.Lock()
		delete(a.held, id)
		a.mu.Unlock()
	}
	a.log.Warn("autopilot resumed", "autopilot", safetext.Log(name), "by", safetext.Log(who.Name), "fingerprint", who.KeyFingerprint, "role", who.Role)
	a.publish()
	a.tell([][2]string{{NoticeResumed, name + " resumed by " + who.String()}})
	a.poke()
	return errors.Join(errs...)
}

// Started says how the autopilot started, for the log of the process that runs it:
// paused, with why it started paused (its state file could not be read, it was paused
// before the restart) and the pause's own words; running otherwise.
func (a *Autopilot) Started() (paused bool, because, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.startedPaused == "" {
		return false, "", ""
	}
	return true, a.startedPaused, a.why
}

// Paused reports whether the autopilot is paused, and why.
func (a *Autopilot) Paused() (bool, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.paused, a.why
}

// Reload puts pol in force from the next tick. A policy of another name is refused
// (ReloadFailed), the last good one staying in force: the name is the autopilot's
// identity and its state file's, and the plans it started under the old one would not be
// adopted after a restart.
func (a *Autopilot) Reload(pol *policy.Policy) {
	a.mu.Lock()
	if old := a.pol.Name; pol.Name != old {
		a.mu.Unlock()
		a.ReloadFailed(fmt.Errorf("%s: name %q is not the running policy's %q: a rename changes the autopilot's identity and state file, so its plans would not be adopted after a restart; restart it to rename",
			pol.File, pol.Name, old))
		return
	}
	a.pol, a.polErr = pol, ""
	a.status.Name, a.status.Policy, a.status.PolicyErr = a.identity().Name, pol.File, ""
	a.status.Reloads++
	a.mu.Unlock()
	a.log.Info("autopilot policy reloaded", "autopilot", safetext.Log(pol.Identity()), "file", safetext.Log(pol.File), "rules", len(pol.Rules))
	a.publish()
	a.tell([][2]string{{NoticePolicyReloaded, pol.Identity() + " reloaded " + pol.File}})
	a.poke()
}

// ReloadFailed says that a reload was refused: the last good policy stays in force.
func (a *Autopilot) ReloadFailed(err error) {
	a.mu.Lock()
	a.polErr = oneLine(err.Error())
	a.status.PolicyErr = a.polErr
	name := a.identity().Name
	a.mu.Unlock()
	a.log.Error("autopilot policy not reloaded; the last good one stays in force", "autopilot", safetext.Log(name), "err", safetext.Log(err.Error()))
	a.publish()
	a.tell([][2]string{{NoticePolicyRefused, name + " kept its last good policy: " + oneLine(err.Error())}})
}

func (a *Autopilot) publish() {
	a.mu.Lock()
	st := a.statusCopy()
	a.mu.Unlock()
	a.h.SetAutopilot(st)
}

func (a *Autopilot) tell(notices [][2]string) {
	if a.notify == nil {
		return
	}
	for _, n := range notices {
		a.notify(n[0], n[1])
	}
}
