package aliyun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// spreadFleet is n generated instances dealt evenly over nRegions regions: the generated
// fleet's ten regions and made-up ones after them.
func spreadFleet(n, nRegions int) *sim.Fleet {
	f := sim.Generate(1, n, sim.Epoch)
	regions := sim.AllRegions()
	for i := len(regions); i < nRegions; i++ {
		regions = append(regions, model.Region{RegionID: fmt.Sprintf("xx-bench-%d", i), LocalName: "bench"})
	}
	f.Regions = regions[:nRegions]
	for i := range f.Instances {
		r := f.Regions[i%nRegions].RegionID
		f.Instances[i].RegionID = r
		f.Instances[i].ZoneID = r + "-a"
	}
	return f
}

// BenchmarkList10kInstances20Regions lists 10,000 instances with pending events over 20
// regions through sim-server on loopback, as `ecs-redeploy events --region all` does on a
// fresh start (a new backend each time: cold limiters and connections). It reports the
// API calls a listing makes and fails if they exceed what pagination needs.
func BenchmarkList10kInstances20Regions(b *testing.B) {
	const instances, nRegions = 10_000, 20
	fleet := spreadFleet(instances, nRegions)
	f := newFixture(b, fleet, sim.Options{Seed: 1}, nil)
	var regions []string
	var budget int64
	for _, r := range fleet.Regions {
		regions = append(regions, r.RegionID)
		ev := 0
		pending := f.eng.PendingInstances([]string{r.RegionID}, nil)
		for _, in := range pending {
			ev += len(in.Events)
		}
		budget += calls(ev, len(pending))
	}
	ctx := context.Background()
	var calls int64
	var wall time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		be := f.backend(b, testKeyID, testSecret, func(o *aliyun.Options) {
			o.Sleep, o.Now = nil, nil // real time: the limiter's pacing is part of the cost
		})
		b.StartTimer()
		start := time.Now()
		got, err := be.Instances(ctx, backend.Query{Regions: regions})
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != instances {
			b.Fatalf("listed %d instances; want %d", len(got), instances)
		}
		calls = be.Stats().Calls
		be.CloseIdleConnections()
	}
	b.StopTimer()
	if calls > budget {
		b.Fatalf("a listing made %d calls; pagination needs %d", calls, budget)
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/op")
}
