package fleet

import (
	"strings"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Snapshot is one immutable state of the fleet, shared by every session: nothing in it may
// be modified by a reader.
type Snapshot struct {
	// Version grows with every snapshot, so a session can tell new data from old.
	Version uint64
	// Rows are the instances with a pending event (and those whose redeploy finished
	// here), deadline first. A Row is replaced, never changed, when its data changes.
	Rows []*Row
	// Tasks are the redeploys this process started, newest first, finished ones included.
	Tasks  []Task
	Counts Counts
	Scope  []string
	// Updated is when the last successful refresh finished (zero: none yet).
	Updated time.Time
	// Err is the last refresh's error; the rows are stale while it is set.
	Err error
	// TaskErr is the last task poll's error.
	TaskErr error
	// Loading is true until the first refresh answers.
	Loading bool
}

// Counts are the header's numbers.
type Counts struct {
	Pending, Blocked, InProgress int
}

// Row is one instance as the list shows it, with everything derived once per change so
// sessions never evaluate rules per frame.
type Row struct {
	Inst *model.Instance
	// Event is the event the row shows: the next pending one, or the one a finished
	// redeploy avoided.
	Event      *model.Event
	Deadline   time.Time
	Badges     []string
	Blocked    bool
	InProgress bool
	// Resolved means no pending event is left: a redeploy here answered it.
	Resolved bool
	// Search is the lower-case text a filter matches: id, name, zone, region, status,
	// event type and status, badges.
	Search string
}

// Task is a tracked redeploy as the task panel shows it.
type Task struct {
	ID           string
	RegionID     string
	InstanceID   string
	InstanceName string
	Status       model.TaskStatus
	// Phase is the instance's status as last seen: Stopping, Stopped, Starting, Running.
	Phase        model.InstanceStatus
	ForceStop    bool
	StartedBy    backend.Identity
	RequestID    string
	Created      time.Time
	Finished     time.Time
	FailedReason string
}

// newRow derives a row from an instance at now.
func newRow(in *model.Instance, now time.Time, inProgress bool) *Row {
	r := &Row{Inst: in, InProgress: inProgress}
	r.Event = in.NextEvent()
	if r.Event == nil && len(in.Events) > 0 {
		r.Resolved = true
		r.Event = &in.Events[0]
		for i := range in.Events {
			if in.Events[i].CycleStatus == model.CycleAvoided {
				r.Event = &in.Events[i]
			}
		}
	}
	if r.Event != nil {
		r.Deadline = r.Event.NotBefore
	}
	// Status words first, so a narrow badge column still says what can be done.
	var status, facts []string
	for _, b := range model.Badges(in, now, inProgress) {
		switch b {
		case model.BadgeBlocked:
			if r.Resolved {
				continue // nothing is left to redeploy, so nothing blocks it
			}
			r.Blocked = true
			status = append(status, b)
		case model.BadgeInProgress:
			status = append(status, b)
		default:
			facts = append(facts, b)
		}
	}
	r.Badges = append(status, facts...)
	var sb strings.Builder
	sb.Grow(128)
	for _, s := range []string{in.ID, in.Name, in.ZoneID, in.RegionID, string(in.Status), in.InstanceType} {
		sb.WriteString(s)
		sb.WriteByte(' ')
	}
	if r.Event != nil {
		sb.WriteString(string(r.Event.Type))
		sb.WriteByte(' ')
		sb.WriteString(string(r.Event.CycleStatus))
		sb.WriteByte(' ')
	}
	for _, b := range r.Badges {
		sb.WriteString(b)
		sb.WriteByte(' ')
	}
	r.Search = strings.ToLower(sb.String())
	return r
}
