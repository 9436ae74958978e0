// The refresh loop: the listing of every instance with a pending event, folded into the
// hub's records.

package fleet

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

func (h *Hub) refreshLoop(ctx context.Context) {
	full := true // the first listing, and one asked for (r), list every region at once
	for {
		began := h.opt.Wall()
		err := h.recovered("refresh", func() error { return h.refreshStep(ctx, full) })
		if err != nil && !errors.Is(err, ErrBusy) && ctx.Err() == nil {
			h.log.Warn("refresh failed", "err", safetext.Log(err.Error()))
			h.mu.Lock()
			if h.refreshErr == nil { // a panic: Refresh never got to record it
				h.refreshErr, h.failures = err, h.failures+1
				h.publishLocked()
			}
			h.mu.Unlock()
		}
		full = false
		wait := h.NextRefresh()
		h.mu.Lock()
		loading := h.failures == 0 && h.unlistedLocked() > 0
		h.mu.Unlock()
		switch {
		case loading:
			wait = 0 // the first time round, the next region at once
		case h.opt.Interval <= 0:
			wait = max(wait-h.opt.Wall().Sub(began), time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-h.opt.After(wait):
		case <-h.refreshReq:
			full = true
		}
	}
}

// refreshStep is one turn of the full listing: the region listed longest ago (first, each
// region not listed yet, one after another, so that a large fleet shows region by region
// instead of after one long wait), or every region at once when full is set (r) or the
// regions cannot be learned. Listing the regions one after another, each every period,
// spreads the listing's calls evenly over it instead of spending them all in one burst.
func (h *Hub) refreshStep(ctx context.Context, full bool) error {
	regions, err := h.newsRegions(ctx)
	h.mu.Lock()
	listedAll := len(regions) > 0 && h.unlistedLocked() == 0
	next := ""
	for _, r := range regions {
		if next == "" || h.rf.regionDone[r].Before(h.rf.regionDone[next]) {
			next = r
		}
	}
	h.mu.Unlock()
	if err != nil || next == "" || (full && listedAll) {
		return h.Refresh(ctx)
	}
	return h.list(ctx, []string{next})
}

// unlistedLocked is how many of the regions the hub watches were never listed.
func (h *Hub) unlistedLocked() int {
	n := 0
	for _, r := range h.rf.regions {
		if _, ok := h.rf.regionDone[r]; !ok {
			n++
		}
	}
	return n
}

// NextRefresh is how long the loop waits before its next turn of the full listing: the
// share of the planned period between two listings of a region (cadence.go) that the
// region just listed costs, less the turn's own time (the loop counts that); after a
// failure, retryBase doubled for each consecutive failure up to MaxBackoff.
func (h *Hub) NextRefresh() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := h.failures; n > 0 {
		d := retryBase
		for i := 0; i < n && d < h.opt.MaxBackoff; i++ {
			d *= 2
		}
		return min(d, h.opt.MaxBackoff)
	}
	_, full := h.cadenceLocked(h.opt.Wall())
	if h.opt.Interval > 0 {
		return full
	}
	// Each turn takes the share of the period its region costs, so one round of every
	// region takes the period and the calls spread evenly over it, a large region's as
	// much as a small one's.
	share := 1.0
	if r := h.rf.lastStep; r != "" && h.rf.fullCost > 0 {
		share = float64(h.rf.regionCost[r]) / float64(h.rf.fullCost)
	}
	return time.Duration(float64(full) * share)
}

// RequestRefresh asks the loop to refresh now. Requests made while one is pending merge.
func (h *Hub) RequestRefresh() {
	select {
	case h.refreshReq <- struct{}{}:
	default:
	}
}

// Refresh is the full listing: it fetches every instance with a pending event and the
// RedeployInstance tasks Processing in their regions once, and publishes the result. It
// is what finds events that ended and attributes that changed; CheckNew finds what is new
// in between. It returns ErrBusy instead of starting a second refresh while one runs.
func (h *Hub) Refresh(ctx context.Context) error { return h.list(ctx, nil) }

