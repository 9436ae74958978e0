// Resuming a plan a stopped process left: reconciled through DescribeTasks before anything
// is sent.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// ResumeUnfinished resumes every unfinished plan of the store made against opt.Where
// (ResumePlan each, the saved rules kept), and returns them with the unfinished plans of
// other accounts, which are left alone: their tasks are not in this account, and their
// queued instances were confirmed for that one. A plan another process runs already
// (ErrPlanBusy) or that failed to reconcile is in the error, and not returned; one that
// ended after it was loaded (ErrPlanEnded) is neither returned nor an error. The
// console calls it at start, `redeploy --resume` when asked; serve could at its start.
func ResumeUnfinished(ctx context.Context, h *Hub, opt PlanOptions) (plans []*Plan, others []PlanRecord, err error) {
	if opt.Store == nil {
		return nil, nil, nil
	}
	recs, err := opt.Store.Unfinished()
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, rec := range recs {
		if rec.Where != opt.Where {
			others = append(others, rec)
			continue
		}
		p, err := ResumePlan(ctx, h, rec, opt)
		if errors.Is(err, ErrPlanEnded) {
			// Another process ran it to its end after it was loaded: nothing to resume.
			continue
		}
		if err != nil {
			if p != nil {
				p.Close()
			}
			errs = append(errs, err)
			continue
		}
		plans = append(plans, p)
	}
	return plans, others, errors.Join(errs...)
}

// reconcileSlack is how much earlier than its recorded submission a task may say it was
// created and still be taken as that submission's: ECS stamps tasks with its own clock.
const reconcileSlack = 5 * time.Minute

