package sim

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Backend is the engine's in-process face: a backend.Backend for --demo and tests.
type Backend struct {
	E *Engine
	// calls and throttled count what reached the backend (Spent).
	calls, throttled atomic.Int64
	// OnCall, when set, is told of every call, by action and the fault it met: the
	// in-process face sends nothing, so each method is one call of the action it stands for.
	OnCall backend.CallObserver
}

// NewBackend wraps engine e as a backend.Backend.
func NewBackend(e *Engine) *Backend { return &Backend{E: e} }

var _ backend.Backend = (*Backend)(nil)

// inject applies the configured fault for one call. It returns a non-nil error when the
// call must fail before doing anything; lost is true when the call must be applied and
// then fail.
func (b *Backend) inject(ctx context.Context, action, region string) (lost bool, err error) {
	b.calls.Add(1)
	if d := b.E.Faults().Latency; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
	}
	f := b.E.Fault(action, region)
	if b.OnCall != nil {
		switch f {
		case FaultThrottle:
			b.OnCall(action, backend.CallThrottled)
		case FaultServerError, FaultHang, FaultLostReply, FaultBadReply:
			b.OnCall(action, backend.CallFailed)
		default:
			b.OnCall(action, backend.CallOK)
		}
	}
	switch f {
	case FaultThrottle:
		b.throttled.Add(1)
		return false, ThrottlingError(b.E.NewRequestID())
	case FaultServerError:
		return false, &backend.APIError{Code: backend.CodeInternalError, HTTPStatus: 500,
			Message: "The request processing has failed due to some unknown error.", RequestID: b.E.NewRequestID()}
	case FaultHang:
		<-ctx.Done()
		return false, fmt.Errorf("%s: %w", action, ctx.Err())
	case FaultLostReply, FaultBadReply:
		return true, nil
	}
	return false, ctx.Err()
}

// ThrottlingError is the API's answer to a call over its rate.
func ThrottlingError(requestID string) *backend.APIError {
	return &backend.APIError{Code: backend.CodeThrottling, HTTPStatus: 400,
		Message: "Request was denied due to request throttling.", RequestID: requestID}
}

// LostReplyError is what a client sees when the reply to an applied call is lost.
func LostReplyError(requestID string) *backend.APIError {
	return &backend.APIError{Code: backend.CodeServiceUnavailable, HTTPStatus: 503,
		Message: "The request has failed due to a temporary failure of the server.", RequestID: requestID}
}

// Regions lists the fleet's regions.
func (b *Backend) Regions(ctx context.Context) ([]model.Region, error) {
	if lost, err := b.inject(ctx, "DescribeRegions", ""); err != nil || lost {
		return nil, orLost(err, lost, b.E)
	}
	return b.E.Regions(), nil
}

// Instances lists instances with pending events.
func (b *Backend) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	if err := backend.CheckInstanceIDs(q.InstanceIDs); err != nil {
		return nil, err
	}
	for _, r := range q.Regions {
		if !b.E.HasRegion(r) {
			return nil, &backend.APIError{Code: "InvalidRegionId.NotFound", HTTPStatus: 404,
				Message: fmt.Sprintf("The specified RegionId %q does not exist.", r), RequestID: b.E.NewRequestID()}
		}
	}
	// A generated engine draws a region when it is first asked for (NewGenerated): a
	// signal must not wait for that.
	if err := b.E.Await(ctx, q.Regions...); err != nil {
		return nil, err
	}
	if lost, err := b.inject(ctx, "DescribeInstanceHistoryEvents", firstOr(q.Regions)); err != nil || lost {
		return nil, orLost(err, lost, b.E)
	}
	return b.E.PendingInstances(q.Regions, q.InstanceIDs), nil
}

// Redeploy starts a redeploy in the engine.
func (b *Backend) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	if err := backend.CheckInstanceID(req.InstanceID); err != nil {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance: not sent: %w", err)
	}
	// As the real backend does, right before the call: a redeploy under way refuses.
	if ts := b.E.Tasks(req.RegionID, TaskFilter{Action: model.ActionRedeployInstance, Status: model.TaskProcessing, ResourceIDs: []string{req.InstanceID}}); len(ts) > 0 {
		t := ts[0] // the filter is this instance's Processing tasks: any one refuses
		return backend.TaskRef{}, &backend.InProgressError{RegionID: req.RegionID, InstanceID: req.InstanceID, TaskID: t.ID, Created: t.CreationTime}
	}
	lost, err := b.inject(ctx, "RedeployInstance", req.RegionID)
	if err != nil {
		return backend.TaskRef{}, err
	}
	t, err := b.E.Redeploy(req.RegionID, req.InstanceID, req.ForceStop)
	if err != nil {
		return backend.TaskRef{}, err
	}
	if lost {
		return backend.TaskRef{}, LostReplyError(b.E.NewRequestID())
	}
	return backend.TaskRef{TaskID: t.ID, RegionID: req.RegionID, InstanceID: req.InstanceID, RequestID: b.E.NewRequestID()}, nil
}

