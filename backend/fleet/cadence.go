// The cadence: how often each kind of question is asked so that what an idle console
// spends stays inside the budget, and how fresh each kind of answer is.

package fleet

import (
	"math"
	"time"

	"ecs-redeploy/model"
)

// DefaultBudget is the calls a minute the hub plans for when Options.Budget is zero: 600,
// the command line's --api-budget default (aliyun.DefaultBudget says why).
const DefaultBudget = 600

// Page sizes of the listing, for its cost: DescribeInstanceHistoryEvents answers 100 events
// a page, DescribeInstances 100 ids a call (aliyun's page sizes).
const (
	eventsPerPage    = 100
	instancesPerCall = 100
)

// retryBase is the wait after a failed full listing, doubled per failure up to MaxBackoff.
const retryBase = 5 * time.Second

// throttleCalm is how long after the last Throttling the pace stays halved.
const throttleCalm = time.Minute

// refreshState is what the refresh loops know of their own pace. Guarded by Hub.mu.
type refreshState struct {
	// regions are the regions the new-events rounds ask: Options.Regions, or every region
	// the backend has (asked once).
	regions []string
	// asked is, per region, when (backend clock) the last successful look for new events
	// was asked: the next one asks from there, minus Options.Overlap. checked is the same
	// look on the wall clock, for the header.
	asked   map[string]time.Time
	checked map[string]time.Time
	// fullWall is when the last listing of every region at once was asked (wall clock).
	// The listing goes region by region: regionDone is
	// when each region's last listing finished (wall clock), regionTook how long it took,
	// regionCost the calls it took (its pages). fullCost is what listing them all costs,
	// fullTook the longest region's time.
	fullWall   time.Time
	regionDone map[string]time.Time
	regionTook map[string]time.Duration
	regionCost map[string]int
	fullTook   time.Duration
	fullCost   int
	// lastStep is the region the last listing listed alone ("" for several).
	lastStep string
	// spent is what the backend had spent at the last look; throttledUntil is when the
	// pace goes back to normal after a Throttling.
	spent          int64
	throttledUntil time.Time
	// newsErr is why the last look for new events failed, per region (regionErr) and
	// joined.
	newsErr   error
	regionErr map[string]error
	// watched counts, per instance, the sessions that follow it (an open dialog).
	watched map[string]int
	// held are the instances put in StateOutcomeUnknown, some maybe released since.
	held map[string]struct{}
}

// Freshness says how fresh each kind of data is, for the header: what is new (events
// published since the last look, redeploys under way) and the full listing (which finds
// events that ended and attributes that changed).
type Freshness struct {
	// NewEvents is when every region was last asked what is new (the oldest region's
	// look, a full listing included), on the wall clock; zero before the first.
	NewEvents time.Time
	// NewEvery is the planned time between those looks.
	NewEvery time.Duration
	// Full is when the last full listing finished; FullEvery the planned time between full
	// listings; FullCost the calls one takes.
	Full      time.Time
	FullEvery time.Duration
	FullCost  int
	// Budget is the calls a minute planned for.
	Budget float64
	// Throttled is set while ECS has lately answered Throttling: both paces are halved.
	Throttled bool
	// NewErr is why the last look for new events failed, in some region.
	NewErr error
	// Regions is how many regions the hub watches, Loaded how many of them were listed:
	// the first listing shows region by region.
	Regions, Loaded int
}

// NewLate reports whether the look for new events is late at now: two periods and 10 s
// have passed without one.
func (f Freshness) NewLate(now time.Time) bool {
	return f.NewEvery > 0 && !f.NewEvents.IsZero() && now.Sub(f.NewEvents) > 2*f.NewEvery+10*time.Second
}

// FullLate reports whether the full listing is late at now: two periods have passed
// without one.
func (f Freshness) FullLate(now time.Time) bool {
	return !f.Full.IsZero() && now.Sub(f.Full) > 2*f.FullEvery
}

