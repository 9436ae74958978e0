package main

import (
	"context"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/eventsjson"
)

// maxTaskResourceIDs is the most instance ids one DescribeTasks takes in ResourceIds
// (DescribeTasks API page: ResourceIds, up to 100).
const maxTaskResourceIDs = 100

// redeploysUnderWay is, by instance id, the Processing RedeployInstance task of each
// listed instance that is neither Running nor Stopped: a redeploy under way moves an
// instance through Stopping and Starting, and the rules alone would call it refused
// (IncorrectInstanceStatus) where the console shows IN PROGRESS (tester2 #8). At most one
// DescribeTasks per region, and only in regions with such an instance (none on a quiet
// fleet): docs/performance.md's listing budget. A region with more such instances than one
// call names is asked for all its Processing tasks.
func redeploysUnderWay(ctx context.Context, h *fleet.Hub, ins []model.Instance) (map[string]string, error) {
	byRegion := map[string][]string{}
	var regions []string
	for i := range ins {
		if s := ins[i].Status; s == model.StatusRunning || s == model.StatusStopped {
			continue
		}
		r := ins[i].RegionID
		if byRegion[r] == nil {
			regions = append(regions, r)
		}
		byRegion[r] = append(byRegion[r], ins[i].ID)
	}
	out := map[string]string{}
	for _, r := range regions {
		ids := byRegion[r]
		if len(ids) > maxTaskResourceIDs {
			ids = nil
		}
		ts, err := h.RedeploysUnderWay(ctx, r, ids)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out[t.ResourceID] = t.ID
		}
	}
	return out, nil
}

// eventsRowOf is the row of in at now, IN PROGRESS when a redeploy is under way (the
// console's words; the verdict stays the rules', as the console's copy keeps it).
func eventsRowOf(in *model.Instance, now time.Time, underWay map[string]string) eventsjson.Row {
	if _, ok := underWay[in.ID]; !ok {
		return eventsjson.FromInstance(in, now)
	}
	el := model.Evaluate(in, now, false)
	return eventsjson.New(in, el, model.Badges(in, el, true))
}
