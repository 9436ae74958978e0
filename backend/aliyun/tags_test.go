package aliyun

import (
	"maps"
	"reflect"
	"testing"
)

// Instances listed with the same tags share one map; other tags, another; a tag without a
// key is left out, a key given twice keeps its last value, Key/Value stand in for a
// missing TagKey/TagValue, and no tag at all is no map. A set whose bytes would run
// together with another's ("a"+"bc" and "ab"+"c") is another set.
func TestTagSetsShareOneMapPerSet(t *testing.T) {
	var s tagSets
	web := []listedTag{{TagKey: "env", TagValue: "prod"}, {TagKey: "app", TagValue: "web"}}
	a, b := s.of(web), s.of([]listedTag{{TagKey: "env", TagValue: "prod"}, {Key: "app", Value: "web"}})
	if !maps.Equal(a, map[string]string{"env": "prod", "app": "web"}) {
		t.Fatalf("tags %v", a)
	}
	if reflect.ValueOf(a).UnsafePointer() != reflect.ValueOf(b).UnsafePointer() {
		t.Errorf("two instances with the same tags got two maps")
	}
	if c := s.of([]listedTag{{TagKey: "env", TagValue: "dev"}, {TagKey: "app", TagValue: "web"}}); maps.Equal(c, a) {
		t.Errorf("env=dev got env=prod's map: %v", c)
	}
	if got := s.of([]listedTag{{TagKey: "", TagValue: "x"}, {TagKey: "k", TagValue: "1"}, {TagKey: "k", TagValue: "2"}}); !maps.Equal(got, map[string]string{"k": "2"}) {
		t.Errorf("tags %v; want k=2 alone", got)
	}
	if got := s.of([]listedTag{{TagValue: "orphan"}}); got != nil {
		t.Errorf("no keyed tag made %v; want no map", got)
	}
	x, y := s.of([]listedTag{{TagKey: "a", TagValue: "bc"}}), s.of([]listedTag{{TagKey: "ab", TagValue: "c"}})
	if !maps.Equal(x, map[string]string{"a": "bc"}) || !maps.Equal(y, map[string]string{"ab": "c"}) {
		t.Errorf("a=bc, ab=c read as %v, %v", x, y)
	}
}

// Past maxTagSets distinct sets (a name tag per instance), each instance still gets a map
// with its own tags, and the sets kept stay at the bound.
func TestTagSetsBeyondTheBoundAreMapsOfTheirOwn(t *testing.T) {
	var s tagSets
	for i := range maxTagSets + 10 {
		name := string(rune('a'+i%26)) + string(rune(i))
		if got := s.of([]listedTag{{TagKey: "Name", TagValue: name}}); got["Name"] != name || len(got) != 1 {
			t.Fatalf("set %d: %v", i, got)
		}
	}
	if len(s.m) != maxTagSets {
		t.Fatalf("%d sets kept; want %d", len(s.m), maxTagSets)
	}
}
