package fleet

import (
	"context"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// BenchmarkFirstListing100k is the hub's part of a demo's start at 100,000 instances: the
// first listing as the refresh loop makes it, region after region, each folded in,
// derived, laid out and published (the simulator's fleet is made once, outside the timer).
// first-region-s is the time to the first region's rows: what the first screen waits for;
// cpu-s/op the process's CPU time (every thread, the collector's too), which other work on
// a shared machine does not inflate as it does the wall time.
func BenchmarkFirstListing100k(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, 100_000, sim.Epoch), clock, sim.Options{Seed: 1})
	ctx := context.Background()
	var first float64
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := b.Elapsed()
		h := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
		regions, err := h.newsRegions(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range regions {
			if err := h.list(ctx, []string{r}); err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				first += (b.Elapsed() - t0).Seconds()
			}
		}
		if n := len(h.Snapshot().Rows); n != 100_000 {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(first/float64(b.N), "first-region-s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkIdleLook100k is what an idle demo at 100,000 instances does most often: one
// region's look for new events (every 1.4 s at the default cadence), nothing new found, and
// the snapshot published.
func BenchmarkIdleLook100k(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, 100_000, sim.Epoch), clock, sim.Options{Seed: 1})
	h := New(sim.NewBackend(eng), Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	for b.Loop() {
		clock.Advance(2 * time.Second)
		if err := h.checkNext(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
}
