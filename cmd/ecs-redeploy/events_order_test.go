package main

import (
	"slices"
	"testing"
	"time"

	"ecs-redeploy/model"
)

// events sorts what the backend listed only when it is not in deadline order already:
// inDeadlineOrder agrees with model.SortByDeadline (deadline, then id, no pending event
// last) on every order of a few instances.
func TestInDeadlineOrderIsSortByDeadlines(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	mk := func(id string, d time.Duration) model.Instance {
		in := model.Instance{ID: id}
		if d >= 0 {
			in.Events = []model.Event{{CycleStatus: model.CycleScheduled, NotBefore: at.Add(d)}}
		}
		return in
	}
	base := []model.Instance{mk("i-a", time.Hour), mk("i-b", time.Hour), mk("i-c", 0), mk("i-d", -1), mk("i-e", 2*time.Hour)}
	ids := func(ins []model.Instance) (s []string) {
		for _, in := range ins {
			s = append(s, in.ID)
		}
		return s
	}
	var permute func(k int)
	permute = func(k int) {
		if k == len(base) {
			ins := slices.Clone(base)
			sorted := slices.Clone(ins)
			model.SortByDeadline(sorted)
			if got, want := inDeadlineOrder(ins), slices.Equal(ids(ins), ids(sorted)); got != want {
				t.Fatalf("%v: inDeadlineOrder %v, SortByDeadline gives %v", ids(ins), got, ids(sorted))
			}
			return
		}
		for i := k; i < len(base); i++ {
			base[k], base[i] = base[i], base[k]
			permute(k + 1)
			base[k], base[i] = base[i], base[k]
		}
	}
	permute(0)
}
