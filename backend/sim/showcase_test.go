package sim

import (
	"slices"
	"testing"

	"ecs-redeploy/model"
)

// Issue 22: a demo's most urgent rows show the main cases, in this order: a plain
// redeploy, a local-disk one, a refused one; the same for the same seed.
func TestShowcaseTopsTheDeadlineOrderWithTheMainCases(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		top := func() []model.Instance {
			f := Generate(seed, 60, Epoch)
			Showcase(f, Epoch)
			ins := slices.Clone(f.Instances)
			model.SortByDeadline(ins)
			return ins[:3]
		}
		ins := top()
		want := []string{"plain", "local disk", "refused"}
		for k, in := range ins {
			el := model.Evaluate(&in, Epoch, false)
			got := ""
			switch {
			case el.Allowed && !in.HasLocalDisks():
				got = "plain"
			case el.Allowed:
				got = "local disk"
			case el.Blocked():
				got = "refused"
			}
			if got != want[k] {
				t.Errorf("seed %d: row %d is %s (%s), want %s", seed, k+1, in.ID, got, want[k])
			}
			if ev := in.NextEvent(); !ev.PublishTime.Before(ev.NotBefore) {
				t.Errorf("seed %d: %s published at or after its deadline", seed, in.ID)
			}
		}
		again := top()
		for k := range ins {
			if ins[k].ID != again[k].ID {
				t.Errorf("seed %d: not deterministic: %s then %s", seed, ins[k].ID, again[k].ID)
			}
		}
	}
}
