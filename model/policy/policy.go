// Package policy is the autopilot's policy: rules an on-call team writes in YAML that say
// which instances with a pending system event the autopilot may redeploy by itself, when,
// and how. It is pure: matching and timing are functions of what they are given.
package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"ecs-redeploy/model"
)

// Policy is a parsed, valid policy file.
type Policy struct {
	// Name names the autopilot: its identity is "autopilot:<Name>".
	Name string
	// File is the path the policy was read from (for messages).
	File string
	// Rules are tried in order: the first whose Match matches an instance decides for it.
	Rules []Rule
}

// Rule says which instances it takes (Match), when it may redeploy them (When) and how
// (How).
type Rule struct {
	Name string
	// Line is the rule's line in its file.
	Line  int
	Match Match
	When  When
	How   How
}

// Match selects instances. Every field that is set must match; an empty field matches
// everything.
type Match struct {
	Regions []string
	// Tags must all be on the instance with these values; the value "*" matches any value.
	Tags map[string]string
	// EventTypes and EventStatuses are matched against the pending event a redeploy would
	// answer (the earliest such, never a drill; the row's event when there is none).
	EventTypes    []model.EventType
	EventStatuses []model.EventCycleStatus
}

// When bounds the instant a redeploy may start.
type When struct {
	// LeadTime: not before the deadline minus LeadTime; 0 is any time before the deadline.
	LeadTime time.Duration
	// InWindow: only inside the instance's maintenance window
	// (DescribeInstanceMaintenanceAttributes); an instance without one is left to humans.
	InWindow bool
	// Avoid are hours of the day, in Zone, when nothing starts.
	Avoid []Hours
	// Zone is the zone Avoid is written in (UTC unless the file says).
	Zone *time.Location
	// Margin: nothing starts later than Margin before the deadline, so the redeploy (minutes)
	// ends before the platform acts. DefaultMargin unless the file says.
	Margin time.Duration
}

// DefaultMargin is how long before the deadline the autopilot stops starting redeploys
// when a rule does not say: a redeploy takes minutes; half an hour leaves room for a slow
// one and a human to look.
const DefaultMargin = 30 * time.Minute

// Hours is a daily range of hours, as offsets from midnight: Start inside, End not. End
// before Start runs past midnight (22:00-06:00).
type Hours struct {
	Start, End time.Duration
}

// String is "08:00-20:00".
func (h Hours) String() string { return clock(h.Start) + "-" + clock(h.End) }

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// How is how the autopilot runs a rule's redeploys.
type How struct {
	// MaxInFlight bounds the rule's redeploys in flight at once, across every plan the
	// autopilot starts for it.
	MaxInFlight int
	// Limits bound how many instances sharing one value of a grouping may be in flight at
	// once.
	Limits []Limit
	// OnFailure is always "pause": the autopilot stops at the first failure and waits for
	// a human.
	OnFailure string
	// LocalDisks says whether instances with local disks are redeployed (their disks are
	// re-initialized: the data on them is lost) or left to humans.
	LocalDisks LocalDisks
	// ForceStop says whether a running instance is stopped like pulling the power (data not
	// yet written to disk is lost).
	ForceStop ForceStop
}

// Limit is one per-group bound: By is "tag:KEY", "host" or "rack" (the event's HostId and
// Rack), as fleet.GroupLimit.
type Limit struct {
	By  string
	Max int
}

// String is "tag:app=1".
func (l Limit) String() string { return fmt.Sprintf("%s=%d", l.By, l.Max) }

// Value is the instance's value of the grouping, "" when it has none (not grouped).
func (l Limit) Value(in *model.Instance, ev *model.Event) string {
	switch {
	case strings.HasPrefix(l.By, "tag:"):
		return in.Tags[strings.TrimPrefix(l.By, "tag:")]
	case ev == nil || ev.ExtendedAttribute == nil:
		return ""
	case l.By == "host":
		return ev.ExtendedAttribute.HostID
	case l.By == "rack":
		return ev.ExtendedAttribute.Rack
	}
	return ""
}

// LocalDisks is a rule's word for local-disk instances.
type LocalDisks string

// The words for local disks. Wipe names the loss, so nobody allows it by accident.
const (
	LocalDisksLeave LocalDisks = "leave"
	LocalDisksWipe  LocalDisks = "wipe"
)

// ForceStop is a rule's word for ForceStop.
type ForceStop string

// The words for ForceStop. LoseUnwrittenData names the loss.
const (
	ForceStopNever             ForceStop = "never"
	ForceStopLoseUnwrittenData ForceStop = "lose-unwritten-data"
)

// Identity is the autopilot's name as audit lines and every screen show it.
func (p *Policy) Identity() string { return "autopilot:" + p.Name }

// Match is the first rule that matches the instance and its pending event ev, or nil.
func (p *Policy) Match(in *model.Instance, ev *model.Event) *Rule {
	for i := range p.Rules {
		if p.Rules[i].Match.Matches(in, ev) {
			return &p.Rules[i]
		}
	}
	return nil
}

// Matches reports whether the instance and its pending event ev are selected.
func (m Match) Matches(in *model.Instance, ev *model.Event) bool {
	if len(m.Regions) > 0 && !slices.Contains(m.Regions, in.RegionID) {
		return false
	}
	for k, want := range m.Tags {
		v, ok := in.Tags[k]
		if !ok || (want != "*" && v != want) {
			return false
		}
	}
	if len(m.EventTypes) > 0 && (ev == nil || !slices.Contains(m.EventTypes, ev.Type)) {
		return false
	}
	if len(m.EventStatuses) > 0 && (ev == nil || !slices.Contains(m.EventStatuses, ev.CycleStatus)) {
		return false
	}
	return true
}

