// The plan runner: the hub starts, steps, pauses, resumes and finishes every plan on its
// own context, so no session steps anything and a session that quits or drops changes
// nothing about a plan.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// keepPlans bounds the ended plans a snapshot still shows (their summary stays on every
// task panel), so a server that runs for weeks does not grow without end.
const keepPlans = 20

// PlanStatus is a plan as every session sees it: its record (who started it, its rules,
// its phase, why it stopped, each item with its reason), its counts, and whether it is
// settled. It is a copy: nothing in it may be modified by a reader.
type PlanStatus struct {
	PlanRecord
	Summary Summary
	// Settled: nothing in flight, and nothing more is sent until someone answers (paused)
	// or ever (done, aborted).
	Settled bool
}

// Ended reports whether the hub is done with the plan: settled and not waiting for an
// answer.
func (s *PlanStatus) Ended() bool { return s.Settled && s.Phase != PhasePaused }

// planRun is one plan the hub runs, with what the last step showed of it.
type planRun struct {
	p      *Plan
	wake   chan struct{}
	status PlanStatus
	// started is set once its loop runs (Run); ended once the hub is done with it.
	started, ended bool
}

func (r *planRun) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// ErrNoPlan is returned by AnswerPlan for a plan the hub does not run.
var ErrNoPlan = errors.New("the hub runs no such plan")

// ErrNotPaused is returned by AnswerPlan for a plan that is not waiting for an answer
// (another session answered it first, or it never paused).
var ErrNotPaused = errors.New("the plan is not paused: nothing to answer")

// StartPlan plans ids (NewPlan, with the hub's store and account when opt names none),
// saves it, and runs it: the first wave is sent before it returns, the rest by the hub's
// plan runner. A viewer starts nothing (backend.ErrForbidden).
func (h *Hub) StartPlan(ids []string, opt PlanOptions) (PlanStatus, error) {
	p, err := h.NewPlan(ids, opt)
	if err != nil {
		return PlanStatus{}, err
	}
	if err := h.Launch(p); err != nil {
		return PlanStatus{}, err
	}
	return p.status(h.Now()), nil
}

// Launch saves p (Start) and hands it to the hub's plan runner; its first wave is sent
// before Launch returns. The plan's identity must be allowed to redeploy.
func (h *Hub) Launch(p *Plan) error {
	if err := backend.Authorize(p.Record().Identity); err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	r := h.register(p)
	h.log.Info("plan started", "plan", p.rec.ID, "by", safetext.Log(p.rec.Identity.Name), "role", p.rec.Identity.Role,
		"targets", len(p.rec.Items), "rules", p.rec.Describe())
	h.stepRun(r)
	return nil
}

// register adds p to the plans the hub runs, and starts its loop if the hub runs.
func (h *Hub) register(p *Plan) *planRun {
	st := p.status(h.Now())
	r := &planRun{p: p, wake: make(chan struct{}, 1), status: st}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.runs = append(h.runs, r)
	h.planned.Store(true)
	if h.runCtx != nil {
		h.startRunLocked(h.runCtx, r)
		r.poke()
	}
	h.publishLocked()
	return r
}

// startRunLocked starts r's loop: a step on every snapshot and every answer, until the
// plan ends or ctx does.
func (h *Hub) startRunLocked(ctx context.Context, r *planRun) {
	if r.started || r.ended {
		return
	}
	r.started = true
	h.planLoops.Add(1)
	go func() {
		defer h.planLoops.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-r.p.wakeAt():
				r.p.woke()
			case <-r.p.retryAt():
				r.p.woke()
			}
			if h.stepRun(r) {
				return
			}
		}
	}()
}

// runPlans starts the loops of the plans registered before Run, and waits for every loop
// to end with ctx.
func (h *Hub) runPlans(ctx context.Context) {
	h.mu.Lock()
	h.runCtx = ctx
	for _, r := range h.runs {
		h.startRunLocked(ctx, r)
		r.poke()
	}
	h.mu.Unlock()
	<-ctx.Done()
	h.planLoops.Wait()
}

