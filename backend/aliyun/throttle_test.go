package aliyun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
)

// listUnderRegionQPS lists one region of fleet through sim-server limiting each action to
// qps calls a second (sim-server --region-qps), on one stepped clock shared by server and
// backend: a backend sleep moves the server's time. Calls go one at a time, so the clock
// is the listing's real duration. It returns that duration, the calls made and how many
// were throttled, and fails the test if the listing is not the engine's.
func listUnderRegionQPS(t *testing.T, fleet *sim.Fleet, qps float64, retryAfter time.Duration) (time.Duration, aliyun.Stats) {
	t.Helper()
	f := newFixture(t, fleet, sim.Options{Seed: 41}, nil)
	f.eng.SetFaults(sim.Faults{RegionQPS: qps, RetryAfter: retryAfter})
	b := f.backend(t, testKeyID, testSecret, func(o *aliyun.Options) {
		o.Now = f.clock.Now
		o.Sleep = func(ctx context.Context, d time.Duration) error { f.clock.Advance(d); return ctx.Err() }
		o.Jitter = func() float64 { return 0.5 }
		o.RegionConcurrency, o.CallsPerRegion = 1, 1
	})
	start := f.clock.Now()
	got, err := b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil {
		t.Fatalf("--region-qps %g: %v", qps, err)
	}
	if want := len(f.eng.PendingInstances([]string{"cn-hangzhou"}, nil)); len(got) != want {
		t.Fatalf("--region-qps %g: listed %d instances, engine has %d", qps, len(got), want)
	}
	return f.clock.Now().Sub(start), b.Stats()
}

// Issue 12: under sim-server's --region-qps no call is lost (every instance is listed, and
// each throttled call is made again, exactly once per Throttling) and the listing's time
// grows smoothly as the allowed rate falls: close to what the rate allows, never a
// collapse into the slowest pace or a storm of retries.
func TestListingUnderRegionQPSDegradesSmoothly(t *testing.T) {
	fleet := sim.Generate(41, 15000, sim.Epoch)
	free, freeStats := listUnderRegionQPS(t, fleet, 0, 0)
	if free != 0 || freeStats.Throttled != 0 {
		t.Fatalf("unlimited: took %v with %d throttled; want no wait at all", free, freeStats.Throttled)
	}
	needed := freeStats.Calls // what pagination needs
	for _, retryAfter := range []time.Duration{0, time.Second} {
		prev := time.Duration(0)
		for _, qps := range []float64{40, 20, 10, 5, 2} {
			t.Run(fmt.Sprintf("retry-after %v, %g calls/s", retryAfter, qps), func(t *testing.T) {
				took, s := listUnderRegionQPS(t, fleet, qps, retryAfter)
				if s.Calls != needed+s.Throttled {
					t.Errorf("%d calls, %d throttled; want the %d pagination needs plus one per Throttling", s.Calls, s.Throttled, needed)
				}
				// Each action may make qps calls a second after a first second's burst; the
				// calls go one at a time, so the listing cannot beat the busier action's share.
				floor := time.Duration(float64(needed/2-int64(qps)) / qps * float64(time.Second))
				ceiling := 2*floor + 2*retryAfter + 2*time.Second
				t.Logf("%d calls, %d throttled, took %v (floor %v)", s.Calls, s.Throttled, took, floor)
				if took > ceiling {
					t.Errorf("took %v; want at most %v (twice what %g calls/s allows, and a retry-after or two)", took, ceiling, qps)
				}
				if took < prev {
					t.Errorf("took %v at %g calls/s, less than %v at a higher rate", took, qps, prev)
				}
				if s.Throttled > needed/2 {
					t.Errorf("%d throttled for %d calls needed: the pace does not learn", s.Throttled, needed)
				}
				prev = took
			})
		}
	}
}
