package aliyun

import (
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
	by, ends := groupEvents(pages, []int32{3, 1, 1})
	want := [][]string{{"e-3", "e-1", "e-4"}, {"e-2"}, {"e-5"}}
	lo := int32(0)
	for n, hi := range ends {
		var got []string
		for _, e := range by[lo:hi] {
			got = append(got, e.ID)
		}
		if len(got) != len(want[n]) {
			t.Fatalf("instance %d has %v, want %v", n, got, want[n])
		}
		for i := range got {
			if got[i] != want[n][i] {
				t.Fatalf("instance %d has %v, want %v", n, got, want[n])
			}
		}
		lo = hi
	}
}
