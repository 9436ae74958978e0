package aliyun

import (
	"slices"
	"testing"
	"time"

	"ecs-redeploy/model"
)

// A region's events, read page by page, are laid out instance by instance in the order the
// instances were first seen, each instance's soonest first and, among equal deadlines, in
// page order: an instance whose events span pages gets all of them.
func TestGroupEventsIsPerInstanceSoonestFirstStable(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, time.UTC) }
	// Instances i-b, i-a, i-c are numbers 0, 1, 2: the order they were first seen.
	pages := []eventPage{{
		events: []model.Event{
			{ID: "e-1", InstanceID: "i-b", NotBefore: at(5)},
			{ID: "e-2", InstanceID: "i-a", NotBefore: at(3)},
		},
		instance: []int32{0, 1},
	}, {
		events: []model.Event{
			{ID: "e-3", InstanceID: "i-b", NotBefore: at(1)},
			{ID: "e-4", InstanceID: "i-b", NotBefore: at(5)}, // ties e-1: after it
			{ID: "e-5", InstanceID: "i-c", NotBefore: at(2)},
		},
		instance: []int32{0, 0, 2},
	}}
	by := groupEvents(pages, []int32{3, 1, 1})
	want := [][]string{{"e-3", "e-1", "e-4"}, {"e-2"}, {"e-5"}}
	if len(by) != len(want) {
		t.Fatalf("%d instances, want %d", len(by), len(want))
	}
	for n := range want {
		if got := eventIDs(by[n]); !slices.Equal(got, want[n]) {
			t.Fatalf("instance %d has %v, want %v", n, got, want[n])
		}
	}
}

func eventIDs(evs []model.Event) []string {
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	return ids
}

// An instance whose events are listed together on one page, soonest first, gets them where
// the page holds them, and an instance whose events are not (apart on a page, over two
// pages, or out of order) gets them laid out anew; either way appending to one instance's
// events never writes over another's.
func TestGroupEventsKeepsRunsInPlaceAndAppendsCopy(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, time.UTC) }
	ev := func(id string, h int) model.Event { return model.Event{ID: id, NotBefore: at(h)} }
	pages := []eventPage{{
		// 0: a run of two, in order; 1: apart on the page; 2: a run out of order.
		events:   []model.Event{ev("a1", 1), ev("a2", 1), ev("b1", 2), ev("c1", 5), ev("c2", 4), ev("b2", 1), ev("d1", 3)},
		instance: []int32{0, 0, 1, 2, 2, 1, 3},
	}, {
		events:   []model.Event{ev("d2", 2)}, // 3: over two pages
		instance: []int32{3},
	}}
	by := groupEvents(pages, []int32{2, 2, 2, 2})
	want := [][]string{{"a1", "a2"}, {"b2", "b1"}, {"c2", "c1"}, {"d2", "d1"}}
	for n := range want {
		if got := eventIDs(by[n]); !slices.Equal(got, want[n]) {
			t.Fatalf("instance %d has %v, want %v", n, got, want[n])
		}
	}
	if &by[0][0] != &pages[0].events[0] {
		t.Errorf("instance 0's run was copied; want the page's own events")
	}
	for n := range by {
		if len(by[n]) != cap(by[n]) {
			t.Fatalf("instance %d: %d events with room for %d: an append would write over another's", n, len(by[n]), cap(by[n]))
		}
	}
	_ = append(by[0], ev("x", 9))
	_ = append(by[1], ev("x", 9))
	if pages[0].events[2].ID != "b1" || by[2][0].ID != "c2" {
		t.Fatalf("an append to one instance's events wrote over another's")
	}
}
