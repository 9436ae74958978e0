package list

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

var benchSizes = []int{1000, 10000, 100000}

var (
	benchMu     sync.Mutex
	benchFleets = map[int]*benchFleet{}
)

type benchFleet struct {
	clock *sim.StepClock
	view  *fleet.Hub
}

// fleetOf builds (once per size) a hub over a generated fleet of n instances.
func fleetOf(b *testing.B, n int) *benchFleet {
	benchMu.Lock()
	defer benchMu.Unlock()
	if f, ok := benchFleets[n]; ok {
		return f
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(1, n, sim.Epoch), clock, sim.Options{Seed: 1})
	v := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	f := &benchFleet{clock: clock, view: v}
	benchFleets[n] = f
	return f
}

// settle collects the garbage of building a 100,000-instance fleet before the clock
// starts, so that the first run does not pay for the setup.
func settle(b *testing.B) {
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
}

// cursorKey walks down 500 rows and back up, so the window scrolls as it would in use.
func cursorKey(i int) tea.KeyMsg {
	if (i/500)%2 == 0 {
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyUp}
}

// BenchmarkListKeypress is the list component alone: Update+View for one cursor key.
func BenchmarkListKeypress(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := fleetOf(b, n)
			l := New(uitest.Common(f.clock.Now(), 120, 35))
			l.SetSize(120, 35)
			l.SetSnapshot(f.view.Snapshot())
			l.View()
			settle(b)
			for i := 0; i < b.N; i++ {
				l.Update(cursorKey(i))
				_ = l.View()
			}
		})
	}
}

// BenchmarkKeypressTable is the same rows through bubbles/table, for comparison.
func BenchmarkKeypressTable(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := fleetOf(b, n)
			now := f.clock.Now()
			lay := newLayout(120, 22)
			cols := make([]table.Column, len(lay.cols))
			for i, c := range lay.cols {
				cols[i] = table.Column{Title: c.title, Width: c.width}
			}
			snap := f.view.Snapshot()
			rows := make([]table.Row, len(snap.Rows))
			for i, r := range snap.Rows {
				ev := ""
				cycle := ""
				if r.Event != nil {
					ev, cycle = shortEventType(r.Event.Type), string(r.Event.CycleStatus)
				}
				// One cell per column the layout keeps, as our list shows them.
				row := make(table.Row, len(lay.cols))
				for j, c := range lay.cols {
					switch c.id {
					case colInstance:
						row[j] = r.Inst.ID
					case colName:
						row[j] = r.Inst.Name
					case colZone:
						row[j] = r.Inst.ZoneID
					case colStatus:
						row[j] = string(r.Inst.Status)
					case colEvent:
						row[j] = ev
					case colCycle:
						row[j] = cycle
					case colDeadline:
						row[j] = countdown(r, now)
					case colBadges:
						row[j] = model.JoinBadges(r.Badges, " ")
					}
				}
				rows[i] = row
			}
			t := table.New(table.WithColumns(cols), table.WithRows(rows), table.WithHeight(34), table.WithFocused(true))
			settle(b)
			for i := 0; i < b.N; i++ {
				t, _ = t.Update(cursorKey(i))
				_ = t.View()
			}
		})
	}
}

// BenchmarkSnapshot is what one session's list spends on a new snapshot of 100,000 instances:
// under serve, every session pays it once per refresh (5 s) and per task change.
func BenchmarkSnapshot(b *testing.B) {
	b.Run("100000", func(b *testing.B) {
		f := fleetOf(b, 100000)
		l := New(uitest.Common(f.clock.Now(), 120, 35))
		l.SetSize(120, 35)
		l.SetSnapshot(f.view.Snapshot())
		// Two refreshes, so that the list really changes snapshot each time.
		snaps := []*fleet.Snapshot{f.view.Snapshot(), nil}
		if err := f.view.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
		snaps[1] = f.view.Snapshot()
		l.move(500)
		settle(b)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			clear(l.cache) // as if every row were new
			b.StartTimer()
			l.SetSnapshot(snaps[i%2])
			_ = l.View()
		}
	})
}