// Refusal is why a rule that matches an instance will not redeploy it by itself, or "".
// Local disks are wiped by a redeploy: only a rule that says local_disks: wipe takes them.
func (r *Rule) Refusal(in *model.Instance) string {
	if in.HasLocalDisks() && r.How.LocalDisks != LocalDisksWipe {
		return fmt.Sprintf("local disks: a redeploy wipes them, and rule %q does not say local_disks: wipe", r.Name)
	}
	return ""
}

// maxSteps bounds Start's search: each step moves past a window or an avoided range, so
// a deadline weeks away takes a few dozen.
const maxSteps = 1000

// Start is the earliest instant at or after now when the rule lets a redeploy of an
// instance whose event's deadline is deadline start: after deadline − LeadTime, before
// deadline − Margin, outside the avoided hours and, when InWindow, inside one of maint's
// windows (maint may be nil when the rule does not ask). ok is false when no such instant
// exists; why then says what is in the way, in words for the humans the instance is left
// to.
func (r *Rule) Start(now, deadline time.Time, maint *model.MaintenanceAttribute) (at time.Time, ok bool, why string) {
	w := r.When
	latest := deadline.Add(-w.Margin)
	if deadline.IsZero() {
		return time.Time{}, false, "its event has no deadline (NotBefore)"
	}
	if w.InWindow && (maint == nil || len(maint.Windows) == 0) {
		return time.Time{}, false, "no maintenance window is set on the instance, and rule " + quote(r.Name) + " redeploys only inside one"
	}
	t := now
	if w.LeadTime > 0 && deadline.Add(-w.LeadTime).After(t) {
		t = deadline.Add(-w.LeadTime)
	}
	for range maxSteps {
		if !t.Before(latest) {
			switch {
			case !now.Before(latest):
				return time.Time{}, false, fmt.Sprintf("the deadline %s is less than %s away", deadline.UTC().Format(time.RFC3339), model.FormatDuration(w.Margin))
			case w.InWindow && len(w.Avoid) > 0:
				return time.Time{}, false, "no maintenance window before the deadline " + deadline.UTC().Format(time.RFC3339) + " (" + windows(maint) + ") outside the avoided hours"
			case w.InWindow:
				return time.Time{}, false, "no maintenance window before the deadline " + deadline.UTC().Format(time.RFC3339) + " (" + windows(maint) + ")"
			}
			return time.Time{}, false, "no hour outside the avoided ones before the deadline " + deadline.UTC().Format(time.RFC3339)
		}
		if w.InWindow && !maint.InWindow(t) {
			next, _ := maint.NextWindowStart(t)
			t = next
			continue
		}
		if end, in := w.avoided(t); in {
			t = end
			continue
		}
		return t, true, ""
	}
	return time.Time{}, false, "no start found before the deadline"
}

// NotNow is why the rule lets no redeploy start at now, its maintenance window aside (a
// plan that keeps to windows checks that itself, at each send), "" when it lets one: Start
// without the window, so a plan's queued item is judged by the autopilot's own timing
// (lead time, avoided hours, margin) when its turn comes.
func (r *Rule) NotNow(now, deadline time.Time) string {
	nw := *r
	nw.When.InWindow = false
	at, ok, why := nw.Start(now, deadline, nil)
	switch {
	case !ok:
		return why
	case at.After(now):
		return fmt.Sprintf("rule %s lets it start at %s at the soonest (lead time, avoided hours)", quote(r.Name), at.UTC().Format(time.RFC3339))
	}
	return ""
}

// Due reports whether a redeploy may start at now.
func (r *Rule) Due(now, deadline time.Time, maint *model.MaintenanceAttribute) bool {
	at, ok, _ := r.Start(now, deadline, maint)
	return ok && at.Equal(now)
}

// avoided reports whether t is inside an avoided range, and when that range ends.
func (w When) avoided(t time.Time) (end time.Time, in bool) {
	zone := w.Zone
	if zone == nil {
		zone = time.UTC
	}
	// Hours on the zone's clock, not time elapsed since midnight: they differ on a day
	// the clocks change.
	l := t.In(zone)
	since := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute +
		time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	until := func(days int, d time.Duration) time.Time {
		e := time.Date(l.Year(), l.Month(), l.Day()+days, int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, zone)
		if !e.After(t) {
			// A clock time repeated when the clocks go back may be read as its first
			// occurrence: wait the hours on the clock instead.
			e = t.Add(time.Duration(days)*24*time.Hour + d - since)
		}
		return e
	}
	for _, h := range w.Avoid {
		switch {
		case h.Start < h.End && since >= h.Start && since < h.End:
			return until(0, h.End), true
		case h.Start > h.End && since >= h.Start:
			return until(1, h.End), true
		case h.Start > h.End && since < h.End:
			return until(0, h.End), true
		}
	}
	return time.Time{}, false
}

func windows(a *model.MaintenanceAttribute) string {
	var s []string
	for _, w := range a.Windows {
		s = append(s, w.String())
	}
	return "window " + strings.Join(s, ", ")
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
