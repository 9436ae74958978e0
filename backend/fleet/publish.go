// Publishing: rows derived from the records, snapshots handed to every subscriber.

package fleet

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
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
		Fresh:   h.freshnessLocked(),
	}
	s.Counts = CountRows(h.rows, nil)
	s.Plans, s.PlansKept = h.planStatusesLocked(), h.opt.Plans != nil
	s.Autopilot = h.autopilot
	s.Tasks = make([]Task, len(h.tasks))
	for i, t := range h.tasks {
		s.Tasks[len(h.tasks)-1-i] = *t
	}
	h.snap = s
	for sub := range h.subs {
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
	deriveAll(recs, now)
	for i, rec := range recs {
		if olds[i] == nil || !olds[i].Deadline.Equal(rec.row.Deadline) {
			resort = true
		}
	}
	if resort {
		rows := make([]*Row, 0, len(h.records))
		for _, rec := range h.records {
			if rec.row == nil { // a record made outside a refresh
				rec.row = deriveRow(rec.inst, now, rec.state, rec.by, nil)
			}
			rows = append(rows, rec.row)
		}
		slices.SortFunc(rows, compareRows)
		clear(h.index)
		for i, r := range rows {
			h.index[r.Inst.ID] = i
		}
		h.rows = rows
	} else {
		rows := slices.Clone(h.rows)
		for id := range h.dirty {
			if rec := h.records[id]; rec != nil {
				rows[h.index[id]] = rec.row
			}
		}
		h.rows = rows
	}
	clear(h.dirty)
	h.rebuild = false
}

// parallelDerive is how many dirty rows make deriving them worth every CPU: the first
// listing of 100,000 instances derived one at a time was most of the console's start.
const parallelDerive = 4096

// deriveAll derives the rows of recs, on every CPU when there are many. Each record is
// its own: deriving one reads only it.
func deriveAll(recs []*record, now time.Time) {
	derive := func(recs []*record) {
		for _, rec := range recs {
			var task *Task
			if rec.task != nil {
				t := *rec.task
				task = &t
			}
			rec.row = deriveRow(rec.inst, now, rec.state, rec.by, task)
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
	return len(h.subs)
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
	// stop unregisters the context hook, so a closed subscription leaves nothing behind.
	mu   sync.Mutex
	stop func() bool
}

// C delivers snapshots, newest only.
func (s *Subscription) C() <-chan *Snapshot { return s.c }

// Done is closed when the subscription is closed, so a waiting reader can stop.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close stops deliveries. It is safe to call more than once.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.h.mu.Lock()
		delete(s.h.subs, s)
		s.h.mu.Unlock()
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
