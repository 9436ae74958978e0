// Tag sets shared between records: most instances of a fleet carry one of a few.

package fleet

import (
	"maps"
	"slices"
	"strconv"
	"sync"
)

// maxTagSets bounds the shared tag sets. A fleet whose tags are mostly unique (a name tag
// per instance) fills it and its other sets are copied, as before.
const maxTagSets = 4096

// tagSets are the distinct tag sets the hubs of this process hold, each read only, by
// their canonical form (tagKey).
var tagSets struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

// sharedTags is a read-only map equal to tags that shares no memory with it: the one kept
// for that tag set when there is one, or a copy (kept while there is room). At 100,000
// instances a map per record was 30 MB; the generated fleets have a few dozen sets.
func sharedTags(tags map[string]string) map[string]string {
	if tags == nil {
		return nil
	}
	k := tagKey(tags)
	tagSets.mu.Lock()
	defer tagSets.mu.Unlock()
	if m, ok := tagSets.m[k]; ok {
		return m
	}
	m := maps.Clone(tags)
	if tagSets.m == nil {
		tagSets.m = make(map[string]map[string]string)
	}
	if len(tagSets.m) < maxTagSets {
		tagSets.m[k] = m
	}
	return m
}

// tagKey is tags in one string, keys sorted, each key and value preceded by its length:
// two different sets never share a key, whatever bytes their tags hold.
func tagKey(tags map[string]string) string {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		b = strconv.AppendInt(b, int64(len(k)), 10)
		b = append(append(b, ':'), k...)
		b = strconv.AppendInt(b, int64(len(tags[k])), 10)
		b = append(append(b, ':'), tags[k]...)
	}
	return string(b)
}
