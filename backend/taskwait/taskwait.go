// Package taskwait follows one redeploy task to its end for headless callers, reporting
// each phase the instance passes through.
package taskwait

import (
	"context"
	"fmt"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Progress is one observed step of a redeploy.
type Progress struct {
	At     time.Time
	Task   model.Task
	Status model.InstanceStatus // the instance's status, when it still has a pending event
	// Err is a transient error the follower rode out (throttling, 5xx).
	Err error
}

// Follow polls ref's task on every tick until it is Finished or Failed, calling report when
// the task status or the instance status changes. Transient errors are reported and
// retried on the next tick; others end the wait. now stamps reports.
func Follow(ctx context.Context, b backend.Backend, ref backend.TaskRef, ticks <-chan time.Time,
	now func() time.Time, report func(Progress)) (model.Task, error) {
	var last Progress
	first := true
	for {
		p, err := poll(ctx, b, ref)
		p.At = now()
		switch {
		case err != nil && !backend.Retryable(err):
			return p.Task, fmt.Errorf("following task %s: %w", ref.TaskID, err)
		case err != nil:
			report(Progress{At: p.At, Err: err, Task: last.Task, Status: last.Status})
		default:
			if first || p.Task.Status != last.Task.Status || (p.Status != "" && p.Status != last.Status) {
				report(p)
				if p.Status == "" {
					p.Status = last.Status
				}
				last, first = p, false
			}
			if p.Task.Status.Final() {
				return p.Task, nil
			}
		}
		select {
		case <-ctx.Done():
			return last.Task, fmt.Errorf("stopped following task %s (it goes on in ECS): %w", ref.TaskID, ctx.Err())
		case <-ticks:
		}
	}
}

func poll(ctx context.Context, b backend.Backend, ref backend.TaskRef) (Progress, error) {
	tasks, err := b.Tasks(ctx, ref.RegionID, []string{ref.TaskID})
	if err != nil {
		return Progress{}, err
	}
	if len(tasks) == 0 {
		return Progress{}, fmt.Errorf("task %s not found in %s", ref.TaskID, ref.RegionID)
	}
	p := Progress{Task: tasks[0]}
	if p.Task.Status.Final() {
		return p, nil
	}
	ins, err := b.Instances(ctx, backend.Query{Regions: []string{ref.RegionID}, InstanceIDs: []string{ref.InstanceID}})
	if err != nil {
		return p, err
	}
	if len(ins) > 0 {
		p.Status = ins[0].Status
	}
	return p, nil
}
