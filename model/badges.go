package model

import (
	"strings"
	"time"
)

// Badge is a word the list shows beside an instance; words, not colour alone (NO_COLOR
// works).
type Badge string

// Badges, status words first.
const (
	BadgeInProgress    Badge = "IN PROGRESS"
	BadgeBlocked       Badge = "BLOCKED"
	BadgeLocalDisk     Badge = "LOCAL DISK"
	BadgeSecurityLock  Badge = "SECURITY LOCK"
	BadgeDedicatedHost Badge = "DEDICATED HOST"
	BadgeExpired       Badge = "EXPIRED"
	// BadgeWrongStatus says the instance is neither Running nor Stopped
	// (IncorrectInstanceStatus).
	BadgeWrongStatus Badge = "WRONG STATUS"
	// BadgeDiskBusy says the damaged disk is being re-initialized (DiskError).
	BadgeDiskBusy Badge = "DISK BUSY"
	// BadgeMoved says the platform moved the next event's deadline (NotBefore differs from
	// its InitialNotBefore).
	BadgeMoved Badge = "MOVED"
	// BadgeNoRedeploy says the pending event is not one RedeployInstance answers
	// (InstanceExpiration.Stop, AccountUnbalanced.Stop, the disk events…): nothing blocks
	// the instance, a redeploy just does nothing for that event.
	BadgeNoRedeploy Badge = "NO REDEPLOY"
)

// Badge is the word for why a redeploy is refused, as the list shows it.
func (k BlockKind) Badge() Badge {
	switch k {
	case BlockStatus:
		return BadgeWrongStatus
	case BlockSecurityLock:
		return BadgeSecurityLock
	case BlockDedicatedHost:
		return BadgeDedicatedHost
	case BlockExpired:
		return BadgeExpired
	case BlockDisk:
		return BadgeDiskBusy
	}
	return BadgeNoRedeploy
}

// Blocked reports whether something about the instance refuses a redeploy (status, a
// security lock, a dedicated host, expiry): the API page's blocking rows other than "no
// event that RedeployInstance answers".
func (e Eligibility) Blocked() bool {
	for _, b := range e.Blocks {
		if b.Kind != BlockNoEvent {
			return true
		}
	}
	return false
}

// NoRedeploy reports whether no pending event is one RedeployInstance answers: a redeploy
// would do nothing for this instance's events, whatever else is true of it.
func (e Eligibility) NoRedeploy() bool {
	for _, b := range e.Blocks {
		if b.Kind == BlockNoEvent {
			return true
		}
	}
	return false
}

// ReasonBadges are the list's words for an instance whose verdict el was already
// evaluated: IN PROGRESS (and LOCAL DISK), else each reason a redeploy is refused as its own word (WRONG
// STATUS, SECURITY LOCK, DEDICATED HOST, EXPIRED, in the order the API checks them), then
// NO REDEPLOY when no pending event is one a redeploy answers, then LOCAL DISK. Unlike
// BadgesOf (the documented `events --json` shape), it never says BLOCKED without saying
// why.
func ReasonBadges(in *Instance, el Eligibility, inProgress bool) []Badge {
	var b []Badge
	if inProgress {
		// A redeploy under way moves the instance through Stopping and Starting: the
		// verdict of a moment ago says nothing now.
		b = append(b, BadgeInProgress)
		if in.HasLocalDisks() {
			b = append(b, BadgeLocalDisk)
		}
		return b
	}
	noRedeploy := false
	for _, bl := range el.Blocks {
		if bl.Kind == BlockNoEvent {
			noRedeploy = true
			continue
		}
		b = append(b, bl.Kind.Badge())
	}
	if noRedeploy {
		b = append(b, BadgeNoRedeploy)
	}
	if in.HasLocalDisks() {
		b = append(b, BadgeLocalDisk)
	}
	if ev := in.NextEvent(); ev != nil && ev.DeadlineMoved() {
		b = append(b, BadgeMoved)
	}
	return b
}

// Status reports whether the badge says what can be done now (IN PROGRESS, BLOCKED) rather
// than a fact about the instance: a narrow badge column keeps status words first.
func (b Badge) Status() bool { return b == BadgeInProgress || b == BadgeBlocked }

// Refusal reports whether the badge is a reason a redeploy is refused.
func (b Badge) Refusal() bool {
	switch b {
	case BadgeBlocked, BadgeWrongStatus, BadgeSecurityLock, BadgeDedicatedHost, BadgeExpired, BadgeDiskBusy:
		return true
	}
	return false
}

// Badges lists the badges for an instance at now. inProgress is known only to whoever
// tracks tasks, so the caller says it.
func Badges(in *Instance, now time.Time, inProgress bool) []Badge {
	return BadgesOf(in, Evaluate(in, now, false), inProgress)
}

// BadgesOf lists the badges of an instance whose verdict el was already evaluated:
// IN PROGRESS or BLOCKED first, then the facts (LOCAL DISK, SECURITY LOCK, DEDICATED HOST,
// EXPIRED).
func BadgesOf(in *Instance, el Eligibility, inProgress bool) []Badge {
	var b []Badge
	switch {
	case inProgress:
		b = append(b, BadgeInProgress)
	case !el.Allowed:
		b = append(b, BadgeBlocked)
	}
	if in.HasLocalDisks() {
		b = append(b, BadgeLocalDisk)
	}
	if in.HasLock(LockSecurity) {
		b = append(b, BadgeSecurityLock)
	}
	if in.OnDedicatedHost() {
		b = append(b, BadgeDedicatedHost)
	}
	for _, bl := range el.Blocks {
		if bl.Kind == BlockExpired {
			b = append(b, BadgeExpired)
		}
	}
	return b
}

// JoinBadges joins badges with sep, as words.
func JoinBadges(bs []Badge, sep string) string {
	var sb strings.Builder
	for i, b := range bs {
		if i > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(string(b))
	}
	return sb.String()
}
