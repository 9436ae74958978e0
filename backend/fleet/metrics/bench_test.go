package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/fleet/metrics"
	"ecs-redeploy/backend/sim"
)

// BenchmarkScrape10k is one whole scrape (collect and encode) over a hub listing 10,000
// instances: what each Prometheus scrape costs the server.
func BenchmarkScrape10k(b *testing.B) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, 10000, sim.Epoch), clock, sim.Options{Seed: 1})
	hub := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := hub.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	m := metrics.New()
	m.Watch(hub, func() int { return 0 })
	h := m.Handler()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
		io.Discard.Write(w.Body.Bytes())
	}
}
