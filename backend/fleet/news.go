// What is new: every region asked often and cheaply for events published since the last
// look and for redeploys under way, and the instances the hub follows read by id, between
// full listings.

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

func (h *Hub) newsLoop(ctx context.Context) {
	for {
		began := h.opt.Wall()
		err := h.recovered("new events", func() error { return h.checkNext(ctx) })
		if err != nil && ctx.Err() == nil {
			h.log.Warn("looking for new events failed", "err", safetext.Log(err.Error()))
		}
		h.mu.Lock()
		every, _ := h.cadenceLocked(h.opt.Wall())
		turn := every / time.Duration(max(len(h.rf.regions), 1))
		h.mu.Unlock()
		// The regions are asked in turn, one every period/regions, start to start: each is
		// asked once a period, and the calls are spread over it instead of leaving in one
		// burst. The look's own time (its calls wait for the budget) counts.
		wait := max(turn-h.opt.Wall().Sub(began), 100*time.Millisecond)
		select {
		case <-ctx.Done():
			return
		case <-h.opt.After(wait):
		}
	}
}

// checkNext is one turn of the looks for new events: the region asked longest ago.
func (h *Hub) checkNext(ctx context.Context) error {
	regions, err := h.newsRegions(ctx)
	if err != nil {
		h.mu.Lock()
		h.rf.newsErr = err
		h.publishLocked()
		h.mu.Unlock()
		return err
	}
	h.mu.Lock()
	next := ""
	for _, r := range regions {
		// A region is compared with its first listing: not asked before it.
		if _, listed := h.rf.asked[r]; listed && (next == "" || h.rf.asked[r].Before(h.rf.asked[next])) {
			next = r
		}
	}
	h.mu.Unlock()
	if next == "" {
		return nil
	}
	err = h.checkRegion(ctx, next)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rf.regionErr == nil {
		h.rf.regionErr = map[string]error{}
	}
	h.rf.regionErr[next] = err
	errs := make([]error, 0, len(regions))
	for _, r := range regions {
		errs = append(errs, h.rf.regionErr[r])
	}
	h.rf.newsErr = errors.Join(errs...)
	h.noteSpentLocked(h.opt.Wall())
	h.publishLocked()
	return err
}

// CheckNew asks every region once what is new: the pending events published since its
// last look (less Options.Overlap), and its Processing RedeployInstance tasks (a redeploy
// started elsewhere); instances with an event the hub does not know, and those it
// follows (outcome holds, open dialogs), are then read by id. It skips a region not listed
// yet (nothing to compare with) or looked at less than half a period ago (a listing just
// did). It publishes what it learned.
func (h *Hub) CheckNew(ctx context.Context) error {
	regions, err := h.newsRegions(ctx)
	if err != nil {
		h.mu.Lock()
		h.rf.newsErr = err
		h.publishLocked()
		h.mu.Unlock()
		return err
	}
	errs := make([]error, len(regions))
	var g errgroup.Group
	g.SetLimit(elsewhereConcurrency)
	for i, region := range regions {
		g.Go(func() error { errs[i] = h.checkRegion(ctx, region); return nil })
	}
	_ = g.Wait()
	err = errors.Join(errs...)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rf.newsErr = err
	h.noteSpentLocked(h.opt.Wall())
	h.publishLocked()
	return err
}

