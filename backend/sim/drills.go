package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// AcceptDuration is how long the platform's default action takes once an Inquiring event
// is accepted: the event is Executing from the accept, Executed after this.
var AcceptDuration = 5 * time.Minute

// Error codes of AcceptInquiredSystemEvent and the drill actions (their API reference
// pages, updated 2025–2026).
const (
	CodeNoInquiringEvent     = "InvalidEventId.NoInquiringEventFound"
	CodeAcceptNotSupported   = "OperationDenied.AcceptNotSupported"
	CodeOperationConflict    = "OperationConflict"
	CodeEventNotFound        = "InvalidEventId.NotFound"
	CodeNotSimulated         = "CannotCancelSystemEvent.NotSimulated"
	CodeEventIDLimitExceeded = "EventIdLimitExceeded"
)

// DrillTypes are the event types CreateSimulatedSystemEvents makes (its EventType values):
// model.DrillEventTypes, the one list of them.
var DrillTypes = model.DrillEventTypes

// drillRef is one drill in the listing's order.
type drillRef struct {
	in  *instState
	idx int
}

// timer ends an event at a time: Executing (or Scheduled) → Executed.
type timer struct {
	in    *instState
	drill bool
	idx   int
	until time.Time
}

func (t timer) event() *model.Event {
	if t.drill {
		return &t.in.drills[t.idx]
	}
	return &t.in.Events[t.idx]
}

func (e *Engine) timerDue(now time.Time) bool {
	for _, t := range e.timers {
		if !now.Before(t.until) {
			return true
		}
	}
	return false
}

// fireTimers ends every event whose time has come; an event already ended otherwise
// (canceled, avoided) is left as it is.
func (e *Engine) fireTimers(now time.Time) {
	keep := e.timers[:0]
	for _, t := range e.timers {
		if now.Before(t.until) {
			keep = append(keep, t)
			continue
		}
		ev := t.event()
		if ev.CycleStatus.Pending() {
			e.countEvent(t.in, ev, -1)
			ev.CycleStatus = model.CycleExecuted
			ev.FinishTime = t.until
			e.countEvent(t.in, ev, +1)
		}
	}
	clear(e.timers[len(keep):])
	e.timers = keep
}

// findEvent is the event with id in region, fleet's or drill, or nil.
func (e *Engine) findEvent(region, id string) (*instState, *model.Event, bool, int) {
	for _, in := range e.byRegion[region] {
		for j := range in.Events {
			if in.Events[j].ID == id {
				return in, &in.Events[j], false, j
			}
		}
		for j := range in.drills {
			if in.drills[j].ID == id {
				return in, &in.drills[j], true, j
			}
		}
	}
	return nil, nil, false, 0
}

// Accept is AcceptInquiredSystemEvent: it authorises the platform's default action for the
// Inquiring event id in region. The event goes Executing at once and Executed after
// AcceptDuration. Errors, as the API answers them: 404 InvalidEventId.NoInquiringEventFound
// (no such event in the region, or not Inquiring), 403 OperationDenied.AcceptNotSupported
// (the event says CanAccept=false), 403 IncorrectInstanceStatus (the instance is neither
// Running nor Stopped), 403 OperationConflict (a redeploy of the instance is under way).
func (e *Engine) Accept(region, id string) error {
	e.await(region)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.settle(now)
	in, ev, drill, idx := e.findEvent(region, id)
	fail := func(status int, code, msg string) error {
		return &backend.APIError{Code: code, HTTPStatus: status, Message: msg, RequestID: e.requestIDLocked()}
	}
	switch {
	case ev == nil || ev.CycleStatus != model.CycleInquiring:
		return fail(404, CodeNoInquiringEvent, fmt.Sprintf("The specified event %s is not an Inquiring event in %s.", id, region))
	case ev.Attr().CanAccept == "false":
		return fail(403, CodeAcceptNotSupported, "The event does not support being accepted.")
	case in.active != nil:
		return fail(403, CodeOperationConflict, fmt.Sprintf("The instance is being redeployed by task %s; try again after it ends.", in.active.task.ID))
	case in.Status != model.StatusRunning && in.Status != model.StatusStopped:
		return fail(403, model.CodeIncorrectInstanceStatus, model.MessageIncorrectInstanceStatus)
	}
	e.countEvent(in, ev, -1)
	ev.CycleStatus = model.CycleExecuting
	e.countEvent(in, ev, +1)
	e.timers = append(e.timers, timer{in: in, drill: drill, idx: idx, until: now.Add(AcceptDuration)})
	return nil
}

