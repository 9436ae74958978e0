// Verdict parts shared between rows: most rows of a fleet say the same few warnings.

package fleet

import (
	"strconv"
	"sync"

	"ecs-redeploy/model"
)

// maxVerdicts bounds each table of shared verdict parts. A deadline's warning names its
// minute, so a long-lived hub sees new ones; once full, the others are kept as made.
const maxVerdicts = 4096

// sharedParts is a process-wide table of read-only slices by their content (verdictKey).
type sharedParts[T any] struct {
	mu sync.RWMutex
	m  map[string][]T
}

var (
	sharedWarningSets sharedParts[model.Warning]
	sharedBlockSets   sharedParts[model.Block]
)

// share is the slice kept for key, or s, kept for it while there is room. s is read only
// from now on, as every verdict is (capacity is length, so an append copies).
func (t *sharedParts[T]) share(key []byte, s []T) []T {
	if len(s) == 0 {
		return s
	}
	t.mu.RLock()
	kept, ok := t.m[string(key)]
	t.mu.RUnlock()
	if ok {
		return kept
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if kept, ok := t.m[string(key)]; ok {
		return kept
	}
	s = s[:len(s):len(s)]
	if t.m == nil {
		t.m = make(map[string][]T)
	}
	if len(t.m) < maxVerdicts {
		t.m[string(key)] = s
	}
	return s
}

// shareVerdict makes el's warnings and blocks the ones kept for their content. At 100,000
// rows most say "downtime" and a deadline passed in one of a few hundred minutes: a copy
// per row was 8 MB, and one per block 3 MB (issue 20).
func shareVerdict(el *model.Eligibility) {
	var buf [512]byte
	if len(el.Warnings) > 0 {
		k := buf[:0]
		for _, w := range el.Warnings {
			k = appendKeyPart(k, string(w.Kind))
			k = strconv.AppendBool(k, w.Destructive)
			k = appendKeyPart(k, w.Message)
		}
		el.Warnings = sharedWarningSets.share(k, el.Warnings)
	}
	if len(el.Blocks) > 0 {
		k := buf[:0]
		for _, b := range el.Blocks {
			k = appendKeyPart(k, string(b.Kind))
			k = appendKeyPart(k, b.Code)
			k = strconv.AppendInt(k, int64(b.HTTPStatus), 10)
			k = appendKeyPart(k, b.Message)
			k = appendKeyPart(k, b.APIMessage)
			k = appendKeyPart(k, b.Next)
		}
		el.Blocks = sharedBlockSets.share(k, el.Blocks)
	}
}

// appendKeyPart appends s preceded by its length, so two different lists never share a key.
func appendKeyPart(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	return append(append(b, ':'), s...)
}
