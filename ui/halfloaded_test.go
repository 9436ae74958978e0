package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

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

// The demo keeps no API budget: its header says so beside the cadence it plans, at 200
// columns, where the cadence shows (tester2 #7).
func TestHeaderDemoUnbudgeted(t *testing.T) {
	for _, w := range []int{200} {
		h := newHarness(t, sim.Options{}, false)
		m := h.model()
		m.deps.Unbudgeted = true
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		m.Update(snapshotMsg{h.view.Snapshot()})
		if line := m.headerLine(); !strings.Contains(line, "demo: no API budget") {
			t.Errorf("width %d: header %q does not say the demo is unbudgeted", w, line)
		}
	}
}
