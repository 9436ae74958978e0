package model

import (
	"fmt"
	"slices"
	"time"
)

// Error codes RedeployInstance answers with, from the API page and the ECS error center.
// A dedicated host's refusal is the documented InvalidOperation.RedeployInstance, the code
// of every "this instance cannot be redeployed" answer.
const (
	CodeIncorrectInstanceStatus    = "IncorrectInstanceStatus"
	CodeInstanceLockedForSecurity  = "InstanceLockedForSecurity"
	CodeInstanceExpiredOrInArrears = "InstanceExpiredOrInArrears"
	CodeInvalidOperation           = "InvalidOperation.RedeployInstance"
	CodeDiskError                  = "DiskError"
	CodeInstanceNotFound           = "InvalidInstanceId.NotFound"
)

// The documented message texts of RedeployInstance's errors (the 2019 seed page's error
// table, which today's page keeps); the API sends these, the console adds its own words.
const (
	MessageIncorrectInstanceStatus    = "The current status of the resource does not support this operation."
	MessageInstanceLockedForSecurity  = "The specified operation is denied as your instance is locked for security reasons."
	MessageInstanceExpiredOrInArrears = "The specified operation is denied as your prepay instance is expired (prepay mode) or in arrears (afterpay mode)."
	MessageDiskError                  = "IncorrectDiskStatus."
)

// Sources of the rules, cited by each row of AnswerRules.
const (
	// SourceToday is the ECS API reference, RedeployInstance (API version 2014-05-26),
	// updated 2026-06-19: the table of events and statuses it answers, and its notes on
	// dedicated hosts, security locks, simulated events and the local-disk flow.
	SourceToday = "RedeployInstance API reference, updated 2026"
	// SourceSeed is the 2019 page (../shared/seed/RedeployInstance.md): Scheduled
	// SystemMaintenance.Reboot/.Redeploy and Executing SystemFailure.Reboot on local disks.
	// Every row it has, today's page keeps.
	SourceSeed = "RedeployInstance page of 2019 (seed) and today's"
)

// AnswerRule is one row of the table of events RedeployInstance answers: an event of Type
// in one of Statuses (on a local-disk instance only, when LocalDiskOnly).
type AnswerRule struct {
	Type          EventType
	Statuses      []EventCycleStatus
	LocalDiskOnly bool
	Source        string
}

// AnswerRules is today's table, in the page's order. Rows the seed already had cite
// SourceSeed (the seed answered them in fewer statuses: Scheduled only for the two
// SystemMaintenance rows; Inquiring comes from today's page). An event made by
// CreateSimulatedSystemEvents is never answered, whatever its row (SourceToday).
var AnswerRules = []AnswerRule{
	{EventMaintenanceReboot, []EventCycleStatus{CycleInquiring, CycleScheduled}, false, SourceSeed},
	{EventMaintenanceRedeploy, []EventCycleStatus{CycleInquiring, CycleScheduled}, false, SourceSeed},
	{EventMaintenanceIsolateDisk, []EventCycleStatus{CycleInquiring}, false, SourceToday},
	{EventMaintenanceRebootReinit, []EventCycleStatus{CycleInquiring}, false, SourceToday},
	{EventFailureRedeploy, []EventCycleStatus{CycleInquiring, CycleScheduled}, false, SourceToday},
	{EventFailureReboot, []EventCycleStatus{CycleExecuting}, true, SourceSeed},
	{EventMaintenanceIsolateOnly, []EventCycleStatus{CycleInquiring}, false, SourceToday},
	{EventMaintenanceReInitOnly, []EventCycleStatus{CycleInquiring}, false, SourceToday},
}

// BlockKind names why a redeploy is refused.
type BlockKind string

// Block kinds, one per blocking row of the eligibility table.
const (
	BlockStatus        BlockKind = "status"
	BlockSecurityLock  BlockKind = "security-lock"
	BlockDedicatedHost BlockKind = "dedicated-host"
	BlockExpired       BlockKind = "expired"
	BlockDisk          BlockKind = "disk"
	BlockNoEvent       BlockKind = "no-eligible-event"
)

// Block is one reason the API would refuse RedeployInstance, with the error it would return.
type Block struct {
	Kind       BlockKind `json:"Kind"`
	Code       string    `json:"Code"`
	HTTPStatus int       `json:"HttpStatus"`
	Message    string    `json:"Message"`
	// APIMessage is the API's documented text for Code, when the docs give one: what the
	// simulator answers.
	APIMessage string `json:"-"`
	// Next is what the engineer can do instead, in one line; it names no call this
	// product does not own.
	Next string `json:"-"`
}

