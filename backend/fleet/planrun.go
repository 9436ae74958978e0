// Running a plan: each step follows what is in flight through the hub and sends what the
// rules allow next.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

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
		case <-p.wakeAt():
			p.woke()
		case <-p.retryAt():
			p.woke()
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
		if p.rec.InWindow {
			// A failed read is on the items it holds back (their reason), and asked again.
			if ch, _ := p.scheduleLocked(ctx, now); ch {
				changed = true
			}
		}
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

// fleetView is what the hub knows about the plan's instances, read under its lock once
// per step: each instance's record, and the deployment sets and zones with a redeploy
// in flight anywhere the hub knows of (this plan, a session, or elsewhere).
type fleetView struct {
	state map[string]RedeployState
	task  map[string]*Task // the instance's current or last task
	row   map[string]*Row
	sets  map[string]string // deployment set → an instance in flight in it
	zones map[string]string
	// groups are the instances in flight by the plan's group limits (limits.go).
	groups inFlightGroups
}

func (h *Hub) fleetView(ids []string) fleetView {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := fleetView{state: map[string]RedeployState{}, task: map[string]*Task{}, row: map[string]*Row{},
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
	v := p.h.fleetView(ids)
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
		it.Status, it.Reason, it.Ended = ItemFailed, "Failed: "+BackOnItsHost(orWord(t.FailedReason, "no reason given")), orTime(t.Finished, now)
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
// target whose deployment set (or zone) has a redeploy in flight, whose group of a limit
// is full, or (InWindow) whose maintenance window is not open.
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
		if inFlight >= p.rec.MaxInFlight || p.rec.Phase != PhaseRunning || ctx.Err() != nil || p.h.stopping.Load() {
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
		// The clock at the send, not at the start of the step: the calls before this one
		// may have taken minutes. The window is checked, and the send stamped, on it.
		at := p.h.Now()
		if p.rec.InWindow && !inSlot(it, at) {
			// Outside its window: it waits for the start the plan wakes at (nextWake).
			continue
		}
		if v.groups.full(p.rec.Limits, p.rec.Groups[it.InstanceID]) != nil {
			continue
		}
		if p.hold != nil {
			if why := p.hold(); why != "" {
				p.rec.Phase, p.rec.Stopped = PhasePaused, why
				if err := p.save(); err != nil {
					return err
				}
				break
			}
		}
		if p.holdItem != nil {
			// On the clock at the send, like the window: the calls before it may have
			// taken minutes, and a queued item may have waited hours (a set, a pause).
			if why := p.holdItem(*it, r, at); why != "" {
				it.Status, it.Reason, it.Ended, it.Deferred = ItemSkipped, "not sent now: "+why, now, true
				p.emit(*it, now)
				if err := p.save(); err != nil {
					return err
				}
				continue
			}
		}
		// The intent is saved before the call: after a crash, a resumed plan knows this
		// instance may have been sent, and reconciles instead of sending it again.
		it.Status, it.Submitted = ItemSubmitting, at
		if err := p.save(); err != nil {
			it.Status, it.Submitted = ItemQueued, time.Time{}
			p.rec.Phase, p.rec.Stopped = PhasePaused, err.Error()
			return err
		}
		p.emit(*it, at)
		inFlight++
		p.peak = max(p.peak, inFlight)
		if it.DeploymentSetID != "" {
			v.sets[it.DeploymentSetID] = it.InstanceID
		}
		v.zones[it.ZoneID] = it.InstanceID
		for by, val := range p.rec.Groups[it.InstanceID] {
			v.groups.add(by, val, it.InstanceID)
		}
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
// holding their set, zone and groups too, even when the hub has already settled them
// differently this instant (or no longer lists them).
func (p *Plan) viewLocked(queued []string) fleetView {
	v := p.h.fleetView(queued)
	v.groups = p.h.groupsInFlight(p.rec.Limits)
	for _, it := range p.rec.Items {
		if it.Status.InFlight() {
			if it.DeploymentSetID != "" {
				v.sets[it.DeploymentSetID] = it.InstanceID
			}
			v.zones[it.ZoneID] = it.InstanceID
			for by, val := range p.rec.Groups[it.InstanceID] {
				v.groups.add(by, val, it.InstanceID)
			}
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

// BackOnItsHost is a failed redeploy's reason with what the RedeployInstance page says of
// every failure: the instance is back on its original host and in its state before. Said
// once: a reason that says it already (the platform's own words may) is left as it is.
func BackOnItsHost(reason string) string {
	if strings.Contains(strings.ToLower(reason), "original host") {
		return reason
	}
	return reason + "; the instance is back on its original host"
}