// Tasks reports task status.
func (b *Backend) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	if lost, err := b.inject(ctx, "DescribeTasks", region); err != nil || lost {
		return nil, orLost(err, lost, b.E)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return b.E.Tasks(region, TaskFilter{TaskIDs: ids}), nil
}

// ListTasks lists the region's RedeployInstance tasks that match q, newest first.
func (b *Backend) ListTasks(ctx context.Context, q backend.TaskQuery) ([]model.Task, error) {
	if err := backend.CheckInstanceIDs(q.ResourceIDs); err != nil {
		return nil, err
	}
	if lost, err := b.inject(ctx, "DescribeTasks", q.RegionID); err != nil || lost {
		return nil, orLost(err, lost, b.E)
	}
	return b.E.Tasks(q.RegionID, TaskFilter{Action: model.ActionRedeployInstance, Status: q.Status, ResourceIDs: q.ResourceIDs}), nil
}

func orLost(err error, lost bool, e *Engine) error {
	if err != nil {
		return err
	}
	if lost {
		return LostReplyError(e.NewRequestID())
	}
	return nil
}

func firstOr(s []string) string {
	if len(s) > 0 {
		return s[0]
	}
	return ""
}

// PendingEvents lists the region's pending events published at or after q.PublishedSince.
func (b *Backend) PendingEvents(ctx context.Context, q backend.EventQuery) ([]model.Event, error) {
	if !b.E.HasRegion(q.RegionID) {
		return nil, &backend.APIError{Code: "InvalidRegionId.NotFound", HTTPStatus: 404,
			Message: fmt.Sprintf("The specified RegionId %q does not exist.", q.RegionID), RequestID: b.E.NewRequestID()}
	}
	if err := b.E.Await(ctx, q.RegionID); err != nil {
		return nil, err
	}
	if lost, err := b.inject(ctx, "DescribeInstanceHistoryEvents", q.RegionID); err != nil || lost {
		return nil, orLost(err, lost, b.E)
	}
	f := EventListFilter{EventFilter: EventFilter{Region: q.RegionID, CycleStatuses: model.PendingCycleStatuses}, PublishedStart: q.PublishedSince}
	return b.E.ListEvents(f, Page{After: -1, Limit: math.MaxInt}).Events, nil
}

// Spent counts the calls that reached the simulator and the Throttling it answered.
func (b *Backend) Spent() backend.Spent {
	return backend.Spent{Calls: b.calls.Load(), Throttled: b.throttled.Load()}
}

// MaintenanceAttributes reads the instances' maintenance attributes from the engine.
func (b *Backend) MaintenanceAttributes(ctx context.Context, region string, ids []string) ([]model.MaintenanceAttribute, error) {
	if err := backend.CheckInstanceIDs(ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := b.E.Await(ctx, region); err != nil {
		return nil, err
	}
	if lost, err := b.inject(ctx, "DescribeInstanceMaintenanceAttributes", region); err != nil || lost {
		return nil, orLost(err, lost, b.E)
	}
	return b.E.MaintenanceAttributes(region, ids), nil
}

// AcceptInquiredSystemEvent accepts an Inquiring event in the engine.
func (b *Backend) AcceptInquiredSystemEvent(ctx context.Context, req backend.AcceptRequest) (backend.AcceptRef, error) {
	if err := backend.CheckEventID(req.EventID); err != nil {
		return backend.AcceptRef{}, fmt.Errorf("AcceptInquiredSystemEvent: not sent: %w", err)
	}
	lost, err := b.inject(ctx, "AcceptInquiredSystemEvent", req.RegionID)
	if err != nil {
		return backend.AcceptRef{}, err
	}
	if err := b.E.Accept(req.RegionID, req.EventID); err != nil {
		return backend.AcceptRef{}, err
	}
	if lost {
		return backend.AcceptRef{}, LostReplyError(b.E.NewRequestID())
	}
	return backend.AcceptRef{RegionID: req.RegionID, EventID: req.EventID, RequestID: b.E.NewRequestID()}, nil
}
