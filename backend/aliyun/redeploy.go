package aliyun

import (
	"context"
	"fmt"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// ErrRedeployOutcomeUnknown is what a Redeploy whose reply was lost or proved nothing
// ends in when no task of the call was found (within the reconcile budget, or with the
// instance not listed at all); it wraps the failure that lost the reply. The redeploy
// may have started: trying again is NOT safe until the instance's tasks say so. Only
// ECS's own error body proves a redeploy did not start (DESIGN §5), so no listing is
// taken as that proof. It is backend.ErrOutcomeUnknown, so callers that know only the
// backend package (the fleet hub) recognise it too.
var ErrRedeployOutcomeUnknown = backend.ErrOutcomeUnknown

const actionRedeploy = "RedeployInstance"

// Redeploy calls RedeployInstance. Right before the call it lists the instance's
// RedeployInstance tasks (DescribeTasks, ResourceIds=[id], every page) and refuses, with
// a *backend.InProgressError naming the task, when one is Processing — started here or
// anywhere else. The API has no idempotency token, so the call is never repeated after a
// reply that may hide a success: only ECS's own refusal (its error body, with Code and
// RequestId) proves that nothing started. A Throttling refusal is waited out and the call
// repeated; any other refusal is returned as the *APIError. A 200 is proof only once
// DescribeTasks lists its TaskId as a new redeploy task of this instance (proveTask);
// otherwise it proves nothing and is reconciled. Every other failure after the
// request left — a 5xx, a timeout, a dropped connection, a reply without TaskId and
// RequestId, a gateway's page — is reconciled: DescribeTasks and the instance status are
// polled for ReconcileTimeout, and the answer is the real task (TaskRef.Reconciled) or
// ErrRedeployOutcomeUnknown.
func (b *Backend) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	region, id := req.RegionID, req.InstanceID
	if region == "" {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not sent: no region given", id)
	}
	if err := backend.CheckInstanceID(id); err != nil {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance: not sent: %w", err)
	}
	// One listing of every state, not TaskStatus=Processing alone: the tasks it lists are
	// also the ones that existed before the call, so after a lost reply a task not among
	// them is ours, whatever the clocks of this machine and the API say.
	before, _, err := b.listTasks(ctx, backend.TaskQuery{RegionID: region, ResourceIDs: []string{id}})
	if err != nil {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not sent: could not list its redeploy tasks first: %w", id, err)
	}
	known := make(map[string]bool, len(before))
	for _, t := range before {
		known[t.ID] = true
		if t.Status == model.TaskProcessing {
			return backend.TaskRef{}, &backend.InProgressError{RegionID: region, InstanceID: id, TaskID: t.ID, Created: t.CreationTime}
		}
	}
	var throttles int
	for {
		var ref backend.TaskRef
		r := b.attempt(ctx, region, actionRedeploy, func(c *ecs.Client) error {
			call := ecs.CreateRedeployInstanceRequest()
			call.RegionId = region
			call.InstanceId = id
			call.ForceStop = requests.NewBoolean(req.ForceStop)
			resp := ecs.CreateRedeployInstanceResponse()
			if err := c.DoAction(call, resp); err != nil {
				return err
			}
			// Without both, a 200 proves nothing: not that a task exists, nor which.
			if resp.TaskId == "" || resp.RequestId == "" {
				return b.unproven(actionRedeploy, region, "a 200 without both TaskId and RequestId (TaskId %q, RequestId %q)", resp.TaskId, resp.RequestId)
			}
			ref = backend.TaskRef{TaskID: resp.TaskId, RegionID: region, InstanceID: id, RequestID: resp.RequestId}
			return nil
		})
		switch {
		case r.out == outOK:
			if err := b.proveTask(ctx, ref, known); err != nil {
				return b.reconcile(ctx, req, known, err, ref.RequestID)
			}
			return ref, nil
		case r.out == outThrottled:
			b.throttled.Add(1)
			throttles++
			if throttles > b.o.ThrottleRetries {
				return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not started: still throttled after %d retries: %w; %s", id, b.o.ThrottleRetries, r.err, adviceThrottled)
			}
			b.retried.Add(1)
			b.limiter(region).hold(b.o.Now(), b.backoff(throttles, r.retryAfter))
		case r.out.ambiguous():
			// The RequestId of a TaskRef is the RedeployInstance call's, never a
			// listing's: when the lost reply carried none, there is none to give.
			var reqID string
			if ae, ok := backend.CallError(r.err, actionRedeploy); ok {
				reqID = ae.RequestID
			}
			return b.reconcile(ctx, req, known, r.err, reqID)
		case r.out == outUnreachable:
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not sent: %w; %s", id, r.err, advice(r.out))
		case r.out == outLocal:
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not sent: %w", id, r.err)
		default:
			// A refusal with ECS's code and RequestId: the API's answer, unchanged.
			return backend.TaskRef{}, r.err
		}
	}
}

