// The refresh loop: the listing of every instance with a pending event, folded into the
// hub's records.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

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
	since := h.polls
	h.mu.Unlock()
	// When the listing was asked for: a hold may be released only by a listing asked for
	// long enough after the call, never by one that was already on its way.
	listedAt := h.opt.Now()
	insts, err := h.b.Instances(ctx, backend.Query{Regions: h.opt.Regions, InstanceIDs: h.opt.Instances})
	if err != nil {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.refreshErr = err
		h.failures++
		h.publishLocked()
		return err
	}
	processing, perr := h.processing(ctx, insts)
	senders := h.senders(processing)
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
		h.adoptLocked(t, now, senders)
	}
	// One pass over every record: at 100,000 instances each pass costs milliseconds.
	for id, rec := range h.records {
		rec.listed = rec.listing == h.listing
		switch {
		case !rec.listed && (rec.state == StateIdle || rec.state == StateFailed):
			// Its event is gone (cancelled, executed, or avoided by someone else).
			h.dropLocked(id)
			continue
		case rec.state == StateOutcomeUnknown && perr == nil && listedAt.Sub(rec.heldAt) >= OutcomeHold:
			// An unanswered redeploy is released once a listing asked for long enough
			// after the call that an applied one would have moved the instance shows it
			// with the status it was confirmed on, or no longer lists it, and no task of it
			// is Processing (one would have been adopted above; with the task listing
			// failed, nothing is released). A Running instance seen Stopped is
			// mid-redeploy: held, until OutcomeHoldCap has passed and it is at rest.
			if !rec.listed {
				h.dropLocked(id)
				continue
			}
			s := rec.inst.Status
			if s == rec.heldStatus || (listedAt.Sub(rec.heldAt) >= OutcomeHoldCap && (s == model.StatusRunning || s == model.StatusStopped)) {
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
		h.rebuild = true
	}
	rec.listing = h.listing
	switch {
	case rec.polled > since:
		// What the tracker learned while this refresh ran is newer than the refresh.
		return rec
	case rec.inst != nil && sameInstance(rec.inst, in):
		rec.polled = 0
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
	rec.polled = 0
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
