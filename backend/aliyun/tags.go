package aliyun

import (
	"strconv"
	"sync"
)

// tagSets are the tag maps the backend's listings hand out, one per distinct tag set, each
// shared by every instance that carries that set and never written after it is made (as
// the simulator's and the fleet hub's: model.Instance.Tags is read, never written). A
// fleet carries a few dozen sets (an environment, a team, an application), and a map per
// instance was a quarter of what a listing holds at 100,000 instances (32 MB, and the
// page faults and collections that go with it; issue 20). A fleet whose tags are mostly
// unique (a name tag per instance) fills it and its other sets get maps of their own, as
// before.
type tagSets struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

// maxTagSets bounds the shared tag sets (as backend/fleet's).
const maxTagSets = 4096

// of is the tag map of an instance listed with tags: each tag's TagKey and TagValue (or,
// in replies that name them so, Key and Value), a tag without a key left out, a key given
// twice taking its last value; nil when no tag is left. The same tags in the same order
// get the same map.
func (s *tagSets) of(tags []listedTag) map[string]string {
	var buf [256]byte
	key := buf[:0] // each key and value after its length: two different sets never share a key
	for i := range tags {
		k, v := tagOf(&tags[i])
		if k == "" {
			continue
		}
		key = strconv.AppendInt(key, int64(len(k)), 10)
		key = append(append(key, ':'), k...)
		key = strconv.AppendInt(key, int64(len(v)), 10)
		key = append(append(key, ':'), v...)
	}
	if len(key) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.m[string(key)]; ok {
		return m
	}
	m := make(map[string]string, len(tags))
	for i := range tags {
		if k, v := tagOf(&tags[i]); k != "" {
			m[k] = v
		}
	}
	if s.m == nil {
		s.m = make(map[string]map[string]string)
	}
	if len(s.m) < maxTagSets {
		s.m[string(key)] = m
	}
	return m
}

// tagOf is a listed tag's key and value: TagKey and TagValue, or Key and Value when it has
// no TagKey.
func tagOf(t *listedTag) (k, v string) {
	if t.TagKey != "" {
		return t.TagKey, t.TagValue
	}
	return t.Key, t.Value
}