// CreateDrills is CreateSimulatedSystemEvents: one drill of type t on each instance, due at
// notBefore. A failure type (SystemFailure.*, InstanceFailure.*) starts Executing and is
// Executed at notBefore; the others start Scheduled and are Executed at notBefore unless
// canceled (or, for SystemMaintenance.Reboot, avoided by a redeploy's restart). Errors:
// 404 InvalidInstanceId.NotFound for an instance not in region; nothing is made then.
func (e *Engine) CreateDrills(region string, t model.EventType, notBefore time.Time, ids []string) ([]string, error) {
	e.await() // drills are numbered after every event of the fleet
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.settle(now)
	ins := make([]*instState, 0, len(ids))
	for _, id := range ids {
		in, ok := e.byID[id]
		if !ok || in.RegionID != region {
			return nil, &backend.APIError{Code: model.CodeInstanceNotFound, HTTPStatus: 404,
				Message: fmt.Sprintf("The specified InstanceId %s does not exist.", id), RequestID: e.requestIDLocked()}
		}
		ins = append(ins, in)
	}
	status := model.CycleScheduled
	if failureType(t) {
		status = model.CycleExecuting
	}
	out := make([]string, 0, len(ins))
	for _, in := range ins {
		ev := model.Event{
			ID: "e-" + idStem(in.ID) + randID(e.rng, 17), InstanceID: in.ID, Type: t, CycleStatus: status,
			PublishTime: now.Truncate(time.Second), NotBefore: notBefore, Reason: "Simulated system event (drill)",
			ImpactLevel: "1", Simulated: true,
		}
		in.drills = append(in.drills, ev)
		in.drillSeq = append(in.drillSeq, e.nEvents+len(e.drillOrder))
		idx := len(in.drills) - 1
		e.drillOrder = append(e.drillOrder, drillRef{in: in, idx: idx})
		e.countEvent(in, &in.drills[idx], +1)
		e.timers = append(e.timers, timer{in: in, drill: true, idx: idx, until: notBefore})
		out = append(out, ev.ID)
	}
	return out, nil
}

func failureType(t model.EventType) bool {
	return strings.HasPrefix(string(t), "SystemFailure.") || strings.HasPrefix(string(t), "InstanceFailure.")
}

// CancelDrills is CancelSimulatedSystemEvents: each drill, Scheduled or Executing, becomes
// Canceled. Errors: 403 InvalidEventId.NotFound for an id that is no event of the region,
// 403 CannotCancelSystemEvent.NotSimulated for a real event; nothing is canceled then. A
// drill already final is left as it is.
func (e *Engine) CancelDrills(region string, ids []string) error {
	e.await()
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.settle(now)
	var evs []*model.Event
	var ins []*instState
	for _, id := range ids {
		in, ev, drill, _ := e.findEvent(region, id)
		switch {
		case ev == nil:
			return &backend.APIError{Code: CodeEventNotFound, HTTPStatus: 403,
				Message: fmt.Sprintf("The specified EventId %s does not exist.", id), RequestID: e.requestIDLocked()}
		case !drill:
			return &backend.APIError{Code: CodeNotSimulated, HTTPStatus: 403,
				Message: fmt.Sprintf("The event %s is not a simulated event.", id), RequestID: e.requestIDLocked()}
		}
		if !slices.Contains(evs, ev) {
			evs, ins = append(evs, ev), append(ins, in)
		}
	}
	for i, ev := range evs {
		if ev.CycleStatus.Pending() {
			e.countEvent(ins[i], ev, -1)
			ev.CycleStatus = model.CycleCanceled
			ev.FinishTime = now
			e.countEvent(ins[i], ev, +1)
		}
	}
	return nil
}