// cadenceLocked plans the two paces from the budget (calls a minute):
//   - new events every NewEvery: one DescribeInstanceHistoryEvents (EventPublishTime.Start)
//     and one DescribeTasks (Processing) per region; at most half the budget, or slower;
//   - each region's full listing as often as EndedWithin asks (an event that ended leaves
//     the list within it: the period between starts is EndedWithin less the listing's own
//     time), or as rarely as the cost of listing every region in the budget the new-events
//     rounds leave requires. The regions are listed in turn over that period.
//
// Throttling halves both. Interval, when set, fixes the full listing's period.
func (h *Hub) cadenceLocked(wall time.Time) (newEvery, fullEvery time.Duration) {
	budget := h.opt.Budget
	left := budget
	if h.opt.NewEvery > 0 {
		regions := max(len(h.rf.regions), len(h.opt.Regions), 1)
		cheap := float64(2 * regions)
		newEvery = max(h.opt.NewEvery, minutes(cheap/(budget/2)))
		left = max(budget-cheap*float64(time.Minute)/float64(newEvery), budget/4)
	}
	fullEvery = max(h.opt.EndedWithin-h.rf.fullTook-5*time.Second, h.opt.NewEvery, minutes(float64(h.rf.fullCost)/left))
	if h.opt.Interval > 0 {
		fullEvery = h.opt.Interval
	}
	if wall.Before(h.rf.throttledUntil) {
		newEvery, fullEvery = 2*newEvery, 2*fullEvery
	}
	return newEvery, fullEvery
}

func minutes(m float64) time.Duration {
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return time.Hour
	}
	return time.Duration(m * float64(time.Minute))
}

// noteSpentLocked looks at what the backend has spent: a Throttling since the last look
// halves the pace for throttleCalm.
func (h *Hub) noteSpentLocked(wall time.Time) {
	s := h.b.Spent()
	if s.Throttled > h.rf.spent {
		h.rf.throttledUntil = wall.Add(throttleCalm)
	}
	h.rf.spent = s.Throttled
}

// freshnessLocked is the header's Freshness.
func (h *Hub) freshnessLocked() Freshness {
	wall := h.opt.Wall()
	newEvery, fullEvery := h.cadenceLocked(wall)
	f := Freshness{NewEvery: newEvery, Full: h.oldestListingLocked(), FullEvery: fullEvery, FullCost: h.rf.fullCost,
		Budget: h.opt.Budget, Throttled: wall.Before(h.rf.throttledUntil), NewErr: h.rf.newsErr,
		Regions: len(h.rf.regions)}
	f.Loaded = f.Regions - h.unlistedLocked()
	// What is new is as fresh as the region looked at longest ago (a listing is a look).
	for _, r := range h.rf.regions {
		c, ok := h.rf.checked[r]
		if !ok {
			continue
		}
		if f.NewEvents.IsZero() || c.Before(f.NewEvents) {
			f.NewEvents = c
		}
	}
	if len(h.rf.regions) == 0 && !h.updated.IsZero() {
		f.NewEvents = h.rf.fullWall
	}
	return f
}

// regionCosts is, per region of regions and of insts, the calls a full listing of that
// region took: its event pages (at least one), its DescribeInstances calls, and one
// DescribeTasks where it has instances.
func regionCosts(insts []model.Instance, regions []string) map[string]int {
	type tally struct{ events, instances int }
	per := map[string]*tally{}
	for _, r := range regions {
		per[r] = &tally{}
	}
	for i := range insts {
		t := per[insts[i].RegionID]
		if t == nil {
			t = &tally{}
			per[insts[i].RegionID] = t
		}
		t.events += len(insts[i].Events)
		t.instances++
	}
	costs := make(map[string]int, len(per))
	for r, t := range per {
		n := max(1, ceilDiv(t.events, eventsPerPage)) + ceilDiv(t.instances, instancesPerCall)
		if t.instances > 0 {
			n++
		}
		costs[r] = n
	}
	return costs
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// oldestListingLocked is when the region listed longest ago was last listed (wall clock):
// the full listing is as fresh as its oldest part.
func (h *Hub) oldestListingLocked() time.Time {
	oldest := h.updated
	for _, r := range h.rf.regions {
		if d, ok := h.rf.regionDone[r]; ok && d.Before(oldest) {
			oldest = d
		}
	}
	return oldest
}