// reconcile finds out what a RedeployInstance whose reply was lost, or proved nothing,
// did. It polls the instance's tasks and status, through transient failures, until a task
// that was not there before the call is listed or the budget (ReconcileTimeout, on the
// backend's clock) is spent. reqID is the call's own RequestId, when its reply had one.
func (b *Backend) reconcile(ctx context.Context, req backend.RedeployRequest, known map[string]bool, cause error, reqID string) (backend.TaskRef, error) {
	region, id := req.RegionID, req.InstanceID
	// The caller may have given up (that may be why the reply was lost), but the user
	// still needs to know whether the instance is being redeployed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.o.ReconcileTimeout)
	defer cancel()
	deadline := b.o.Now().Add(b.o.ReconcileTimeout)
	var (
		status  model.InstanceStatus
		lastErr error
	)
	for round := 1; ; round++ {
		tasks, _, err := b.listTasks(ctx, backend.TaskQuery{RegionID: region, ResourceIDs: []string{id}})
		if err == nil {
			for _, t := range tasks {
				if !known[t.ID] && t.ResourceID == id {
					return backend.TaskRef{TaskID: t.ID, RegionID: region, InstanceID: id, RequestID: reqID, Reconciled: true}, nil
				}
			}
			var ins []model.Instance
			if ins, err = b.describeInstances(ctx, region, []string{id}); err == nil {
				in := findInstance(ins, id)
				if in == nil {
					// Not proof that nothing started (only ECS's error body is): a listing
					// may lag, or the region may be wrong. Say what was seen, and stop
					// looking: nothing newer will come of this instance here.
					return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the call was sent but its reply was lost or proves nothing (%w), DescribeTasks lists no new redeploy task of it, and DescribeInstances lists no such instance in %s; check the instance's redeploy tasks (the console, or DescribeTasks with ResourceIds [%q]) before trying again",
						id, ErrRedeployOutcomeUnknown, cause, region, id)
				}
				status = in.Status
			}
		}
		lastErr = err
		if (err != nil && !transient(err)) || !b.o.Now().Before(deadline) || ctx.Err() != nil {
			break
		}
		// Stopping or Starting with no task listed yet (the task list may lag the
		// instance), or still unmoved after a call that may yet be applied: look again.
		d := min(b.backoff(round, 0), deadline.Sub(b.o.Now()))
		if err := b.o.Sleep(ctx, d); err != nil {
			break
		}
	}
	seen := "no check of the instance succeeded"
	if status != "" {
		seen = fmt.Sprintf("no new redeploy task was listed and the instance was last %s", status)
	}
	if lastErr != nil {
		// The check's own error is quoted, not wrapped: its Code and RequestId belong to
		// DescribeTasks or DescribeInstances, not to the redeploy.
		seen += " (last check: " + bare(lastErr) + ")"
	}
	return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the call was sent but its reply was lost or proves nothing (%w), and within %s %s; check the instance's redeploy tasks (the console, or DescribeTasks with ResourceIds [%q]) before trying again",
		id, ErrRedeployOutcomeUnknown, cause, b.o.ReconcileTimeout, seen, id)
}

// findInstance is the instance whose id is id, or nil: answers are matched by id, never
// taken by position.
func findInstance(ins []model.Instance, id string) *model.Instance {
	for i := range ins {
		if ins[i].ID == id {
			return &ins[i]
		}
	}
	return nil
}
