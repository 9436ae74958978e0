package fleet

import (
	"context"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// BenchmarkRefresh is one refresh of 100,000 instances: the fetch from the in-process
// simulator and the rows derived once for every session.
func BenchmarkRefresh(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, 100000, sim.Epoch), clock, sim.Options{})
	v := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	b.Run("100000", func(b *testing.B) {
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
