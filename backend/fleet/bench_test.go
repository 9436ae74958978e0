package fleet

import (
	"context"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// BenchmarkRefresh is one refresh of 100,000 instances that changed nothing: the fetch
// from the in-process simulator, the comparison with what the hub holds, and no row
// derived again. An idle console pays this every 5 s (budget: 3% of a core, 150 ms).
func BenchmarkRefresh(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, 100000, sim.Epoch), clock, sim.Options{})
	v := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	// The first refresh derives every row; an idle console's refreshes find nothing new.
	if err := v.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("100000/unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := v.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A task poll republishes without re-deriving the rows.
	for _, r := range v.Snapshot().Rows[:50] {
		_, _ = v.Redeploy(ctx, backend.RedeployRequest{RegionID: r.Inst.RegionID, InstanceID: r.Inst.ID})
	}
	b.Run("100000/poll", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			v.PollTasks(ctx)
		}
	})
}
