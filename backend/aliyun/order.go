package aliyun

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"time"

	"ecs-redeploy/model"
)

// A listing is returned in model.SortByDeadline's order, in one slice. At 100,000
// instances, copying the regions' chunks into one slice and sorting it there moved every
// instance (about 250 bytes, pointers the collector must be told of) twice, on one core,
// after the last region: 6 % of `events`' CPU, and 0.15–0.25 s with the other core idle
// (issue 20). Instead each region sorts keys of its own instances as soon as it is listed,
// while the others are still being listed (regionOrder); after the last one, the regions'
// sorted keys are merged as each instance is moved once, straight into its place, from
// both ends at once (listingOrder.gather).

// instanceKey is where one listed instance is, and what it is sorted by.
type instanceKey struct {
	deadline time.Time
	id       string
	chunk    int32 // among the listing's chunks
	at       int32 // in its chunk
}

// compareKeys is model.SortByDeadline's order; instances that compare equal (one id
// listed twice) keep the order of their chunks.
func compareKeys(a, b instanceKey) int {
	if c := model.CompareDeadlines(a.deadline, a.id, b.deadline, b.id); c != 0 {
		return c
	}
	if c := cmp.Compare(a.chunk, b.chunk); c != 0 {
		return c
	}
	return cmp.Compare(a.at, b.at)
}

// regionOrder is the keys of a region's chunks (its instances, events attached), sorted,
// with chunk numbers counted from 0 in the region.
func regionOrder(chunks [][]model.Instance) []instanceKey {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	keys := make([]instanceKey, 0, n)
	for c, chunk := range chunks {
		for i := range chunk {
			keys = append(keys, instanceKey{chunk[i].Deadline(), chunk[i].ID, int32(c), int32(i)})
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// listingOrder collects the regions' chunks and sorted keys as each region is done. It is
// safe for concurrent use until gather.
type listingOrder struct {
	mu     sync.Mutex
	chunks [][]model.Instance
	keys   [][]instanceKey // each sorted, its chunk numbers the listing's
}

// add takes a region's chunks and its regionOrder.
func (o *listingOrder) add(chunks [][]model.Instance, keys []instanceKey) {
	o.mu.Lock()
	defer o.mu.Unlock()
	base := int32(len(o.chunks))
	for i := range keys {
		keys[i].chunk += base
	}
	o.chunks = append(o.chunks, chunks...)
	o.keys = append(o.keys, keys)
}

// gather is every instance added, in order, in one slice of their number. The regions'
// sorted keys are merged as the instances are moved: the smaller half from the front and
// the larger half from the back, at once (the order is total: no two keys compare equal,
// so the halves meet exactly). A merge into one array of keys first, then a move split
// over the cores, was 0.15 s at 100,000 instances, the merge alone a third of it, on one
// core after the last region.
func (o *listingOrder) gather() []model.Instance {
	n := 0
	for _, l := range o.keys {
		n += len(l)
	}
	out := make([]model.Instance, n)
	half := n / 2
	if n < 2*gatherPart || runtime.GOMAXPROCS(0) < 2 {
		half = n
	}
	var wg sync.WaitGroup
	if half < n {
		wg.Go(func() { o.fromBack(out, half) })
	}
	o.fromFront(out[:half])
	wg.Wait()
	o.chunks, o.keys = nil, nil
	return out
}

// gatherPart is the fewest instances worth a goroutine of their own.
const gatherPart = 4096

// fromFront fills out with the len(out) first instances in order: at each place, the
// least of the lists' next keys.
func (o *listingOrder) fromFront(out []model.Instance) {
	next := make([]int, len(o.keys)) // each list's next key
	for j := range out {
		best := -1
		for l, keys := range o.keys {
			if next[l] < len(keys) && (best < 0 || compareKeys(keys[next[l]], o.keys[best][next[best]]) < 0) {
				best = l
			}
		}
		k := &o.keys[best][next[best]]
		next[best]++
		out[j] = o.chunks[k.chunk][k.at]
	}
}

// fromBack fills out[from:] with the last instances in order, from the end: at each
// place, the greatest of the lists' last keys not yet taken.
func (o *listingOrder) fromBack(out []model.Instance, from int) {
	last := make([]int, len(o.keys)) // each list's last key not yet taken
	for l, keys := range o.keys {
		last[l] = len(keys) - 1
	}
	for j := len(out) - 1; j >= from; j-- {
		best := -1
		for l, keys := range o.keys {
			if last[l] >= 0 && (best < 0 || compareKeys(keys[last[l]], o.keys[best][last[best]]) > 0) {
				best = l
			}
		}
		k := &o.keys[best][last[best]]
		last[best]--
		out[j] = o.chunks[k.chunk][k.at]
	}
}