// WarningKind names a consequence of a redeploy.
type WarningKind string

// Warning kinds, one per consequence row of the eligibility table.
const (
	WarnLocalDiskWipe WarningKind = "local-disk-wipe"
	WarnDowntime      WarningKind = "downtime"
	WarnStartOnly     WarningKind = "start-only"
	WarnForceStop     WarningKind = "force-stop"
	WarnDeadlineNear  WarningKind = "deadline-near"
	WarnDeadlinePast  WarningKind = "deadline-passed"
)

// Warning is a consequence the engineer must know before confirming.
type Warning struct {
	Kind        WarningKind `json:"Kind"`
	Destructive bool        `json:"Destructive"`
	Message     string      `json:"Message"`
}

// Eligibility is the verdict on one instance: may it be redeployed, and at what cost.
type Eligibility struct {
	Allowed  bool      `json:"Allowed"`
	Blocks   []Block   `json:"Blocks"`
	Warnings []Warning `json:"Warnings"`
	// Event is the pending event a redeploy would answer, when there is one.
	Event *Event `json:"-"`
}

// Destructive reports whether any warning loses data, so the confirmation must be typed.
func (e Eligibility) Destructive() bool {
	for _, w := range e.Warnings {
		if w.Destructive {
			return true
		}
	}
	return false
}

// FirstBlock returns the block the API would report first, or nil when allowed.
func (e Eligibility) FirstBlock() *Block {
	if len(e.Blocks) == 0 {
		return nil
	}
	return &e.Blocks[0]
}

// DeadlineNear is how close a deadline must be to warn about it.
const DeadlineNear = time.Hour

// AnswersEvent reports whether RedeployInstance answers event ev on instance in: a row of
// AnswerRules, never a simulated (drill) event.
func AnswersEvent(in *Instance, ev *Event) bool {
	if ev.Simulated {
		return false
	}
	for _, r := range AnswerRules {
		if r.Type == ev.Type {
			return (!r.LocalDiskOnly || in.HasLocalDisks()) && slices.Contains(r.Statuses, ev.CycleStatus)
		}
	}
	return false
}

// IsolatedAwaitingReInit is the page's local-disk note, from the event data: the damaged
// local disk is isolated (an isolate event of the flow is Executed) and the re-initialize
// event has not been sent yet (no ReInit event published at or after the isolation). Then
// RedeployInstance is allowed too; the isolate event is what it answers. Nil otherwise.
//
// The listing asks DescribeInstanceHistoryEvents for pending events only, so an instance
// whose only event is the executed isolation does not reach the console's list; the
// simulator's RedeployInstance sees every event and applies the note in full.
func IsolatedAwaitingReInit(in *Instance) *Event {
	if !in.HasLocalDisks() {
		return nil
	}
	var iso *Event
	for i := range in.Events {
		ev := &in.Events[i]
		if ev.Simulated || !ev.Type.isolate() || ev.CycleStatus != CycleExecuted {
			continue
		}
		if iso == nil || ev.PublishTime.After(iso.PublishTime) {
			iso = ev
		}
	}
	if iso == nil {
		return nil
	}
	for i := range in.Events {
		ev := &in.Events[i]
		if !ev.Simulated && ev.Type.reInit() && !ev.PublishTime.Before(iso.PublishTime) {
			return nil
		}
	}
	return iso
}

// AnsweredEvent is the pending event a redeploy answers (earliest deadline), else the
// executed isolation of IsolatedAwaitingReInit, else nil.
func AnsweredEvent(in *Instance) *Event {
	var best *Event
	for i := range in.Events {
		ev := &in.Events[i]
		if AnswersEvent(in, ev) && (best == nil || ev.NotBefore.Before(best.NotBefore)) {
			best = ev
		}
	}
	if best == nil {
		return IsolatedAwaitingReInit(in)
	}
	return best
}

// diskBusy is the event whose disk work is under way (a re-initialize Executing): the
// instance's disk status refuses a redeploy with DiskError until it ends.
func diskBusy(in *Instance) *Event {
	for i := range in.Events {
		if ev := &in.Events[i]; !ev.Simulated && ev.Type.reInit() && ev.CycleStatus == CycleExecuting {
			return ev
		}
	}
	return nil
}

