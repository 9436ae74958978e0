// Maintenance windows in a plan (issue 23): with InWindow, each target is sent only inside
// its instance's maintenance window and before its event's deadline, and a plan waiting
// for a window wakes at its start instead of asking the API.

package fleet

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/policy"
)

// A target's schedule under InWindow is the window occurrence it waits for, kept on its
// item (PlanItem.Due, DueUntil, Window) and saved with the plan: a resumed plan keeps it,
// and nothing is asked again until the occurrence has passed. An instance without a
// window is never sent by a plan that keeps to windows: nobody said when it may go down,
// so it is left to a person with that reason, as is one whose next window starts only
// after its cut (the deadline less the plan's margin).

// DefaultMargin is the margin before the deadline a plan that keeps to windows keeps
// unless a person says otherwise (PlanOptions.Margin): the autopilot's
// (policy.DefaultMargin), so that `redeploy --in-window`, the console's batch and the
// autopilot stop sending at the same time.
const DefaultMargin = policy.DefaultMargin

// slot is the first occurrence of one of a's windows that contains now or starts after
// it, cut at deadline less margin (the cut; a zero deadline: none): the window the
// instance may be sent in. The reason says why there is none, in words a person acts on.
func slot(a model.MaintenanceAttribute, now, deadline time.Time, margin time.Duration) (start, until time.Time, window, reason string) {
	if len(a.Windows) == 0 {
		return time.Time{}, time.Time{}, "", "no maintenance window is set (DescribeInstanceMaintenanceAttributes lists none); left for a person"
	}
	for _, w := range a.Windows {
		// The occurrence under way, if now is in one, else the next: the first start at or
		// after now less the window's length, plus an instant.
		s := w.NextStart(now.Add(-w.Length() + time.Nanosecond))
		if start.IsZero() || s.Before(start) {
			start, until, window = s, s.Add(w.Length()), w.String()
		}
	}
	if !deadline.IsZero() {
		// A redeploy sent after the cut would end after the platform acts.
		cut := deadline.Add(-margin)
		by := "the deadline " + deadline.UTC().Format(time.RFC3339)
		if margin > 0 {
			by = cutWords(deadline, margin)
		}
		switch {
		case !now.Before(deadline):
			return time.Time{}, time.Time{}, window, "no maintenance window before the deadline " + deadline.UTC().Format(time.RFC3339) + ": it has passed; left for a person"
		case !now.Before(cut):
			return time.Time{}, time.Time{}, window, "no maintenance window before " + by + ": that time has passed; left for a person"
		case !start.Before(cut):
			return time.Time{}, time.Time{}, window, fmt.Sprintf("no maintenance window before %s (the next, %s, starts %s); left for a person",
				by, window, start.UTC().Format(time.RFC3339))
		}
		if cut.Before(until) {
			until = cut
		}
	}
	// Saved and shown in UTC, like every other time of a plan; the window says its zone.
	return start.UTC(), until.UTC(), window, ""
}

// cutWords is a plan's cut in words: "2026-12-07T17:30:00Z, 30m before the deadline
// 2026-12-07T18:00:00Z".
func cutWords(deadline time.Time, margin time.Duration) string {
	return fmt.Sprintf("%s, %s before the deadline %s", deadline.Add(-margin).UTC().Format(time.RFC3339),
		model.FormatDuration(margin), deadline.UTC().Format(time.RFC3339))
}

// marginWords is the plan's rule of the cut, for Describe: "30m before its deadline at
// the latest", or "before its deadline" without a margin.
func marginWords(margin time.Duration) string {
	if margin <= 0 {
		return "before its deadline"
	}
	return model.FormatDuration(margin) + " before its deadline at the latest"
}

// windowRetry is how long a plan waits before asking again for maintenance attributes
// whose read failed: the items wait; a failing API is not asked on every snapshot. It
// paces API calls: wall time (Options.Wall, After), at any --sim-speed.
const windowRetry = time.Minute

// needsSlotLocked reports whether the queued item has no window occurrence to wait for:
// never scheduled, or the one it had has passed (the limits held it back). A window
// changed after it was read is seen only then: windows change by hand, rarely, and a
// plan that waits must not ask for them.
func (p *Plan) needsSlotLocked(it *PlanItem, now time.Time) bool {
	return p.rec.InWindow && it.Status == ItemQueued && (it.DueUntil.IsZero() || !now.Before(it.DueUntil))
}

