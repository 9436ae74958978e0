package ui_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"weak"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui"
)

// churning renames a few instances on every listing, so each refresh publishes rows that
// are new, as a live account's would be.
type churning struct {
	backend.Backend
	round int
}

func (c *churning) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	ins, err := c.Backend.Instances(ctx, q)
	if len(q.InstanceIDs) == 0 {
		c.round++
		for i := c.round % 50; i < len(ins); i += 50 {
			ins[i].Name += "-r" + strconv.Itoa(c.round)
		}
	}
	return ins, err
}

// session drives one console the way Bubble Tea does: every command runs, and its message
// goes back into Update. No timers: Tick is off, so the only command that waits is the one
// for the next snapshot.
type session struct {
	m    tea.Model
	msgs chan tea.Msg
}

func (s *session) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { s.msgs <- cmd() }()
}

// next handles messages (waiting for them) until one snapshot has reached the model, and
// renders it.
func (s *session) next() {
	for {
		msg := <-s.msgs
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				s.run(c)
			}
			continue
		}
		if msg == nil {
			continue
		}
		_, cmd := s.m.Update(msg)
		s.run(cmd)
		if fmt.Sprintf("%T", msg) == "ui.snapshotMsg" {
			_ = s.m.View()
			return
		}
	}
}

// TestSoakMemoryStaysFlat refreshes a churning fleet with a console open on it and checks
// that no old snapshot, and so no old listing, stays alive: the heap after the last
// refresh is within 10% of the heap after the warm-up, and a row of the first snapshot is
// collected once newer ones replaced it. The long version (10 minutes at 100,000) is in
// docs/performance.md.
func TestSoakMemoryStaysFlat(t *testing.T) {
	n, rounds := 20000, 60
	if testing.Short() {
		n, rounds = 5000, 30
	}
	if v := os.Getenv("SOAK_INSTANCES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, n, sim.Epoch), clock, sim.Options{Seed: 1})
	hub := fleet.New(&churning{Backend: sim.NewBackend(eng)}, fleet.Options{Now: clock.Now, Wall: clock.Now})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := ui.New(ui.Deps{Fleet: hub, Now: clock.Now, Wall: clock.Now, Renderer: r, Tick: -1, Context: ctx,
		Identity: backend.Identity{Name: "soak", Role: backend.RoleOperator}})
	s := &session{m: m, msgs: make(chan tea.Msg, 16)}
	s.run(m.Init())
	s.next() // the loading snapshot
	_, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})

	refresh := func() {
		clock.Advance(5e9)
		if err := hub.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		s.next()
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	refresh()
	first := weak.Make(hub.Snapshot().Rows[0])
	for range 5 {
		refresh()
	}
	warm := heap()
	for range rounds {
		refresh()
	}
	end := heap()
	t.Logf("%d instances: heap %.1f MiB after warm-up, %.1f MiB after %d more refreshes", n, float64(warm)/(1<<20), float64(end)/(1<<20), rounds)
	if float64(end) > 1.10*float64(warm) {
		t.Fatalf("heap grew from %d to %d bytes over %d refreshes", warm, end, rounds)
	}
	if first.Value() != nil {
		t.Fatal("a row of the first snapshot is still alive after 60 newer snapshots")
	}
	m.Close()
}
