package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/components/log"
)

// pausedBatch confirms a batch of the four kafka-harness instances on a simulator where
// every redeploy fails, and lets the hub step it until the first failures pause it.
func pausedBatch(t *testing.T) (*harness, *Model) {
	t.Helper()
	h, _ := kafkaHarnessWith(t, sim.Options{FailureRate: 1})
	m := ready(t, h)
	press(m, keySpace, keySpace, keySpace, keySpace, runes("R"))
	press(m, keyTab, runes(common.Itoa(4)), keyEnter, keyEnter)
	h.poll(10 * time.Minute)
	h.step(m)
	if m.pausedPlan() == nil {
		t.Fatalf("the batch did not pause; notice %q", m.notice)
	}
	return h, m
}

// Issue 19: a batch belongs to the team. A paused batch shows in every operator's session,
// and another operator's c continues it; the session that started it sees it go on. The
// answer is logged with who gave it.
func TestAPausedBatchIsAnsweredFromAnotherSession(t *testing.T) {
	h, alice := pausedBatch(t)
	bobID := backend.Identity{Name: "bob", Role: backend.RoleOperator}
	bob := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: asciiRenderer(), Identity: bobID, Tick: -1})
	t.Cleanup(bob.Close)
	bob.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	bob.Update(snapshotMsg{h.view.Snapshot()})
	if v := bob.View(); !strings.Contains(v, "BATCH PAUSED — c continues the rest, x aborts it") || !strings.Contains(v, "started by test (operator)") {
		t.Fatalf("bob's session does not show alice's paused batch:\n%s", v)
	}
	feed(bob, bob.handleKey(runes("c")))
	if n := h.backend.redeploys.Load(); n != 3 {
		t.Fatalf("after bob's c: %d calls, want the next kafka member sent", n)
	}
	alice.Update(snapshotMsg{h.view.Snapshot()})
	if alice.pausedPlan() != nil || !strings.Contains(alice.notice, "batch continued by bob (operator)") {
		t.Fatalf("alice's session: paused %v, notice %q", alice.pausedPlan() != nil, alice.notice)
	}
	if ps := h.view.Plans(); ps[0].Answered != "continued by bob (operator)" {
		t.Fatalf("the plan does not say who answered: %+v", ps[0])
	}
}

// Issue 19: a viewer sees a paused batch, and its c is refused below the UI, by the hub
// (Forbidden.Role), whatever the screen offered: the plan stays paused, nothing is sent.
func TestAViewersAnswerIsRefusedByTheHub(t *testing.T) {
	h, _ := pausedBatch(t)
	viewer := backend.Identity{Name: "eve", Role: backend.RoleViewer}
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: asciiRenderer(), Identity: viewer, Tick: -1})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.View(); !strings.Contains(v, "BATCH PAUSED — an operator continues (c) or aborts (x) it") {
		t.Fatalf("a viewer should see the paused batch:\n%s", v)
	}
	feed(m, m.handleKey(runes("c")))
	if m.notice != "batch answer refused: a viewer cannot continue or abort a paused batch; run without --read-only" {
		t.Fatalf("the viewer's c should come back refused by the hub; notice %q", m.notice)
	}
	ps := h.view.Plans()
	err := h.view.AnswerPlan(viewer, ps[0].ID, false)
	if !errors.Is(err, backend.ErrForbidden) {
		t.Fatalf("AnswerPlan for a viewer: %v, want Forbidden.Role", err)
	}
	h.view.StepPlans()
	if ps := h.view.Plans(); ps[0].Phase != fleet.PhasePaused || h.backend.redeploys.Load() != 2 {
		t.Fatalf("a viewer's answer moved the plan: %s, %d calls", ps[0].Phase, h.backend.redeploys.Load())
	}
}

