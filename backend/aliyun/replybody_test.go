package aliyun_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
)

// countingTransport counts the reply bytes its base delivers.
type countingTransport struct {
	base http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, t.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// Issue 20: the SDK read each listing reply into a buffer grown as it went and copied it
// into a string, 3–5 times its bytes allocated, all garbage once decoded. The replies are
// read once, into buffers reused from call to call. Measured with the sim-server in the
// process (its allocations count too): 7.0× the bytes received before, 3.9× after; what
// is left is what the listing keeps, the decoding, and the server's and the SDK's
// requests.
func TestListingReadsEachReplyOnce(t *testing.T) {
	var received atomic.Int64
	f := newFixture(t, sim.Generate(3, 4000, sim.Epoch), sim.Options{Seed: 3}, func(o *aliyun.Options) {
		o.Transport = countingTransport{http.DefaultTransport.(*http.Transport).Clone(), &received}
	})
	q := backend.Query{Regions: []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}}
	if _, err := f.b.Instances(context.Background(), q); err != nil { // warm: connections, pools
		t.Fatal(err)
	}
	received.Store(0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := f.b.Instances(context.Background(), q)
	runtime.ReadMemStats(&after)
	if err != nil || len(got) == 0 {
		t.Fatalf("listed %d instances, %v", len(got), err)
	}
	alloc, recv := after.TotalAlloc-before.TotalAlloc, received.Load()
	t.Logf("%d instances: received %d bytes, allocated %d (%.2f× the replies; the server's share included)", len(got), recv, alloc, float64(alloc)/float64(recv))
	if float64(alloc) > 5*float64(recv) {
		t.Errorf("a listing that received %d bytes allocated %d (%.1f×); want at most 5× (the SDK's copies of each reply made it 7×)", recv, alloc, float64(alloc)/float64(recv))
	}
}
