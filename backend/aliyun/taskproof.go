package aliyun

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// proveTask checks a RedeployInstance 200 against what the action must return: a TaskId
// that DescribeTasks (TaskIds=[TaskId]) lists as a RedeployInstance task of the instance
// asked for, and that was not among its tasks before the call (known). A 200 naming
// another instance's task was printed and audited as "started" (issue 21): a reply is
// proof only once the task it names is shown to be this call's. The error, when it is
// not, is a reply that proves nothing (backend.ErrUnprovenReply); Redeploy then
// reconciles, and the outcome is unknown until a new task of the instance shows.
func (b *Backend) proveTask(ctx context.Context, ref backend.TaskRef, known map[string]bool) error {
	region, id := ref.RegionID, ref.InstanceID
	if known[ref.TaskID] {
		return b.unproven(actionRedeploy, region, "TaskId %s, a task of %s from before the call (RequestId %s)", ref.TaskID, id, ref.RequestID)
	}
	p, _, err := b.describeTasks(ctx, region, 1, func(req *ecs.DescribeTasksRequest) {
		req.TaskIds = ref.TaskID
	}, taskMatch{ids: []string{ref.TaskID}})
	if err != nil {
		// Quoted, not wrapped: its Code and RequestId are DescribeTasks', not the redeploy's.
		return b.unproven(actionRedeploy, region, "TaskId %s, which could not be checked (RequestId %s; DescribeTasks: %s)", ref.TaskID, ref.RequestID, bare(err))
	}
	for _, t := range p.tasks {
		if t.ID != ref.TaskID {
			continue
		}
		if t.ResourceID == id && t.Action == model.ActionRedeployInstance {
			return nil
		}
		return b.unproven(actionRedeploy, region, "TaskId %s, which DescribeTasks lists as %s of instance %s, not a redeploy of %s (RequestId %s)",
			ref.TaskID, orDash(t.Action), orDash(t.ResourceID), id, ref.RequestID)
	}
	// DescribeTasks may lag RedeployInstance: reconcile looks again, for this task or any
	// new one of the instance.
	return b.unproven(actionRedeploy, region, "TaskId %s, which DescribeTasks does not list yet (RequestId %s)", ref.TaskID, ref.RequestID)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
