package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// A half-loaded fleet never looks complete (tester2 #5): at every width the header keeps
// "loading 1/10" (its short form on narrow screens) while the blocked and in-progress
// counts leave first, and it claims no "listed Ns ago" for regions never listed.
func TestHeaderHalfLoaded(t *testing.T) {
	for _, w := range []int{200, 120, 80, 60, 40} {
		t.Run(strings.TrimSpace(itoaW(w)), func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			m := h.model()
			m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			s := *h.view.Snapshot()
			s.Fresh.Regions, s.Fresh.Loaded = 10, 1
			s.Fresh.Throttled = true
			s.Fresh.FullEvery = 3 * time.Minute
			m.Update(snapshotMsg{&s})
			line := m.headerLine()
			if w >= 60 && !strings.Contains(line, "loading 1/10") {
				t.Errorf("width %d: header %q lost the loading progress", w, line)
			}
			if strings.Contains(line, "listed") && strings.Contains(line, "ago") {
				t.Errorf("width %d: header %q claims a listing time for a fleet not yet listed", w, line)
			}
			if strings.Contains(line, "blocked") && !strings.Contains(line, "loading 1/10") {
				t.Errorf("width %d: header %q keeps blocked but not the loading progress", w, line)
			}
			golden.RequireEqual(t, []byte(line+"\n"))
		})
	}
}

func itoaW(w int) string {
	return map[int]string{200: "200", 120: "120", 80: "80", 60: "60", 40: "40"}[w]
}

// The demo keeps no API budget: its header says so in the cadence it plans (tester2 #7).
func TestHeaderDemoUnbudgeted(t *testing.T) {
	for _, w := range []int{200} {
		h := newHarness(t, sim.Options{}, false)
		m := h.model()
		m.deps.Unbudgeted = true
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		s := *h.view.Snapshot()
		s.Fresh.FullEvery = 5 * time.Minute // --api-budget 10
		m.Update(snapshotMsg{&s})
		if line := m.headerLine(); !strings.Contains(line, "(every 5m; demo: no API budget)") {
			t.Errorf("width %d: header %q claims a cadence without saying the demo is unbudgeted", w, line)
		}
	}
}

// A listing waiting on a network that does not answer says so, how long it has waited
// and when it gives up, instead of a bare "loading the fleet…" (tester2 #16).
func TestLoadingSaysItWaits(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	h := newHarness(t, sim.Options{}, false)
	m := New(Deps{Fleet: h.view, Now: clock.Now, Wall: clock.Now, Renderer: asciiRenderer(),
		Identity: h.id, Tick: -1, GivesUpAfter: 31 * time.Second})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	loading := &fleet.Snapshot{Loading: true, Since: clock.Now()}
	m.Update(snapshotMsg{loading})
	if v := m.View(); !strings.Contains(v, "loading the fleet") || strings.Contains(v, "waiting") {
		t.Fatalf("at once: want a bare loading line, got\n%s", v)
	}
	clock.Advance(12 * time.Second)
	m.Update(clockMsg{})
	v := m.View()
	for _, want := range []string{"waiting 12s for ECS to answer", "gives up", "after about 31s"} {
		if !strings.Contains(v, want) {
			t.Errorf("after 12s the screen lacks %q:\n%s", want, v)
		}
	}
	golden.RequireEqual(t, []byte(v))
}
