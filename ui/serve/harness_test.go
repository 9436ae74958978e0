package serve

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/log"
	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/serve/sshtest"
)

func TestMain(m *testing.M) {
	// The harness builds no SDK client, but a test that does must never probe the ECS
	// metadata address.
	_ = os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

// wait is how long a test waits for something the server must do at once.
const wait = sshtest.Wait

// Instances of the test fleet: two plain Running instances, redeployable without typing
// their ids, the nearer deadline first (the cursor starts on it).
const (
	idFirst  = "i-bp1servefirst0000001"
	idSecond = "i-bp1servesecond000002"
)

func testFleet() *sim.Fleet {
	f := sim.Generate(1, 0, sim.Epoch)
	inst := func(id, name string, d time.Duration) model.Instance {
		return model.Instance{ID: id, Name: name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
			InstanceType: "ecs.g7.xlarge", Family: "ecs.g7", Status: model.StatusRunning, ChargeType: model.PostPaid,
			Events: []model.Event{{ID: "e-" + id[2:], InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(d), PublishTime: sim.Epoch.Add(-time.Hour),
				Reason: "Planned host firmware upgrade", ImpactLevel: "2"}}}
	}
	f.Instances = []model.Instance{inst(idFirst, "web-prod-001", time.Hour), inst(idSecond, "web-prod-002", 2*time.Hour)}
	return f
}

// counting is a Backend that counts every call, and can hold Redeploy calls until the
// test releases them (a slow RedeployInstance).
type counting struct {
	backend.Backend
	regions, instances, tasks, listTasks, redeploys atomic.Int32

	mu      sync.Mutex
	hold    chan struct{} // non-nil: Redeploy waits for it to close
	entered chan struct{} // told when a held Redeploy has started
	ctxErrs []error       // ctx.Err() of every Redeploy when it reached the backend
}

func (c *counting) Regions(ctx context.Context) ([]model.Region, error) {
	c.regions.Add(1)
	return c.Backend.Regions(ctx)
}

func (c *counting) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	c.instances.Add(1)
	return c.Backend.Instances(ctx, q)
}

func (c *counting) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	c.tasks.Add(1)
	return c.Backend.Tasks(ctx, region, ids)
}

func (c *counting) ListTasks(ctx context.Context, q backend.TaskQuery) ([]model.Task, error) {
	c.listTasks.Add(1)
	return c.Backend.ListTasks(ctx, q)
}

func (c *counting) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	c.redeploys.Add(1)
	c.mu.Lock()
	hold, entered := c.hold, c.entered
	c.mu.Unlock()
	if hold != nil {
		entered <- struct{}{}
		<-hold
	}
	c.mu.Lock()
	c.ctxErrs = append(c.ctxErrs, ctx.Err())
	c.mu.Unlock()
	return c.Backend.Redeploy(ctx, r)
}

// holdRedeploys makes the next Redeploy calls wait; entered tells when one has started.
func (c *counting) holdRedeploys() (entered <-chan struct{}, release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold, c.entered = make(chan struct{}), make(chan struct{}, 16)
	hold := c.hold
	return c.entered, func() { close(hold) }
}

// calls is every read the backend answered, by method.
func (c *counting) calls() map[string]int32 {
	return map[string]int32{"Regions": c.regions.Load(), "Instances": c.instances.Load(),
		"Tasks": c.tasks.Load(), "ListTasks": c.listTasks.Load(), "Redeploy": c.redeploys.Load()}
}

// env is a server on 127.0.0.1 over the simulator, on stepped clocks.
type env struct {
	t       testing.TB
	srv     *Server
	addr    string
	hub     *fleet.Hub
	backend *counting
	clock   *sim.StepClock // the simulator's clock
	wall    *sim.StepClock // the server's clock: idle and keepalive
	audit   *sshtest.Buffer
	logs    *sshtest.Buffer
	dir     string

	viewers, operators string // key files
	viewer, operator   gossh.Signer
}

type envOption func(*Options)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), audit: sshtest.NewBuffer(), logs: sshtest.NewBuffer()}
	e.clock, e.wall = sim.NewStepClock(sim.Epoch), sim.NewStepClock(sim.Epoch)
	eng := sim.New(testFleet(), e.clock, sim.Options{Seed: 1})
	e.backend = &counting{Backend: sim.NewBackend(eng)}
	// The decorators as `ecs-redeploy serve` stacks them: guard → audit → backend.
	b := backend.Guard(backend.Audit(e.backend, e.audit, e.clock.Now))
	never := func(time.Duration) <-chan time.Time { return nil }
	e.hub = fleet.New(b, fleet.Options{Now: e.clock.Now, Wall: e.clock.Now, After: never})
	if err := e.hub.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.viewer, e.operator = sshtest.NewSigner(t), sshtest.NewSigner(t)
	e.viewers, e.operators = filepath.Join(e.dir, "viewers"), filepath.Join(e.dir, "operators")
	sshtest.WriteKeys(t, e.viewers, "# the team\n", e.viewer)
	sshtest.WriteKeys(t, e.operators, "", e.operator)
	keys, err := NewKeyring(e.viewers, e.operators)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := LoadHostKey(filepath.Join(e.dir, "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Fleet: e.hub, Now: e.clock.Now, Wall: e.clock.Now, Keys: keys, HostKey: hostKey,
		IdleTimeout: 15 * time.Minute, MaxSessions: 50, KeepaliveInterval: 15 * time.Second,
		Clock: e.wall.Now, SweepEvery: -1, Tick: -1,
		Logger: log.NewWithOptions(e.logs, log.Options{Formatter: log.LogfmtFormatter}),
	}
	for _, f := range opts {
		f(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return e
}

func (e *env) dial(user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return sshtest.Dial(e.addr, user, auth...)
}

// connect logs in as user with key and opens the console on a w×h xterm-256color.
func (e *env) connect(user string, key gossh.Signer, w, h int) *sshtest.Client {
	e.t.Helper()
	return sshtest.Connect(e.t, e.addr, user, key, sshtest.Terminal{Term: "xterm-256color", Width: w, Height: h})
}

// open starts a session on conn; pty false asks for none.
func (e *env) open(conn *gossh.Client, term string, w, h int, pty bool) *sshtest.Client {
	e.t.Helper()
	return sshtest.Open(e.t, conn, sshtest.Terminal{Term: term, Width: w, Height: h, NoPTY: !pty})
}

// waitSessions waits until the server has exactly n sessions.
func (e *env) waitSessions(n int) {
	e.t.Helper()
	deadline := time.After(wait)
	for {
		e.srv.mu.Lock()
		got, ch := len(e.srv.sessions), e.srv.changed
		e.srv.mu.Unlock()
		if got == n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			e.t.Fatalf("%d sessions, want %d", got, n)
		}
	}
}
