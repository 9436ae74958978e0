package model

import (
	"slices"
	"strings"
)

// Event types of drills: the EventType values CreateSimulatedSystemEvents takes (its API
// page, updated 2026-01-28) that are not fleet event types of their own.
const (
	EventMaintenanceStop EventType = "SystemMaintenance.Stop"
	EventFailureStop     EventType = "SystemFailure.Stop"
)

// DrillEventTypes are the EventType values CreateSimulatedSystemEvents accepts, in the
// order its API page lists them (updated 2026-01-28).
var DrillEventTypes = []EventType{
	EventMaintenanceReboot, EventFailureReboot, EventInstanceFailureReboot, EventMaintenanceStop,
	EventMaintenanceRedeploy, EventFailureRedeploy, EventFailureStop,
}

// MaxDrillIDs is how many instances one CreateSimulatedSystemEvents (InstanceId.N) and
// how many events one CancelSimulatedSystemEvents (EventId.N) may name: N is 1–100 on
// both API pages.
const MaxDrillIDs = 100

// DrillTimeLayout is NotBefore as CreateSimulatedSystemEvents takes it: ISO 8601 in UTC,
// yyyy-MM-ddTHH:mm:ssZ.
const DrillTimeLayout = "2006-01-02T15:04:05Z"

// ValidDrillEventType reports whether CreateSimulatedSystemEvents takes t.
func ValidDrillEventType(t EventType) bool { return slices.Contains(DrillEventTypes, t) }

// DrillEventTypeNames are DrillEventTypes joined with ", ", for a message that lists them.
func DrillEventTypeNames() string {
	names := make([]string, len(DrillEventTypes))
	for i, t := range DrillEventTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// HasDrill reports whether a pending event of the instance is a drill (Event.Simulated).
func (in *Instance) HasDrill() bool {
	for i := range in.Events {
		if ev := &in.Events[i]; ev.Simulated && ev.CycleStatus.Pending() {
			return true
		}
	}
	return false
}

// NextRealEvent is the pending event with the earliest deadline that is not a drill, or
// nil: the one a deadline alarm is about. A drill's deadline is rehearsal, never an alarm.
func (in *Instance) NextRealEvent() *Event {
	var best *Event
	for i := range in.Events {
		e := &in.Events[i]
		if e.Simulated || !e.CycleStatus.Pending() {
			continue
		}
		if best == nil || e.NotBefore.Before(best.NotBefore) {
			best = e
		}
	}
	return best
}

// ShownEvent is the pending event a row, a listing or a command shows for the instance:
// the next one that is not a drill (NextRealEvent), else the next drill, which is then
// shown as one (DRILL, with its own time) but is no deadline (Deadline); nil when none is
// pending.
func (in *Instance) ShownEvent() *Event {
	if e := in.NextRealEvent(); e != nil {
		return e
	}
	return in.NextEvent()
}
