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
// sorted keys are merged, and each instance is moved once, straight into its place, on
// every core (listingOrder.gather).

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

// gather is every instance added, in order, in one slice of their number.
func (o *listingOrder) gather() []model.Instance {
	keys := mergeSorted(o.keys)
	o.keys = nil
	out := make([]model.Instance, len(keys))
	// Each part of out is filled by a goroutine of its own: the moves are most of the work,
	// and memory-bound.
	parts := min(runtime.GOMAXPROCS(0), max(len(keys)/gatherPart, 1))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(keys)/parts, (p+1)*len(keys)/parts
		wg.Go(func() {
			for j := lo; j < hi; j++ {
				k := &keys[j]
				out[j] = o.chunks[k.chunk][k.at]
			}
		})
	}
	wg.Wait()
	o.chunks = nil
	return out
}

// gatherPart is the fewest instances worth a goroutine of their own.
const gatherPart = 4096

// mergeSorted merges lists, each sorted by compareKeys, into one sorted list: adjacent
// lists two by two, until one is left, each round into one of two arrays of the total
// size, by turns.
func mergeSorted(lists [][]instanceKey) []instanceKey {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	into, spare := make([]instanceKey, n), []instanceKey(nil)
	for len(lists) > 1 {
		next := make([][]instanceKey, 0, (len(lists)+1)/2)
		at := 0
		for i := 0; i < len(lists); i += 2 {
			m := len(lists[i])
			if i+1 < len(lists) {
				m += len(lists[i+1])
				merge(into[at:at+m], lists[i], lists[i+1])
			} else {
				copy(into[at:at+m], lists[i])
			}
			next = append(next, into[at:at+m:at+m])
			at += m
		}
		lists = next
		if spare == nil {
			spare = make([]instanceKey, n) // the first round read the regions' own lists
		}
		into, spare = spare, into
	}
	return lists[0]
}

// merge writes a and b, each sorted by compareKeys, into out (len(a)+len(b) long), sorted;
// of two that compare equal, a's first.
func merge(out, a, b []instanceKey) {
	j := 0
	for len(a) > 0 && len(b) > 0 {
		if compareKeys(b[0], a[0]) < 0 {
			out[j] = b[0]
			b = b[1:]
		} else {
			out[j] = a[0]
			a = a[1:]
		}
		j++
	}
	j += copy(out[j:], a)
	copy(out[j:], b)
}
