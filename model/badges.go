package model

import (
	"strings"
)

// Badge is a word said beside an instance, the same in the console's list and detail
// pane, the `events` table and `events --json`; words, not colour alone (NO_COLOR works).
type Badge string

// Badges, status words first. These are every word there is (the JSON schema lists them).
const (
	BadgeInProgress    Badge = "IN PROGRESS"
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
	// BadgeDrill says a pending event of the instance is a drill
	// (CreateSimulatedSystemEvents): rehearsal, not maintenance; nothing to redeploy for
	// it, and its deadline is no alarm. The real API does not say so; the drill ids this
	// tool made are kept in its state directory.
	BadgeDrill Badge = "DRILL"
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

// AllBadges are every badge word, in the order Badges gives them.
var AllBadges = []Badge{BadgeDrill, BadgeInProgress, BadgeWrongStatus, BadgeSecurityLock, BadgeDedicatedHost, BadgeExpired,
	BadgeDiskBusy, BadgeNoRedeploy, BadgeLocalDisk, BadgeMoved}

// Badges are the words for an instance whose verdict el was already evaluated, the one
// source of them for the console, the `events` table and `events --json`: DRILL first
// when a pending event is a drill, whatever else is said; then IN PROGRESS
// (and LOCAL DISK) while a redeploy is under way (inProgress: known only to whoever tracks
// tasks); else each reason a redeploy is refused as its own word (WRONG STATUS, SECURITY
// LOCK, DEDICATED HOST, EXPIRED, in the order the API checks them), then NO REDEPLOY when
// no pending event is one a redeploy answers, then LOCAL DISK, then MOVED when the platform
// moved the next deadline. Never a bare "blocked" without saying why.
func Badges(in *Instance, el Eligibility, inProgress bool) []Badge {
	var b []Badge
	if in.HasDrill() {
		b = append(b, BadgeDrill)
	}
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
	if ev := in.ShownEvent(); ev != nil && ev.DeadlineMoved() {
		b = append(b, BadgeMoved)
	}
	return b
}

// Refusal reports whether the badge is a reason a redeploy is refused.
func (b Badge) Refusal() bool {
	switch b {
	case BadgeWrongStatus, BadgeSecurityLock, BadgeDedicatedHost, BadgeExpired, BadgeDiskBusy:
		return true
	}
	return false
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
