package ui

import (
	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
)

// typed runs a command line as typed: :, the text, enter.
func typed(m *Model, line string) {
	press(m, runes(":"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(line), Paste: true})
	press(m, keyEnter)
}

// Issue 13: :region scopes this session in place (tab completes), :sort sorts, :q quits,
// and the header says the scope is the session's.
func TestCommandLine(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	press(m, runes(":"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("region cn-sha"), Paste: true})
	press(m, tea.KeyMsg{Type: tea.KeyTab})
	if v := m.View(); !strings.Contains(v, ":region cn-shanghai,") {
		t.Fatalf("tab did not complete the region:\n%s", v)
	}
	press(m, keyEnter)
	if m.mode != modeList || m.list.Len() == 0 {
		t.Fatalf("mode %d, %d rows", m.mode, m.list.Len())
	}
	if hd := m.headerLine(); !strings.Contains(hd, "scope cn-shanghai (:region)") || !strings.Contains(hd, itoa(m.list.Len())+" pending") {
		t.Errorf("header %q does not say the session's scope", hd)
	}
	if v := m.View(); strings.Contains(v, "cn-hangzhou-") {
		t.Errorf("a cn-hangzhou row in a cn-shanghai scope:\n%s", v)
	}
	typed(m, "region all")
	if m.list.Len() != len(m.snap.Rows) {
		t.Errorf(":region all shows %d of %d", m.list.Len(), len(m.snap.Rows))
	}
	typed(m, "sort name")
	if !strings.Contains(m.list.InfoLine(), "sort name") {
		t.Errorf(":sort name: %s", m.list.InfoLine())
	}
	typed(m, "sort nonsense")
	if !strings.Contains(m.notice, "no such column") {
		t.Errorf(":sort nonsense said %q", m.notice)
	}
	press(m, runes(":"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q"), Paste: true})
	_, cmd := m.Update(keyEnter)
	quit := false
	for _, msg := range run(cmd) {
		_, next := m.Update(msg)
		for _, q := range run(next) {
			_, quit = q.(tea.QuitMsg)
		}
	}
	if !quit {
		t.Error(":q did not quit")
	}
}

// A region outside the hub's --region scope cannot be shown by a session's view over the
// hub: :region says so and changes nothing.
func TestRegionOutsideTheHubsScopeIsRefusedAndSaid(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(scenario(), clock, sim.Options{})
	hub := fleet.New(sim.NewBackend(eng), fleet.Options{Regions: []string{"cn-hangzhou"}, Now: clock.Now, Wall: clock.Now})
	if err := hub.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := New(Deps{Fleet: hub, Now: clock.Now, Renderer: asciiRenderer(), Tick: -1,
		Identity: backend.Identity{Name: "test", Role: backend.RoleOperator}})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{hub.Snapshot()})
	before := m.list.Len()
	typed(m, "region cn-shanghai")
	if !strings.Contains(m.notice, "outside this console's scope (cn-hangzhou)") || m.list.Len() != before {
		t.Fatalf("notice %q, %d rows (was %d)", m.notice, m.list.Len(), before)
	}
}

// Issue 22: :region refuses a region that does not exist, with a suggestion, as --region
// does (model.CheckRegion), instead of showing "0 pending" for a typo.
func TestRegionTypoIsRefusedWithASuggestion(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	for _, r := range h.engine.Regions() {
		m.deps.Regions = append(m.deps.Regions, r.RegionID)
	}
	typed(m, "region cn-shangai")
	if !strings.Contains(m.notice, "did you mean cn-shanghai?") || m.list.Regions() != nil {
		t.Errorf(":region cn-shangai said %q and scoped to %v", m.notice, m.list.Regions())
	}
	typed(m, "region eu-nowhere-9")
	if !strings.Contains(m.notice, "no such region") || m.list.Regions() != nil {
		t.Errorf(":region eu-nowhere-9 said %q and scoped to %v", m.notice, m.list.Regions())
	}
	typed(m, "region cn-shanghai")
	if got := m.list.Regions(); len(got) != 1 || got[0] != "cn-shanghai" {
		t.Errorf(":region cn-shanghai scoped to %v (%q)", got, m.notice)
	}
}
