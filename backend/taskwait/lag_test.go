package taskwait

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// lagging is DescribeTasks listing nothing for its first misses answers (misses < 0:
// never), as it may right after RedeployInstance returned the task.
type lagging struct {
	backend.Backend
	misses int
}

func (l *lagging) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	if l.misses != 0 {
		l.misses--
		return nil, nil
	}
	return l.Backend.Tasks(ctx, region, ids)
}

// followEvery runs Follow on b with the clock advanced step before each tick.
func followEvery(t *testing.T, b backend.Backend, clock *sim.StepClock, ref backend.TaskRef, step time.Duration) (model.Task, []Progress, error) {
	t.Helper()
	ticks := make(chan time.Time)
	done := make(chan struct{})
	var task model.Task
	var err error
	var seen []Progress
	go func() {
		defer close(done)
		task, err = Follow(context.Background(), b, ref, ticks, clock.Now, 0, func(p Progress) { seen = append(seen, p) })
	}()
	for range 200 {
		select {
		case <-done:
			return task, seen, err
		default:
		}
		clock.Advance(step)
		select {
		case ticks <- clock.Now():
		case <-done:
			return task, seen, err
		}
	}
	t.Fatal("Follow did not end after 200 ticks")
	return task, seen, err
}

// DescribeTasks may not list a task for a few seconds after RedeployInstance returned
// it: the first polls' "not listed" is ridden out.
func TestFollowRidesOutATaskListedLate(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	task, seen, err := followEvery(t, &lagging{Backend: sim.NewBackend(e), misses: 3}, clock, ref, 2*time.Second)
	if err != nil || task.Status != model.TaskFinished {
		t.Fatalf("task %+v, err %v", task, err)
	}
	if len(seen) == 0 || seen[0].Err == nil {
		t.Fatalf("the late listing was not reported: %+v", seen)
	}
}

// A task still not listed after the lag allowance ends the wait, saying the redeploy may
// go on in ECS.
func TestFollowGivesUpOnATaskNeverListed(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	start := clock.Now()
	_, _, err := followEvery(t, &lagging{Backend: sim.NewBackend(e), misses: -1}, clock, ref, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "may go on") || clock.Now().Sub(start) < ListLag {
		t.Fatalf("after %s: %v", clock.Now().Sub(start), err)
	}
}
