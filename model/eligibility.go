package model

import (
	"fmt"
	"time"
)

// Error codes RedeployInstance answers with, from the API page and the ECS error center.
const (
	CodeIncorrectInstanceStatus    = "IncorrectInstanceStatus"
	CodeInstanceLockedForSecurity  = "InstanceLockedForSecurity"
	CodeInstanceExpiredOrInArrears = "InstanceExpiredOrInArrears"
	CodeInvalidOperation           = "InvalidOperation.RedeployInstance"
	CodeDedicatedHostUnsupported   = "InvalidOperation.DedicatedHost"
	CodeDiskError                  = "DiskError"
	CodeInstanceNotFound           = "InvalidInstanceId.NotFound"
)

// BlockKind names why a redeploy is refused.
type BlockKind string

// Block kinds, one per blocking row of the eligibility table.
const (
	BlockStatus        BlockKind = "status"
	BlockSecurityLock  BlockKind = "security-lock"
	BlockDedicatedHost BlockKind = "dedicated-host"
	BlockExpired       BlockKind = "expired"
	BlockNoEvent       BlockKind = "no-eligible-event"
)

// Block is one reason the API would refuse RedeployInstance, with the error it would return.
type Block struct {
	Kind       BlockKind `json:"Kind"`
	Code       string    `json:"Code"`
	HTTPStatus int       `json:"HttpStatus"`
	Message    string    `json:"Message"`
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

// AnswersEvent reports whether RedeployInstance answers event ev on instance in: Scheduled
// (or Inquiring) SystemMaintenance.Reboot/Redeploy, or Executing SystemFailure.Reboot on a
// local-disk instance.
func AnswersEvent(in *Instance, ev *Event) bool {
	switch ev.Type {
	case EventMaintenanceReboot, EventMaintenanceRedeploy:
		return ev.CycleStatus == CycleScheduled || ev.CycleStatus == CycleInquiring
	case EventFailureReboot:
		return ev.CycleStatus == CycleExecuting && in.HasLocalDisks()
	}
	return false
}

// AnsweredEvent is the pending event a redeploy answers (earliest deadline), or nil.
func AnsweredEvent(in *Instance) *Event {
	var best *Event
	for i := range in.Events {
		ev := &in.Events[i]
		if AnswersEvent(in, ev) && (best == nil || ev.NotBefore.Before(best.NotBefore)) {
			best = ev
		}
	}
	return best
}

// Evaluate applies the rules of the RedeployInstance API page to an instance at now, with
// the engineer's ForceStop choice. Blocks come in the order the API checks them.
func Evaluate(in *Instance, now time.Time, forceStop bool) Eligibility {
	var el Eligibility
	block := func(kind BlockKind, code string, status int, msg string) {
		el.Blocks = append(el.Blocks, Block{Kind: kind, Code: code, HTTPStatus: status, Message: msg})
	}
	if in.Status != StatusRunning && in.Status != StatusStopped {
		block(BlockStatus, CodeIncorrectInstanceStatus, 403,
			fmt.Sprintf("instance is %s; redeploy needs Running or Stopped", in.Status))
	}
	if in.HasLock(LockSecurity) {
		block(BlockSecurityLock, CodeInstanceLockedForSecurity, 403,
			"instance is locked for security (OperationLocks: security); redeploy is not allowed")
	}
	if in.OnDedicatedHost() {
		block(BlockDedicatedHost, CodeDedicatedHostUnsupported, 403,
			fmt.Sprintf("instance is on dedicated host %s; redeploy is not supported there", in.DedicatedHostID))
	}
	if in.Expired(now) {
		block(BlockExpired, CodeInstanceExpiredOrInArrears, 403,
			"instance is expired (prepaid) or in arrears (pay-as-you-go); renew or top up first")
	}
	el.Event = AnsweredEvent(in)
	if el.Event == nil {
		block(BlockNoEvent, CodeInvalidOperation, 403,
			"no pending event that redeploy answers (Scheduled SystemMaintenance.Reboot/Redeploy, or Executing SystemFailure.Reboot on local disks)")
	}
	el.Allowed = len(el.Blocks) == 0

	// Room for the usual warnings (local disks, downtime or start-only, the deadline) at
	// once: every listed row is evaluated, and growing the slice one warning at a time was
	// most of what evaluating a row allocated.
	el.Warnings = make([]Warning, 0, 3)
	warn := func(kind WarningKind, destructive bool, msg string) {
		el.Warnings = append(el.Warnings, Warning{Kind: kind, Destructive: destructive, Message: msg})
	}
	if in.HasLocalDisks() {
		warn(WarnLocalDiskWipe, true, fmt.Sprintf(
			"%d local disk(s), %d GiB, are re-initialized: ALL DATA ON THEM IS WIPED", in.LocalStorageAmount, in.LocalStorageCapacity))
	}
	switch in.Status {
	case StatusRunning:
		warn(WarnDowntime, false, "instance is Running: it goes Stopping → Stopped → Starting → Running; expect downtime")
	case StatusStopped:
		warn(WarnStartOnly, false, "instance is Stopped: it goes Starting → Running and is left running")
	}
	if ev := in.NextEvent(); ev != nil {
		switch left := ev.NotBefore.Sub(now); {
		case left <= 0:
			warn(WarnDeadlinePast, false, fmt.Sprintf("deadline passed (%s): the platform may act at any moment", ev.NotBefore.UTC().Format("2006-01-02 15:04 UTC")))
		case left < DeadlineNear:
			warn(WarnDeadlineNear, false, fmt.Sprintf("deadline within the hour (%s)", ev.NotBefore.UTC().Format("15:04 UTC")))
		}
	}
	if forceStop {
		el.Warnings = WithForceStop(el.Warnings, ForceStopWarnings(in))
	}
	if len(el.Warnings) == 0 {
		el.Warnings = nil // no warning reads as none, as before the room was made
	}
	return el
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
	return []Warning{{Kind: WarnForceStop, Destructive: true,
		Message: "ForceStop is like pulling the power: data not yet written to disk is lost"}}
}

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
