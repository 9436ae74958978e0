package fleet

import (
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

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
	// Tasks are the redeploys this hub follows, newest first, finished ones included; tasks
	// found Processing that were started elsewhere are among them (StartedBy.Elsewhere).
	Tasks  []Task
	Counts Counts
	Scope  []string
	// Updated is when the last successful refresh finished (zero: none yet).
	Updated time.Time
	// Err is the last refresh's error; the rows are stale while it is set.
	Err error
	// TaskErr is the last task poll's error, or a failure to learn the tasks started
	// elsewhere.
	TaskErr error
	// Loading is true until the first refresh answers.
	Loading bool
	// Since is when the hub was made, on the wall clock: while Loading, how long the first
	// listing has waited.
	Since time.Time
	// Fresh says how fresh each kind of data is (new events, the full listing) and how
	// often each is asked (cadence.go).
	Fresh Freshness
	// Plans are the plans the hub runs, and the last ones that ended, oldest first: every
	// session shows them, whoever started them.
	Plans []PlanStatus
	// PlansKept says the hub keeps its plans on disk: one left by a process that stopped
	// is resumed at the next start.
	PlansKept bool
	// Autopilot is the autopilot's status when one runs (serve --policy), nil otherwise.
	Autopilot *AutopilotStatus
	// Accepted are the events an accept through this hub answered, by event id, while the
	// listing still has them pending: every session says who accepted one, and that the
	// platform acts now. Shared: never modified.
	Accepted map[string]Acceptance
}

// Counts are the header's numbers. Blocked and NoRedeploy do not overlap: a row that is
// both counts as blocked.
type Counts struct {
	Pending, Blocked, NoRedeploy, InProgress int
}

// CountRows counts rows as the header shows them: the one count of a screen's numbers,
// whether over the hub's scope (keep nil: every row) or a session's :region view (keep
// says which rows are in it). A resolved row is not pending; one in progress is.
func CountRows(rows []*Row, keep func(*Row) bool) Counts {
	var c Counts
	for _, r := range rows {
		if keep != nil && !keep(r) {
			continue
		}
		switch {
		case r.InProgress:
			c.InProgress++
		case r.Avoided:
			continue
		case r.Blocked:
			c.Blocked++
		case r.NoRedeploy:
			c.NoRedeploy++
		}
		c.Pending++
	}
	return c
}

// SearchSep ends each field of Row.SearchText. A newline, which no field holds once made
// printable: a regular expression compiled with (?m) anchors ^ and $ at each field's
// ends, and . never crosses into the next field.
const SearchSep = '\n'

// Row is one instance as a screen shows it, with everything derived once per change so
// sessions never evaluate rules per frame. A Row and what it points to are immutable.
type Row struct {
	// Inst is the row's own copy of the instance: it points into no backend answer, so an
	// old row never keeps a whole old listing alive (but for the hub's very first listing,
	// whose instances its records keep: refresh.go, borrowed).
	Inst *model.Instance
	// Event is the event the row shows: the next pending one, or the one a finished
	// redeploy avoided.
	Event    *model.Event
	Deadline time.Time
	// OtherEvents are the instance's other pending events, earliest deadline first: the
	// list marks them (Maint.Redeploy +1) so that a row does not flip to an event nobody
	// saw when the first one is avoided.
	OtherEvents []*model.Event
	// Eligibility is model.Evaluate with ForceStop off, at derivation time.
	Eligibility model.Eligibility
	// Badges are model.Badges: IN PROGRESS, or each reason a redeploy is refused
	// (WRONG STATUS, SECURITY LOCK, DEDICATED HOST, EXPIRED), NO REDEPLOY, then LOCAL DISK.
	Badges []model.Badge
	// State is the redeploy's state; StartedBy who started it (zero when idle).
	State     RedeployState
	StartedBy StartedBy
	// Task is the instance's current or last redeploy task, nil when there is none.
	Task *Task
	// InProgress, Blocked, NoRedeploy and Avoided are State and Eligibility as the list
	// reads them: a redeploy may be moving the instance; something about the instance
	// refuses a redeploy (model.Eligibility.Blocked); no pending event is one a redeploy
	// answers, so a redeploy would do nothing for it (model.Eligibility.NoRedeploy); no
	// pending event is left because a redeploy here answered it.
	InProgress bool
	Blocked    bool
	NoRedeploy bool
	Avoided    bool
	// search is SearchText's, a *string set once (atomically): made when the row is
	// derived, or for the rows of a region's first listing after it is published
	// (Hub.fillSearch), or by the first SearchText that asks before that.
	search unsafe.Pointer

	// validUntil is when the time-dependent parts of the verdict (expiry, the deadline
	// warning) may change; the hub derives the row again after it. In Unix nanoseconds,
	// 0 for never: a time.Time's 24 bytes took the row past a size class (issue 20).
	validUntil int64
}

