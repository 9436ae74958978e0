package fleet

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// A process that loaded a plan before another ran it to its end (abort on the first
// failure) resumes nothing: the copy it loaded is read again under the plan's lock.
func TestResumeReadsThePlanAgainUnderItsLock(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{FailureRate: 1}, false)
	store := &PlanStore{Dir: t.TempDir()}
	ctx := context.Background()
	pa, err := NewPlan(r.h, ids("s1", "s2", "s3"), PlanOptions{MaxInFlight: 1, OnFailure: FailureAbort, Store: store, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := pa.Start(); err != nil {
		t.Fatal(err)
	}
	// Process B loads the plan: every item queued.
	recs, err := store.Unfinished()
	if err != nil || len(recs) != 1 {
		t.Fatalf("unfinished: %d, %v", len(recs), err)
	}
	// Process A runs it: s1 fails, the rest is skipped, A exits.
	r.drive(pa)
	pa.Close()
	if rec := pa.Record(); rec.Phase != PhaseAborted || len(r.w.calls) != 1 {
		t.Fatalf("A: phase %s, calls %v", rec.Phase, r.w.calls)
	}
	// B gets the lock with its old copy.
	pb, err := ResumePlan(ctx, r.h, recs[0], PlanOptions{Store: store, Identity: operator})
	if err == nil {
		r.drive(pb)
	}
	if !errors.Is(err, ErrPlanEnded) || len(r.w.calls) != 1 {
		t.Fatalf("B resumed an ended plan: %v; calls %v", err, r.w.calls)
	}
	// ResumeUnfinished finds nothing to resume, and says nothing is wrong.
	if plans, others, err := ResumeUnfinished(ctx, r.h, PlanOptions{Store: store}); len(plans)+len(others) != 0 || err != nil {
		t.Fatalf("resume unfinished: %d %d %v", len(plans), len(others), err)
	}
}

// While the plan's call is out (minutes, at worst), another session starts a member of a
// deployment set the plan has queued: the plan's next choice sees it.
func TestPlanSeesASetStartedWhileItsCallWasOut(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	ctx := context.Background()
	submit := func(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
		if req.InstanceID == wid("k1") {
			if _, err := r.h.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: wid("zk4"), Identity: operator}); err != nil {
				t.Errorf("the other session: %v", err)
			}
		}
		return r.h.Redeploy(ctx, req)
	}
	p, err := NewPlan(r.h, ids("k1", "z1"), PlanOptions{MaxInFlight: 2, Identity: operator, Submit: submit})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	st := statuses(p)
	if len(r.w.violations) > 0 || st[wid("z1")] != ItemQueued || st[wid("k1")] != ItemRunning {
		t.Fatalf("violations %v; k1 %s, z1 %s", r.w.violations, st[wid("k1")], st[wid("z1")])
	}
}

// An unanswered redeploy that did run, and whose event went away with it: the hub drops
// the instance after the hold, and the plan finds its task in DescribeTasks instead of
// saying the instance did not move.
func TestPlanFindsTheTaskOfAnUnansweredCallWhoseEventWentAway(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(waveFleet(), clock, sim.Options{})
	u := &unanswered{counting: &counting{Backend: sim.NewBackend(eng)}, apply: true}
	h := New(u, Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(h, ids("s1", "s2"), PlanOptions{MaxInFlight: 1, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if st := statuses(p); st[wid("s1")] != ItemOutcomeUnknown {
		t.Fatalf("after the lost reply: %v", st)
	}
	// The redeploy runs to its end before the hub lists again: the event is gone.
	clock.Advance(20 * time.Minute)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	got := p.Record()
	s1 := got.Items[0]
	if s1.InstanceID != wid("s1") || s1.Status != ItemFinished || s1.TaskID == "" || strings.Contains(s1.Reason, "did not move") || got.Phase != PhaseRunning {
		t.Fatalf("phase %s (%s), s1 %+v", got.Phase, got.Stopped, s1)
	}
}

// A task DescribeTasks never lists is not waited on in silence: after 30 minutes unseen
// the item says so (outcome unknown), and nothing is sent again.
func TestPlanSaysSoWhenItsTaskStaysUnseen(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	ctx := context.Background()
	p, err := NewPlan(r.h, ids("s1"), PlanOptions{Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	rec := p.Record()
	rec.Items[0].Status, rec.Items[0].TaskID, rec.Items[0].Submitted = ItemRunning, "t-nowhere", r.clock.Now()
	h2 := New(r.w, Options{Now: r.clock.Now, Wall: r.clock.Now}) // lists nothing: the plan asks itself
	p2, err := ResumePlan(ctx, h2, rec, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		r.clock.Advance(10 * time.Minute)
		if err := p2.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	it := p2.Record().Items[0]
	if it.Status != ItemOutcomeUnknown || !strings.Contains(it.Reason, "t-nowhere") || len(r.w.calls) != 0 {
		t.Fatalf("%+v, calls %v", it, r.w.calls)
	}
}

// hiding lists every instance but hide: its event went away (cancelled, say).
type hiding struct {
	backend.Backend
	hide string
}

func (h *hiding) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	insts, err := h.Backend.Instances(ctx, q)
	return slices.DeleteFunc(insts, func(in model.Instance) bool { return in.ID == h.hide }), err
}

// An unanswered redeploy that did not run, whose event went away all the same: with no
// task in DescribeTasks the item fails as not sent again, on that evidence, never as "the
// instance did not move" (nobody saw it after the call).
func TestPlanFailsAnUnansweredCallWhoseEventWentAwayOnlyOnDescribeTasks(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(waveFleet(), clock, sim.Options{})
	hb := &hiding{Backend: &unanswered{counting: &counting{Backend: sim.NewBackend(eng)}}}
	h := New(hb, Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(h, ids("s1"), PlanOptions{Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	hb.hide = wid("s1")
	clock.Advance(OutcomeHold + time.Minute)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	it := p.Record().Items[0]
	if it.Status != ItemFailed || strings.Contains(it.Reason, "did not move") || !strings.Contains(it.Reason, "DescribeTasks lists no") {
		t.Fatalf("%+v", it)
	}
}
