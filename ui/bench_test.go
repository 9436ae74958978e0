package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

func benchModel(b *testing.B, f *uitest.BenchFleet) *Model {
	m := New(Deps{Fleet: f.Hub, Now: f.Clock.Now, Wall: f.Clock.Now, Renderer: asciiRenderer(), Tick: -1})
	b.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{f.Hub.Snapshot()})
	return m
}

// BenchmarkKeypress is Update+View for one cursor key press.
func BenchmarkKeypress(b *testing.B) {
	for _, n := range uitest.BenchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchModel(b, uitest.FleetOf(b, n))
			m.View()
			uitest.Settle(b)
			for i := 0; i < b.N; i++ {
				m.Update(uitest.CursorKey(i))
				_ = m.View()
			}
		})
	}
}

// BenchmarkFrame is one animation frame while redeploys run: the spinner turns and the
// clock moves 100 ms, so countdowns change every tenth frame.
func BenchmarkFrame(b *testing.B) {
	b.Run("100000", func(b *testing.B) {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.New(sim.Generate(1, 100000, sim.Epoch), clock, sim.Options{Seed: 1})
		v := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
		ctx := context.Background()
		if err := v.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		started := 0
		for _, r := range v.Snapshot().Rows {
			if started == 3 {
				break
			}
			if r.Eligibility.Allowed {
				if _, err := v.Redeploy(ctx, backend.RedeployRequest{RegionID: r.Inst.RegionID, InstanceID: r.Inst.ID}); err != nil {
					b.Fatal(err)
				}
				started++
			}
		}
		v.PollTasks(ctx)
		m := New(Deps{Fleet: v, Now: clock.Now, Wall: clock.Now, Renderer: asciiRenderer(), Tick: -1})
		b.Cleanup(m.Close)
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m.Update(snapshotMsg{v.Snapshot()})
		if !m.animating() {
			b.Fatal("no task is animating")
		}
		m.View()
		uitest.Settle(b)
		for i := 0; i < b.N; i++ {
			clock.Advance(100 * time.Millisecond)
			m.Update(frameMsg{})
			_ = m.View()
		}
	})
}

// BenchmarkFilter is one key stroke typed into the filter over 100,000 instances: "first"
// is the first letter (a scan of the whole fleet), "typing" averages over a whole word.
func BenchmarkFilter(b *testing.B) {
	b.Run("100000/first", func(b *testing.B) {
		m := benchModel(b, uitest.FleetOf(b, 100000))
		m.Update(runes("/"))
		uitest.Settle(b)
		for i := 0; i < b.N; i++ {
			m.Update(runes("k"))
			_ = m.View()
			b.StopTimer()
			m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
			b.StartTimer()
		}
	})
	b.Run("100000/typing", func(b *testing.B) {
		m := benchModel(b, uitest.FleetOf(b, 100000))
		const word = "kafka-prod"
		m.Update(runes("/"))
		uitest.Settle(b)
		for i := 0; i < b.N; i++ {
			k := i % len(word)
			if k == 0 && i > 0 {
				b.StopTimer()
				m.Update(tea.KeyMsg{Type: tea.KeyEsc})
				m.Update(runes("/"))
				b.StartTimer()
			}
			m.Update(runes(word[k : k+1]))
			_ = m.View()
		}
	})
}