// Task is a tracked redeploy as the task panel shows it.
type Task struct {
	ID           string
	RegionID     string
	InstanceID   string
	InstanceName string
	Status       model.TaskStatus
	// Phase is the instance's status as last seen: Stopping, Stopped, Starting, Running.
	Phase     model.InstanceStatus
	ForceStop bool
	StartedBy StartedBy
	RequestID string
	Created   time.Time
	Finished  time.Time
	// FailedReason is DescribeTasks' reason for a Failed task.
	FailedReason string
}

// ownCopy copies in deep enough that nothing of a backend's answer is shared: the events
// of a listing share one backing array, and one kept event would keep them all.
func ownCopy(in *model.Instance) *model.Instance {
	c := *in
	c.Events = slices.Clone(in.Events)
	c.OperationLocks = slices.Clone(in.OperationLocks)
	c.Tags = sharedTags(in.Tags)
	return &c
}

// borrowed is in itself, kept by a record, made safe to keep: its events and locks
// clipped to their length (an append to them must not write over the next instance's in
// a shared backing array) and its tags the shared set. ownCopy is the copy.
func borrowed(in *model.Instance) *model.Instance {
	in.Events = slices.Clip(in.Events)
	in.OperationLocks = slices.Clip(in.OperationLocks)
	in.Tags = sharedTags(in.Tags)
	return in
}

// sameInstance reports whether a and b say the same thing: a refresh that changes nothing
// re-derives nothing.
func sameInstance(a, b *model.Instance) bool {
	return a.ID == b.ID && a.Name == b.Name && a.RegionID == b.RegionID && a.ZoneID == b.ZoneID &&
		a.InstanceType == b.InstanceType && a.Family == b.Family && a.Status == b.Status &&
		a.ChargeType == b.ChargeType && a.ExpiredTime.Equal(b.ExpiredTime) &&
		a.LocalStorageAmount == b.LocalStorageAmount && a.LocalStorageCapacity == b.LocalStorageCapacity &&
		a.DedicatedHostID == b.DedicatedHostID && a.DeploymentSetID == b.DeploymentSetID &&
		slices.Equal(a.OperationLocks, b.OperationLocks) && maps.Equal(a.Tags, b.Tags) &&
		slices.EqualFunc(a.Events, b.Events, sameEvent)
}

func sameEvent(a, b model.Event) bool {
	return a.ID == b.ID && a.InstanceID == b.InstanceID && a.Type == b.Type && a.CycleStatus == b.CycleStatus &&
		a.PublishTime.Equal(b.PublishTime) && a.NotBefore.Equal(b.NotBefore) && a.FinishTime.Equal(b.FinishTime) &&
		a.Reason == b.Reason && a.ImpactLevel == b.ImpactLevel && a.ReasonCode == b.ReasonCode &&
		a.Simulated == b.Simulated && a.ExtendedAttribute.Equal(b.ExtendedAttribute)
}

// deriveRow derives a row from an instance (owned by the row from now on) and its redeploy
// at now; lazy leaves its search text to be made later (SearchText).
func deriveRow(in *model.Instance, now time.Time, state RedeployState, by StartedBy, task *Task, lazy bool) *Row {
	r := &Row{Inst: in, State: state, StartedBy: by, Task: task, InProgress: state.InProgress()}
	// The row shows its next real event; a drill only when it has nothing else, and a
	// drill's time is never the row's deadline (model.Instance.Deadline): it sorts as a
	// row with none.
	r.Event = in.ShownEvent()
	if r.Event == nil && len(in.Events) > 0 {
		r.Avoided = true
		r.Event = &in.Events[0]
		for i := range in.Events {
			if in.Events[i].CycleStatus == model.CycleAvoided {
				r.Event = &in.Events[i]
			}
		}
	}
	switch {
	case r.Avoided:
		r.Deadline = r.Event.NotBefore
	case r.Event != nil:
		r.Deadline = in.Deadline()
	}
	if !r.Avoided {
		for _, ev := range in.PendingEvents() {
			if ev != r.Event {
				r.OtherEvents = append(r.OtherEvents, ev)
			}
		}
	}
	r.Eligibility = model.Evaluate(in, now, false)
	shareVerdict(&r.Eligibility)
	// Nothing is left to redeploy on a resolved row, so nothing blocks it.
	r.Blocked = !r.InProgress && !r.Avoided && r.Eligibility.Blocked()
	r.NoRedeploy = !r.InProgress && !r.Avoided && r.Eligibility.NoRedeploy()
	for _, b := range model.Badges(in, r.Eligibility, r.InProgress) {
		if r.Avoided && (b.Refusal() || b == model.BadgeNoRedeploy) {
			continue
		}
		r.Badges = append(r.Badges, b)
	}
	if t := validUntil(in, now); !t.IsZero() {
		r.validUntil = t.UnixNano()
	}
	if !lazy {
		r.SearchText()
	}
	return r
}