// noEventNext is the one line a "no answered event" block offers instead.
func noEventNext(in *Instance) string {
	for _, ev := range in.PendingEvents() {
		if ev.Simulated {
			return "a drill event (CreateSimulatedSystemEvents): nothing to redeploy; it ends by itself or by CancelSimulatedSystemEvents"
		}
	}
	for _, ev := range in.PendingEvents() {
		if ev.Acceptable() {
			return "accept the Inquiring event to let the platform act now (key A, or ecs-redeploy accept " + ev.ID + ")"
		}
	}
	for _, ev := range in.PendingEvents() {
		switch ev.Type {
		case EventExpirationStop, EventExpirationDelete, EventUnbalancedStop, EventUnbalancedDelete:
			return "nothing to redeploy for: a billing event; renew the instance or top up the account before its deadline"
		}
	}
	return "nothing to redeploy for: the platform acts at the deadline"
}

// Evaluate applies the rules of the RedeployInstance API page to an instance at now, with
// the engineer's ForceStop choice. Blocks come in the order the API checks them.
func Evaluate(in *Instance, now time.Time, forceStop bool) Eligibility {
	var el Eligibility
	block := func(kind BlockKind, code string, status int, msg, apiMsg, next string) {
		el.Blocks = append(el.Blocks, Block{Kind: kind, Code: code, HTTPStatus: status, Message: msg, APIMessage: apiMsg, Next: next})
	}
	if in.Status != StatusRunning && in.Status != StatusStopped {
		block(BlockStatus, CodeIncorrectInstanceStatus, 403,
			fmt.Sprintf("instance is %s; redeploy needs Running or Stopped", in.Status),
			MessageIncorrectInstanceStatus, "wait until it is Running or Stopped, then look again")
	}
	if in.HasLock(LockSecurity) {
		block(BlockSecurityLock, CodeInstanceLockedForSecurity, 403,
			"instance is locked for security (OperationLocks: security); redeploy is not allowed",
			MessageInstanceLockedForSecurity, "ask Alibaba Cloud support about the security lock")
	}
	if in.OnDedicatedHost() {
		block(BlockDedicatedHost, CodeInvalidOperation, 403,
			fmt.Sprintf("instance is on dedicated host %s; redeploy is not supported there", in.DedicatedHostID),
			"", "answer the event with the dedicated host's own redeploy (RedeployDedicatedHost), outside this console")
	}
	if in.Expired(now) {
		block(BlockExpired, CodeInstanceExpiredOrInArrears, 403,
			"instance is expired (prepaid) or in arrears (pay-as-you-go); renew or top up first",
			MessageInstanceExpiredOrInArrears, "renew it (prepaid) or top up the account (pay-as-you-go), then redeploy")
	}
	if ev := diskBusy(in); ev != nil {
		block(BlockDisk, CodeDiskError, 403,
			fmt.Sprintf("the damaged disk is being re-initialized (%s %s)", ev.Type, ev.CycleStatus),
			MessageDiskError, "wait for the re-initialization to end, then look again")
	}
	el.Event = AnsweredEvent(in)
	if el.Event == nil {
		block(BlockNoEvent, CodeInvalidOperation, 403,
			"no pending event that redeploy answers (see the RedeployInstance page's table of events and statuses)",
			"", noEventNext(in))
	}
	el.Allowed = len(el.Blocks) == 0

	// The usual warnings (local disks, downtime or start-only, the deadline) are gathered
	// on the stack and kept at their exact size (keptWarnings): every listed row is
	// evaluated and keeps its verdict, and room for three where one was said cost 6 MB
	// at 100,000 rows (issue 20).
	var buf [3]Warning
	n := 0
	warn := func(kind WarningKind, destructive bool, msg string) {
		buf[n] = Warning{Kind: kind, Destructive: destructive, Message: msg}
		n++
	}
	if in.HasLocalDisks() {
		msg := fmt.Sprintf("%d local disk(s), %d GiB, are re-initialized: ALL DATA ON THEM IS WIPED", in.LocalStorageAmount, in.LocalStorageCapacity)
		// The damaged disk the event names, so the engineer reads which one before typing.
		if el.Event != nil {
			if disks := el.Event.DiskNames(); disks != "" {
				msg += "; the event's damaged disk: " + disks
			}
		}
		warn(WarnLocalDiskWipe, true, msg)
	}
	switch in.Status {
	case StatusRunning:
		warn(WarnDowntime, false, downtimeAlone[0].Message)
	case StatusStopped:
		warn(WarnStartOnly, false, startOnlyAlone[0].Message)
	}
	// A drill's deadline is no alarm (NextRealEvent): the platform does nothing at it.
	if ev := in.NextRealEvent(); ev != nil {
		switch left := ev.NotBefore.Sub(now); {
		case left <= 0:
			warn(WarnDeadlinePast, false, fmt.Sprintf("deadline passed (%s): the platform may act at any moment", ev.NotBefore.UTC().Format("2006-01-02 15:04 UTC")))
		case left < DeadlineNear:
			warn(WarnDeadlineNear, false, fmt.Sprintf("deadline within the hour (%s)", ev.NotBefore.UTC().Format("15:04 UTC")))
		}
	}
	el.Warnings = keptWarnings(buf[:n])
	if forceStop {
		el.Warnings = WithForceStop(el.Warnings, ForceStopWarnings(in))
	}
	return el
}

