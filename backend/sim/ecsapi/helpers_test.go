package ecsapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

const (
	testKeyID  = "LTAI5tSimulatorTestKey"
	testSecret = "sim-secret-do-not-use"
)

func TestMain(m *testing.M) {
	// The SDK's credential chain would probe the ECS metadata service, and a proxy from the
	// environment would carry loopback calls away: tests contact 127.0.0.1 only.
	os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// syncBuffer is a log sink safe for the server's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a server on 127.0.0.1 over a stepped engine.
type fixture struct {
	eng   *sim.Engine
	clock *sim.StepClock
	srv   *ecsapi.Server
	addr  string
	log   *syncBuffer
}

func newFixture(t testing.TB, n int, opts sim.Options) *fixture {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(opts.Seed, n, sim.Epoch), clock, opts)
	log := &syncBuffer{}
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: testKeyID, AccessKeySecret: testSecret, Log: log})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ep.Close(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &fixture{eng: eng, clock: clock, srv: srv, addr: ep.Addr, log: log}
}

// client is the official SDK pointed at the fixture, as the real backend will be.
func (f *fixture) client(t testing.TB, region, keyID, secret string) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClientWithAccessKey(region, keyID, secret)
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = f.addr
	c.SetReadTimeout(10 * time.Second)
	c.SetConnectTimeout(5 * time.Second)
	return c
}

// serverError unwraps the SDK's error for a reply the server answered.
func serverError(t testing.TB, err error) *sdkerrors.ServerError {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded; want a server error")
	}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a server error: %v", err, oneLine(err))
	}
	return se
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
