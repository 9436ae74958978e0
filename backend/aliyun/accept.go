package aliyun

import (
	"context"
	"fmt"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
)

const actionAccept = "AcceptInquiredSystemEvent"

// AcceptInquiredSystemEvent calls AcceptInquiredSystemEvent (SDK
// ecs.CreateAcceptInquiredSystemEventRequest) for one Inquiring event. A Throttling
// refusal is waited out and the call repeated; ECS's refusals are returned as the
// *APIError (Code, RequestId). A reply lost after the call left is not repeated blindly:
// the error says the outcome is unknown (backend.ErrOutcomeUnknown) and to look at the
// event, which is Executing if the accept took effect; a second accept of it would only be
// refused with InvalidEventId.NoInquiringEventFound.
func (b *Backend) AcceptInquiredSystemEvent(ctx context.Context, req backend.AcceptRequest) (backend.AcceptRef, error) {
	region, id := req.RegionID, req.EventID
	if region == "" {
		return backend.AcceptRef{}, fmt.Errorf("%s %s: not sent: no region given", actionAccept, id)
	}
	if err := backend.CheckEventID(id); err != nil {
		return backend.AcceptRef{}, fmt.Errorf("%s: not sent: %w", actionAccept, err)
	}
	var throttles int
	for {
		var ref backend.AcceptRef
		r := b.attempt(ctx, region, actionAccept, func(c *ecs.Client) error {
			call := ecs.CreateAcceptInquiredSystemEventRequest()
			call.RegionId = region
			call.EventId = id
			resp := ecs.CreateAcceptInquiredSystemEventResponse()
			if err := c.DoAction(call, resp); err != nil {
				return err
			}
			if resp.RequestId == "" {
				return b.unproven(actionAccept, region, "a 200 without a RequestId")
			}
			ref = backend.AcceptRef{RegionID: region, EventID: id, RequestID: resp.RequestId}
			return nil
		})
		switch {
		case r.out == outOK:
			return ref, nil
		case r.out == outThrottled:
			b.throttled.Add(1)
			throttles++
			if throttles > b.o.ThrottleRetries {
				return backend.AcceptRef{}, fmt.Errorf("%s %s: not accepted: still throttled after %d retries: %w; %s", actionAccept, id, b.o.ThrottleRetries, r.err, adviceThrottled)
			}
			b.retried.Add(1)
			b.limiter(region).hold(b.o.Now(), b.backoff(throttles, r.retryAfter))
		case r.out.ambiguous():
			return backend.AcceptRef{}, fmt.Errorf("%s %s: %w: %w; look at the event (ecs-redeploy events): Executing means it was accepted", actionAccept, id, backend.ErrOutcomeUnknown, r.err)
		case r.out == outUnreachable:
			return backend.AcceptRef{}, fmt.Errorf("%s %s: not sent: %w; %s", actionAccept, id, r.err, advice(r.out))
		case r.out == outLocal:
			return backend.AcceptRef{}, fmt.Errorf("%s %s: not sent: %w", actionAccept, id, r.err)
		default:
			return backend.AcceptRef{}, r.err
		}
	}
}
