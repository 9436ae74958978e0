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
	var buf [256]byte
	k := appendTagKey(buf[:0], tags)
	tagSets.mu.Lock()
	defer tagSets.mu.Unlock()
	if m, ok := tagSets.m[string(k)]; ok {
		return m
	}
	m := maps.Clone(tags)
	if tagSets.m == nil {
		tagSets.m = make(map[string]map[string]string)
	}
	if len(tagSets.m) < maxTagSets {
		tagSets.m[string(k)] = m
	}
	return m
}

// appendTagKey appends tags to b as one key, keys sorted, each key and value preceded by
// its length: two different sets never share a key, whatever bytes their tags hold. A set
// of up to eight tags (most) is sorted on the stack, and its key is looked up without
// being made a string: a set already shared costs no allocation.
func appendTagKey(b []byte, tags map[string]string) []byte {
	var buf [8]string
	keys := buf[:0]
	if len(tags) > len(buf) {
		keys = make([]string, 0, len(tags))
	}
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = strconv.AppendInt(b, int64(len(k)), 10)
		b = append(append(b, ':'), k...)
		b = strconv.AppendInt(b, int64(len(tags[k])), 10)
		b = append(append(b, ':'), tags[k]...)
	}
	return b
}
