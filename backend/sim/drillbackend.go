package sim

import (
	"context"
	"fmt"
	"time"

	"ecs-redeploy/backend"
)

// CreateSimulatedSystemEvents makes drill events in the engine (CreateDrills), NotBefore to
// the second as the API takes it.
func (b *Backend) CreateSimulatedSystemEvents(ctx context.Context, req backend.DrillRequest) (backend.DrillRef, error) {
	const action = "CreateSimulatedSystemEvents"
	if err := req.Check(); err != nil {
		return backend.DrillRef{}, fmt.Errorf("%s: not sent: %w", action, err)
	}
	lost, err := b.inject(ctx, action, req.RegionID)
	if err != nil {
		return backend.DrillRef{}, err
	}
	ids, err := b.E.CreateDrills(req.RegionID, req.EventType, req.NotBefore.UTC().Truncate(time.Second), req.InstanceIDs)
	if err != nil {
		return backend.DrillRef{}, err
	}
	if lost {
		return backend.DrillRef{}, fmt.Errorf("%s: %w: %w", action, backend.ErrOutcomeUnknown, LostReplyError(b.E.NewRequestID()))
	}
	return backend.DrillRef{RegionID: req.RegionID, EventIDs: ids, RequestID: b.E.NewRequestID()}, nil
}

// CancelSimulatedSystemEvents cancels drill events in the engine (CancelDrills).
func (b *Backend) CancelSimulatedSystemEvents(ctx context.Context, req backend.CancelDrillRequest) (backend.CancelDrillRef, error) {
	const action = "CancelSimulatedSystemEvents"
	if err := req.Check(); err != nil {
		return backend.CancelDrillRef{}, fmt.Errorf("%s: not sent: %w", action, err)
	}
	lost, err := b.inject(ctx, action, req.RegionID)
	if err != nil {
		return backend.CancelDrillRef{}, err
	}
	if err := b.E.CancelDrills(req.RegionID, req.EventIDs); err != nil {
		return backend.CancelDrillRef{}, err
	}
	if lost {
		return backend.CancelDrillRef{}, fmt.Errorf("%s: %w: %w", action, backend.ErrOutcomeUnknown, LostReplyError(b.E.NewRequestID()))
	}
	return backend.CancelDrillRef{RegionID: req.RegionID, EventIDs: req.EventIDs, RequestID: b.E.NewRequestID()}, nil
}
