// Publishing: rows derived from the records, snapshots handed to every subscriber.

package fleet

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// publishLocked derives the rows that changed, and hands a new snapshot to every
// subscriber.
func (h *Hub) publishLocked() {
	now := h.opt.Now()
	if len(h.dirty) > 0 || h.rebuild {
		h.deriveLocked(now)
	}
	h.version++
	s := &Snapshot{
		Version: h.version,
		Rows:    h.rows,
		Scope:   slices.Clone(h.opt.Regions),
		Updated: h.updated,
		Err:     h.refreshErr,
		TaskErr: errors.Join(h.taskErr, h.elsewhereErr),
		Loading: h.updated.IsZero() && h.refreshErr == nil,
		Since:   h.since,
		Fresh:   h.freshnessLocked(),
	}
	// The rows are replaced, never changed: the same rows have the same counts, and a
	// look that found nothing new (every 1.4 s) need not count 100,000 rows again.
	if len(h.rows) != len(h.counted) || (len(h.rows) > 0 && &h.rows[0] != &h.counted[0]) {
		h.counted, h.counts = h.rows, CountRows(h.rows, nil)
	}
	s.Counts = h.counts
	s.Plans, s.PlansKept = h.planStatusesLocked(), h.opt.Plans != nil
	s.Autopilot = h.autopilot
	h.pruneAcceptedLocked()
	s.Accepted = h.accepted
	s.Tasks = make([]Task, len(h.tasks))
	for i, t := range h.tasks {
		s.Tasks[len(h.tasks)-1-i] = *t
	}
	h.snap = s
	for sub := range h.subs {
		if sub.closed.Load() { // closed while the lock was held elsewhere
			delete(h.subs, sub)
			continue
		}
		sub.offer(s)
	}
	// What a plan waits for (a task's end, a row's change) may have come: each steps.
	for _, r := range h.runs {
		if !r.ended {
			r.poke()
		}
	}
}

// deriveLocked derives the dirty rows again and lays out h.rows: patched in a copy when
// only rows changed in place, rebuilt and sorted when rows came, went, or moved.
func (h *Hub) deriveLocked(now time.Time) {
	resort := h.rebuild
	recs := make([]*record, 0, len(h.dirty))
	for id := range h.dirty {
		if rec := h.records[id]; rec != nil {
			recs = append(recs, rec)
		}
	}
	olds := make([]*Row, len(recs))
	for i, rec := range recs {
		olds[i] = rec.row
	}
	// A region's first listing (thousands of rows at once) leaves the rows' search text
	// to after it is published: at 100,000 instances it was a tenth of the first screen's
	// CPU, and no filter reads it before the first frame (issue 20).
	lazy := h.searchLater && len(recs) >= parallelDerive
	deriveAll(recs, now, lazy)
	if lazy {
		for _, rec := range recs {
			h.unsearched = append(h.unsearched, rec.row)
		}
	}
	for i, rec := range recs {
		if olds[i] == nil || !olds[i].Deadline.Equal(rec.row.Deadline) {
			resort = true
		}
	}
	if resort {
		// The rows that stay are in order already: only the derived ones are sorted, then
		// merged in, and the rows replaced or dropped left out. The first listing of
		// 100,000 instances comes region by region, and sorting every row again for each
		// region was a third of the start (issue 20). compareRows is a total order on a
		// row's own fields, so the merge is the order a full sort gives.
		// Sized for the rows replaced, not the rows derived: a region's first listing
		// replaces none (issue 20: a map of 19,000 for nothing before the first screen).
		replaced := len(h.gone)
		for _, r := range olds {
			if r != nil {
				replaced++
			}
		}
		gone := make(map[*Row]struct{}, replaced)
		for _, r := range olds {
			if r != nil {
				gone[r] = struct{}{}
			}
		}
		for _, r := range h.gone {
			gone[r] = struct{}{}
		}
		fresh := make([]*Row, len(recs))
		for i, rec := range recs {
			fresh[i] = rec.row
		}
		slices.SortFunc(fresh, compareRows)
		rows := make([]*Row, 0, len(h.records))
		for _, r := range h.rows {
			if _, ok := gone[r]; ok {
				continue
			}
			for len(fresh) > 0 && compareRows(fresh[0], r) < 0 {
				rows, fresh = append(rows, fresh[0]), fresh[1:]
			}
			rows = append(rows, r)
		}
		h.rows = append(rows, fresh...)
	} else {
		// Every derived row kept its deadline, so it takes its old row's place, found by
		// the order.
		rows := slices.Clone(h.rows)
		for i, rec := range recs {
			if k, ok := slices.BinarySearchFunc(rows, olds[i], compareRows); ok {
				rows[k] = rec.row
			}
		}
		h.rows = rows
	}
	h.gone = h.gone[:0]
	// A cleared map keeps its buckets: after the first listing marked every row, that
	// was 3 MB at 100,000 kept for good (issue 20). A large set is dropped instead.
	if len(h.dirty) > maxKeptDirty {
		h.dirty = make(map[string]struct{})
	} else {
		clear(h.dirty)
	}
	h.rebuild = false
}

