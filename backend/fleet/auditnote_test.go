package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// Issue 23: a person's decisions that send nothing are audited like a redeploy: an
// operator's pause and resume of the autopilot, and a plan's continue or abort, each write
// one note line naming who; a viewer's refused pause writes none. The hub finds the audit
// log under the guard and its own drill marks.
func TestDecisionsAreAuditedAsNotes(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(waveFleet(), clock, sim.Options{})
	var log bytes.Buffer
	b := backend.Guard(backend.Audit(sim.NewBackend(eng), &log, clock.Now))
	h := New(b, Options{Now: clock.Now, Wall: clock.Now, Drills: NewDrillBook("")})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.SetAutopilotControl(&countingControl{})
	h.SetAutopilot(&AutopilotStatus{Name: "autopilot:oncall"})
	viewer := backend.Identity{Name: "eve", Role: backend.RoleViewer}
	if err := h.PauseAutopilot(viewer); !errors.Is(err, backend.ErrForbidden) {
		t.Fatalf("a viewer's pause: %v", err)
	}
	if err := h.PauseAutopilot(op); err != nil {
		t.Fatal(err)
	}
	if err := h.ResumeAutopilot(op); err != nil {
		t.Fatal(err)
	}
	st, err := h.StartPlan(ids("s1", "s2"), PlanOptions{MaxInFlight: 1, Identity: op})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.PausePlan(op, st.ID, "hold it"); err != nil {
		t.Fatal(err)
	}
	if err := h.AnswerPlan(op, st.ID, false); err != nil {
		t.Fatal(err)
	}
	var notes []backend.AuditRecord
	dec := json.NewDecoder(&log)
	for dec.More() {
		var rec backend.AuditRecord
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if rec.Phase == backend.AuditNote {
			notes = append(notes, rec)
		}
	}
	want := []struct{ action, subject, detail string }{
		{backend.NoteAutopilotPause, "autopilot:oncall", ""},
		{backend.NoteAutopilotResume, "autopilot:oncall", ""},
		{backend.NotePlanPause, st.ID, "hold it"},
		{backend.NotePlanAbort, st.ID, ""},
	}
	if len(notes) != len(want) {
		t.Fatalf("%d note lines, want %d: %+v", len(notes), len(want), notes)
	}
	for i, w := range want {
		n := notes[i]
		if n.Action != w.action || n.Subject != w.subject || n.Detail != w.detail || n.Identity.Name != op.Name || n.ID == "" || n.Time.IsZero() {
			t.Errorf("note %d: %+v, want %+v by %s", i, n, w, op.Name)
		}
	}
}
