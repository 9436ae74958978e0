package ui_test

import (
	"context"
	"io"
	"runtime"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui"
)

func heapNow() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

func TestZZStartupProfile(t *testing.T) {
	n := 100000
	t0 := time.Now()
	h0 := heapNow()
	now := time.Now().UTC().Truncate(time.Second)
	f := sim.Generate(1, n, now)
	t1 := time.Now()
	h1 := heapNow()
	eng := sim.New(f, sim.RealClock{}, sim.Options{Seed: 1})
	t2 := time.Now()
	h2 := heapNow()
	f = nil
	h2b := heapNow()
	hub := fleet.New(backend.Guard(sim.NewBackend(eng)), fleet.Options{Now: eng.Now})
	ctx := context.Background()
	t3 := time.Now()
	if err := hub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	t4 := time.Now()
	h4 := heapNow()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := ui.New(ui.Deps{Fleet: hub, Now: eng.Now, Renderer: r, Tick: -1, Context: ctx,
		Identity: backend.Identity{Name: "x", Role: backend.RoleOperator}})
	s := &session{m: m, msgs: make(chan tea.Msg, 16)}
	_, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	t5 := time.Now()
	s.run(m.Init())
	s.next()
	t6 := time.Now()
	h6 := heapNow()
	t.Logf("generate %v (%.1f MiB), engine %v (%.1f MiB, %.1f after fleet dropped), refresh %v (%.1f MiB), first view %v (%.1f MiB); base %.1f",
		t1.Sub(t0), h1-h0, t2.Sub(t1), h2-h1, h2b-h0, t4.Sub(t3), h4-h2b, t6.Sub(t5), h6-h4, h0)
	runtime.KeepAlive(eng)
	runtime.KeepAlive(hub)
	runtime.KeepAlive(m)
}
