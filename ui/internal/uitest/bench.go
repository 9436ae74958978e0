package uitest

import (
	"context"
	"runtime"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// BenchSizes are the fleet sizes the console's benchmarks compare: a budget holds "flat
// from 1k to 100k".
var BenchSizes = []int{1000, 10000, 100000}

// BenchFleet is a hub, refreshed once, over a generated fleet on a stepped clock.
type BenchFleet struct {
	Clock *sim.StepClock
	Hub   *fleet.Hub
}

var (
	benchMu     sync.Mutex
	benchFleets = map[int]*BenchFleet{}
)

// FleetOf builds (once per size and test binary) a hub over a generated fleet of n
// instances (seed 1).
func FleetOf(b *testing.B, n int) *BenchFleet {
	benchMu.Lock()
	defer benchMu.Unlock()
	if f, ok := benchFleets[n]; ok {
		return f
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, n, sim.Epoch), clock, sim.Options{Seed: 1})
	h := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	f := &BenchFleet{Clock: clock, Hub: h}
	benchFleets[n] = f
	return f
}

// Settle collects the garbage of building a 100,000-instance fleet before the clock
// starts, so that the first run does not pay for the setup.
func Settle(b *testing.B) {
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
}

// CursorKey walks down 500 rows and back up, so the window scrolls as it would in use.
func CursorKey(i int) tea.KeyMsg {
	if (i/500)%2 == 0 {
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyUp}
}