// newsRegions are the regions to ask: the scope, or every region of the backend (asked
// once, then remembered).
func (h *Hub) newsRegions(ctx context.Context) ([]string, error) {
	h.mu.Lock()
	regions := h.rf.regions
	h.mu.Unlock()
	if regions != nil {
		return regions, nil
	}
	regions = slices.Clone(h.opt.Regions)
	if len(regions) == 0 {
		rs, err := h.b.Regions(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the regions to watch: %w", err)
		}
		for _, r := range rs {
			regions = append(regions, r.RegionID)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rf.regions = regions
	return regions, nil
}

// checkRegion is CheckNew for one region.
func (h *Hub) checkRegion(ctx context.Context, region string) error {
	h.mu.Lock()
	now := h.opt.Now()
	last, ok := h.rf.asked[region]
	newEvery, _ := h.cadenceLocked(h.opt.Wall())
	if !ok || now.Sub(last) < newEvery/2 {
		// Never listed: nothing to compare with yet. Or just looked at (a listing).
		h.mu.Unlock()
		return nil
	}
	follow := h.followedLocked(region)
	h.mu.Unlock()

	askedAt, wallAt := h.opt.Now(), h.opt.Wall()
	evs, err := h.b.PendingEvents(ctx, backend.EventQuery{RegionID: region, PublishedSince: last.Add(-h.opt.Overlap)})
	if err != nil {
		return fmt.Errorf("new events in %s: %w", region, err)
	}
	tasks, perr := h.processingIn(ctx, region, nil)
	h.mu.Lock()
	ids := follow
	for _, ev := range evs {
		if ev.InstanceID == "" || slices.Contains(ids, ev.InstanceID) {
			continue
		}
		// Only what was asked counts: an event of a final status is no news.
		if rec := h.records[ev.InstanceID]; ev.CycleStatus.Pending() && (rec == nil || findEvent(rec.inst, ev.ID) == nil) {
			ids = append(ids, ev.InstanceID)
		}
	}
	h.mu.Unlock()
	rerr := h.readByID(ctx, region, ids, tasks, perr, askedAt)
	h.mu.Lock()
	defer h.mu.Unlock()
	if rerr == nil {
		// The region's look is complete: the next one asks from here.
		if h.rf.asked == nil {
			h.rf.asked, h.rf.checked = map[string]time.Time{}, map[string]time.Time{}
		}
		if askedAt.After(h.rf.asked[region]) {
			h.rf.asked[region], h.rf.checked[region] = askedAt, wallAt
		}
	}
	return errors.Join(perr, rerr)
}

// followedLocked are the instances of region the hub reads by id on every look: those
// held after an unanswered redeploy, and those an open dialog shows. It looks only at
// those (rf.held, rf.watched), never at every record: a look comes every 1.4 s, and a pass
// over 100,000 records was nearly half of an idle demo's CPU (issue 20).
func (h *Hub) followedLocked(region string) []string {
	var ids []string
	for id := range h.rf.held {
		rec := h.records[id]
		if rec == nil || rec.state != StateOutcomeUnknown {
			delete(h.rf.held, id) // released, or gone
			continue
		}
		if rec.inst.RegionID == region {
			ids = append(ids, id)
		}
	}
	for id := range h.rf.watched {
		if rec := h.records[id]; rec != nil && rec.inst.RegionID == region && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// heldLocked notes that id is held after an unanswered redeploy (StateOutcomeUnknown), for
// followedLocked.
func (h *Hub) heldLocked(id string) {
	if h.rf.held == nil {
		h.rf.held = map[string]struct{}{}
	}
	h.rf.held[id] = struct{}{}
}

// readByID reads ids of region by id (their pending events and attributes) and folds them
// in with tasks, the region's Processing tasks already learned (perr: why they could not
// be). An id the answer leaves out has no pending event left. askedAt is when the look
// began (backend clock).
func (h *Hub) readByID(ctx context.Context, region string, ids []string, tasks []model.Task, perr error, askedAt time.Time) error {
	h.mu.Lock()
	since := h.polls
	h.mu.Unlock()
	var insts []model.Instance
	var err error
	if len(ids) > 0 {
		insts, err = h.b.Instances(ctx, backend.Query{Regions: []string{region}, InstanceIDs: ids})
		if err != nil {
			err = fmt.Errorf("reading %d instance(s) in %s: %w", len(ids), region, err)
		}
	}
	senders := h.senders(tasks)
	now := h.opt.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.polls++
	lesson := h.polls
	got := make(map[string]bool, len(insts))
	for i := range insts {
		in := &insts[i]
		// Only what was asked for: anything else in the answer is no evidence.
		if !slices.Contains(ids, in.ID) || (in.RegionID != "" && in.RegionID != region) || got[in.ID] {
			continue
		}
		got[in.ID] = true
		rec := h.mergeListedLocked(nil, in, since, false)
		rec.listed = true
		if rec.polled <= since {
			rec.polled = lesson
		}
	}
	for _, t := range tasks {
		h.adoptLocked(t, now, senders)
	}
	for _, id := range ids {
		rec := h.records[id]
		if rec == nil {
			continue
		}
		if err == nil && !got[id] {
			// Asked for and not answered: no pending event is left (it ended).
			rec.listed, rec.polled = false, lesson
			if rec.state == StateIdle || rec.state == StateFailed {
				h.dropLocked(id)
				continue
			}
		}
		if err == nil {
			h.releaseHoldLocked(id, rec, askedAt, perr)
		}
	}
	return err
}

// processingIn lists region's Processing RedeployInstance tasks (of ids, when given), only
// those the answer was asked for.
func (h *Hub) processingIn(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	ts, err := h.b.ListTasks(ctx, backend.TaskQuery{RegionID: region, ResourceIDs: ids, Status: model.TaskProcessing})
	if err != nil {
		return nil, fmt.Errorf("could not learn the redeploys under way in %s (rows there may read eligible while another tool redeploys them): %w", region, err)
	}
	var out []model.Task
	for _, t := range ts {
		// Only what was asked for counts: a task of another region, action or status in
		// the answer is not evidence of anything here.
		if t.Status == model.TaskProcessing && (t.Action == "" || t.Action == model.ActionRedeployInstance) &&
			(t.RegionID == "" || t.RegionID == region) && t.ID != "" && t.ResourceID != "" &&
			(len(ids) == 0 || slices.Contains(ids, t.ResourceID)) {
			t.RegionID = region
			out = append(out, t)
		}
	}
	return out, nil
}

// Reread is what a confirm dialog asks before it can arm: the instances ids read again now,
// by id, whatever the cadence — their pending events and attributes, and their
// RedeployInstance tasks under way — and what it learned published. It returns the
// snapshot that holds the answer and when the read was asked (wall clock), for the dialog
// to show the age of what it says. An id the hub does not list is ErrNotListed.
func (h *Hub) Reread(ctx context.Context, ids []string) (*Snapshot, time.Time, error) {
	if err := backend.CheckInstanceIDs(ids); err != nil {
		return nil, time.Time{}, err
	}
	byRegion := map[string][]string{}
	var regions []string
	h.mu.Lock()
	for _, id := range ids {
		rec := h.records[id]
		if rec == nil {
			h.mu.Unlock()
			return nil, time.Time{}, fmt.Errorf("%s: %w", id, ErrNotListed)
		}
		r := rec.inst.RegionID
		if byRegion[r] == nil {
			regions = append(regions, r)
		}
		if !slices.Contains(byRegion[r], id) {
			byRegion[r] = append(byRegion[r], id)
		}
	}
	h.mu.Unlock()
	wallAt := h.opt.Wall()
	var errs []error
	for _, region := range regions {
		askedAt := h.opt.Now()
		tasks, perr := h.processingIn(ctx, region, byRegion[region])
		if perr != nil {
			errs = append(errs, perr)
			continue // a re-read without its tasks proves nothing about a redeploy under way
		}
		if err := h.readByID(ctx, region, byRegion[region], tasks, nil, askedAt); err != nil {
			errs = append(errs, err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.noteSpentLocked(h.opt.Wall())
	h.publishLocked()
	return h.snap, wallAt, errors.Join(errs...)
}

// Watch makes the hub read ids by id on every look for new events, until stop is called:
// an open dialog's instances stay fresh whatever the cadence of the full listing.
func (h *Hub) Watch(ids []string) (stop func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rf.watched == nil {
		h.rf.watched = map[string]int{}
	}
	ids = slices.Clone(ids)
	for _, id := range ids {
		h.rf.watched[id]++
	}
	var done bool
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if done {
			return
		}
		done = true
		for _, id := range ids {
			if h.rf.watched[id]--; h.rf.watched[id] <= 0 {
				delete(h.rf.watched, id)
			}
		}
	}
}