// StepPlans steps every plan the hub runs once, in the caller's goroutine: what the
// runner does on every snapshot, for tests that drive the hub by hand.
func (h *Hub) StepPlans() {
	h.mu.Lock()
	runs := slices.Clone(h.runs)
	h.mu.Unlock()
	for _, r := range runs {
		h.stepRun(r)
	}
}

// stepRun steps one plan on the hub's context and publishes what changed; it reports
// whether the hub is done with the plan. A step that fails (the plan could not be saved)
// has paused the plan, which says why.
func (h *Hub) stepRun(r *planRun) (ended bool) {
	h.steps.RLock()
	defer h.steps.RUnlock()
	h.mu.Lock()
	done := r.ended
	h.mu.Unlock()
	if done {
		return true
	}
	if err := h.recovered("plan "+r.p.rec.ID, func() error { return r.p.Step(h.base) }); err != nil {
		h.log.Warn("plan step failed", "plan", r.p.rec.ID, "err", safetext.Log(err.Error()))
	}
	st := r.p.status(h.Now())
	if st.Ended() {
		r.p.Close() // its lock: another process may read it now
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	prev := r.status
	r.status = st
	r.ended = st.Ended()
	if prev.Phase != st.Phase {
		h.logPhase(prev, st)
	}
	if !samePlan(&prev, &st) {
		h.pruneRunsLocked()
		h.publishLocked()
	}
	return r.ended
}

// logPhase records a plan's change of phase in the hub's log (the server log under serve).
func (h *Hub) logPhase(prev, st PlanStatus) {
	kv := []any{"plan", st.ID, "started_by", safetext.Log(st.Identity.Name), "summary", st.Summary.String()}
	switch st.Phase {
	case PhasePaused:
		h.log.Warn("plan paused", append(kv, "why", safetext.Log(st.Stopped))...)
	case PhaseAborted:
		h.log.Warn("plan aborted", append(kv, "why", safetext.Log(st.Stopped))...)
	case PhaseDone:
		h.log.Info("plan done", kv...)
	}
}

// pruneRunsLocked forgets the oldest ended plans beyond keepPlans.
func (h *Hub) pruneRunsLocked() {
	ended := 0
	for _, r := range h.runs {
		if r.ended {
			ended++
		}
	}
	for i := 0; ended > keepPlans && i < len(h.runs); {
		if h.runs[i].ended {
			h.runs = slices.Delete(h.runs, i, i+1)
			ended--
			continue
		}
		i++
	}
}

// AnswerPlan continues (goOn) or aborts the paused plan id on behalf of who, and logs who
// answered. Only an operator may answer: the role is asked here, once, below every front
// end (backend.Authorize, the guard's rule), so a viewer's answer is refused whatever its
// screen offered.
func (h *Hub) AnswerPlan(who backend.Identity, id string, goOn bool) error {
	what := "abort a batch"
	if goOn {
		what = "continue a batch"
	}
	if err := backend.AuthorizeTo(who, what); err != nil {
		return err
	}
	r, err := h.runOf(id)
	if err != nil {
		return err
	}
	answered, err := r.p.answer(who, goOn)
	if !answered {
		return fmt.Errorf("plan %s: %w", id, ErrNotPaused)
	}
	verb, action := "plan aborted", backend.NotePlanAbort
	if goOn {
		verb, action = "plan continued", backend.NotePlanContinue
	}
	h.log.Warn(verb, "plan", id, "by", safetext.Log(who.Name), "fingerprint", who.KeyFingerprint, "role", who.Role)
	h.note(action, who, id, "")
	h.stepRun(r)
	r.poke()
	return err
}

// Plans is the status of every plan the hub runs or ran lately, oldest first.
func (h *Hub) Plans() []PlanStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.planStatusesLocked()
}

func (h *Hub) planStatusesLocked() []PlanStatus {
	if len(h.runs) == 0 {
		return nil
	}
	out := make([]PlanStatus, len(h.runs))
	for i, r := range h.runs {
		out[i] = r.status
	}
	return out
}

