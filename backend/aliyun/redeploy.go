package aliyun

import (
	"context"
	"errors"
	"fmt"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Errors a Redeploy whose reply was lost can end in. Both wrap the failure that lost it.
var (
	// ErrRedeployNotStarted: the reply was lost, and DescribeTasks and the instance status
	// show that the redeploy did not start. Trying again is safe.
	ErrRedeployNotStarted = errors.New("the redeploy did not start")
	// ErrRedeployOutcomeUnknown: the reply was lost and what happened could not be found
	// out. Trying again is NOT safe until DescribeTasks or the console says so.
	// It is backend.ErrOutcomeUnknown, so callers that know only the backend package (the
	// fleet view) recognise it too.
	ErrRedeployOutcomeUnknown = backend.ErrOutcomeUnknown
)

// reconcileRounds is how often a lost reply is re-checked while the instance is moving but
// its task is not yet listed.
const reconcileRounds = 4

// Redeploy calls RedeployInstance. The API has no idempotency token, so the call is never
// repeated after a reply that may hide a success (5xx, timeout, dropped connection):
// instead DescribeTasks and the instance status say whether it started, and the answer is
// the real task (TaskRef.Reconciled), an error saying it did not start (the server answered
// 5xx and nothing moved), or ErrRedeployOutcomeUnknown (no answer, nothing seen yet). Only Throttling,
// which refuses a call before it runs, is waited out and repeated. A definite refusal
// (IncorrectInstanceStatus, InstanceLockedForSecurity, …) is returned as the *APIError.
func (b *Backend) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	region, id := req.RegionID, req.InstanceID
	if region == "" || id == "" {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance: region and instance id are required (got %q, %q)", region, id)
	}
	// The redeploy tasks that exist before the call: after a lost reply, a task not among
	// them is ours, whatever the clocks of this machine and the API say.
	before, _, err := b.redeployTasks(ctx, region, id)
	if err != nil {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not started: could not list its existing tasks first: %w", id, err)
	}
	known := make(map[string]bool, len(before))
	for _, t := range before {
		known[t.ID] = true
	}
	var throttles int
	for {
		var ref backend.TaskRef
		r := b.attempt(ctx, region, "RedeployInstance", func(c *ecs.Client) error {
			call := ecs.CreateRedeployInstanceRequest()
			call.RegionId = region
			call.InstanceId = id
			call.ForceStop = requests.NewBoolean(req.ForceStop)
			resp := ecs.CreateRedeployInstanceResponse()
			if err := c.DoAction(call, resp); err != nil {
				return err
			}
			ref = backend.TaskRef{TaskID: resp.TaskId, RegionID: region, InstanceID: id, RequestID: resp.RequestId}
			return nil
		})
		switch {
		case r.out == outOK:
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
			return b.reconcile(ctx, req, known, r.err)
		case r.out == outUnreachable:
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not started: %w; %s", id, r.err, advice(r.out))
		case r.out == outLocal:
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: not started: %w", id, r.err)
		default:
			// A refusal with a code: the API's answer, unchanged.
			return backend.TaskRef{}, r.err
		}
	}
}

// reconcile finds out what a RedeployInstance whose reply was lost did.
func (b *Backend) reconcile(ctx context.Context, req backend.RedeployRequest, known map[string]bool, cause error) (backend.TaskRef, error) {
	region, id := req.RegionID, req.InstanceID
	// The caller may have given up (that may be why the reply was lost), but the user
	// still needs to know whether the instance is being redeployed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.o.ReconcileTimeout)
	defer cancel()
	unknown := func(why string, err error) (backend.TaskRef, error) {
		if err != nil {
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the reply was lost (%w) and %s: %w; check DescribeTasks or the console before trying again",
				id, ErrRedeployOutcomeUnknown, cause, why, err)
		}
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the reply was lost (%w) and %s; check DescribeTasks or the console before trying again",
			id, ErrRedeployOutcomeUnknown, cause, why)
	}
	var status model.InstanceStatus
	for round := 1; ; round++ {
		tasks, reqID, err := b.redeployTasks(ctx, region, id)
		if err != nil {
			return unknown("DescribeTasks failed", err)
		}
		for _, t := range tasks {
			if !known[t.ID] && t.ResourceID == id {
				if ae, ok := backend.AsAPIError(cause); ok && ae.RequestID != "" {
					reqID = ae.RequestID
				}
				return backend.TaskRef{TaskID: t.ID, RegionID: region, InstanceID: id, RequestID: reqID, Reconciled: true}, nil
			}
		}
		ins, err := b.describeInstances(ctx, region, []string{id})
		if err != nil {
			return unknown("DescribeInstances failed", err)
		}
		if len(ins) == 0 {
			// No such instance in the region: nothing can be redeploying it.
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the reply was lost (%w), and DescribeInstances lists no such instance in %s",
				id, ErrRedeployNotStarted, cause, region)
		}
		status = ins[0].Status
		if status == model.StatusRunning || status == model.StatusStopped {
			// Only a server that answered (5xx) has finished with the call. After a timeout or
			// a dropped connection it may still apply it after this check, so "no task yet"
			// must not be read as "safe to try again".
			if ae, ok := backend.AsAPIError(cause); !ok || ae.HTTPStatus < 500 {
				return unknown(fmt.Sprintf("no new redeploy task is listed yet and the instance is still %s, but the call got no answer and may still be applied", status), nil)
			}
			return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: the reply was lost (%w), and DescribeTasks shows no new redeploy task and the instance is still %s; it is safe to try again",
				id, ErrRedeployNotStarted, cause, status)
		}
		// Stopping or Starting with no task listed yet: the task list may lag the instance.
		if round == reconcileRounds {
			return unknown(fmt.Sprintf("the instance is %s but no new redeploy task is listed", status), nil)
		}
		if err := b.o.Sleep(ctx, b.backoff(round, 0)); err != nil {
			return unknown("checking took too long", err)
		}
	}
}

// redeployTasks lists the instance's RedeployInstance tasks, newest first as the API
// returns them, with the RequestId of the listing.
func (b *Backend) redeployTasks(ctx context.Context, region, id string) ([]model.Task, string, error) {
	return b.describeTasks(ctx, region, func(req *ecs.DescribeTasksRequest) {
		req.TaskAction = model.ActionRedeployInstance
		ids := []string{id}
		req.ResourceIds = &ids
	})
}
