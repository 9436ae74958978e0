package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/components/log"
)

// Tester's defect 5: a dead --notify webhook was silent in the console (`L` showed
// `Log: 0 entries`). A note from the notifier is kept in the log; the first of a spell is
// said on the notice line, the rest are kept without taking it.
func TestNotifierNotesReachTheLogAndOnceTheNoticeLine(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(NoteMsg{Text: "notify: the webhook http://127.0.0.1:1 is failing\x1b[2J", Error: true, Notice: true})
	if !strings.Contains(m.View(), "the webhook http://127.0.0.1:1 is failing") {
		t.Fatalf("the first note is not on the notice line:\n%s", m.View())
	}
	m.Update(NoteMsg{Text: "notify: a event.new notice was given up", Error: true})
	if strings.Contains(m.View(), "given up") {
		t.Errorf("a later note took the notice line:\n%s", m.View())
	}
	es := m.log.Entries()
	if len(es) != 2 || es[0].Kind != log.Error || !strings.Contains(es[1].Text, "given up") {
		t.Fatalf("log %+v", es)
	}
	for _, e := range es {
		if strings.ContainsRune(e.Text, 0x1b) {
			t.Errorf("a control character reached the log: %q", e.Text)
		}
	}
}

// Tester2's defect 6: a console that resumed a saved batch at start said nothing of it (L
// showed 0 entries). What happened before the screen opened is on the notice line once
// the fleet is on screen, and in the log.
func TestStartNotesReachTheNoticeLineAndTheLog(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: asciiRenderer(), Identity: h.id, Tick: -1,
		StartNotes: []NoteMsg{{Notice: true, Text: "resumed a saved batch, 3 of 5 not done (3 in flight, 0 queued): p-20261207T205700 started by alice (operator)"}}})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	if !strings.Contains(m.View(), "resumed a saved batch, 3 of 5 not done (3 in flight, 0 queued): p-20261207T205700") {
		t.Fatalf("the resume is not on the notice line:\n%s", m.View())
	}
	if es := m.log.Entries(); len(es) != 1 || !strings.Contains(es[0].Text, "p-20261207T205700 started by alice") {
		t.Fatalf("log %+v", es)
	}
}
