// The task tracker: the RedeployInstance tasks the hub follows until they end.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// adoptLocked makes a Processing task found in ECS the instance's redeploy, when the hub
// does not know it already; senders names who started tasks a process of this machine
// sent (Hub.senders).
func (h *Hub) adoptLocked(t model.Task, now time.Time, senders map[string]StartedBy) {
	rec := h.records[t.ResourceID]
	if rec == nil || rec.inst.RegionID != t.RegionID {
		return
	}
	if rec.task != nil && rec.task.ID == t.ID {
		return
	}
	st, known := h.starters[t.ID]
	by := st.by
	if !known {
		by, known = senders[t.ID]
	}
	if !known {
		by = StartedBy{Elsewhere: true}
	}
	switch rec.state {
	case StateSubmitting:
		// Our call is in flight; its answer names the task.
		return
	case StateOutcomeUnknown:
		// The call that got no answer did start: this is its task.
		by = rec.by
	}
	delete(h.starters, t.ID)
	task := &Task{ID: t.ID, RegionID: t.RegionID, InstanceID: t.ResourceID, InstanceName: rec.inst.Name,
		Status: model.TaskProcessing, Phase: rec.inst.Status, StartedBy: by, Created: t.CreationTime}
	if !st.since.IsZero() {
		// When the plan sent it, on this hub's clock, as before the restart: ECS's
		// CreationTime is on ECS's clock, and the elapsed time went backwards.
		task.Created = st.since
	}
	if task.Created.IsZero() {
		task.Created = now
	}
	h.startLocked(rec, task, now)
}

// starter is who started a task this hub did not send, and when it was sent on this
// hub's clock (zero: unknown), as a resumed plan knows them.
type starter struct {
	by    StartedBy
	since time.Time
}

// Follow tells the hub who started a task it did not send, and when (since, on the hub's
// clock; zero when unknown): a plan resumed after a restart knows its own. A task the hub
// already follows (adopted by a refresh as started elsewhere) gets them at once; otherwise
// the next refresh that finds it Processing adopts it with them instead of "elsewhere"
// and ECS's CreationTime, so its elapsed time goes on from where it was before the restart.
func (h *Hub) Follow(ref backend.TaskRef, by StartedBy, since time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if rec := h.records[ref.InstanceID]; rec != nil && rec.task != nil && rec.task.ID == ref.TaskID {
		if rec.by.Elsewhere {
			rec.by, rec.task.StartedBy = by, by
			if !since.IsZero() {
				rec.task.Created = since
			}
			h.markLocked(ref.InstanceID)
			h.publishLocked()
		}
		return
	}
	if h.starters == nil {
		h.starters = map[string]starter{}
	}
	if len(h.starters) < keepFinished { // bounded: a resumed plan has few tasks in flight
		h.starters[ref.TaskID] = starter{by, since}
	}
}

// startLocked makes task the instance's running redeploy and wakes the tracker.
func (h *Hub) startLocked(rec *record, task *Task, now time.Time) {
	rec.state, rec.by, rec.task = StateRunning, task.StartedBy, task
	rec.eventID = ""
	if ev := model.AnsweredEvent(rec.inst); ev != nil {
		rec.eventID = ev.ID
	}
	h.tasks = append(h.tasks, task)
	h.lastShift = now
	h.markLocked(task.InstanceID)
	select {
	case h.taskWake <- struct{}{}:
	default:
	}
}

func (h *Hub) dropLocked(id string) {
	if rec := h.records[id]; rec != nil {
		rec.dropped = true
		if rec.row != nil {
			h.gone = append(h.gone, rec.row)
		}
	}
	delete(h.records, id)
	delete(h.dirty, id)
	h.rebuild = true
}

func (h *Hub) markLocked(id string) { h.dirty[id] = struct{}{} }

func (h *Hub) taskLoop(ctx context.Context) {
	for {
		var inFlight int
		err := h.recovered("task poll", func() error { inFlight = h.PollTasks(ctx); return nil })
		wait := h.taskWait(inFlight)
		if err != nil {
			wait = h.opt.After(h.opt.TaskSlow)
		}
		select {
		case <-ctx.Done():
			return
		case <-wait:
		case <-h.taskWake:
		}
	}
}

