package backend

import (
	"context"
	"fmt"
	"slices"

	"ecs-redeploy/model"
)

// TaskState is what one poll learned about one redeploy task: the task as DescribeTasks
// answered it, and the status of the instance it moves.
type TaskState struct {
	Ref TaskRef
	// Task is DescribeTasks' answer for Ref.TaskID; TaskSeen is false when the answer did
	// not list it.
	Task     model.Task
	TaskSeen bool
	// Instance is the instance's state; InstanceSeen is false when it is not listed (it
	// has no pending event left) or the instance listing failed.
	Instance     model.Instance
	InstanceSeen bool
}

// PollTasks asks b once about refs (all in region) and the instances they move: one
// DescribeTasks and one instance listing. Every answer is
// matched to the id asked for; anything else in an answer is ignored, never a target.
// The states come in refs' order. The error joins what failed; states hold what was
// learned anyway. The console's hub and `redeploy --wait` share it.
func PollTasks(ctx context.Context, b Backend, region string, refs []TaskRef) ([]TaskState, error) {
	states := make([]TaskState, len(refs))
	ids := make([]string, len(refs))
	for i, r := range refs {
		states[i].Ref = r
		ids[i] = r.TaskID
	}
	tasks, err := b.Tasks(ctx, region, ids)
	if err != nil {
		return states, fmt.Errorf("task status in %s: %w", region, err)
	}
	var moving []string
	for i := range states {
		for _, t := range tasks {
			if t.ID == states[i].Ref.TaskID && (t.ResourceID == "" || t.ResourceID == states[i].Ref.InstanceID) {
				states[i].Task, states[i].TaskSeen = t, true
				break
			}
		}
		// A failed task's instance rolled back: its status is news too.
		if states[i].TaskSeen && !slices.Contains(moving, states[i].Ref.InstanceID) {
			moving = append(moving, states[i].Ref.InstanceID)
		}
	}
	if len(moving) == 0 {
		return states, nil
	}
	insts, err := b.Instances(ctx, Query{Regions: []string{region}, InstanceIDs: moving})
	if err != nil {
		return states, fmt.Errorf("instance status in %s: %w", region, err)
	}
	for i := range states {
		for _, in := range insts {
			if in.ID == states[i].Ref.InstanceID {
				states[i].Instance, states[i].InstanceSeen = in, true
				break
			}
		}
	}
	return states, nil
}
