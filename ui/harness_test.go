package ui

import (
	"context"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func TestMain(m *testing.M) {
	// Goldens must not depend on the terminal the tests run in.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// counting wraps a Backend and counts the redeploys that reach it. With hold set, each
// redeploy waits until hold is closed: a RedeployInstance call that has not answered.
type counting struct {
	backend.Backend
	redeploys atomic.Int32
	hold      chan struct{}
}

func (c *counting) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	c.redeploys.Add(1)
	if c.hold != nil {
		<-c.hold
	}
	return c.Backend.Redeploy(ctx, r)
}

// Instances of the scenario, named for what they show.
const (
	idPlain    = "i-bp1plainrunning00001"
	idStopped  = "i-bp1stoppeddb00000001"
	idLocal    = "i-bp1localssd000000001"
	idLocked   = "i-bp1seclocked00000001"
	idHost     = "i-bp1dedicated00000001"
	idExpired  = "i-uf6expired0000000001"
	idFailing  = "i-uf6failinghost000001"
	idStopping = "i-2zestopping000000001"
)

// scenario is a small fleet with one instance per case the console must show, padded
// with a generated fleet so the list scrolls.
func scenario() *sim.Fleet {
	ev := func(id string, t model.EventType, s model.EventCycleStatus, d time.Duration) []model.Event {
		return []model.Event{{ID: "e-" + id[2:], InstanceID: id, Type: t, CycleStatus: s,
			NotBefore: sim.Epoch.Add(d), PublishTime: sim.Epoch.Add(-26 * time.Hour),
			Reason: "Host hardware maintenance: memory ECC errors predicted on the physical server", ImpactLevel: "2"}}
	}
	inst := func(id, name, region, zone string, st model.InstanceStatus, evs []model.Event) model.Instance {
		return model.Instance{ID: id, Name: name, RegionID: region, ZoneID: zone, InstanceType: "ecs.g7.xlarge",
			Family: "ecs.g7", Status: st, ChargeType: model.PostPaid, Events: evs}
	}
	plain := inst(idPlain, "web-prod-001", "cn-hangzhou", "cn-hangzhou-h", model.StatusRunning,
		ev(idPlain, model.EventMaintenanceRedeploy, model.CycleScheduled, 3*time.Hour+12*time.Minute))
	stopped := inst(idStopped, "pg-replica-007", "cn-hangzhou", "cn-hangzhou-i", model.StatusStopped,
		ev(idStopped, model.EventMaintenanceReboot, model.CycleScheduled, 5*time.Hour))
	local := inst(idLocal, "kafka-prod-042", "cn-hangzhou", "cn-hangzhou-j", model.StatusRunning,
		ev(idLocal, model.EventMaintenanceRedeploy, model.CycleScheduled, 45*time.Minute))
	local.InstanceType, local.Family, local.LocalStorageAmount, local.LocalStorageCapacity = "ecs.i2.4xlarge", "ecs.i2", 2, 3576
	locked := inst(idLocked, "api-prod-013", "cn-hangzhou", "cn-hangzhou-h", model.StatusRunning,
		ev(idLocked, model.EventMaintenanceReboot, model.CycleScheduled, 2*time.Hour))
	locked.OperationLocks = []model.LockReason{model.LockSecurity}
	host := inst(idHost, "batch-prod-100", "cn-hangzhou", "cn-hangzhou-k", model.StatusRunning,
		ev(idHost, model.EventMaintenanceRedeploy, model.CycleScheduled, 8*time.Hour))
	host.DedicatedHostID = "dh-bp1host0000000000001"
	expired := inst(idExpired, "redis-dev-220", "cn-shanghai", "cn-shanghai-e", model.StatusRunning,
		ev(idExpired, model.EventExpirationStop, model.CycleScheduled, 20*time.Hour))
	expired.ChargeType, expired.ExpiredTime = model.PrePaid, sim.Epoch.Add(-2*time.Hour)
	failing := inst(idFailing, "hdfs-dn-prod-310", "cn-shanghai", "cn-shanghai-f", model.StatusRunning,
		ev(idFailing, model.EventFailureReboot, model.CycleExecuting, -5*time.Minute))
	failing.InstanceType, failing.Family, failing.LocalStorageAmount, failing.LocalStorageCapacity = "ecs.d1.2xlarge", "ecs.d1", 4, 22000
	stopping := inst(idStopping, "worker-staging-5", "cn-beijing", "cn-beijing-g", model.StatusStopping,
		ev(idStopping, model.EventMaintenanceReboot, model.CycleScheduled, 90*time.Minute))

	f := sim.Generate(7, 40, sim.Epoch)
	f.Instances = append([]model.Instance{plain, stopped, local, locked, host, expired, failing, stopping}, f.Instances...)
	return f
}

// harness is one console over the scenario on a stopped clock.
type harness struct {
	t       *testing.T
	clock   *sim.StepClock
	engine  *sim.Engine
	backend *counting
	view    *fleet.Hub
	id      backend.Identity
}

func newHarness(t *testing.T, opts sim.Options, readOnly bool) *harness {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(scenario(), clock, opts)
	c := &counting{Backend: sim.NewBackend(eng)}
	id := backend.Identity{Name: "test", Role: backend.RoleOperator}
	if readOnly {
		id.Role = backend.RoleViewer
	}
	v := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clock: clock, engine: eng, backend: c, view: v, id: id}
}

// asciiRenderer is a renderer with no colours, like NO_COLOR.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

func (h *harness) model() *Model {
	m := New(Deps{
		Fleet:    h.view,
		Now:      h.clock.Now,
		Wall:     h.clock.Now,
		Renderer: asciiRenderer(),
		Identity: h.id,
		Tick:     -1,
	})
	h.t.Cleanup(m.Close)
	return m
}

// row is instance id's row in the hub's latest snapshot: what every session is shown.
func (h *harness) row(id string) *fleet.Row {
	h.t.Helper()
	for _, r := range h.view.Snapshot().Rows {
		if r.Inst.ID == id {
			return r
		}
	}
	h.t.Fatalf("the hub does not list %s", id)
	return nil
}

// poll advances the clock and lets the tracker look at the tasks once.
func (h *harness) poll(d time.Duration) {
	h.clock.Advance(d)
	h.view.PollTasks(context.Background())
}

// Key helpers for Update tests and teatest.

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keyTab   = tea.KeyMsg{Type: tea.KeyTab}
	keySpace = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
)