// scheduleLocked gives every queued item that needs one its window occurrence (Due,
// DueUntil, Window), reading the maintenance attributes through the hub's cache, one
// call per region for what is not cached; an item no window fits before its deadline
// is skipped with the reason. It reports a change. A failed read leaves the items
// queued and unscheduled, with the error in their reason, and is asked again after
// windowRetry. p.mu is let go during the read.
func (p *Plan) scheduleLocked(ctx context.Context, now time.Time) (changed bool, err error) {
	byRegion := map[string][]string{}
	var regions []string
	for i := range p.rec.Items {
		it := &p.rec.Items[i]
		if !p.needsSlotLocked(it, now) {
			continue
		}
		if byRegion[it.RegionID] == nil {
			regions = append(regions, it.RegionID)
		}
		byRegion[it.RegionID] = append(byRegion[it.RegionID], it.InstanceID)
	}
	if len(regions) == 0 || (!p.windowErrAt.IsZero() && p.h.opt.Wall().Sub(p.windowErrAt) < windowRetry) {
		return false, nil
	}
	attrs := map[string]model.MaintenanceAttribute{}
	errs := map[string]error{}
	p.mu.Unlock()
	for _, region := range regions {
		got, err := p.h.maintenanceOf(ctx, region, byRegion[region])
		if err != nil {
			errs[region] = err
			continue
		}
		for _, a := range got {
			attrs[a.InstanceID] = a
		}
	}
	p.mu.Lock()
	p.windowErrAt = time.Time{}
	for i := range p.rec.Items {
		it := &p.rec.Items[i]
		if !p.needsSlotLocked(it, now) {
			continue
		}
		before := *it
		a, ok := attrs[it.InstanceID]
		switch {
		case errs[it.RegionID] != nil:
			p.windowErrAt = p.h.opt.Wall()
			err = cmp.Or(err, errs[it.RegionID])
			it.Reason = "waiting: its maintenance window could not be read (" + errs[it.RegionID].Error() + "); asked again in a minute"
		case !ok:
			// Asked for and not answered: never another instance's window.
			p.windowErrAt = p.h.opt.Wall()
			err = cmp.Or(err, fmt.Errorf("ECS answered no maintenance attributes for %s", it.InstanceID))
			it.Reason = "waiting: ECS answered no maintenance attributes for it; asked again in a minute"
		default:
			start, until, window, reason := slot(a, now, it.Deadline, p.rec.Margin)
			it.Window = window
			if reason != "" {
				it.Status, it.Reason, it.Ended, it.Due, it.DueUntil = ItemSkipped, reason, now, time.Time{}, time.Time{}
				p.emitIfStarted(*it, now)
				break
			}
			// Inside its window already: due now, as docs/cli.md says, not at the
			// window's start, which has passed.
			it.Due, it.DueUntil, it.Reason = later(start, now), until, ""
		}
		changed = changed || *it != before
	}
	return changed, err
}

// emitIfStarted reports an item's change once the plan is started; before, Start reports
// the skipped items itself.
func (p *Plan) emitIfStarted(it PlanItem, now time.Time) {
	if p.started {
		p.emit(it, now)
	}
}

// inSlot reports whether a queued item may be sent now under InWindow: inside the window
// occurrence it was given, which ends at its cut (the deadline less the margin) at the
// latest.
func inSlot(it *PlanItem, now time.Time) bool {
	return !it.Due.IsZero() && !now.Before(it.Due) && now.Before(it.DueUntil)
}

// nextWake is when the plan must be stepped again without anything else happening: the
// earliest window start (or end, when a queued item must look for its next window) of a
// queued item after now, on the backend's clock; zero when there is none, or the plan
// sends nothing more. retry is the wall time left before a failed read of the windows is
// asked again (windowRetry), when a queued item waits for it; negative when none does.
func (p *Plan) nextWake(now time.Time) (next time.Time, retry time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	retry = -1
	if !p.rec.InWindow || p.rec.Phase != PhaseRunning {
		return time.Time{}, retry
	}
	for _, it := range p.rec.Items {
		if it.Status != ItemQueued {
			continue
		}
		for _, t := range []time.Time{it.Due, it.DueUntil} {
			if t.After(now) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if !p.windowErrAt.IsZero() && it.DueUntil.IsZero() {
			retry = max(windowRetry-p.h.opt.Wall().Sub(p.windowErrAt), 0)
		}
	}
	return next, retry
}

// wakeAt is a channel that fires when the plan must be stepped again though nothing
// else happens: at its next window instant (nextWake), on the hub's Until, since the
// instant is on the backend's clock, which on a simulator at --sim-speed runs faster than
// the wall clock. Nil (never) when nothing waits for a time. A plan waiting for a window
// asks the API nothing until then. One wait is asked for each time: a loop that steps on
// every snapshot keeps waiting on the same one. The caller that receives from it calls
// woke.
func (p *Plan) wakeAt() <-chan time.Time {
	now := p.h.Now()
	next, _ := p.nextWake(now)
	p.mu.Lock()
	defer p.mu.Unlock()
	if next.IsZero() {
		p.wakeFor, p.wakeCh = time.Time{}, nil
		return nil
	}
	if !next.Equal(p.wakeFor) {
		p.wakeFor, p.wakeCh = next, p.h.opt.Until(next)
	}
	return p.wakeCh
}

// retryAt is a channel that fires when a failed read of the windows is to be asked again
// (windowRetry), on the hub's After: it paces the API, in wall time. Nil (never) when no
// queued item waits for it. One wait is asked until it fires; the caller that receives
// from it calls woke.
func (p *Plan) retryAt() <-chan time.Time {
	_, retry := p.nextWake(p.h.Now())
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case retry < 0:
		p.retryCh = nil
	case p.retryCh == nil:
		p.retryCh = p.h.opt.After(retry)
	}
	return p.retryCh
}