// SearchText is the lower-case text a filter matches, one field a line (SearchSep): id,
// name, zone, region, status, instance type, the type and status of every pending event
// and its host and rack as host=… and rack=…, each badge, and each tag as key=value.
// Made once per row, on first need when the hub did not make it yet; safe for concurrent
// use.
func (r *Row) SearchText() string {
	if p := (*string)(atomic.LoadPointer(&r.search)); p != nil {
		return *p
	}
	s := r.makeSearch()
	if !atomic.CompareAndSwapPointer(&r.search, nil, unsafe.Pointer(&s)) {
		return *(*string)(atomic.LoadPointer(&r.search))
	}
	return s
}

// makeSearch makes SearchText's text from the row's fields.
func (r *Row) makeSearch() string {
	in := r.Inst
	// One field a line: a /regexp/ filter matches each field on its own (^ and $ at a
	// field's ends), a word anywhere in one.
	// Made in a scratch buffer and copied once, exactly: a builder's string keeps the
	// builder's spare room, a third more for 100,000 rows.
	sb := make([]byte, 0, 512)
	field := func(parts ...string) {
		for _, p := range parts {
			sb = appendLower(sb, p)
		}
		sb = append(sb, SearchSep)
	}
	for _, s := range []string{in.ID, in.Name, in.ZoneID, in.RegionID, string(in.Status), in.InstanceType} {
		field(s)
	}
	for _, ev := range append([]*model.Event{r.Event}, r.OtherEvents...) {
		if ev != nil {
			field(string(ev.Type))
			field(string(ev.CycleStatus))
			// host= and rack= as the filter names them: instances on one host match together.
			if a := ev.Attr(); a.HostID != "" {
				field("host=", a.HostID)
			}
			if a := ev.Attr(); a.Rack != "" {
				field("rack=", a.Rack)
			}
		}
	}
	for _, b := range r.Badges {
		field(string(b))
	}
	for _, k := range slices.Sorted(maps.Keys(in.Tags)) {
		field(k, "=", in.Tags[k])
	}
	return string(sb)
}

// appendLower appends strings.ToLower(s) to b without making it first: the search text of
// 100,000 rows was made twice, once as written and once lower-cased (issue 20).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// validUntil is the first instant after now at which model.Evaluate may answer differently
// for in with nothing else changed: a PrePaid expiry, the deadline coming within
// model.DeadlineNear, or the deadline itself. The verdict's words name times, never
// durations, so nothing else changes with the clock. The zero time means never.
func validUntil(in *model.Instance, now time.Time) time.Time {
	var until time.Time
	earlier := func(t time.Time) {
		if t.After(now) && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	if in.ChargeType == model.PrePaid {
		earlier(in.ExpiredTime)
	}
	if ev := in.NextRealEvent(); ev != nil {
		earlier(ev.NotBefore.Add(-model.DeadlineNear))
		earlier(ev.NotBefore)
	}
	return until
}

// Underway says which redeploy moves the instance and who started it: "running, task
// t-bp1…, started by alice (operator)". Every path that refuses a second redeploy (the
// hub's gate, a plan's skip, the headless command) names it so.
func (r *Row) Underway() string {
	s := r.State.String()
	if r.Task != nil {
		s += ", task " + r.Task.ID
	}
	if by := r.StartedBy.String(); by != "" {
		s += ", started by " + by
	}
	return s
}

// ForceStop are the consequences ForceStop would add (model.ForceStopWarnings). Asked of
// the instance, not kept: a field's 24 bytes took 100,000 rows past a size class (issue 20).
func (r *Row) ForceStop() []model.Warning {
	return model.ForceStopWarnings(r.Inst)
}

// stale reports whether the row's verdict may have changed by now.
func (r *Row) stale(now time.Time) bool {
	return r.validUntil != 0 && now.UnixNano() >= r.validUntil
}

// compareRows is the list's deadline order (model.CompareDeadlines).
func compareRows(a, b *Row) int {
	return model.CompareDeadlines(a.Deadline, a.Inst.ID, b.Deadline, b.Inst.ID)
}
