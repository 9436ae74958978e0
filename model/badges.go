package model

import "time"

// Badges are the words the list shows beside an instance; words, not colour alone.
const (
	BadgeLocalDisk     = "LOCAL DISK"
	BadgeSecurityLock  = "SECURITY LOCK"
	BadgeDedicatedHost = "DEDICATED HOST"
	BadgeExpired       = "EXPIRED"
	BadgeInProgress    = "IN PROGRESS"
	BadgeBlocked       = "BLOCKED"
)

// Badges lists the badges for an instance at now. inProgress is known only to whoever
// tracks tasks, so the caller says it.
func Badges(in *Instance, now time.Time, inProgress bool) []string {
	var b []string
	if inProgress {
		b = append(b, BadgeInProgress)
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
	if in.Expired(now) {
		b = append(b, BadgeExpired)
	}
	if !inProgress && !Evaluate(in, now, false).Allowed {
		b = append(b, BadgeBlocked)
	}
	return b
}