// taskWait is the tracker's next timer: none at all while nothing is in flight (a
// redeploy wakes it), so an idle console makes no task calls.
func (h *Hub) taskWait(inFlight int) <-chan time.Time {
	if inFlight == 0 {
		return nil
	}
	return h.opt.After(h.taskInterval())
}

// taskInterval is fast while tasks are changing and slow once they have been quiet.
func (h *Hub) taskInterval() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.opt.Now().Sub(h.lastShift) > quietAfter {
		return h.opt.TaskSlow
	}
	return h.opt.TaskFast
}

// PollTasks asks the backend once about every Processing task and the instances they move,
// publishes what changed, and returns how many tasks are still in flight.
func (h *Hub) PollTasks(ctx context.Context) int {
	h.mu.Lock()
	byRegion := map[string][]backend.TaskRef{}
	var regions []string
	for _, t := range h.tasks {
		if t.Status == model.TaskProcessing {
			if byRegion[t.RegionID] == nil {
				regions = append(regions, t.RegionID)
			}
			byRegion[t.RegionID] = append(byRegion[t.RegionID], backend.TaskRef{TaskID: t.ID, RegionID: t.RegionID, InstanceID: t.InstanceID})
		}
	}
	h.mu.Unlock()
	var errs []error
	changed := false
	for _, region := range regions {
		states, err := backend.PollTasks(ctx, h.b, region, byRegion[region])
		if err != nil {
			errs = append(errs, err)
		}
		if h.apply(states) {
			changed = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	taskErr := errors.Join(errs...)
	if fmt.Sprint(taskErr) != fmt.Sprint(h.taskErr) {
		changed = true
	}
	h.taskErr = taskErr
	n := 0
	for _, t := range h.tasks {
		if t.Status == model.TaskProcessing {
			n++
		}
	}
	if changed {
		h.pruneLocked()
		h.publishLocked()
	}
	return n
}

// apply folds one region's task states into the records, and reports whether anything a
// session shows changed.
func (h *Hub) apply(states []backend.TaskState) (changed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.polls++
	now := h.opt.Now()
	for _, st := range states {
		rec := h.records[st.Ref.InstanceID]
		if rec == nil || rec.task == nil || rec.task.ID != st.Ref.TaskID || !st.TaskSeen {
			continue
		}
		t := rec.task
		before := *t
		t.Status, t.FailedReason, t.Finished = st.Task.Status, st.Task.FailedReason, st.Task.FinishedTime
		learned := *rec.inst
		if st.InstanceSeen {
			learned.Status = st.Instance.Status
		}
		switch st.Task.Status {
		case model.TaskFinished:
			// The API stops listing the instance once its event is Avoided, so the hub
			// records what a finished redeploy means: Running, event Avoided.
			learned.Status = model.StatusRunning
			learned.Events = slices.Clone(learned.Events)
			for i := range learned.Events {
				if learned.Events[i].ID == rec.eventID {
					learned.Events[i].CycleStatus = model.CycleAvoided
					learned.Events[i].FinishTime = st.Task.FinishedTime
				}
			}
			rec.state = StateAvoided
		case model.TaskFailed:
			rec.state = StateFailed
		}
		if learned.Status != rec.inst.Status || rec.state != StateRunning {
			rec.inst = &learned
			rec.polled = h.polls
		}
		t.Phase = rec.inst.Status
		if *t != before || rec.row == nil || rec.row.Inst.Status != rec.inst.Status {
			h.lastShift = now
			h.markLocked(st.Ref.InstanceID)
			changed = true
		}
	}
	return changed
}

// pruneLocked drops the oldest final tasks beyond keepFinished, and the avoided instances
// only they kept on screen.
func (h *Hub) pruneLocked() {
	final := 0
	for _, t := range h.tasks {
		if t.Status.Final() {
			final++
		}
	}
	if final <= keepFinished {
		return
	}
	drop := final - keepFinished
	keep := h.tasks[:0]
	for _, t := range h.tasks {
		if drop > 0 && t.Status.Final() {
			drop--
			if rec := h.records[t.InstanceID]; rec != nil && rec.task == t {
				rec.task = nil
				if rec.state == StateAvoided && !rec.listed {
					h.dropLocked(t.InstanceID)
				} else {
					h.markLocked(t.InstanceID)
				}
			}
			continue
		}
		keep = append(keep, t)
	}
	clear(h.tasks[len(keep):])
	h.tasks = keep
}
