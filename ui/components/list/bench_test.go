package list

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/charmbracelet/bubbles/table"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

// BenchmarkListKeypress is the list component alone: Update+View for one cursor key.
func BenchmarkListKeypress(b *testing.B) {
	for _, n := range uitest.BenchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := uitest.FleetOf(b, n)
			l := New(uitest.Common(f.Clock.Now(), 120, 35))
			l.SetSize(120, 35)
			l.SetSnapshot(f.Hub.Snapshot())
			l.View()
			uitest.Settle(b)
			for i := 0; i < b.N; i++ {
				l.Update(uitest.CursorKey(i))
				_ = l.View()
			}
		})
	}
}

// BenchmarkKeypressTable is the same rows through bubbles/table, for comparison.
func BenchmarkKeypressTable(b *testing.B) {
	for _, n := range uitest.BenchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := uitest.FleetOf(b, n)
			now := f.Clock.Now()
			lay := newLayout(120, 22)
			cols := make([]table.Column, len(lay.cols))
			for i, c := range lay.cols {
				cols[i] = table.Column{Title: c.title, Width: c.width}
			}
			snap := f.Hub.Snapshot()
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
			uitest.Settle(b)
			for i := 0; i < b.N; i++ {
				t, _ = t.Update(uitest.CursorKey(i))
				_ = t.View()
			}
		})
	}
}

// BenchmarkSnapshot is what one session's list spends on a new snapshot of 100,000 instances:
// under serve, every session pays it once per refresh (5 s) and per task change.
// "unchanged" is a refresh that changed nothing (the hub publishes the same rows);
// "changed" is one whose rows are new (a countdown crossed, an event came or went);
// "filtered" is the same with a filter, which is derived per session.
func BenchmarkSnapshot(b *testing.B) {
	for _, c := range []struct {
		name, filter string
		changed      bool
	}{{"100000/unchanged", "", false}, {"100000/changed", "", true}, {"100000/filtered", "prod", true}} {
		b.Run(c.name, func(b *testing.B) {
			f := uitest.FleetOf(b, 100000)
			l := New(uitest.Common(f.Clock.Now(), 120, 35))
			l.SetSize(120, 35)
			l.SetSnapshot(f.Hub.Snapshot())
			l.setFilter(c.filter)
			// Two refreshes, so that the list really changes snapshot each time.
			snaps := []*fleet.Snapshot{f.Hub.Snapshot(), nil}
			if err := f.Hub.Refresh(context.Background()); err != nil {
				b.Fatal(err)
			}
			snaps[1] = f.Hub.Snapshot()
			if c.changed {
				// New rows, as the hub publishes them: a new slice, the same order.
				s := *snaps[1]
				s.Rows = slices.Clone(s.Rows)
				snaps[1] = &s
			}
			l.move(500)
			uitest.Settle(b)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				clear(l.cache) // as if every row were new
				b.StartTimer()
				l.SetSnapshot(snaps[i%2])
				_ = l.View()
			}
		})
	}
}
