package aliyun_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"

	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

const (
	testKeyID  = "LTAI5tAliyunBackendTest"
	testSecret = "aliyun-backend-test-secret"
)

func TestMain(m *testing.M) {
	// Never let the SDK probe the ECS metadata service, nor a proxy carry loopback calls
	// away: these tests talk to 127.0.0.1 only.
	// Running on without a safe environment could send a request off this machine: stop.
	if err := os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"); err != nil {
		panic("cannot keep the SDK off the metadata service: " + err.Error())
	}
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"} {
		if err := os.Unsetenv(k); err != nil {
			panic("cannot unset " + k + ": " + err.Error())
		}
	}
	os.Exit(m.Run())
}

// fakeTime is the backend's clock and sleeper: a sleep returns at once and moves the clock,
// so backoffs and limiter waits are exercised without waiting. Every sleep is recorded.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeTime() *fakeTime { return &fakeTime{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeTime) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// fixture is sim-server on 127.0.0.1 over a stepped engine, and the backend pointed at it.
type fixture struct {
	eng   *sim.Engine
	clock *sim.StepClock
	addr  string
	time  *fakeTime
	b     *aliyun.Backend
}

// newFixture serves fleet and builds a backend with the test key; opts may adjust the
// backend's options before it is built.
func newFixture(t testing.TB, fleet *sim.Fleet, simOpts sim.Options, opts func(*aliyun.Options)) *fixture {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(fleet, clock, simOpts)
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: testKeyID, AccessKeySecret: testSecret})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ep.Close(); err != nil {
			t.Errorf("sim-server shutdown: %v", err)
		}
	})
	f := &fixture{eng: eng, clock: clock, addr: ep.Addr, time: newFakeTime()}
	f.b = f.backend(t, testKeyID, testSecret, opts)
	return f
}

// backend builds another backend against the fixture's server with the given key.
func (f *fixture) backend(t testing.TB, keyID, secret string, opts func(*aliyun.Options)) *aliyun.Backend {
	t.Helper()
	o := aliyun.Options{
		Credentials: &aliyun.Credentials{Provider: credentials.NewStaticAKCredentialsProvider(keyID, secret), Source: "test"},
		Region:      "cn-hangzhou",
		Endpoint:    f.addr,
		Timeout:     5 * time.Second,
		Sleep:       f.time.Sleep,
		Now:         f.time.Now,
	}
	if opts != nil {
		opts(&o)
	}
	b, err := aliyun.New(o)
	if err != nil {
		t.Fatal(err)
	}
	// Before the server shuts down (cleanups run last-registered first): a connection the
	// transport dialled but never used would hold the server's graceful shutdown for 5s.
	t.Cleanup(b.CloseIdleConnections)
	return b
}

// actionHook is a client-side transport that runs before and after each request of one
// action: tests use it to turn the simulator's faults on for exactly that call.
type actionHook struct {
	base          http.RoundTripper
	action        string
	before, after func()
}

func (h *actionHook) CloseIdleConnections() {
	if c, ok := h.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (h *actionHook) RoundTrip(r *http.Request) (*http.Response, error) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if q.Get("Action") != h.action {
		return h.base.RoundTrip(r)
	}
	if h.before != nil {
		h.before()
	}
	resp, err := h.base.RoundTrip(r)
	if h.after != nil {
		h.after()
	}
	return resp, err
}

// rewriteReply is a client-side transport that lets each call go to the simulator (so it
// is applied there) and then replaces the reply of one action, as a broken proxy or a
// confused gateway would: the test sees what the backend makes of a reply it cannot trust.
type rewriteReply struct {
	base    http.RoundTripper
	action  string
	rewrite func(status int, body []byte) (int, []byte)
	// unsent answers without forwarding: the simulator never sees the call.
	unsent bool
}

func (h *rewriteReply) CloseIdleConnections() {
	if c, ok := h.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (h *rewriteReply) RoundTrip(r *http.Request) (*http.Response, error) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if h.unsent && q.Get("Action") == h.action {
		status, body := h.rewrite(0, nil)
		return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	resp, err := h.base.RoundTrip(r)
	if err != nil || q.Get("Action") != h.action {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.StatusCode, body = h.rewrite(resp.StatusCode, body)
	resp.Status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// rewriting sets a backend's transport to rewrite the replies of action.
func rewriting(action string, rewrite func(status int, body []byte) (int, []byte)) func(*aliyun.Options) {
	return func(o *aliyun.Options) {
		o.Transport = &rewriteReply{base: &http.Transport{}, action: action, rewrite: rewrite}
	}
}

// faultTransport turns eng's faults on for the calls of one action only.
func faultTransport(eng *sim.Engine, action string, faults sim.Faults) http.RoundTripper {
	return &actionHook{
		base:   &http.Transport{},
		action: action,
		before: func() { eng.SetFaults(faults) },
		after:  func() { eng.SetFaults(sim.Faults{}) },
	}
}