// ResumePlan picks up a plan saved by a process that stopped: it reconciles every item
// that was in flight through DescribeTasks before anything is sent, so no redeploy is
// ever sent twice. An item with a task takes the task's status; one whose call was out
// with no task recorded adopts the instance's RedeployInstance task created since (the
// call did start), and otherwise fails as unknown, never sent again. The hub must have
// refreshed, so queued targets are judged on today's listing. ResumeUnfinished calls it
// for each plan; opt gives the identity, store, Submit and OnTransition (the rules are
// the saved plan's). It holds the plan's lock from the start (ErrPlanBusy), and reads the
// plan again under it: one that ended since rec was loaded is not resumed (ErrPlanEnded).
func ResumePlan(ctx context.Context, h *Hub, rec PlanRecord, opt PlanOptions) (*Plan, error) {
	p := &Plan{h: h, store: opt.Store, notify: opt.OnTransition, submit: opt.Submit, wake: make(chan struct{}, 1), rec: rec, started: true}
	p.rec.Items = slices.Clone(rec.Items)
	// Before anything is asked: a second runner of the plan must not reconcile or send.
	if err := p.lockLocked(); err != nil {
		return nil, err
	}
	// rec was read before the lock was taken: the process that held it may have run the
	// plan on (or to its end) since. Only the file read under the lock counts.
	if p.store != nil {
		cur, err := p.store.loadOne(rec.ID)
		switch {
		case errors.Is(err, os.ErrNotExist):
			// Never saved (a plan nobody started): rec is all there is.
		case err != nil:
			p.Close()
			return nil, fmt.Errorf("resuming plan %s: %w", rec.ID, err)
		case cur.Ended():
			p.Close()
			return nil, fmt.Errorf("plan %s: %w since it was loaded (another process ran it); nothing to resume", rec.ID, ErrPlanEnded)
		default:
			rec = cur
			p.rec = cur
		}
	}
	if opt.Identity.Name != "" {
		// Whoever resumes answers for what is sent from now on.
		p.rec.Identity = opt.Identity
	}
	now := h.Now()
	byRegion := map[string][]int{}
	var regions []string
	for i, it := range p.rec.Items {
		if it.Status.InFlight() {
			if byRegion[it.RegionID] == nil {
				regions = append(regions, it.RegionID)
			}
			byRegion[it.RegionID] = append(byRegion[it.RegionID], i)
		}
	}
	var errs []error
	for _, region := range regions {
		if err := p.reconcile(ctx, region, byRegion[region], now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		// What is unknown stays in flight: it counts against the limits, and is never sent.
		return p, fmt.Errorf("resuming plan %s: %w", p.rec.ID, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The plan's tasks still running were started by whoever started the plan: every
	// session shows them so, not as started elsewhere.
	for _, it := range p.rec.Items {
		if it.Status.InFlight() && it.TaskID != "" {
			h.Follow(backend.TaskRef{TaskID: it.TaskID, RegionID: it.RegionID, InstanceID: it.InstanceID}, StartedBy{Identity: rec.Identity}, it.Submitted)
		}
	}
	if p.rec.Phase != PhaseDone && p.rec.Phase != PhaseAborted && p.rec.Ended() {
		p.rec.Phase = PhaseDone
	}
	return p, p.save()
}

// reconcile settles the in-flight items idx of one region through DescribeTasks.
func (p *Plan) reconcile(ctx context.Context, region string, idx []int, now time.Time) error {
	var refs []backend.TaskRef
	var refIdx []int
	for _, i := range idx {
		it := &p.rec.Items[i]
		if it.TaskID != "" {
			refs = append(refs, backend.TaskRef{TaskID: it.TaskID, RegionID: region, InstanceID: it.InstanceID})
			refIdx = append(refIdx, i)
			continue
		}
		// The process stopped while the call was out: any RedeployInstance task of this
		// instance created since is that call's (or someone else's): either way, not ours
		// to send again.
		found, err := p.findTask(ctx, region, it.InstanceID, it.Submitted)
		if err != nil {
			return err
		}
		p.mu.Lock()
		if found == nil {
			it.Status, it.Ended = ItemFailed, now
			it.Reason = "the process stopped while RedeployInstance was out, and DescribeTasks lists no task of it; not sent again: check the instance"
			p.failedLocked(it, now)
		} else {
			it.TaskID = found.ID
			p.fromModelTask(it, found, now)
		}
		p.emit(*it, now)
		p.mu.Unlock()
	}
	if len(refs) == 0 {
		return nil
	}
	states, err := backend.PollTasks(ctx, p.h.b, region, refs)
	p.mu.Lock()
	defer p.mu.Unlock()
	answered := err == nil || slices.ContainsFunc(states, func(st backend.TaskState) bool { return st.TaskSeen })
	for k, st := range states {
		it := &p.rec.Items[refIdx[k]]
		if !st.TaskSeen {
			// Not listed (yet): followed on, and said so after UnseenGiveUp.
			if answered {
				p.unseenLocked(it, now)
			}
			continue
		}
		before := *it
		p.fromModelTask(it, &st.Task, now)
		if *it != before {
			p.emit(*it, now)
		}
	}
	return err
}

// findTask is the earliest RedeployInstance task of the instance created since submitted
// (less reconcileSlack), or nil when DescribeTasks lists none.
func (p *Plan) findTask(ctx context.Context, region, instanceID string, submitted time.Time) (*model.Task, error) {
	ts, err := p.h.b.ListTasks(ctx, backend.TaskQuery{RegionID: region, ResourceIDs: []string{instanceID}})
	if err != nil {
		return nil, fmt.Errorf("looking for the task of %s: %w", instanceID, err)
	}
	var found *model.Task
	for j := range ts {
		t := &ts[j]
		if t.ResourceID == instanceID && (t.Action == "" || t.Action == model.ActionRedeployInstance) &&
			t.ID != "" && !t.CreationTime.Before(submitted.Add(-reconcileSlack)) && (found == nil || t.CreationTime.Before(found.CreationTime)) {
			found = t
		}
	}
	return found, nil
}

func (p *Plan) fromModelTask(it *PlanItem, t *model.Task, now time.Time) {
	p.fromTask(it, &Task{ID: t.ID, Status: t.Status, Finished: t.FinishedTime, FailedReason: t.FailedReason}, now)
	if it.Status == ItemFailed {
		p.failedLocked(it, now)
	}
}

// ErrPlanEnded is wrapped by ResumePlan when the plan, read again under its lock, has
// ended: another process ran it to its end after the caller loaded it.
var ErrPlanEnded = errors.New("the plan has ended")
