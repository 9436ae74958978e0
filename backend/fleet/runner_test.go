package fleet

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

var op = backend.Identity{Name: "alice", Role: backend.RoleOperator}

// Issue 19: the hub runs the plan; nobody else steps it. Started through the hub, it is
// followed to its end by the hub alone (StepPlans is what the runner does on every
// snapshot), every snapshot shows it, and its end is logged.
func TestTheHubRunsAPlanToItsEnd(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	var logs bytes.Buffer
	r.h.log = slog.New(slog.NewTextHandler(&logs, nil))
	st, err := r.h.StartPlan(ids(waveTargets...), PlanOptions{MaxInFlight: 3, Identity: op})
	if err != nil {
		t.Fatal(err)
	}
	if st.Summary.InFlight != 3 {
		t.Fatalf("the first wave: %+v", st.Summary)
	}
	ctx := context.Background()
	for i := 0; i < 200 && !r.h.Plans()[0].Ended(); i++ {
		r.clock.Advance(30 * time.Second)
		r.h.PollTasks(ctx)
		r.h.StepPlans()
	}
	s := r.h.Snapshot()
	if len(s.Plans) != 1 || s.Plans[0].Phase != PhaseDone || s.Plans[0].Summary.Redeployed != len(waveTargets) {
		t.Fatalf("the snapshot's plan: %+v", s.Plans)
	}
	for _, id := range ids(waveTargets...) {
		if r.w.calls[id] != 1 {
			t.Errorf("%s: %d calls", id, r.w.calls[id])
		}
	}
	if !strings.Contains(logs.String(), "plan started") || !strings.Contains(logs.String(), "plan done") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

// A viewer starts no plan and answers none: the hub asks the role once (backend.Authorize,
// the guard's rule), whatever the front end offered.
func TestTheHubRefusesAViewersPlan(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	viewer := backend.Identity{Name: "eve", Role: backend.RoleViewer}
	if _, err := r.h.StartPlan(ids("s1"), PlanOptions{Identity: viewer}); !errors.Is(err, backend.ErrForbidden) {
		t.Fatalf("a viewer's plan: %v", err)
	}
	if len(r.h.Plans()) != 0 || len(r.w.calls) != 0 {
		t.Fatalf("a viewer's plan ran: %+v, %v", r.h.Plans(), r.w.calls)
	}
}

// Issue 19: SIGTERM (Drain) lets the calls in flight answer and be recorded, sends nothing
// more, and leaves the rest of the plan saved for the next start; the plan's lock goes, so
// the next process resumes it.
func TestDrainLeavesThePlanSavedForTheNextStart(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	store := &PlanStore{Dir: t.TempDir()}
	r.h.opt.Plans, r.h.opt.Where = store, "sim"
	if _, err := r.h.StartPlan(ids(waveTargets...), PlanOptions{MaxInFlight: 3, Identity: op}); err != nil {
		t.Fatal(err)
	}
	if err := r.h.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(10 * time.Minute)
	r.h.PollTasks(context.Background())
	r.h.StepPlans()
	if n := len(r.w.calls); n != 3 {
		t.Fatalf("after the drain: %d instances sent, want the first wave's 3", n)
	}
	recs, err := store.Unfinished()
	if err != nil || len(recs) != 1 {
		t.Fatalf("unfinished: %d, %v", len(recs), err)
	}
	next := New(r.w, Options{Now: r.clock.Now, Wall: r.clock.Now, Plans: store, Where: "sim"})
	if _, n, err := next.ResumePlans(context.Background(), op); err != nil || n != 1 {
		t.Fatalf("the next start resumed %d: %v", n, err)
	}
}

// Issue 21, kind 4: a process that dies mid-call leaves its task Processing and no record
// of who sent it but the instance's send lock. The next process of the machine names who
// started the task (the lock's note), as the batch path does, instead of "elsewhere".
func TestANewHubNamesWhoStartedATaskFromTheSendLock(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	store := &PlanStore{Dir: t.TempDir()}
	r.h.opt.Plans = store
	ctx := context.Background()
	if _, err := r.h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: wid("s1"), Identity: op}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute)
	next := New(r.w, Options{Now: r.clock.Now, Wall: r.clock.Now, Plans: store})
	if err := next.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	row := func(h *Hub) *Row {
		for _, x := range h.Snapshot().Rows {
			if x.Inst.ID == wid("s1") {
				return x
			}
		}
		return nil
	}
	if got := row(next).Underway(); !strings.Contains(got, "started by alice (operator)") {
		t.Fatalf("the next process says %q", got)
	}
	if _, err := next.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: wid("s1"), Identity: op}); !errors.Is(err, ErrInProgress) ||
		!strings.Contains(err.Error(), "started by alice (operator)") {
		t.Fatalf("a second redeploy: %v", err)
	}
	// A hub without the state directory knows nobody: elsewhere.
	blind := New(r.w, Options{Now: r.clock.Now, Wall: r.clock.Now})
	if err := blind.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := row(blind).Underway(); !strings.Contains(got, "started by elsewhere") {
		t.Fatalf("without the state directory: %q", got)
	}
}
