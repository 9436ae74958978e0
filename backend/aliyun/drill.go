package aliyun

import (
	"context"
	"fmt"
	"slices"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

const (
	actionCreateDrills = "CreateSimulatedSystemEvents"
	actionCancelDrills = "CancelSimulatedSystemEvents"
)

// CreateSimulatedSystemEvents calls CreateSimulatedSystemEvents (SDK
// ecs.CreateCreateSimulatedSystemEventsRequest: RegionId, InstanceId.N, EventType,
// NotBefore as yyyy-MM-ddTHH:mm:ssZ in UTC) once. A Throttling refusal is waited out and
// the call repeated: nothing was made. A reply lost after the call left is not repeated
// blindly (it has no ClientToken; a second call would make a second drill on each
// instance): the error says the outcome is unknown (backend.ErrOutcomeUnknown). A 200
// proves the drills only with a RequestId and one well-formed event id per instance
// (EventIdSet.EventId).
func (b *Backend) CreateSimulatedSystemEvents(ctx context.Context, req backend.DrillRequest) (backend.DrillRef, error) {
	if err := req.Check(); err != nil {
		return backend.DrillRef{}, fmt.Errorf("%s: not sent: %w", actionCreateDrills, err)
	}
	region := req.RegionID
	var ref backend.DrillRef
	err := b.once(ctx, region, actionCreateDrills, func(c *ecs.Client) error {
		call := ecs.CreateCreateSimulatedSystemEventsRequest()
		call.RegionId = region
		ids := slices.Clone(req.InstanceIDs)
		call.InstanceId = &ids
		call.EventType = string(req.EventType)
		call.NotBefore = req.NotBefore.UTC().Format(model.DrillTimeLayout)
		resp := ecs.CreateCreateSimulatedSystemEventsResponse()
		if err := c.DoAction(call, resp); err != nil {
			return err
		}
		made := resp.EventIdSet.EventId
		switch {
		case resp.RequestId == "":
			return b.unproven(actionCreateDrills, region, "a 200 without a RequestId")
		case len(made) != len(req.InstanceIDs):
			return b.unproven(actionCreateDrills, region, "%d event ids for %d instances", len(made), len(req.InstanceIDs))
		}
		for _, id := range made {
			if !model.ValidEventID(id) {
				return b.unproven(actionCreateDrills, region, "an event id of the wrong shape: %q", id)
			}
		}
		ref = backend.DrillRef{RegionID: region, EventIDs: slices.Clone(made), RequestID: resp.RequestId}
		return nil
	}, "look at the instances' events (ecs-redeploy events): a drill there was made, and ecs-redeploy drill --cancel EVENT_ID removes it")
	return ref, err
}

// CancelSimulatedSystemEvents calls CancelSimulatedSystemEvents (SDK
// ecs.CreateCancelSimulatedSystemEventsRequest: RegionId, EventId.N) once, as
// CreateSimulatedSystemEvents is called. The API refuses the whole call for one id that is
// not a drill of the region (403 InvalidEventId.NotFound, CannotCancelSystemEvent.NotSimulated).
func (b *Backend) CancelSimulatedSystemEvents(ctx context.Context, req backend.CancelDrillRequest) (backend.CancelDrillRef, error) {
	if err := req.Check(); err != nil {
		return backend.CancelDrillRef{}, fmt.Errorf("%s: not sent: %w", actionCancelDrills, err)
	}
	region := req.RegionID
	var ref backend.CancelDrillRef
	err := b.once(ctx, region, actionCancelDrills, func(c *ecs.Client) error {
		call := ecs.CreateCancelSimulatedSystemEventsRequest()
		call.RegionId = region
		ids := slices.Clone(req.EventIDs)
		call.EventId = &ids
		resp := ecs.CreateCancelSimulatedSystemEventsResponse()
		if err := c.DoAction(call, resp); err != nil {
			return err
		}
		if resp.RequestId == "" {
			return b.unproven(actionCancelDrills, region, "a 200 without a RequestId")
		}
		ref = backend.CancelDrillRef{RegionID: region, EventIDs: slices.Clone(req.EventIDs), RequestID: resp.RequestId}
		return nil
	}, "look at the events (ecs-redeploy events): a drill no longer listed was canceled; run it again for the ones still there")
	return ref, err
}

// once runs one write call of action that has no ClientToken: Throttling is waited out and
// the call repeated (ECS made nothing); an ambiguous end (a timeout, a 5xx, a reply that
// proves nothing) is never repeated and wraps backend.ErrOutcomeUnknown, with look saying
// how to find out.
func (b *Backend) once(ctx context.Context, region, action string, call func(*ecs.Client) error, look string) error {
	var throttles int
	for {
		r := b.attempt(ctx, region, action, call)
		switch {
		case r.out == outOK:
			return nil
		case r.out == outThrottled:
			b.throttled.Add(1)
			throttles++
			if throttles > b.o.ThrottleRetries {
				return fmt.Errorf("%s: not done: still throttled after %d retries: %w; %s", action, b.o.ThrottleRetries, r.err, adviceThrottled)
			}
			b.retried.Add(1)
			b.limiter(region).hold(b.o.Now(), b.backoff(throttles, r.retryAfter))
		case r.out.ambiguous():
			return fmt.Errorf("%s: %w: %w; %s", action, backend.ErrOutcomeUnknown, r.err, look)
		case r.out == outUnreachable:
			return fmt.Errorf("%s: not sent: %w; %s", action, r.err, advice(r.out))
		case r.out == outLocal:
			return fmt.Errorf("%s: not sent: %w", action, r.err)
		default:
			return r.err
		}
	}
}
