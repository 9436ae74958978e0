package ui

import (
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// Update and View must never wait for a plan's lock (a reviewer's find): a step holds it
// across the plan's save, an fsync that can take seconds on a busy disk, and the relayout
// asked the plan for its Summary. Here the plan's lock is held by a Start whose transition
// callback does not return (it runs under the lock, as a save does); the console must go on
// drawing from what the last command told it.
func TestUpdateDoesNotWaitForAPlanLock(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	p, err := h.view.NewPlan([]string{idPlain, idLocked}, fleet.PlanOptions{OnFailure: fleet.FailurePause,
		OnTransition: func(fleet.Transition) {
			once.Do(func() { close(entered); <-release })
		}})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: asciiRenderer(), Identity: h.id, Tick: -1,
		Resumed: []*fleet.Plan{p}})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	started := make(chan error, 1)
	go func() { started <- p.Start() }() // reports idLocked skipped, under the lock
	<-entered
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Update(frameMsg{})
		_ = m.View()
		m.quit(false)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // a backstop: a passing run never waits here
		close(release)
		<-done
		t.Fatal("Update waited for the plan's lock")
	}
	close(release)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
}
