// Package taskwait follows one redeploy task to its end for headless callers, reporting
// each phase the instance passes through.
package taskwait

import (
	"context"
	"errors"
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

// errTaskNotFound ends a wait: the task asked for is not the one listed.
var errTaskNotFound = errors.New("the task is not listed")

// maxSkip bounds the backoff: after failures in a row, Follow waits 1, 2, 4, 8 and then
// at most 16 ticks between polls (about half a minute at the CLI's 2s poll).
const maxSkip = 16

// Follow polls ref's task on every tick until it is Finished or Failed, calling report when
// the task status or the instance status changes. ref must name a task and an instance
// (backend.CheckInstanceID); the task is matched by id in every answer.
//
// Failures that may pass — throttling, 5xx, timeouts, dropped connections, replies that
// prove nothing — are reported (Progress.Err) and ridden out for the whole budget, polling
// less often while they last. A definite refusal (a 4xx with ECS's code) ends the wait at
// once; the task not listed ends it once ListLag (on now) has passed since the start,
// since DescribeTasks may lag RedeployInstance. When budget (measured on now; 0: none) is
// spent, or ctx ends, the error is one sentence saying what was last known and that the
// redeploy goes on in ECS: following it stops, the redeploy does not.
func Follow(ctx context.Context, b backend.Backend, ref backend.TaskRef, ticks <-chan time.Time,
	now func() time.Time, budget time.Duration, report func(Progress)) (model.Task, error) {
	if ref.TaskID == "" {
		return model.Task{}, errors.New("no task to follow: the redeploy reply named none")
	}
	if err := backend.CheckInstanceID(ref.InstanceID); err != nil {
		return model.Task{}, fmt.Errorf("following task %s: %w", ref.TaskID, err)
	}
	start := now()
	var last Progress
	var lastErr error
	first := true
	failures := 0
	for {
		p, err := poll(ctx, b, ref)
		p.At = now()
		switch {
		case errors.Is(err, errTaskNotFound) && p.At.Sub(start) < ListLag:
			// DescribeTasks may not list a task yet right after RedeployInstance returned
			// it: look again on the next tick, without backing off.
			lastErr = err
			report(Progress{At: p.At, Err: err, Task: last.Task, Status: last.Status})
		case errors.Is(err, errTaskNotFound):
			return last.Task, fmt.Errorf("following task %s: DescribeTasks has not listed it for %s (%w); the redeploy may go on in ECS without this command, so follow it in the console or with `ecs-redeploy events`, and do not start another",
				ref.TaskID, model.FormatDuration(p.At.Sub(start)), err)
		case err != nil && permanent(err):
			return last.Task, fmt.Errorf("following task %s: %w", ref.TaskID, err)
		case err != nil:
			failures++
			lastErr = err
			report(Progress{At: p.At, Err: err, Task: last.Task, Status: last.Status})
		default:
			failures, lastErr = 0, nil
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
		if budget > 0 && p.At.Sub(start) >= budget {
			return last.Task, fmt.Errorf("stopped following task %s after %s: %s; the redeploy goes on in ECS without this command, so follow it in the console or with `ecs-redeploy events`, and do not start another",
				ref.TaskID, budget, lastKnown(last, first, lastErr))
		}
		skip := 1
		if failures > 0 {
			skip = min(1<<min(failures-1, 8), maxSkip)
		}
		for range skip {
			select {
			case <-ctx.Done():
				return last.Task, fmt.Errorf("stopped following task %s (it goes on in ECS): %w", ref.TaskID, ctx.Err())
			case <-ticks:
			}
		}
	}
}

// permanent reports whether err ends a wait at once: the task is not the one asked for,
// or ECS itself refused the listing (its 4xx body, not throttling). Everything else may
// pass.
func permanent(err error) bool {
	if errors.Is(err, errTaskNotFound) || errors.Is(err, backend.ErrInvalidInstanceID) {
		return true
	}
	if errors.Is(err, backend.ErrUnprovenReply) {
		return false
	}
	ae, ok := backend.AsAPIError(err)
	return ok && ae.HTTPStatus >= 400 && ae.HTTPStatus < 500 && !backend.IsThrottling(ae.Code)
}

// lastKnown says what the wait last saw, and why it saw nothing newer.
func lastKnown(last Progress, none bool, lastErr error) string {
	s := "the task was never seen"
	if !none {
		s = fmt.Sprintf("it was last seen %s with the instance %s at %s", last.Task.Status, orDash(string(last.Status)), last.At.UTC().Format(time.RFC3339))
	}
	if lastErr != nil {
		s += ", and the last poll failed (" + bare(lastErr) + ")"
	}
	return s
}

// bare is err without the advice a backend may end it with: this sentence gives its own.
func bare(err error) string {
	var be interface{ Bare() string }
	if errors.As(err, &be) {
		return be.Bare()
	}
	return err.Error()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func poll(ctx context.Context, b backend.Backend, ref backend.TaskRef) (Progress, error) {
	// The same poll as the console's hub: answers matched by id, never taken by position.
	states, err := backend.PollTasks(ctx, b, ref.RegionID, []backend.TaskRef{ref})
	st := states[0]
	switch {
	case !st.TaskSeen && err != nil:
		return Progress{}, err
	case !st.TaskSeen:
		return Progress{}, fmt.Errorf("%w: task %s of instance %s not found in %s", errTaskNotFound, ref.TaskID, ref.InstanceID, ref.RegionID)
	}
	p := Progress{Task: st.Task}
	if st.InstanceSeen {
		p.Status = st.Instance.Status
	}
	if p.Task.Status.Final() {
		// The task's word is final; the instance listing only adds detail.
		return p, nil
	}
	return p, err
}

// ListLag is how long after the follow starts a task DescribeTasks does not list is taken
// as its listing lagging behind RedeployInstance, not as a wrong task.
const ListLag = 30 * time.Second
