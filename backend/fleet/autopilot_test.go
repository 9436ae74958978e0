package fleet

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// Issue 23: PausePlan stops a running plan's sends at once: what is in flight is
// followed to its end, nothing queued goes until an operator continues it; a viewer
// cannot pause.
func TestPausePlanStopsItsSends(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	st, err := r.h.StartPlan(ids("s1", "s2", "s3"), PlanOptions{MaxInFlight: 1, Identity: op})
	if err != nil {
		t.Fatal(err)
	}
	viewer := backend.Identity{Name: "eve", Role: backend.RoleViewer}
	if err := r.h.PausePlan(viewer, st.ID, "eve wants it"); !errors.Is(err, backend.ErrForbidden) {
		t.Fatalf("a viewer's pause: %v", err)
	}
	if err := r.h.PausePlan(op, st.ID, "autopilot:x paused by alice (operator)"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 40 {
		r.clock.Advance(30 * time.Second)
		r.h.PollTasks(ctx)
		r.h.StepPlans()
	}
	got := r.h.Plans()[0]
	if len(r.w.calls) != 1 || got.Phase != PhasePaused || !strings.Contains(got.Stopped, "paused by alice") || got.Summary.Redeployed != 1 || got.Summary.Queued != 2 {
		t.Fatalf("paused: %d sent, %s %q %+v", len(r.w.calls), got.Phase, got.Stopped, got.Summary)
	}
	if err := r.h.AnswerPlan(op, st.ID, true); err != nil {
		t.Fatal(err)
	}
	if len(r.w.calls) != 2 {
		t.Fatalf("continued: %d sent, want the next one", len(r.w.calls))
	}
	if err := r.h.PausePlan(op, "p-nope", "x"); !errors.Is(err, ErrNoPlan) {
		t.Fatalf("no such plan: %v", err)
	}
}

// The hub reaches the autopilot for an operator only; with none it says how to start one.
func TestAutopilotControlThroughTheHub(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	if err := r.h.PauseAutopilot(op); !errors.Is(err, ErrNoAutopilot) {
		t.Fatalf("no autopilot: %v", err)
	}
	c := &countingControl{}
	r.h.SetAutopilotControl(c)
	if err := r.h.PauseAutopilot(backend.Identity{Name: "eve", Role: backend.RoleViewer}); !errors.Is(err, backend.ErrForbidden) || c.n != 0 {
		t.Fatalf("a viewer's pause: %v, reached the autopilot %d times", err, c.n)
	}
	if err := r.h.ResumeAutopilot(op); err != nil || c.n != 1 {
		t.Fatalf("an operator's resume: %v, %d", err, c.n)
	}
	r.h.SetAutopilot(&AutopilotStatus{Name: "autopilot:x", Paused: true})
	if s := r.h.Snapshot(); s.Autopilot == nil || !s.Autopilot.Paused {
		t.Fatalf("the snapshot does not show it: %+v", s.Autopilot)
	}
}

type countingControl struct{ n int }

func (c *countingControl) Pause(backend.Identity) error  { c.n++; return nil }
func (c *countingControl) Resume(backend.Identity) error { c.n++; return nil }
