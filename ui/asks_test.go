package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
)

// inFlight is a console at w×h with one redeploy of idPlain in flight.
func inFlight(t *testing.T, h *harness, w, hgt int) *Model {
	t.Helper()
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	m.Update(snapshotMsg{h.view.Snapshot()})
	m.Update(tea.WindowSizeMsg{Width: w, Height: hgt})
	return m
}

// Issue 22: at 80×24 the quit prompt was cut before "q again quits". A notice that asks
// for a decision is never cut: it wraps; and once answered it is gone.
func TestAQuestionIsReadInFull(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			m := inFlight(t, h, size.w, size.h)
			m.Update(runes("q"))
			v := m.View()
			flat := strings.Join(strings.Fields(v), " ")
			if !strings.Contains(flat, "q again quits, any other key stays") {
				t.Fatalf("the question is cut at %s:\n%s", size.name, v)
			}
			if n := strings.Count(v, "\n") + 1; n > size.h {
				t.Fatalf("%d lines at %s", n, size.name)
			}
			if lines := strings.Split(v, "\n"); lines[len(lines)-1] != m.footerLine() {
				t.Errorf("the footer is not on the last line at %s:\n%s", size.name, v)
			}
			m.Update(runes("j")) // answered: stay
			if strings.Contains(m.View(), "q again quits") {
				t.Errorf("the answered question lingers at %s:\n%s", size.name, m.View())
			}
		})
	}
}

// Issue 22: the commands printed on quit work when pasted: they carry the flags that
// select the account. On --demo they would address nothing: the console says what is
// true instead.
func TestExitHintsWorkWhenPasted(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := inFlight(t, h, 120, 40)
	m.deps.AccountFlags = "--endpoint 127.0.0.1:8080 --profile prod"
	task := h.row(idPlain).Task
	want := "ecs-redeploy redeploy --follow " + task.ID + " --region cn-hangzhou --endpoint 127.0.0.1:8080 --profile prod\n"
	if bye := m.Farewell(); !strings.HasSuffix(bye, want) {
		t.Errorf("farewell %q, want it to end %q", bye, want)
	}

	m.deps.AccountFlags, m.deps.Simulated = "", true
	bye := m.Farewell()
	if strings.Contains(bye, "ecs-redeploy redeploy") || !strings.Contains(bye, "ended with the console") {
		t.Errorf("--demo farewell %q: it must not print commands that cannot work", bye)
	}
	m.Update(runes("q"))
	if strings.Contains(m.notice, "go on without this console") || !strings.Contains(m.notice, "end with this console") {
		t.Errorf("--demo quit question %q", m.notice)
	}
}