// maxKeptDirty is the largest dirty set whose map is kept for the next changes: a
// refresh that changes a few rows reuses it.
const maxKeptDirty = 1024

// parallelDerive is how many dirty rows make deriving them worth every CPU: the first
// listing of 100,000 instances derived one at a time was most of the console's start.
const parallelDerive = 4096

// deriveAll derives the rows of recs, on every CPU when there are many. Each record is
// its own: deriving one reads only it.
func deriveAll(recs []*record, now time.Time, lazy bool) {
	derive := func(recs []*record) {
		for _, rec := range recs {
			var task *Task
			if rec.task != nil {
				t := *rec.task
				task = &t
			}
			rec.row = deriveRow(rec.inst, now, rec.state, rec.by, task, lazy)
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(recs) < parallelDerive || workers < 2 {
		derive(recs)
		return
	}
	var wg sync.WaitGroup
	per := (len(recs) + workers - 1) / workers
	for lo := 0; lo < len(recs); lo += per {
		wg.Go(func() { derive(recs[lo:min(lo+per, len(recs))]) })
	}
	wg.Wait()
}

// fillSearch makes the search text of the rows whose derivation left it for later, outside
// the hub's lock: a filter that asks first makes a row's text itself.
func (h *Hub) fillSearch() {
	h.mu.Lock()
	rows := h.unsearched
	h.unsearched = nil
	h.mu.Unlock()
	for _, r := range rows {
		r.SearchText()
	}
}

// Snapshot returns the latest snapshot.
func (h *Hub) Snapshot() *Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snap
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for sub := range h.subs {
		if !sub.closed.Load() {
			n++
		}
	}
	return n
}

// Subscribe returns a subscription that receives the current snapshot at once and every
// newer one after it, until ctx ends or Close is called. Slow readers skip to the newest
// snapshot instead of blocking others.
func (h *Hub) Subscribe(ctx context.Context) *Subscription {
	s := &Subscription{c: make(chan *Snapshot, 1), done: make(chan struct{}), h: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	s.offer(h.snap)
	h.mu.Unlock()
	stop := context.AfterFunc(ctx, s.Close)
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	return s
}

// Subscription delivers snapshots to one session.
type Subscription struct {
	c    chan *Snapshot
	done chan struct{}
	once sync.Once
	h    *Hub
	// closed is set by Close; a closed subscription still in the hub's set is forgotten
	// by the next publish.
	closed atomic.Bool
	// stop unregisters the context hook, so a closed subscription leaves nothing behind.
	mu   sync.Mutex
	stop func() bool
}

// C delivers snapshots, newest only.
func (s *Subscription) C() <-chan *Snapshot { return s.c }

// Done is closed when the subscription is closed, so a waiting reader can stop.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close stops deliveries. It is safe to call more than once, and it never waits for the
// hub's lock: a listing of 100,000 instances on a busy machine holds it for seconds, and a
// console ending on SIGTERM must not wait for that (issue 20). When the lock is busy, the
// next publish forgets the subscription.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.closed.Store(true)
		if s.h.mu.TryLock() {
			delete(s.h.subs, s)
			s.h.mu.Unlock()
		}
		close(s.done)
		s.mu.Lock()
		stop := s.stop
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
	})
}

// offer replaces any undelivered snapshot with snap. Callers hold the hub's lock, so
// offers never race each other.
func (s *Subscription) offer(snap *Snapshot) {
	select {
	case <-s.c:
	default:
	}
	s.c <- snap
}
