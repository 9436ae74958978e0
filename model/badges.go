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
)

// Status reports whether the badge says what can be done now (IN PROGRESS, BLOCKED) rather
// than a fact about the instance: a narrow badge column keeps status words first.
func (b Badge) Status() bool { return b == BadgeInProgress || b == BadgeBlocked }

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
