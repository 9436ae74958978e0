package ui

import (
	"ecs-redeploy/model"
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

func TestFirstBadgeBeatsABareCount(t *testing.T) {
	st := NewStyles(asciiRenderer())
	for _, c := range []struct {
		badges []model.Badge
		width  int
		want   string
	}{
		{[]model.Badge{"IN PROGRESS", "LOCAL DISK"}, 11, "IN PROGRESS"},
		{[]model.Badge{"IN PROGRESS", "LOCAL DISK"}, 13, "IN PROGRESS  "},
		{[]model.Badge{"IN PROGRESS", "LOCAL DISK"}, 14, "IN PROGRESS +1"},
		{[]model.Badge{"BLOCKED", "LOCAL DISK", "EXPIRED"}, 11, "BLOCKED +2 "},
		{[]model.Badge{"SECURITY LOCK"}, 11, "SECURITY L…"},
	} {
		if _, got := badgeCell(c.badges, false, c.width, &st); got != c.want {
			t.Errorf("%q in %d columns: %q, want %q", c.badges, c.width, got, c.want)
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
