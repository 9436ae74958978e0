package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/common"
)

// pausedBatch confirms a batch of the four kafka-harness instances on a simulator where
// every redeploy fails, and steps it until the first failures pause it.
func pausedBatch(t *testing.T) (*harness, *Model) {
	t.Helper()
	h, _ := kafkaHarnessWith(t, sim.Options{FailureRate: 1})
	m := ready(t, h)
	press(m, keySpace, keySpace, keySpace, keySpace, runes("R"))
	press(m, keyTab, runes(common.Itoa(4)), keyEnter, keyEnter)
	h.poll(10 * time.Minute)
	feed(m, m.stepPlans())
	if m.paused == nil {
		t.Fatalf("the batch did not pause; notice %q", m.notice)
	}
	return h, m
}

// A step that read the paused batch before c was answered, and lands after (a reviewer's
// find): it must not pause the batch again, nor ask again.
func TestAStepFromBeforeContinueDoesNotPauseAgain(t *testing.T) {
	h, m := pausedBatch(t)
	old := run(m.stepPlans()) // read while paused
	answer := m.handleKey(runes("c"))
	for _, msg := range old {
		m.Update(msg)
	}
	if m.paused != nil || strings.Contains(m.notice, "batch paused") {
		t.Fatalf("a step from before c paused the batch again; notice %q", m.notice)
	}
	feed(m, answer)
	if n := h.backend.redeploys.Load(); n != 3 || m.paused != nil {
		t.Fatalf("after c: %d calls (want the next kafka member sent), paused %v", n, m.paused != nil)
	}
	// The same step, landing after the answer was saved, is old news too.
	for _, msg := range old {
		m.Update(msg)
	}
	if m.paused != nil {
		t.Fatal("a step from before the answer paused the batch again after it was saved")
	}
}

// Two batches paused at once: the console asks about one until it is answered, instead of
// the two taking turns at c and x, each with its notice again, on every step.
func TestTwoPausedBatchesAreAskedAboutInTurn(t *testing.T) {
	h, ids := kafkaHarnessWith(t, sim.Options{FailureRate: 1})
	var plans []*fleet.Plan
	for _, pair := range [][]string{{ids[0], ids[3]}, {ids[1], ids[2]}} {
		p, err := h.view.NewPlan(pair, fleet.PlanOptions{OnFailure: fleet.FailurePause, MaxInFlight: 1, Identity: h.id, Submit: h.view.Redeploy})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		plans = append(plans, p)
	}
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: asciiRenderer(), Identity: h.id, Tick: -1,
		Resumed: plans})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for i := 0; i < 4 && m.paused == nil; i++ {
		feed(m, m.stepPlans())
		h.poll(10 * time.Minute)
	}
	feed(m, m.stepPlans())
	first := m.paused
	if first == nil {
		t.Fatalf("no batch paused; notice %q", m.notice)
	}
	for _, p := range plans {
		if r := m.looks[p].rec; r.Phase != fleet.PhasePaused {
			t.Fatalf("both batches should be paused, one is %q: %+v / %q", r.Phase, p.Record(), m.notice)
		}
	}
	m.notice = ""
	for i := 0; i < 3; i++ {
		feed(m, m.stepPlans())
		if m.paused != first || m.notice != "" {
			t.Fatalf("step %d: the paused batch asked about changed (notice %q)", i, m.notice)
		}
	}
	feed(m, m.handleKey(runes("x")))
	feed(m, m.stepPlans())
	if m.paused == nil || m.paused == first || !strings.Contains(m.notice, "batch paused") {
		t.Fatalf("once the first is answered, the second should be asked about; notice %q", m.notice)
	}
}

// A console that keeps no plans (serve, --demo) must not offer redeploy --resume for a
// batch's unsent instances: there is nothing to resume.
func TestQuitWithoutAPlanStoreOffersNoResume(t *testing.T) {
	_, m := pausedBatch(t)
	m.Update(runes("q"))
	if !strings.Contains(m.notice, "not sent yet") || strings.Contains(m.notice, "--resume") {
		t.Fatalf("quit notice %q", m.notice)
	}
	if bye := m.Farewell(); !strings.Contains(bye, "not sent yet") || strings.Contains(bye, "--resume") {
		t.Fatalf("farewell %q", bye)
	}
}