// woke forgets the waits wakeAt and retryAt gave, once one has fired.
func (p *Plan) woke() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wakeFor, p.wakeCh, p.retryCh = time.Time{}, nil, nil
}

// Schedule gives each target its window before anything is sent, when the plan keeps to
// windows (InWindow): when it is due (its window's next start, or now when it is inside
// one) and until when, and skips with the reason each target no window fits before its
// deadline. A front end calls it after NewPlan to show the schedule before asking; a plan
// nobody scheduled is scheduled by its first step. The error is a failed read of the
// maintenance attributes: the plan may still start, and its steps ask again.
func (p *Plan) Schedule(ctx context.Context) error {
	p.step.Lock()
	defer p.step.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.rec.InWindow {
		return nil
	}
	now := p.h.Now()
	p.windowErrAt = time.Time{}
	_, err := p.scheduleLocked(ctx, now)
	if p.rec.Ended() && p.rec.Phase == PhaseRunning {
		p.rec.Phase = PhaseDone
	}
	return err
}

// maintenanceOf is the maintenance attributes of ids (listed instances of region), from
// the hub's cache where read less than MaintenanceTTL ago, the rest in one call (the
// backend pages 100 ids a call). Only answers that name an instance asked for are kept.
func (h *Hub) maintenanceOf(ctx context.Context, region string, ids []string) ([]model.MaintenanceAttribute, error) {
	wall := h.opt.Wall()
	var out []model.MaintenanceAttribute
	var missing []string
	c := &h.maint
	c.mu.Lock()
	for _, id := range ids {
		if e, ok := c.entries[id]; ok && wall.Sub(e.read) < MaintenanceTTL {
			out = append(out, e.attr)
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	rctx, cancel := context.WithTimeout(ctx, maintenanceTimeout)
	defer cancel()
	var got []model.MaintenanceAttribute
	err := h.recovered("reading maintenance attributes", func() (err error) {
		got, err = h.b.MaintenanceAttributes(rctx, region, missing)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeInstanceMaintenanceAttributes in %s: %w", region, err)
	}
	asked := make(map[string]bool, len(missing))
	for _, id := range missing {
		asked[id] = true
	}
	kept := len(out)
	for _, a := range got {
		if asked[a.InstanceID] {
			asked[a.InstanceID] = false
			out = append(out, a)
		}
	}
	h.keepMaintenanceAll(out[kept:])
	return out, nil
}

// PlanSchedule is what a plan of ids that keeps to windows with DefaultMargin would do,
// before anyone confirms it: each target with when it is due (Due, DueUntil, Window),
// each instance no window fits before its cut (the deadline less the margin; or that
// cannot be a target) skipped with the reason.
// Nothing is saved or sent. The console's batch dialog shows it when its "in window"
// toggle is on.
func (h *Hub) PlanSchedule(ctx context.Context, ids []string) ([]PlanItem, error) {
	p, err := NewPlan(h, ids, PlanOptions{InWindow: true, Margin: DefaultMargin})
	if err != nil {
		return nil, err
	}
	if err := p.Schedule(ctx); err != nil {
		return nil, err
	}
	return p.Record().Items, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// MaintenanceOf is Maintenance for many instances of one region at once: what the hub's
// cache holds (read less than MaintenanceTTL ago), the rest in one
// DescribeInstanceMaintenanceAttributes call (the backend pages 100 ids a call). Ids of
// the wrong shape, or that the hub does not list in region, are not asked for; an
// instance ECS did not answer for is absent from the map, never given another's
// attributes. The error is the call's, wrapping the API's.
func (h *Hub) MaintenanceOf(ctx context.Context, region string, ids []string) (map[string]model.MaintenanceAttribute, error) {
	h.mu.Lock()
	ask := make([]string, 0, len(ids))
	for _, id := range ids {
		if rec := h.records[id]; backend.CheckInstanceID(id) == nil && rec != nil && rec.listed && rec.inst.RegionID == region {
			ask = append(ask, id)
		}
	}
	h.mu.Unlock()
	out := make(map[string]model.MaintenanceAttribute, len(ask))
	if len(ask) == 0 {
		return out, nil
	}
	got, err := h.maintenanceOf(ctx, region, ask)
	if err != nil {
		return nil, err
	}
	for _, a := range got {
		out[a.InstanceID] = a
	}
	return out, nil
}
