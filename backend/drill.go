package backend

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"ecs-redeploy/model"
)

// Drills: CreateSimulatedSystemEvents and CancelSimulatedSystemEvents (their API pages,
// updated 2026-01-28), the fire drill of a team's event handling. A drill event is listed
// like a real one (DescribeInstanceHistoryEvents) but the platform does nothing at its
// NotBefore, and RedeployInstance never answers it.

// DrillRequest is one CreateSimulatedSystemEvents call.
type DrillRequest struct {
	RegionID string
	// InstanceIDs are the instances of the region that each get one drill event
	// (InstanceId.N, 1–100).
	InstanceIDs []string
	// EventType is one of model.DrillEventTypes.
	EventType model.EventType
	// NotBefore is when the drill is due (sent to the second, in UTC). A failure type
	// (SystemFailure.*, InstanceFailure.*) starts Executing and ends Executed then; the
	// others are Scheduled until then.
	NotBefore time.Time
	// Identity is who asked: the guard checks its role, the audit log records it.
	Identity Identity
}

// DrillRef is what a CreateSimulatedSystemEvents call returned: the ids of the drill
// events it made (EventIdSet.EventId), in the order the API gave them.
type DrillRef struct {
	RegionID  string   `json:"RegionId"`
	EventIDs  []string `json:"EventIds"`
	RequestID string   `json:"RequestId"`
}

// CancelDrillRequest is one CancelSimulatedSystemEvents call.
type CancelDrillRequest struct {
	RegionID string
	// EventIDs are drill events of the region (EventId.N, 1–100).
	EventIDs []string
	// Identity is who asked: the guard checks its role, the audit log records it.
	Identity Identity
}

// CancelDrillRef is what a CancelSimulatedSystemEvents call returned.
type CancelDrillRef struct {
	RegionID  string   `json:"RegionId"`
	EventIDs  []string `json:"EventIds"`
	RequestID string   `json:"RequestId"`
}

// ErrInvalidDrill is wrapped by every drill request refused before anything is sent: no
// region, no instance or too many, an id of the wrong shape, an event type the API does
// not take, no NotBefore.
var ErrInvalidDrill = errors.New("not a drill the API takes")

// Check says what is wrong with the request, before anything is sent; nil when nothing.
func (r DrillRequest) Check() error {
	switch {
	case r.RegionID == "":
		return fmt.Errorf("%w: no region given", ErrInvalidDrill)
	case len(r.InstanceIDs) == 0:
		return fmt.Errorf("%w: no instance given", ErrInvalidDrill)
	case len(r.InstanceIDs) > model.MaxDrillIDs:
		return fmt.Errorf("%w: %d instances; one call takes at most %d (InstanceId.N)", ErrInvalidDrill, len(r.InstanceIDs), model.MaxDrillIDs)
	case !model.ValidDrillEventType(r.EventType):
		return fmt.Errorf("%w: event type %q; it is one of %s", ErrInvalidDrill, r.EventType, model.DrillEventTypeNames())
	case r.NotBefore.IsZero():
		return fmt.Errorf("%w: no NotBefore given", ErrInvalidDrill)
	}
	return CheckInstanceIDs(r.InstanceIDs)
}

// Check says what is wrong with the request, before anything is sent; nil when nothing.
func (r CancelDrillRequest) Check() error {
	switch {
	case r.RegionID == "":
		return fmt.Errorf("%w: no region given", ErrInvalidDrill)
	case len(r.EventIDs) == 0:
		return fmt.Errorf("%w: no event given", ErrInvalidDrill)
	case len(r.EventIDs) > model.MaxDrillIDs:
		return fmt.Errorf("%w: %d events; one call takes at most %d (EventId.N)", ErrInvalidDrill, len(r.EventIDs), model.MaxDrillIDs)
	}
	for _, id := range r.EventIDs {
		if err := CheckEventID(id); err != nil {
			return err
		}
	}
	return nil
}

// ErrForbiddenDrill is returned by Guard for a drill asked by anyone but an operator:
// drill events page whoever watches the account's events.
var ErrForbiddenDrill = &APIError{Code: CodeForbiddenRole, HTTPStatus: 403,
	Message: "read-only: your role is viewer, and a viewer cannot create or cancel drill events (ask for an operator key, or run without --read-only)"}

