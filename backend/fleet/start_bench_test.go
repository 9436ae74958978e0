package fleet

import (
	"context"
	"runtime"
	"testing"
	"time"

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
// derived, sorted and published; timed to the publish (what the listing does after it,
// the rows' search text, is not the first screen's). cpu-s/op is the process's CPU time
// (every thread) at the publish, which other work on a shared machine does not inflate as
// it does the wall time; fresh-MiB/op the memory allocated by then (on this machine memory
// touched for the first time costs about 3.4 ms of CPU a MiB, and a demo's start allocates
// fresh memory: quietStart).
func BenchmarkFirstScreen100k(b *testing.B) {
	ctx := context.Background()
	var cpu time.Duration
	var alloc uint64
	var ms runtime.MemStats
	for b.Loop() {
		runtime.ReadMemStats(&ms)
		alloc0 := ms.TotalAlloc
		cpu0 := cpuTime()
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.NewGenerated(1, 100_000, sim.Epoch, clock, sim.Options{Seed: 1})
		h := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
		sub := h.Subscribe(ctx)
		regions, err := h.newsRegions(ctx)
		if err != nil {
			b.Fatal(err)
		}
		listed := make(chan error, 1)
		go func() { listed <- h.list(ctx, regions[:1]) }()
		for s := range sub.C() {
			if len(s.Rows) > 0 || s.Err != nil {
				break
			}
		}
		cpu += cpuTime() - cpu0
		b.StopTimer()
		runtime.ReadMemStats(&ms)
		alloc += ms.TotalAlloc - alloc0
		if err := <-listed; err != nil {
			b.Fatal(err)
		}
		sub.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(alloc)/(1<<20)/float64(b.N), "fresh-MiB/op")
}

// BenchmarkSearchTextUnmade100k is the worst a filter's first key pays since the search
// text is made after a region's first listing publishes (Hub.fillSearch): a key typed
// before any of 100,000 rows has its text makes them all (what the fill does anyway).
func BenchmarkSearchTextUnmade100k(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	f := sim.Generate(1, 100_000, sim.Epoch)
	recs := make([]*record, len(f.Instances))
	for i := range f.Instances {
		recs[i] = &record{inst: ownCopy(&f.Instances[i])}
	}
	for b.Loop() {
		b.StopTimer()
		deriveAll(recs, clock.Now(), true)
		b.StartTimer()
		for _, rec := range recs {
			_ = rec.row.SearchText()
		}
	}
}
