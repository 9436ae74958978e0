package ecsapi

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

func hangingServer(t *testing.T) *Server {
	t.Helper()
	eng := sim.New(sim.Generate(1, 10, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1, Faults: sim.Faults{HangRate: 1}})
	return NewServer(eng, Options{AccessKeyID: "k", AccessKeySecret: "s"})
}

func signedQuery() string {
	p := url.Values{"Action": {"DescribeRegions"}, "RegionId": {"cn-hangzhou"}}
	SignParams("POST", p, "k", "s", time.Now(), time.Now().String())
	return p.Encode()
}

func waitHanging(s *Server, n int64) {
	for s.hanging.Load() != n {
		runtime.Gosched()
	}
}

// A hung call ends when its client goes away; a writer that cannot drop the connection
// answers 503 instead.
func TestHangEndsWithClient(t *testing.T) {
	s := hangingServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "POST", "/?"+signedQuery(), nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		s.ServeHTTP(rec, req)
		close(done)
	}()
	waitHanging(s, 1)
	select {
	case <-done:
		t.Fatal("a hung call answered")
	default:
	}
	cancel()
	<-done
	if rec.Code != 503 {
		t.Errorf("status %d, want 503", rec.Code)
	}
}

// Shutdown does not wait for hung calls: it drops them.
func TestShutdownReleasesHungCalls(t *testing.T) {
	s := hangingServer(t)
	ep, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Post("http://"+ep.Addr+"/?"+signedQuery(), "application/x-www-form-urlencoded", nil)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitHanging(s, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ep.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-errc; err == nil {
		t.Error("the hung call was answered; want a dropped connection")
	}
}

// A deferred Close after a Shutdown (sim-server's own pattern in tests) returns at once
// with the same result.
func TestShutdownTwiceDoesNotHang(t *testing.T) {
	ep, err := hangingServer(t).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := ep.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- ep.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close after shutdown: %v", err)
		}
	case <-time.After(10 * time.Second): // a guard against the hang, not a wait
		t.Fatal("Close after Shutdown hangs")
	}
}

// A connection no request has come on (a client pool's spare) does not hold the shutdown:
// net/http alone would wait five seconds for it.
func TestShutdownClosesFreshConnections(t *testing.T) {
	ep, err := hangingServer(t).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", ep.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for {
		ep.connMu.Lock()
		n := len(ep.fresh)
		ep.connMu.Unlock()
		if n == 1 {
			break
		}
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := ep.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a fresh connection open: %v", err)
	}
}

func TestNonceCache(t *testing.T) {
	c := newNonceCache(3 * (1 + nonceCost))
	t0 := sim.Epoch
	for _, n := range []string{"a", "b", "c"} {
		if !c.add(n, t0) {
			t.Fatalf("fresh nonce %s refused", n)
		}
	}
	if c.add("b", t0.Add(time.Minute)) {
		t.Error("reused nonce accepted")
	}
	// Full: the oldest is forgotten to make room.
	if !c.add("d", t0.Add(time.Minute)) || !c.add("a", t0.Add(time.Minute)) {
		t.Error("a full cache refused fresh nonces")
	}
	// After twice the Timestamp window every nonce is forgotten; the Timestamp check
	// refuses those replays instead.
	if !c.add("d", t0.Add(time.Minute+2*TimestampWindow)) {
		t.Error("an expired nonce was still remembered")
	}
	if len(c.seen) > 3 {
		t.Errorf("%d nonces kept, max 3", len(c.seen))
	}
}

func TestLogFieldIsOneToken(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "-",
		"DescribeInstances":    "DescribeInstances",
		"x\n12:00:00 Fake 200": `"x\n12:00:00 Fake 200"`,
		"cn hangzhou":          `"cn hangzhou"`,
	} {
		if got := logField(in); got != want {
			t.Errorf("logField(%q) = %s, want %s", in, got, want)
		}
	}
}