// status is a copy of the plan as every session sees it.
func (p *Plan) status(now time.Time) PlanStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec := p.rec
	rec.Items = slices.Clone(p.rec.Items)
	return PlanStatus{PlanRecord: rec, Summary: summarize(&p.rec, now), Settled: p.settledLocked()}
}

// samePlan reports whether a and b show the same plan the same way (Elapsed aside).
func samePlan(a, b *PlanStatus) bool {
	return a.ID == b.ID && a.Phase == b.Phase && a.Stopped == b.Stopped && a.Answered == b.Answered &&
		a.Settled == b.Settled && a.Identity == b.Identity && slices.Equal(a.Items, b.Items)
}

// ResumePlans resumes the unfinished plans of the hub's store made against its account
// (ResumeUnfinished: every item that was in flight is reconciled through DescribeTasks
// before anything is sent) and runs them; a paused one stays paused until an operator
// answers it. who answers for what is sent from now on; the zero identity keeps each
// plan's own (serve resumes for the team). It refreshes first when there is a plan to
// resume: queued targets are judged on today's listing. It returns the unfinished plans
// of other accounts, which are left alone, and how many plans it resumed.
func (h *Hub) ResumePlans(ctx context.Context, who backend.Identity) (others []PlanRecord, resumed int, err error) {
	store := h.opt.Plans
	if store == nil {
		return nil, 0, nil
	}
	if who.Name != "" {
		if err := backend.AuthorizeTo(who, "resume saved batches"); err != nil {
			return nil, 0, err
		}
	}
	recs, err := store.Unfinished()
	if err != nil {
		return nil, 0, err
	}
	if !slices.ContainsFunc(recs, func(r PlanRecord) bool { return r.Where == h.opt.Where }) {
		return recs, 0, nil
	}
	if err := h.Refresh(ctx); err != nil && !errors.Is(err, ErrBusy) {
		return nil, 0, fmt.Errorf("listing the instances before resuming the unfinished plans: %w", err)
	}
	plans, others, err := ResumeUnfinished(ctx, h, PlanOptions{Store: store, Where: h.opt.Where, Identity: who, OnTransition: h.opt.OnTransition})
	for _, p := range plans {
		h.recordPast(p)
		h.register(p)
		rec := p.Record()
		h.log.Info("plan resumed", "plan", safetext.Log(rec.ID), "by", safetext.Log(rec.Identity.Name), "phase", rec.Phase, "summary", p.Summary().String())
	}
	return others, len(plans), err
}

// recordPast puts the ended items of a resumed plan that had a task among the hub's tasks,
// so every task panel counts what the plan counts: one source per count.
func (h *Hub) recordPast(p *Plan) {
	rec := p.Record()
	h.mu.Lock()
	defer h.mu.Unlock()
	known := make(map[string]bool, len(h.tasks))
	for _, t := range h.tasks {
		known[t.ID] = true
	}
	added := false
	for _, it := range rec.Items {
		var status model.TaskStatus
		switch {
		case it.TaskID == "" || known[it.TaskID]:
			continue
		case it.Status == ItemFinished:
			status = model.TaskFinished
		case it.Status == ItemFailed:
			status = model.TaskFailed
		default:
			continue
		}
		h.tasks = append(h.tasks, &Task{ID: it.TaskID, RegionID: it.RegionID, InstanceID: it.InstanceID, InstanceName: it.Name,
			Status: status, ForceStop: rec.ForceStop, StartedBy: StartedBy{Identity: rec.Identity},
			Created: it.Submitted, Finished: it.Ended, FailedReason: it.Reason})
		added = true
	}
	if !added {
		return
	}
	slices.SortStableFunc(h.tasks, func(a, b *Task) int { return a.Created.Compare(b.Created) })
	h.pruneLocked()
	h.publishLocked()
}

// runOf is the run of plan id (the last registered, should an id repeat), or ErrNoPlan.
func (h *Hub) runOf(id string) (*planRun, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var r *planRun
	for _, x := range h.runs {
		if x.p.rec.ID == id {
			r = x
		}
	}
	if r == nil {
		return nil, fmt.Errorf("plan %s: %w", id, ErrNoPlan)
	}
	return r, nil
}
