package ui_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui"
)

// sessionHeap is the heap, in bytes, that each of n consoles keeps on a hub of size
// instances once it has shown the fleet and one refresh whose rows are new: what the heap
// grows by with n sessions, less what it grows by with none.
func sessionHeap(t *testing.T, size, n int) float64 {
	return (heapGrowth(t, size, n) - heapGrowth(t, size, 0)) / float64(n)
}

func heapGrowth(t *testing.T, size, n int) float64 {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, size, sim.Epoch), clock, sim.Options{Seed: 1})
	hub := fleet.New(&churning{Backend: sim.NewBackend(eng)}, fleet.Options{Now: clock.Now, Wall: clock.Now})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := hub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	sessions := make([]*session, n)
	for i := range sessions {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.Ascii)
		m := ui.New(ui.Deps{Fleet: hub, Now: clock.Now, Wall: clock.Now, Renderer: r, Tick: -1, Context: ctx,
			Identity: backend.Identity{Name: "viewer", Role: backend.RoleViewer}})
		s := &session{m: m, msgs: make(chan tea.Msg, 16)}
		s.run(m.Init())
		s.next()
		_, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		_ = m.View()
		sessions[i] = s
	}
	clock.Advance(5e9)
	if err := hub.Refresh(ctx); err != nil { // the churning backend: new rows
		t.Fatal(err)
	}
	for _, s := range sessions {
		s.next()
	}
	after := heap()
	for _, s := range sessions {
		s.m.(*ui.Model).Close()
	}
	runtime.KeepAlive(hub)
	return float64(after) - float64(before)
}

// Issue 20: a served session costs what the session needs, not a share of the fleet: what
// is the same for every session (sorted rows, counts) is the hub's, so an idle session on
// 40,000 instances keeps no more than one on 400.
func TestAnIdleSessionCostsTheSameAtAnyFleetSize(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 40,000 instances")
	}
	const n = 20
	small, large := sessionHeap(t, 400, n), sessionHeap(t, 40000, n)
	t.Logf("heap per idle session: %.0f KiB at 400 instances, %.0f KiB at 40,000", small/1024, large/1024)
	if large > small+64<<10 {
		t.Fatalf("an idle session keeps %.0f KiB at 40,000 instances, %.0f KiB at 400: it holds a share of the fleet", large/1024, small/1024)
	}
}
