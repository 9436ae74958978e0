package sim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func oneInstance(t *testing.T) (*sim.Engine, *sim.StepClock) {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Instances: []model.Instance{{
		ID: "i-bp1only", RegionID: "cn-hangzhou", Status: model.StatusRunning,
		Events: []model.Event{{ID: "e-1", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Hour)}},
	}}}
	return sim.New(f, clock, sim.Options{}), clock
}

// Issue 8, kind 3: while a redeploy is under way — here in its Stopped phase, which the
// eligibility rules alone accept — a second one is refused, by the engine (as ECS does,
// 403 IncorrectInstanceStatus naming the task) and by the in-process backend before it
// calls (ErrAlreadyInProgress).
func TestSecondRedeployIsRefusedWhileOneIsProcessing(t *testing.T) {
	e, clock := oneInstance(t)
	first, err := e.Redeploy("cn-hangzhou", "i-bp1only", false)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(sim.StoppingDuration + time.Minute)
	if st := e.Instances("", nil)[0].Status; st != model.StatusStopped {
		t.Fatalf("fixture: %s, want Stopped", st)
	}
	_, err = e.Redeploy("cn-hangzhou", "i-bp1only", false)
	ae, ok := backend.AsAPIError(err)
	if !ok || ae.Code != model.CodeIncorrectInstanceStatus || ae.HTTPStatus != 403 || !strings.Contains(ae.Message, first.ID) || ae.RequestID == "" {
		t.Fatalf("engine: %v; want 403 IncorrectInstanceStatus naming %s", err, first.ID)
	}
	_, err = sim.NewBackend(e).Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1only"})
	if !errors.Is(err, backend.ErrAlreadyInProgress) || !strings.Contains(err.Error(), first.ID) {
		t.Fatalf("backend: %v; want ErrAlreadyInProgress naming %s", err, first.ID)
	}
	if n := len(e.Tasks("cn-hangzhou", sim.TaskFilter{})); n != 1 {
		t.Fatalf("%d tasks, want 1", n)
	}
	// Once it has ended, a new redeploy is the eligibility rules' to judge again.
	clock.Advance(time.Hour)
	if _, err := e.Redeploy("cn-hangzhou", "i-bp1only", false); err != nil && strings.Contains(err.Error(), first.ID) {
		t.Fatalf("after the task ended: %v", err)
	}
}

// Issue 8, kind 1: the in-process backend checks the id's shape too.
func TestInProcessBackendChecksInstanceIDs(t *testing.T) {
	e, _ := oneInstance(t)
	b := sim.NewBackend(e)
	ctx := context.Background()
	if _, err := b.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: ""}); !errors.Is(err, backend.ErrInvalidInstanceID) {
		t.Errorf("Redeploy(\"\"): %v", err)
	}
	if _, err := b.Instances(ctx, backend.Query{InstanceIDs: []string{""}}); !errors.Is(err, backend.ErrInvalidInstanceID) {
		t.Errorf("Instances([\"\"]): %v", err)
	}
	if _, err := b.ListTasks(ctx, backend.TaskQuery{RegionID: "cn-hangzhou", ResourceIDs: []string{"I-BP1ONLY"}}); !errors.Is(err, backend.ErrInvalidInstanceID) {
		t.Errorf("ListTasks: %v", err)
	}
	if n := len(e.Tasks("cn-hangzhou", sim.TaskFilter{})); n != 0 {
		t.Fatalf("%d tasks", n)
	}
}
