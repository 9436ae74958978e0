package aliyun_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
)

// regionGate is a client-side transport that records the calls per region and how many
// regions had calls out at once. The first `meet` calls are held until `meet` of them are out together,
// which proves that many regions are listed at once, without a sleep; the calls after the
// meeting go straight through.
type regionGate struct {
	base http.RoundTripper
	meet int

	mu      sync.Mutex
	arrived int
	out     map[string]int // calls out, per region
	max     int            // regions with calls out at once, at most
	met     chan struct{}
	calls   map[string]int
}

func newRegionGate(meet int) *regionGate {
	return &regionGate{base: http.DefaultTransport.(*http.Transport).Clone(), meet: meet, met: make(chan struct{}), calls: map[string]int{}, out: map[string]int{}}
}

func (g *regionGate) CloseIdleConnections() {
	g.base.(*http.Transport).CloseIdleConnections()
}

func (g *regionGate) RoundTrip(r *http.Request) (*http.Response, error) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	g.mu.Lock()
	region := q.Get("RegionId")
	g.calls[region]++
	g.out[region]++
	g.max = max(g.max, len(g.out))
	g.arrived++
	if g.arrived == g.meet {
		close(g.met)
	}
	wait := g.arrived <= g.meet
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		if g.out[region]--; g.out[region] == 0 {
			delete(g.out, region)
		}
		g.mu.Unlock()
	}()
	if wait {
		select {
		case <-g.met:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return g.base.RoundTrip(r)
}

func TestInstancesListsAtMostRegionConcurrencyRegionsAtOnce(t *testing.T) {
	const limit = 3
	gate := newRegionGate(limit)
	f := newFixture(t, sim.Generate(21, 400, sim.Epoch), sim.Options{Seed: 21}, func(o *aliyun.Options) {
		o.RegionConcurrency = limit
		o.Transport = gate
	})
	regions := []string{"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-hongkong", "ap-southeast-1", "us-west-1"}
	got, err := f.b.Instances(context.Background(), backend.Query{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(f.eng.PendingInstances(regions, nil)); len(got) != want || want == 0 {
		t.Fatalf("listed %d instances; the engine has %d", len(got), want)
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if gate.max != limit {
		t.Errorf("%d regions with calls out at once; want exactly RegionConcurrency (%d)", gate.max, limit)
	}
	for _, r := range regions {
		if gate.calls[r] == 0 {
			t.Errorf("region %s was never asked", r)
		}
	}
}

// The first region that fails ends the listing with its error, and no region waiting for
// its turn is started after it.
func TestInstancesStopsAtTheFirstFailingRegion(t *testing.T) {
	gate := newRegionGate(0)
	close(gate.met)
	f := newFixture(t, sim.Generate(22, 100, sim.Epoch), sim.Options{Seed: 22}, func(o *aliyun.Options) {
		o.RegionConcurrency = 1
		o.Transport = gate
	})
	// Regions are listed in sorted order: the unknown one goes first and fails.
	_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou", "aa-nowhere-1", "cn-beijing"}})
	if backend.Code(err) != "InvalidRegionId.NotFound" {
		t.Fatalf("err %v; want the failing region's InvalidRegionId.NotFound", err)
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if gate.calls["cn-hangzhou"]+gate.calls["cn-beijing"] != 0 {
		t.Errorf("calls after the failure: %v; want none", gate.calls)
	}
}
