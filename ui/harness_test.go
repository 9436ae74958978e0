package ui

import (
	"context"
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
	"ecs-redeploy/ui/internal/uitest"
)

func TestMain(m *testing.M) {
	// Goldens must not depend on the terminal the tests run in.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// counting wraps a Backend and counts the redeploys that reach it. With hold set, each
// redeploy says so on entered and waits until hold is closed: a RedeployInstance call that
// has not answered.
type counting struct {
	backend.Backend
	redeploys atomic.Int32
	hold      chan struct{}
	entered   chan struct{}
}

func (c *counting) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	c.redeploys.Add(1)
	if c.hold != nil {
		c.entered <- struct{}{}
		<-c.hold
	}
	return c.Backend.Redeploy(ctx, r)
}

// holdRedeploys makes every redeploy wait in the backend until the returned release.
func (h *harness) holdRedeploys() (release func()) {
	h.backend.hold, h.backend.entered = make(chan struct{}), make(chan struct{}, 16)
	return func() { close(h.backend.hold) }
}

// awaitCall waits until a held redeploy has reached the backend: the hub has marked its
// row submitting before it calls.
func (h *harness) awaitCall() {
	h.t.Helper()
	select {
	case <-h.backend.entered:
	case <-time.After(10 * time.Second):
		h.t.Fatal("the redeploy never reached the backend")
	}
}

// Instances of the scenario (uitest), named for what they show.
const (
	idPlain    = uitest.IDPlain
	idStopped  = uitest.IDStopped
	idLocal    = uitest.IDLocal
	idLocked   = uitest.IDLocked
	idHost     = uitest.IDHost
	idExpired  = uitest.IDExpired
	idFailing  = uitest.IDFailing
	idStopping = uitest.IDStopping
)

func scenario() *sim.Fleet { return uitest.Scenario() }

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

func asciiRenderer() *lipgloss.Renderer { return uitest.AsciiRenderer() }

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
	// keyShiftTab moves the dialog's focus back; keyCtrlU clears a text field.
	keyShiftTab = tea.KeyMsg{Type: tea.KeyShiftTab}
	keyCtrlU    = tea.KeyMsg{Type: tea.KeyCtrlU}
)

// step lets the hub's plans take a step, as its runner does on every snapshot, and shows m
// the snapshot after it.
func (h *harness) step(m *Model) {
	h.view.StepPlans()
	m.Update(snapshotMsg{h.view.Snapshot()})
}

// withPausedPlan is s with one more plan, paused on a failure: what every session's
// snapshot says while a batch waits for an answer.
func withPausedPlan(s *fleet.Snapshot) *fleet.Snapshot {
	c := *s
	c.Plans = append(append([]fleet.PlanStatus(nil), s.Plans...), fleet.PlanStatus{PlanRecord: fleet.PlanRecord{ID: "p-test",
		Phase: fleet.PhasePaused, Stopped: idFailing + " failed: Failed: host maintenance failed",
		Identity: backend.Identity{Name: "op", Role: backend.RoleOperator}}, Settled: true})
	return &c
}
