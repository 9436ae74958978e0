package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
)

// Issue 13: a notice cut by the width says L, and L shows it whole with its time, Code
// and RequestId.
func TestLogKeepsWhatTheNoticeLineCut(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}, {40, 12}} {
		h := newHarness(t, sim.Options{}, false)
		m := ready(t, h)
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		h.engine.SetFaults(sim.Faults{ServerErrorRate: 1})
		if err := h.view.Refresh(t.Context()); err == nil {
			t.Fatal("refresh should fail")
		}
		m.Update(snapshotMsg{h.view.Snapshot()})
		v := m.View()
		if !strings.Contains(v, "(L: all)") {
			t.Errorf("%dx%d: a cut notice does not say L:\n%s", size[0], size[1], v)
		}
		press(m, runes("L"))
		if m.mode != modeLog {
			t.Fatalf("L did not open the log")
		}
		all := strings.Join(strings.Fields(m.View()), " ")
		for _, want := range []string{"error:", "InternalError", "RequestId", "The request processing has failed"} {
			if !strings.Contains(all, want) {
				t.Errorf("%dx%d: log lacks %q:\n%s", size[0], size[1], want, m.View())
			}
		}
		press(m, keyEsc)
		if m.mode != modeList {
			t.Errorf("esc did not close the log")
		}
	}
}

// Issue 13: every notice and refusal is kept, oldest first, the later not overwriting the
// earlier as on the notice line.
func TestLogKeepsEveryNoticeAndRefusal(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idLocked)
	press(m, runes("R"))
	press(m, keyEsc)
	filterTo(m, idPlain)
	press(m, runes("R"), keyEsc)
	es := m.log.Entries()
	if len(es) != 2 || !strings.Contains(es[0].Text, "InstanceLockedForSecurity") || !strings.Contains(es[1].Text, "cancelled") {
		t.Fatalf("log entries %+v", es)
	}
}

// Issue 13: "started" does not stay up once the redeploy has finished.
func TestNoticeAboutAnInstanceClearsWhenItsRedeployEnds(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	m.Update(snapshotMsg{h.view.Snapshot()})
	if s, _ := m.noticeText(); !strings.Contains(s, "started: task") {
		t.Fatalf("notice %q, want the task started", s)
	}
	h.poll(30 * time.Second)
	// The notice line's clock is the backend's here: keep the notice from fading, so only
	// the redeploy's state may clear it.
	m.noticeAt = h.clock.Now()
	m.Update(snapshotMsg{h.view.Snapshot()})
	if s, _ := m.noticeText(); !strings.Contains(s, "started: task") {
		t.Fatalf("notice %q cleared while the redeploy runs", s)
	}
	h.clock.Advance(10 * time.Minute)
	h.view.PollTasks(t.Context())
	m.noticeAt = h.clock.Now()
	m.Update(snapshotMsg{h.view.Snapshot()})
	if r := h.row(idPlain); !r.Avoided && r.Task.Status != "Finished" {
		t.Fatalf("the test needs the redeploy finished: %v", r.State)
	}
	if s, _ := m.noticeText(); strings.Contains(s, "started") {
		t.Fatalf("notice %q still says started after the task finished", s)
	}
	es := m.log.Entries()
	if !strings.Contains(es[len(es)-2].Text, "started: task") || !strings.Contains(es[len(es)-1].Text, "Finished: task") {
		t.Fatalf("the log lost the started notice or the end: %+v", es)
	}
}

// Issue 13: R on a row whose event a redeploy does not answer says that, not "blocked".
func TestRedeployOfANoRedeployRowSaysWhy(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	var id string
	for _, r := range m.snap.Rows {
		if r.NoRedeploy && !r.Blocked {
			id = r.Inst.ID
			break
		}
	}
	filterTo(m, id)
	press(m, runes("R"))
	if m.mode != modeList || !strings.Contains(m.notice, "NO REDEPLOY: a redeploy does not answer") || strings.Contains(m.notice, "cannot be redeployed") {
		t.Fatalf("R on %s: mode %d, notice %q", id, m.mode, m.notice)
	}
}

// A redeploy that ends while the session watches is kept in the log, its failure whole.
func TestLogKeepsTasksThatEnded(t *testing.T) {
	h := newHarness(t, sim.Options{FailureRate: 1}, false)
	m := ready(t, h)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	h.poll(30 * time.Second)
	m.Update(snapshotMsg{h.view.Snapshot()})
	h.poll(10 * time.Minute)
	m.Update(snapshotMsg{h.view.Snapshot()})
	es := m.log.Entries()
	last := es[len(es)-1]
	if !strings.Contains(last.Text, "redeploy of "+idPlain+" Failed: task") || last.Text == "" {
		t.Fatalf("log entries %+v", es)
	}
}
