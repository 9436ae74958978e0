package fleet

import (
	"maps"
	"reflect"
	"testing"
)

// Records share a tag set that is equal, never the backend's map, and two sets that differ
// never share, whatever their bytes.
func TestSharedTagsAreEqualSetsOnly(t *testing.T) {
	ptr := func(m map[string]string) uintptr { return reflect.ValueOf(m).Pointer() }
	a := map[string]string{"team": "web", "env": "prod"}
	b := map[string]string{"env": "prod", "team": "web"}
	sa, sb := sharedTags(a), sharedTags(b)
	if !maps.Equal(sa, a) || ptr(sa) != ptr(sb) || ptr(sa) == ptr(a) || ptr(sb) == ptr(b) {
		t.Fatal("equal tag sets are not one shared copy")
	}
	a["team"] = "changed by the backend"
	if sa["team"] != "web" {
		t.Fatal("the shared set follows the backend's map")
	}
	// Without lengths these two would read alike ("a", "b\x00c", …).
	x := sharedTags(map[string]string{"a": "b\x00c\x00d"})
	y := sharedTags(map[string]string{"a": "b", "c": "d"})
	if ptr(x) == ptr(y) || len(x) != 1 || len(y) != 2 {
		t.Fatalf("different tag sets were shared: %q %q", x, y)
	}
	if sharedTags(nil) != nil {
		t.Fatal("no tags became a set")
	}
}
