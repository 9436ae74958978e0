package taskwait

import (
	"context"
	"errors"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func setup(t *testing.T, opts sim.Options) (*sim.Engine, *sim.StepClock, backend.TaskRef) {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Instances: []model.Instance{{
		ID: "i-1", RegionID: "cn-hangzhou", Status: model.StatusRunning,
		Events: []model.Event{{ID: "e-1", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Hour)}},
	}}}
	e := sim.New(f, clock, opts)
	ref, err := sim.NewBackend(e).Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-1"})
	if err != nil {
		t.Fatal(err)
	}
	return e, clock, ref
}

// follow runs Follow with a tick channel the test drives: each tick first advances the
// simulator clock by step, so no test waits on real time.
func follow(t *testing.T, e *sim.Engine, clock *sim.StepClock, ref backend.TaskRef, step time.Duration) (model.Task, []Progress, error) {
	t.Helper()
	ticks := make(chan time.Time)
	done := make(chan struct{})
	var task model.Task
	var err error
	var seen []Progress
	go func() {
		defer close(done)
		task, err = Follow(context.Background(), sim.NewBackend(e), ref, ticks, clock.Now, 0, func(p Progress) { seen = append(seen, p) })
	}()
	for i := 0; i < 100; i++ {
		clock.Advance(step)
		select {
		case ticks <- clock.Now():
		case <-done:
			return task, seen, err
		}
	}
	t.Fatal("Follow did not end after 100 ticks")
	return task, seen, err
}

func TestFollowReportsEveryPhase(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	task, seen, err := follow(t, e, clock, ref, 30*time.Second)
	if err != nil || task.Status != model.TaskFinished {
		t.Fatalf("task %+v, err %v", task, err)
	}
	var phases []model.InstanceStatus
	for _, p := range seen {
		if p.Status != "" && (len(phases) == 0 || phases[len(phases)-1] != p.Status) {
			phases = append(phases, p.Status)
		}
	}
	want := []model.InstanceStatus{model.StatusStopping, model.StatusStopped, model.StatusStarting}
	if len(phases) != len(want) {
		t.Fatalf("phases %v, want %v", phases, want)
	}
	for i := range want {
		if phases[i] != want[i] {
			t.Fatalf("phases %v, want %v", phases, want)
		}
	}
	if last := seen[len(seen)-1]; last.Task.Status != model.TaskFinished {
		t.Fatalf("last report %+v", last)
	}
}

func TestFollowEndsOnFailure(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{FailureRate: 1})
	task, _, err := follow(t, e, clock, ref, time.Minute)
	if err != nil || task.Status != model.TaskFailed || task.FailedReason == "" {
		t.Fatalf("task %+v, err %v", task, err)
	}
}

func TestFollowRidesOutThrottling(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	e.SetFaults(sim.Faults{ThrottleRate: 1})
	ticks := make(chan time.Time)
	done := make(chan error, 1)
	var throttled int
	go func() {
		_, err := Follow(context.Background(), sim.NewBackend(e), ref, ticks, clock.Now, 0, func(p Progress) {
			if backend.Code(p.Err) == backend.CodeThrottling {
				throttled++
			}
		})
		done <- err
	}()
	ticks <- clock.Now()
	ticks <- clock.Now()
	// The poll after the second tick may already see the faults gone and finish.
	e.SetFaults(sim.Faults{})
	clock.Advance(time.Hour)
	var err error
	select {
	case ticks <- clock.Now():
		err = <-done
	case err = <-done:
	}
	if err != nil {
		t.Fatal(err)
	}
	if throttled < 2 {
		t.Fatalf("throttled reports = %d, want the throttled polls reported", throttled)
	}
}

func TestFollowStopsOnHardErrorAndCancel(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	bad := ref
	bad.TaskID = "t-missing"
	// Once DescribeTasks has had ListLag to list it.
	if _, _, err := followEvery(t, sim.NewBackend(e), clock, bad, 10*time.Second); !errors.Is(err, errTaskNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Follow(ctx, sim.NewBackend(e), ref, make(chan time.Time), clock.Now, 0, func(Progress) {}); err == nil {
		t.Fatal("cancelled wait did not end")
	}
}