// Alone, the downtime or start-only warning is the same for every instance: most rows
// of a fleet say just one of them, so they share it. Capacity is length, so an append
// copies; no caller changes a warning in place.
var (
	downtimeAlone  = []Warning{{Kind: WarnDowntime, Message: "instance is Running: it goes Stopping → Stopped → Starting → Running; expect downtime"}}
	startOnlyAlone = []Warning{{Kind: WarnStartOnly, Message: "instance is Stopped: it goes Starting → Running and is left running"}}
)

// keptWarnings is ws as a verdict keeps it: nil when empty, a shared slice when it is one
// of the warnings every instance of its status says alone, else a copy at its exact size.
func keptWarnings(ws []Warning) []Warning {
	switch {
	case len(ws) == 0:
		return nil
	case len(ws) == 1 && ws[0] == downtimeAlone[0]:
		return downtimeAlone[:1:1]
	case len(ws) == 1 && ws[0] == startOnlyAlone[0]:
		return startOnlyAlone[:1:1]
	}
	return slices.Clone(ws)
}

// WithForceStop is ws, the warnings of a redeploy without ForceStop, with fs, what
// ForceStop adds (ForceStopWarnings), in the one order every screen and command shows:
// ForceStop's warning right after the downtime it hardens, else last. ws is not changed.
func WithForceStop(ws, fs []Warning) []Warning {
	if len(fs) == 0 {
		return ws
	}
	out := make([]Warning, 0, len(ws)+len(fs))
	at := len(ws)
	for i, w := range ws {
		if w.Kind == WarnDowntime {
			at = i + 1
		}
	}
	out = append(out, ws[:at]...)
	out = append(out, fs...)
	return append(out, ws[at:]...)
}

// Gravity ranks a consequence for a list read at 3 a.m., worst first: data loss (0), then
// downtime (1), then the rest (2). The dialog and the headless batch order by it.
func Gravity(w Warning) int {
	switch {
	case w.Destructive:
		return 0
	case w.Kind == WarnDowntime:
		return 1
	}
	return 2
}

// ForceStopWarnings are the consequences ForceStop adds to a redeploy of in: only a Running
// instance is stopped, so only there is ForceStop like pulling the power.
func ForceStopWarnings(in *Instance) []Warning {
	if in.Status != StatusRunning {
		return nil
	}
	return forceStopRunning[:1:1]
}

// forceStopRunning is what ForceStop adds for every Running instance, shared like
// downtimeAlone (every listed row keeps it).
var forceStopRunning = []Warning{{Kind: WarnForceStop, Destructive: true,
	Message: "ForceStop is like pulling the power: data not yet written to disk is lost"}}

// FormatDuration renders a duration compactly for countdowns: 45s, 12m, 3h12m, 2d4h.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%02dm", h, m)
	default:
		days := int(d / (24 * time.Hour))
		h := int((d % (24 * time.Hour)) / time.Hour)
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, h)
	}
}

// Countdown renders a deadline relative to now: "in 3h12m" or "overdue 5m".
func Countdown(deadline, now time.Time) string {
	if deadline.IsZero() {
		return "-"
	}
	left := deadline.Sub(now)
	if left < 0 {
		return "overdue " + FormatDuration(left)
	}
	return "in " + FormatDuration(left)
}
