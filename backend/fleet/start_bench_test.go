package fleet

import (
	"context"
	"runtime"
	"testing"

	"ecs-redeploy/backend/sim"
)

// BenchmarkStart100k is a demo console's start at 100,000 instances, less the screen: the
// simulator's fleet generated, the engine made over it, and the hub's first refresh (every
// row derived and sorted). live-MiB is the heap that engine and hub keep afterwards.
func BenchmarkStart100k(b *testing.B) {
	var live uint64
	for b.Loop() {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.New(sim.Generate(1, 100_000, sim.Epoch), clock, sim.Options{Seed: 1})
		h := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
		if err := h.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = ms.HeapAlloc
		runtime.KeepAlive(h)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
}
