// What headless commands ask of the account beyond the hub's records: a listing to print,
// a task to find and follow. They go through the hub, so cmd/ holds no backend of its own.

package fleet

import (
	"context"
	"fmt"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/taskwait"
	"ecs-redeploy/model"
)

// Listing is one listing of the instances with a pending event in the hub's scope
// (Options.Regions, Options.Instances), as the refresh loop makes it, for a caller that
// prints it whole (`events`). It changes nothing in the hub.
func (h *Hub) Listing(ctx context.Context) ([]model.Instance, error) {
	return h.b.Instances(ctx, backend.Query{Regions: h.opt.Regions, InstanceIDs: h.opt.Instances})
}

// FindTask looks for the RedeployInstance task id in each of regions (every region the
// account can use when none is given) and returns it with its region, matched by id in
// every answer; nil when no region lists it.
func (h *Hub) FindTask(ctx context.Context, id string, regions []string) (*model.Task, []string, error) {
	if len(regions) == 0 {
		rs, err := h.b.Regions(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("listing the regions to find task %s: %w", id, err)
		}
		for _, r := range rs {
			regions = append(regions, r.RegionID)
		}
	}
	for _, region := range regions {
		ts, err := h.b.Tasks(ctx, region, []string{id})
		if err != nil {
			return nil, regions, fmt.Errorf("looking for task %s in %s: %w", id, region, err)
		}
		for i := range ts {
			if ts[i].ID == id && backend.CheckInstanceID(ts[i].ResourceID) == nil {
				t := ts[i]
				t.RegionID = region
				return &t, regions, nil
			}
		}
	}
	return nil, regions, nil
}

// FollowTask follows ref's task until it ends (taskwait.Follow on the hub's backend): a
// tick of ticks asks once, progress is told each answer, waitTimeout bounds the whole.
func (h *Hub) FollowTask(ctx context.Context, ref backend.TaskRef, ticks <-chan time.Time, waitTimeout time.Duration,
	progress func(taskwait.Progress)) (model.Task, error) {
	return taskwait.Follow(ctx, h.b, ref, ticks, h.opt.Now, waitTimeout, progress)
}

// InProgress is the RedeployInstance task Processing for the instance, as DescribeTasks
// lists it right now (backend.InProgress on the hub's backend), or nil: for a command that
// must name the task behind a status the rules refuse (Stopping, Starting).
func (h *Hub) InProgress(ctx context.Context, region, instanceID string) (*backend.InProgressError, error) {
	ip, err := backend.InProgress(ctx, h.b, region, instanceID)
	if ip != nil {
		ip.Flags = h.opt.AccountFlags
	}
	return ip, err
}

// RedeploysUnderWay lists region's Processing RedeployInstance tasks, of ids when given
// (ResourceIds takes up to 100), every region's otherwise: one DescribeTasks, for
// `events`, which marks those instances IN PROGRESS as the console does.
func (h *Hub) RedeploysUnderWay(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	return h.processingIn(ctx, region, ids)
}
