package fleet

import (
	"context"
	"runtime"
	"testing"

	"ecs-redeploy/backend/sim"
)

// BenchmarkStart100k is a demo console's start at 100,000 instances, less the screen: the
// simulator's engine as a demo makes it (sim.NewGenerated: each region drawn in the
// engine's own state) and the hub's first refresh of every region (every row derived and
// sorted). live-MiB is the heap that engine and hub keep afterwards.
func BenchmarkStart100k(b *testing.B) {
	var live uint64
	for b.Loop() {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.NewGenerated(1, 100_000, sim.Epoch, clock, sim.Options{Seed: 1})
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

// BenchmarkFirstScreen100k is a demo console's start at 100,000 instances up to its first
// screen's rows, less the screen: the engine a demo makes (sim.NewGenerated: each region
// drawn when first asked for), the hub's first listing of the first region, folded in,
// derived, sorted and published. cpu-s/op is the process's CPU time (every thread), which
// other work on a shared machine does not inflate as it does the wall time.
func BenchmarkFirstScreen100k(b *testing.B) {
	ctx := context.Background()
	cpu0 := cpuTime()
	for b.Loop() {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.NewGenerated(1, 100_000, sim.Epoch, clock, sim.Options{Seed: 1})
		h := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
		regions, err := h.newsRegions(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := h.list(ctx, regions[:1]); err != nil {
			b.Fatal(err)
		}
		if len(h.Snapshot().Rows) == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}