// Two batches paused at once: the console asks about the first until it is answered, then
// about the second.
func TestTwoPausedBatchesAreAskedAboutInTurn(t *testing.T) {
	h, ids := kafkaHarnessWith(t, sim.Options{FailureRate: 1})
	var plans []string
	for _, pair := range [][]string{{ids[0], ids[3]}, {ids[1], ids[2]}} {
		st, err := h.view.StartPlan(pair, fleet.PlanOptions{OnFailure: fleet.FailurePause, MaxInFlight: 1, Identity: h.id})
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, st.ID)
	}
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: asciiRenderer(), Identity: h.id, Tick: -1})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for i := 0; i < 4; i++ {
		h.poll(10 * time.Minute)
		h.step(m)
	}
	for _, p := range h.view.Plans() {
		if p.Phase != fleet.PhasePaused {
			t.Fatalf("both batches should be paused, one is %q: %+v", p.Phase, p)
		}
	}
	if p := m.pausedPlan(); p == nil || p.ID != plans[0] {
		t.Fatalf("the console should ask about the first paused batch, asks %+v", p)
	}
	feed(m, m.handleKey(runes("x")))
	h.step(m)
	if p := m.pausedPlan(); p == nil || p.ID != plans[1] {
		t.Fatalf("once the first is answered, the second should be asked about; asks %+v", p)
	}
}

// Issue 22: a paused batch's question is never cut before what to do: it wraps, even at 40
// columns; the task panel's title says PAUSED, and the footer lists c and x first. The log
// keeps the pause as a pause, not as a refusal.
func TestAPausedBatchSaysWhatToDoInFull(t *testing.T) {
	h, m := pausedBatch(t)
	for _, size := range [][2]int{{200, 50}, {120, 40}, {80, 24}, {40, 12}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		v := m.View()
		flat := strings.Join(strings.Fields(v), " ")
		if !strings.Contains(flat, "c continues the rest, x aborts it") {
			t.Errorf("%dx%d: the question is cut:\n%s", size[0], size[1], v)
		}
		lines := strings.Split(v, "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		if foot := lines[len(lines)-1]; !strings.HasPrefix(strings.TrimSpace(foot), "c continue") {
			t.Errorf("%dx%d: the footer does not start with c/x: %q", size[0], size[1], foot)
		}
		if size[0] >= 80 && !strings.Contains(v, "batch PAUSED:") {
			t.Errorf("%dx%d: the task panel's title does not say paused:\n%s", size[0], size[1], v)
		}
	}
	var kinds []log.Kind
	for _, e := range m.log.Entries() {
		if strings.Contains(e.Text, "batch paused") {
			kinds = append(kinds, e.Kind)
		}
	}
	if len(kinds) != 1 || kinds[0] != log.Pause {
		t.Fatalf("the log should keep the pause once, as a pause: %v", kinds)
	}
	_ = h
}

// A console without a plan store (--demo) must not offer redeploy --resume for a batch's
// unsent instances: there is nothing to resume. Under serve they go on: the server runs the
// batch.
func TestQuitWithoutAPlanStoreOffersNoResume(t *testing.T) {
	_, m := pausedBatch(t)
	m.Update(runes("q"))
	if !strings.Contains(m.notice, "not sent yet") || strings.Contains(m.notice, "--resume") {
		t.Fatalf("quit notice %q", m.notice)
	}
	if bye := m.Farewell(); !strings.Contains(bye, "not sent yet") || strings.Contains(bye, "--resume") {
		t.Fatalf("farewell %q", bye)
	}
	m.deps.Shared = true
	m.Update(runes("j"))
	m.Update(runes("q"))
	if !strings.Contains(m.notice, "go on: the server runs the batch") {
		t.Fatalf("quit notice under serve %q", m.notice)
	}
}

var _ = context.Background

// Tester2's defect 4: the resume line printed on quit lacked --region ("no region: pass
// --region", exit 2, run as printed): it carries the console's scope with its account.
func TestFarewellResumeCarriesTheScope(t *testing.T) {
	_, m := pausedBatch(t)
	s := *m.snap
	s.PlansKept = true // a console with a state directory (pausedBatch's hub has none)
	m.snap = &s
	m.deps.AccountFlags = "--endpoint 127.0.0.1:18614"
	m.deps.ScopeFlags = "--endpoint 127.0.0.1:18614 --region cn-hangzhou"
	want := "ecs-redeploy redeploy --resume --wait --endpoint 127.0.0.1:18614 --region cn-hangzhou goes on"
	if bye := m.Farewell(); !strings.Contains(bye, want) {
		t.Fatalf("farewell %q, want %q", bye, want)
	}
}
