// Accepting an Inquiring event: the one place AcceptInquiredSystemEvent is called, on the
// hub's context, so every session sees the outcome.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// ErrNotAcceptable is wrapped by an Accept the hub refuses before any call: the event is
// not one it lists as Inquiring, its platform said CanAccept=false, a redeploy of its
// instance is under way, or an accept of it is already in flight.
var ErrNotAcceptable = errors.New("this event cannot be accepted now")

// Accept asks the hub for one AcceptInquiredSystemEvent (the platform's default action for
// an Inquiring event, authorised now). The event is found among the listed instances by
// req.EventID (req.InstanceID and req.RegionID, when empty, are filled from it). The call
// runs on the hub's own context with its own timeout: ctx bounds only the wait
// (ErrDetached). On success the event shows Executing in every session at once, and a
// refresh is asked for. The backend's errors (the guard's, the audit's, the API's with
// Code and RequestId) come back unwrapped.
func (h *Hub) Accept(ctx context.Context, req backend.AcceptRequest) (backend.AcceptRef, error) {
	req, err := h.beginAccept(req)
	if err != nil {
		return backend.AcceptRef{}, err
	}
	type outcome struct {
		ref backend.AcceptRef
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer h.callEnded()
		ref, err := h.callAccept(req)
		done <- outcome{ref, err}
	}()
	select {
	case o := <-done:
		return o.ref, o.err
	case <-ctx.Done():
		return backend.AcceptRef{}, ErrDetached
	}
}

// beginAccept finds the event, checks it may be accepted and marks it in flight.
func (h *Hub) beginAccept(req backend.AcceptRequest) (backend.AcceptRequest, error) {
	if err := backend.CheckEventID(req.EventID); err != nil {
		return req, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	rec, ev := h.findEventLocked(req.EventID)
	switch {
	case rec == nil || (req.InstanceID != "" && rec.inst.ID != req.InstanceID) || (req.RegionID != "" && rec.inst.RegionID != req.RegionID):
		return req, fmt.Errorf("event %s: %w: no listed instance has it pending (list them with `ecs-redeploy events`)", req.EventID, ErrNotListed)
	case ev.CycleStatus != model.CycleInquiring:
		return req, fmt.Errorf("event %s is %s, not Inquiring: %w", req.EventID, ev.CycleStatus, ErrNotAcceptable)
	case !ev.Acceptable():
		return req, fmt.Errorf("event %s: the platform says it cannot be accepted (CanAccept=false): %w", req.EventID, ErrNotAcceptable)
	case rec.state.InProgress():
		return req, fmt.Errorf("event %s: %s has a redeploy under way (%s): %w", req.EventID, rec.inst.ID, rec.state, ErrNotAcceptable)
	case h.accepting[req.EventID]:
		return req, fmt.Errorf("event %s: an accept of it is already in flight: %w", req.EventID, ErrNotAcceptable)
	}
	if h.accepting == nil {
		h.accepting = map[string]bool{}
	}
	h.accepting[req.EventID] = true
	req.InstanceID, req.RegionID = rec.inst.ID, rec.inst.RegionID
	h.callBegun()
	return req, nil
}

// Acceptance is one accept this hub sent that the platform took: the event, its instance,
// who asked and when (the hub's clock).
type Acceptance struct {
	EventID, InstanceID string
	By                  backend.Identity
	At                  time.Time
}

// pruneAcceptedLocked drops the acceptances whose event the hub no longer lists pending:
// the platform acted on it, and the row that showed it went (the session that sees it go
// says so, from the last snapshot that had it).
func (h *Hub) pruneAcceptedLocked() {
	var gone []string
	for id, a := range h.accepted {
		rec := h.records[a.InstanceID]
		if rec == nil || rec.inst == nil || !rec.listed {
			gone = append(gone, id)
			continue
		}
		if ev := findEvent(rec.inst, id); ev == nil || !ev.CycleStatus.Pending() {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return
	}
	acc := maps.Clone(h.accepted)
	for _, id := range gone {
		delete(acc, id)
	}
	if len(acc) == 0 {
		acc = nil
	}
	h.accepted = acc
}

// findEventLocked is the listed record with a pending event id, and the event.
func (h *Hub) findEventLocked(id string) (*record, *model.Event) {
	for _, rec := range h.records {
		if rec.inst == nil || !rec.listed {
			continue
		}
		if ev := findEvent(rec.inst, id); ev != nil && ev.CycleStatus.Pending() {
			return rec, ev
		}
	}
	return nil, nil
}

// callAccept sends one AcceptInquiredSystemEvent and records its outcome: on success the
// record's instance is replaced by a copy whose event is Executing, so the row every
// session sees says so before the next listing.
func (h *Hub) callAccept(req backend.AcceptRequest) (backend.AcceptRef, error) {
	ctx, cancel := context.WithTimeout(h.base, h.opt.CallTimeout)
	defer cancel()
	var ref backend.AcceptRef
	err := h.recovered("AcceptInquiredSystemEvent "+req.EventID, func() error {
		var err error
		ref, err = h.b.AcceptInquiredSystemEvent(ctx, req)
		return err
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.accepting, req.EventID)
	if err != nil {
		return ref, err
	}
	// Who accepted it, for every session, until the listing no longer has it pending.
	acc := maps.Clone(h.accepted)
	if acc == nil {
		acc = map[string]Acceptance{}
	}
	acc[req.EventID] = Acceptance{EventID: req.EventID, InstanceID: req.InstanceID, By: req.Identity, At: h.opt.Now()}
	h.accepted = acc
	if rec := h.records[req.InstanceID]; rec != nil && rec.inst != nil {
		if ev := findEvent(rec.inst, req.EventID); ev != nil && ev.CycleStatus == model.CycleInquiring {
			c := ownCopy(rec.inst)
			findEvent(c, req.EventID).CycleStatus = model.CycleExecuting
			h.polls++
			rec.inst, rec.polled = c, h.polls
			h.markLocked(req.InstanceID)
			h.publishLocked()
		}
	}
	h.RequestRefresh()
	return ref, nil
}
