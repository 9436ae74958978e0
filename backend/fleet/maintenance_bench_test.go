package fleet

import (
	"context"
	"testing"

	"ecs-redeploy/backend/sim"
)

// BenchmarkMaintenanceOf is one read of the maintenance attributes of every listed
// instance of the largest region of a 10,000-instance fleet, nothing cached (the clock
// moves past MaintenanceTTL each time): the autopilot's dry run, and a tick whose lead
// times have all begun. The calls go to the in-process simulator.
func BenchmarkMaintenanceOf(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, 10000, sim.Epoch), clock, sim.Options{})
	h := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	byRegion := map[string][]string{}
	region := ""
	for _, r := range h.Snapshot().Rows {
		byRegion[r.Inst.RegionID] = append(byRegion[r.Inst.RegionID], r.Inst.ID)
		if region == "" || len(byRegion[r.Inst.RegionID]) > len(byRegion[region]) {
			region = r.Inst.RegionID
		}
	}
	ids := byRegion[region]
	b.Logf("%d instances in %s", len(ids), region)
	b.ReportAllocs()
	for b.Loop() {
		clock.Advance(MaintenanceTTL)
		got, err := h.MaintenanceOf(ctx, region, ids)
		if err != nil || len(got) != len(ids) {
			b.Fatalf("%d of %d: %v", len(got), len(ids), err)
		}
	}
}
