package sim

import (
	"context"
	"sync"
	"time"

	"ecs-redeploy/model"
)

// NewGenerated is the engine over Generate(seed, n, now) with Showcase applied, the same
// engine New makes of that fleet, but made region by region as it is needed: a read of a
// region waits only for that region and the ones before it (AllRegions' order), each drawn
// and learned on first need, so a demo shows its first region while the others are not
// drawn yet (issue 20: at 100,000 instances, drawing and learning the whole fleet first
// took a second of CPU before the first row).
//
// now is truncated to the second, as Generate does. Load learns every region at once.
func NewGenerated(seed int64, n int, now time.Time, clock Clock, opts Options) *Engine {
	g := newGenerator(seed, n, now)
	// Room for the first region: making room for every instance up front (a map of
	// 100,000) was 10 ms before the first region could be drawn.
	e := newEngine(AllRegions(), clock, opts, g.counts[0])
	l := &loader{g: g, want: -1, done: make([]chan struct{}, len(g.counts))}
	for k := range l.done {
		l.done[k] = make(chan struct{})
	}
	e.loading = l
	return e
}

// loader draws a generated engine's regions, in order, as reads ask for them.
type loader struct {
	g *generator
	// show picks the showcase rows, region by region (Showcase).
	show showcase
	// mu guards want and running; done[k] is closed once region k is learned.
	mu      sync.Mutex
	want    int // the last region asked for, -1 for none
	running bool
	next    int // the next region to draw; the drawing goroutine's alone
	done    []chan struct{}
}

// regionIndex is region's place in the engine's regions, all of them for "" (-1 for a
// region the engine does not have: nothing to wait for).
func (e *Engine) regionIndex(region string) int {
	if region == "" {
		return len(e.regions) - 1
	}
	for k, r := range e.regions {
		if r.RegionID == region {
			return k
		}
	}
	return -1
}

// loaded is closed once the engine knows every instance of regions (all when none):
// already for an engine made whole.
func (e *Engine) loaded(regions ...string) <-chan struct{} {
	l := e.loading
	if l == nil {
		return closed
	}
	k := -1
	if len(regions) == 0 {
		k = len(e.regions) - 1
	}
	for _, r := range regions {
		k = max(k, e.regionIndex(r))
	}
	if k < 0 {
		return closed
	}
	select {
	case <-l.done[k]:
		return l.done[k]
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if k > l.want {
		l.want = k
	}
	if !l.running {
		l.running = true
		go l.run(e)
	}
	return l.done[k]
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// await waits until the engine knows every instance of regions (all when none): the
// engine's own reads and changes wait here, briefly (drawing a region takes a fraction of
// a second).
func (e *Engine) await(regions ...string) { <-e.loaded(regions...) }

// Await is await, or ctx's error when ctx ends first (or has ended).
func (e *Engine) Await(ctx context.Context, regions ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-e.loaded(regions...):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Load learns every region of a generated engine now (sim-server, before it listens).
func (e *Engine) Load() { e.await() }

// run draws and learns regions in order until the last one asked for is in.
func (l *loader) run(e *Engine) {
	for {
		l.mu.Lock()
		if l.next > l.want {
			l.running = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		k := l.next
		// Drawn in the engine's own state, not copied there: at 100,000 instances the copy
		// was a third of a second, most of it the memory's first touch (issue 20).
		states := make([]instState, l.g.counts[k])
		at := func(i int) *model.Instance { return &states[i].Instance }
		l.g.region(k, at)
		l.show.pick(len(states), at, l.g.now)
		e.number(states)
		e.mu.Lock()
		e.learn(states)
		if k == len(l.done)-1 {
			e.sorted = nil
		}
		e.mu.Unlock()
		l.next++
		close(l.done[k])
	}
}