// CreateSimulatedSystemEvents is refused for a viewer: a drill is a write to the account
// that every on-call tool watching it sees.
func (g guard) CreateSimulatedSystemEvents(ctx context.Context, req DrillRequest) (DrillRef, error) {
	if !req.Identity.CanRedeploy() {
		return DrillRef{}, ErrForbiddenDrill
	}
	return g.Backend.CreateSimulatedSystemEvents(ctx, req)
}

// CancelSimulatedSystemEvents is refused for a viewer, as creating one is.
func (g guard) CancelSimulatedSystemEvents(ctx context.Context, req CancelDrillRequest) (CancelDrillRef, error) {
	if !req.Identity.CanRedeploy() {
		return CancelDrillRef{}, ErrForbiddenDrill
	}
	return g.Backend.CancelSimulatedSystemEvents(ctx, req)
}

// CreateSimulatedSystemEvents is audited as a redeploy is: an intent line synced before
// the call (or no call), a result line after with the event ids made, or the API's Code
// and RequestId.
func (a *audit) CreateSimulatedSystemEvents(ctx context.Context, req DrillRequest) (DrillRef, error) {
	const action = "CreateSimulatedSystemEvents"
	rec := AuditRecord{
		Time: a.now().UTC(), ID: rand.Text(), Phase: AuditIntent, Identity: req.Identity, RegionID: req.RegionID,
		Action: action, Instances: req.InstanceIDs, EventType: string(req.EventType), NotBefore: req.NotBefore.UTC(),
	}
	if err := a.write(rec); err != nil {
		return DrillRef{}, fmt.Errorf("%s: not sent: the audit log could not record the intent: %w; fix --audit-log and run it again", action, err)
	}
	ref, err := a.Backend.CreateSimulatedSystemEvents(ctx, req)
	rec.Events = ref.EventIDs
	return ref, a.result(rec, "created", ref.RequestID, err)
}

// CancelSimulatedSystemEvents is audited as creating one is.
func (a *audit) CancelSimulatedSystemEvents(ctx context.Context, req CancelDrillRequest) (CancelDrillRef, error) {
	const action = "CancelSimulatedSystemEvents"
	rec := AuditRecord{
		Time: a.now().UTC(), ID: rand.Text(), Phase: AuditIntent, Identity: req.Identity, RegionID: req.RegionID,
		Action: action, Events: req.EventIDs,
	}
	if err := a.write(rec); err != nil {
		return CancelDrillRef{}, fmt.Errorf("%s: not sent: the audit log could not record the intent: %w; fix --audit-log and run it again", action, err)
	}
	ref, err := a.Backend.CancelSimulatedSystemEvents(ctx, req)
	return ref, a.result(rec, "canceled", ref.RequestID, err)
}

// result writes the result line of an intent rec for a call that answered err (ok is the
// outcome's word when it succeeded) and returns err, joined with a failure to write it.
func (a *audit) result(rec AuditRecord, ok, requestID string, err error) error {
	rec.Time, rec.Phase, rec.RequestID, rec.Outcome = a.now().UTC(), AuditResult, requestID, ok
	if err != nil {
		rec.Outcome = AuditFailed
		if errors.Is(err, ErrOutcomeUnknown) {
			rec.Outcome = AuditUnknown
		}
		rec.Error = strings.Join(strings.Fields(err.Error()), " ")
		rec.Code, rec.RequestID = "", ""
		if ae, found := CallError(err, rec.Action); found {
			rec.Code, rec.RequestID = ae.Code, ae.RequestID
		}
	}
	if werr := a.write(rec); werr != nil {
		if err != nil {
			return fmt.Errorf("%w; and %w (intent %s): %w", err, ErrAuditResult, rec.ID, werr)
		}
		return fmt.Errorf("%s: %s, but %w (intent %s): %w; add the result to the log by hand", rec.Action, ok, ErrAuditResult, rec.ID, werr)
	}
	return err
}
