package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/common"
)

// fortyHarness is a console's world of 40 Running instances, none in a deployment set,
// across three zones, each with a scheduled redeploy event, deadlines a minute apart.
func fortyHarness(t *testing.T) *harness {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}}
	for i := range 40 {
		id := fmt.Sprintf("i-bp1web%015d", i+1)
		f.Instances = append(f.Instances, model.Instance{ID: id, Name: fmt.Sprintf("web-%02d", i+1), RegionID: "cn-hangzhou",
			ZoneID: "cn-hangzhou-" + string(rune('h'+i%3)), InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning,
			Events: []model.Event{{ID: fmt.Sprintf("e-web%02d", i+1), InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Hour + time.Duration(i)*time.Minute),
				PublishTime: sim.Epoch.Add(-time.Hour)}}})
	}
	eng := sim.New(f, clock, sim.Options{})
	c := &counting{Backend: sim.NewBackend(eng)}
	v := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clock: clock, engine: eng, backend: c, view: v, id: backend.Identity{Name: "test", Role: backend.RoleOperator}}
}

// openForty selects all 40 instances of a 120x40 console and opens the batch dialog.
func openForty(t *testing.T, h *harness) *Model {
	t.Helper()
	m := ready(t, h)
	for range 40 {
		press(m, keySpace)
	}
	press(m, runes("R"))
	if m.mode != modeDialog || len(m.dialog.Targets()) != 40 {
		t.Fatalf("no dialog for the 40 selected; notice %q", m.notice)
	}
	return m
}

// Issue 11: a 40-target batch at 120x40 used to say how large the terminal must be and
// could not be confirmed. Its target list scrolls inside the dialog; it arms only once
// every target was on screen, then on the typed count.
func TestConsoleBatchOfFortyScrollsAndArmsOnceAllWereShown(t *testing.T) {
	h := fortyHarness(t)
	m := openForty(t, h)
	v := m.View()
	for _, want := range []string{"of 40 (↑/↓ scroll)", "> Cancel <", "(type it here)", "Redeploy 40 (type to arm)",
		"40 instances: Running", "not armed until every target was shown", "↑/↓ scroll targets"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the dialog lacks %q:\n%s", want, v)
		}
	}
	press(m, keyTab, runes("40"), keyEnter, keyEnter)
	if n := h.backend.redeploys.Load(); n != 0 || m.mode != modeDialog {
		t.Fatalf("a batch whose targets were not all shown was confirmed: %d calls", n)
	}
	if !strings.Contains(m.View(), "enter did nothing: Redeploy is not armed until every target was shown") {
		t.Fatalf("enter did not say why:\n%s", m.View())
	}
	for i := 0; i < 40 && !m.dialog.AllShown(); i++ {
		press(m, tea.KeyMsg{Type: tea.KeyDown})
	}
	if v := m.View(); !strings.Contains(v, "–40 of 40 (↑/↓ scroll)") || !strings.Contains(v, "i-bp1web000000000000040") {
		t.Fatalf("↓ did not reach the last target:\n%s", v)
	}
	press(m, keyEnter) // the field still holds 40: arms and focuses Redeploy
	press(m, keyEnter)
	if n := h.backend.redeploys.Load(); n != int32(fleet.DefaultMaxInFlight) {
		t.Fatalf("first wave: %d calls, want %d; notice %q", n, fleet.DefaultMaxInFlight, m.notice)
	}
}

// Issue 11: + in the batch dialog raises "at most N at once", and the plan that runs has
// that MaxInFlight: its first wave sends that many.
func TestConsoleBatchPlusRaisesMaxInFlight(t *testing.T) {
	h := fortyHarness(t)
	m := openForty(t, h)
	for range 40 {
		press(m, tea.KeyMsg{Type: tea.KeyDown})
	}
	press(m, keyTab, runes("40"))
	press(m, runes("+"), runes("+"))
	if !strings.Contains(m.View(), "at most 5 at once") || m.dialog.Typed() != "" {
		t.Fatalf("+ did not raise the limit or keep the typed count (%q):\n%s", m.dialog.Typed(), m.View())
	}
	press(m, keyTab, runes(common.Itoa(40)), keyEnter, keyEnter)
	if n := h.backend.redeploys.Load(); n != 5 {
		t.Fatalf("first wave: %d calls, want 5; notice %q", n, m.notice)
	}
	if ps := h.view.Plans(); len(ps) != 1 || ps[0].MaxInFlight != 5 {
		t.Fatalf("the plan's record does not say 5 at once: %+v", ps)
	}
}