// list is the full listing of scope (nil: every region of the hub's scope at once).
// Records of other regions are left as they are.
func (h *Hub) list(ctx context.Context, scope []string) error {
	if !h.refreshing.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer h.refreshing.Store(false)
	h.mu.Lock()
	since := h.polls
	h.mu.Unlock()
	// When the listing was asked for: a hold may be released only by a listing asked for
	// long enough after the call, never by one that was already on its way.
	if scope == nil {
		// The regions it covers, all of them (once; a failure leaves those it lists), so
		// that a region without a pending event counts as listed too.
		_, _ = h.newsRegions(ctx)
	}
	listedAt, wallAt := h.opt.Now(), h.opt.Wall()
	regions := h.opt.Regions
	if scope != nil {
		regions = scope
	}
	insts, err := h.b.Instances(ctx, backend.Query{Regions: regions, InstanceIDs: h.opt.Instances})
	if err != nil {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.refreshErr = err
		h.failures++
		h.noteSpentLocked(h.opt.Wall())
		h.publishLocked()
		return err
	}
	processing, perr := h.processing(ctx, insts)
	senders := h.senders(processing)
	now := h.opt.Now()

	defer h.fillSearch() // after the lock is let go, below
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refreshErr, h.failures, h.updated, h.elsewhereErr = nil, 0, h.opt.Wall(), perr
	h.listedLocked(scope, insts, listedAt, wallAt)
	h.listing++
	// A backend lists in the same order each time: the records of the last listing of the
	// same scope, in its order, spare most of the 100,000 map look-ups of an idle refresh.
	key := strings.Join(scope, ",")
	if h.listedScope == nil {
		h.listedScope = map[string][]*record{}
	}
	last := h.listedScope[key]
	listed := make([]*record, len(insts))
	// The hub's very first listing (a console's first region) keeps the listing's own
	// instances instead of copying each: the first screen waits for it, and at 100,000
	// instances the copy was 10 MB of fresh memory for cn-hangzhou alone (issue 20). What
	// it costs: the listing's arrays stay until the last of its instances is replaced, at
	// most the size of that one listing; every later listing is copied (ownCopy).
	borrow := len(h.records) == 0
	if borrow && len(insts) > maxKeptDirty {
		h.records = make(map[string]*record, len(insts))
		h.dirty = make(map[string]struct{}, len(insts))
	}
	for i := range insts {
		var rec *record
		if i < len(last) && last[i] != nil && !last[i].dropped && last[i].inst.ID == insts[i].ID {
			rec = last[i]
		}
		listed[i] = h.mergeListedLocked(rec, &insts[i], since, borrow)
	}
	h.listedScope[key] = listed
	for _, t := range processing {
		h.adoptLocked(t, now, senders)
	}
	// One pass over every record: at 100,000 instances each pass costs milliseconds.
	for id, rec := range h.records {
		if scope != nil && !slices.Contains(scope, rec.inst.RegionID) {
			continue // another region's: this listing says nothing about it
		}
		if rec.polled > since && rec.listing != h.listing {
			// Read by id (a new event, a re-read) while this listing was out: what that
			// read said is newer than the listing.
			continue
		}
		rec.listed = rec.listing == h.listing
		if !rec.listed && (rec.state == StateIdle || rec.state == StateFailed) {
			// Its event is gone (cancelled, executed, or avoided by someone else).
			h.dropLocked(id)
			continue
		}
		if h.releaseHoldLocked(id, rec, listedAt, perr) {
			continue
		}
		if rec.row != nil && rec.row.stale(now) {
			h.markLocked(id)
		}
	}
	h.searchLater = true
	h.publishLocked()
	h.searchLater = false
	return nil
}

// releaseHoldLocked settles an unanswered redeploy's hold on a look at the instance asked
// for at listedAt (a listing, or a read by id), with the Processing tasks of its region
// learned (perr nil) and adopted first. It reports whether the record was dropped.
//
// An unanswered redeploy is released once a look asked for long enough after the call
// that an applied one would have moved the instance shows it with the status it was
// confirmed on, or no longer lists it, and no task of it is Processing (one would have
// been adopted; with the task listing failed, nothing is released). A Running instance
// seen Stopped is mid-redeploy: held, until OutcomeHoldCap has passed and it is at rest.
func (h *Hub) releaseHoldLocked(id string, rec *record, listedAt time.Time, perr error) bool {
	if rec.state != StateOutcomeUnknown || perr != nil || listedAt.Sub(rec.heldAt()) < OutcomeHold {
		return false
	}
	if !rec.listed {
		h.dropLocked(id)
		return true
	}
	s := rec.inst.Status
	if s == rec.heldStatus() || (listedAt.Sub(rec.heldAt()) >= OutcomeHoldCap && (s == model.StatusRunning || s == model.StatusStopped)) {
		rec.state, rec.by = StateIdle, StartedBy{}
		h.markLocked(id)
	}
	return false
}

// listedLocked records a successful listing of scope (nil: the hub's whole scope) asked
// for at listedAt (backend clock) and wallAt: it was a look for new events in every region
// it covered, and its pages are what the next listing of those regions will cost.
func (h *Hub) listedLocked(scope []string, insts []model.Instance, listedAt, wallAt time.Time) {
	rf := &h.rf
	if rf.asked == nil {
		rf.asked, rf.checked = map[string]time.Time{}, map[string]time.Time{}
		rf.regionDone, rf.regionTook, rf.regionCost = map[string]time.Time{}, map[string]time.Duration{}, map[string]int{}
	}
	covered := slices.Clone(scope)
	if scope == nil {
		covered = slices.Clone(rf.regions)
		if len(covered) == 0 {
			covered = slices.Clone(h.opt.Regions)
		}
	}
	for i := range insts {
		if r := insts[i].RegionID; !slices.Contains(covered, r) {
			covered = append(covered, r)
		}
	}
	// Each region's cost, counted in place: copying every listed instance into a slice
	// per region was most of what an idle demo at 100,000 allocated (issue 20).
	costs := regionCosts(insts, covered)
	done := h.opt.Wall()
	for _, r := range covered {
		if listedAt.After(rf.asked[r]) {
			rf.asked[r], rf.checked[r] = listedAt, wallAt
		}
		rf.regionDone[r], rf.regionTook[r] = done, max(done.Sub(wallAt), 0)
		rf.regionCost[r] = costs[r]
	}
	rf.lastStep = ""
	if len(scope) == 1 {
		rf.lastStep = scope[0]
	}
	if scope == nil {
		rf.fullWall = wallAt
	}
	rf.fullCost, rf.fullTook = 0, 0
	for r, c := range rf.regionCost {
		rf.fullCost += c
		rf.fullTook = max(rf.fullTook, rf.regionTook[r])
	}
	h.noteSpentLocked(done)
}

// mergeListedLocked folds one listed instance into its record; with borrow, a new record
// keeps in itself (the listing is the hub's to keep) instead of a copy.
func (h *Hub) mergeListedLocked(rec *record, in *model.Instance, since uint64, borrow bool) *record {
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
	case borrow && rec.inst == nil:
		rec.inst = borrowed(in)
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
			found[i], errs[i] = h.processingIn(ctx, region, nil)
			return nil
		})
	}
	_ = g.Wait() // every error is kept in errs
	return slices.Concat(found...), errors.Join(errs...)
}
