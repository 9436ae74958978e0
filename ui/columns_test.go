package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
)

// The deadline is what the list is sorted by: no width may cut it.
func TestCountdownIsNeverCut(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}, {60, 20}} {
		h := newHarness(t, sim.Options{}, false)
		m := ready(t, h)
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		h.clock.Advance(time.Hour) // idFailing's deadline passed 5m before the epoch
		m.Update(clockMsg{})
		filterTo(m, idFailing)
		if v := m.View(); !strings.Contains(v, "overdue 1h05m") {
			t.Errorf("%dx%d: countdown cut:\n%s", size[0], size[1], v)
		}
	}
}

func TestAvoidedRowSaysSoWhereverItIsShown(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20}) // EV.STATUS has dropped
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	h.poll(10 * time.Minute)
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.View(); !strings.Contains(v, "avoided") {
		t.Fatalf("a finished redeploy's row does not say its event was avoided:\n%s", v)
	}
}
