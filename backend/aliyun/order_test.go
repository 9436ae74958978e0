package aliyun

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"ecs-redeploy/model"
)

// Instances listed region by region, chunk by chunk, come out in model.SortByDeadline's
// order whatever the regions and chunks, each instance once; instances with no pending
// event last.
func TestListingOrderIsSortByDeadlines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, regions := range []int{0, 1, 2, 3, 10} {
		var all []model.Instance
		var o listingOrder
		n := 0
		for r := range regions {
			var chunks [][]model.Instance
			for range rng.IntN(5) {
				chunk := make([]model.Instance, rng.IntN(gatherPart/2))
				for i := range chunk {
					chunk[i].ID = fmt.Sprintf("i-%d-%06d", r, n)
					n++
					if rng.IntN(50) > 0 { // now and then one with no pending event
						// Few distinct deadlines: many ties, broken by id.
						chunk[i].Events = []model.Event{{CycleStatus: model.CycleScheduled, NotBefore: base.Add(time.Duration(rng.IntN(20)) * time.Hour)}}
					}
				}
				chunks = append(chunks, chunk)
				all = append(all, chunk...)
			}
			o.add(chunks, regionOrder(chunks))
		}
		got := o.gather()
		model.SortByDeadline(all)
		if len(got) != len(all) {
			t.Fatalf("%d regions: %d instances, want %d", regions, len(got), len(all))
		}
		for i := range all {
			if got[i].ID != all[i].ID {
				t.Fatalf("%d regions: instance %d is %s, want %s", regions, i, got[i].ID, all[i].ID)
			}
		}
	}
}
