package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaintenanceAction is an instance's ActionOnMaintenance: what the platform does to it
// when it must be taken down for maintenance (DescribeInstanceMaintenanceAttributes,
// ModifyInstanceMaintenanceAttributes; ECS API reference, updated 2026-01-28).
type MaintenanceAction string

// Maintenance actions, as ModifyInstanceMaintenanceAttributes documents them.
const (
	// MaintenanceStop stops the instance.
	MaintenanceStop MaintenanceAction = "Stop"
	// MaintenanceAutoRecover recovers the instance automatically (the API's default).
	MaintenanceAutoRecover MaintenanceAction = "AutoRecover"
	// MaintenanceAutoRedeploy redeploys the instance by itself, which may damage its data
	// disks (the page's words: "failover … may cause damage to the data disks").
	MaintenanceAutoRedeploy MaintenanceAction = "AutoRedeploy"
)

// MaintenanceActions are the values ActionOnMaintenance may take, in the page's order.
var MaintenanceActions = []MaintenanceAction{MaintenanceStop, MaintenanceAutoRecover, MaintenanceAutoRedeploy}

// ValidMaintenanceAction reports whether a is one of MaintenanceActions.
func ValidMaintenanceAction(a MaintenanceAction) bool { return slices.Contains(MaintenanceActions, a) }

// MaintenanceWindowZone is the zone a maintenance window's times are written in: the
// ModifyInstanceMaintenanceAttributes page says "The time must be in UTC+8". A time written
// with a trailing Z is read as UTC instead, as Z says.
var MaintenanceWindowZone = time.FixedZone("UTC+8", 8*60*60)

// MaintenanceWindow is one daily maintenance window: from Start to End, as offsets from
// midnight in Zone. End before Start is a window that runs past midnight (22:00 → 02:00).
// Start is inside the window, End is not.
type MaintenanceWindow struct {
	Start, End time.Duration
	// Zone is the zone Start and End are read in: MaintenanceWindowZone unless the API
	// wrote the time with Z (UTC). Nil is MaintenanceWindowZone.
	Zone *time.Location
}

// MaintenanceAttribute is one instance's maintenance attributes, as
// DescribeInstanceMaintenanceAttributes answers them.
type MaintenanceAttribute struct {
	InstanceID string
	// Windows are the instance's daily maintenance windows; the API sets at most one
	// ("Set the value of N to 1").
	Windows []MaintenanceWindow
	// Action is the ActionOnMaintenance in force; DefaultAction the platform's default;
	// SupportedActions the values this instance accepts.
	Action           MaintenanceAction
	DefaultAction    MaintenanceAction
	SupportedActions []MaintenanceAction
	// NotifyOnMaintenance: an event notification is sent before maintenance.
	NotifyOnMaintenance bool
}

// ErrMaintenanceWindow is wrapped by every refusal of a maintenance window's times.
var ErrMaintenanceWindow = errors.New("invalid maintenance window")

const day = 24 * time.Hour

// ParseWindowTime reads one window time: "HH:mm:ss" in UTC+8, or "HH:mm:ssZ" in UTC. It
// returns the offset from midnight and the zone.
func ParseWindowTime(s string) (time.Duration, *time.Location, error) {
	zone := MaintenanceWindowZone
	v := s
	if strings.HasSuffix(v, "Z") {
		v, zone = strings.TrimSuffix(v, "Z"), time.UTC
	}
	t, err := time.Parse("15:04:05", v)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %q is not a time of day written HH:mm:ss (e.g. 02:00:00)", ErrMaintenanceWindow, s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, zone, nil
}

// ParseMaintenanceWindow reads a window as the API writes one (StartTime, EndTime). It
// refuses times that do not parse, times in two zones, and a window of no length.
func ParseMaintenanceWindow(start, end string) (MaintenanceWindow, error) {
	s, zs, err := ParseWindowTime(start)
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("StartTime: %w", err)
	}
	e, ze, err := ParseWindowTime(end)
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("EndTime: %w", err)
	}
	if zs != ze {
		return MaintenanceWindow{}, fmt.Errorf("%w: StartTime %q and EndTime %q are in different zones", ErrMaintenanceWindow, start, end)
	}
	if s == e {
		return MaintenanceWindow{}, fmt.Errorf("%w: StartTime and EndTime are both %q; a window lasts 1 to 23 hours", ErrMaintenanceWindow, start)
	}
	return MaintenanceWindow{Start: s, End: e, Zone: zs}, nil
}

// CheckSettable applies the rules ModifyInstanceMaintenanceAttributes sets on a window it
// is given: both times on the hour ("at exactly 0 minute and 0 second") and EndTime 1 to 23
// hours after StartTime. A window that passes midnight counts its hours across it.
func (w MaintenanceWindow) CheckSettable() error {
	if w.Start%time.Hour != 0 || w.End%time.Hour != 0 {
		return fmt.Errorf("%w: %s–%s: StartTime and EndTime must be on the hour (HH:00:00)", ErrMaintenanceWindow, w.StartTime(), w.EndTime())
	}
	if l := w.Length(); l < time.Hour || l > 23*time.Hour {
		return fmt.Errorf("%w: %s–%s: EndTime must be 1 to 23 hours after StartTime", ErrMaintenanceWindow, w.StartTime(), w.EndTime())
	}
	return nil
}

func (w MaintenanceWindow) zone() *time.Location {
	if w.Zone == nil {
		return MaintenanceWindowZone
	}
	return w.Zone
}

// Length is how long the window lasts, between 0 and 24 hours.
func (w MaintenanceWindow) Length() time.Duration { return ((w.End-w.Start)%day + day) % day }

// StartTime and EndTime are the window's times as the API writes them: HH:mm:ss in UTC+8,
// with a Z when the window is in UTC.
func (w MaintenanceWindow) StartTime() string { return w.clock(w.Start) }

// EndTime: see StartTime.
func (w MaintenanceWindow) EndTime() string { return w.clock(w.End) }

func (w MaintenanceWindow) clock(d time.Duration) string {
	s := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04:05")
	if w.zone() == time.UTC {
		s += "Z"
	}
	return s
}

// String is the window as every screen and line for people writes it, one form whatever
// its zone: its times, then its zone's name: "02:00:00–06:00:00 UTC+8", or
// "12:00:00–14:00:00 UTC" for a window written with Z. The API's own form (StartTime,
// EndTime) is for JSON and the wire.
func (w MaintenanceWindow) String() string {
	clock := func(d time.Duration) string {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04:05")
	}
	return clock(w.Start) + "–" + clock(w.End) + " " + w.zone().String()
}

// midnight is the start of t's day in the window's zone.
func (w MaintenanceWindow) midnight(t time.Time) time.Time {
	l := t.In(w.zone())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, w.zone())
}

// Contains reports whether t is inside the window: at or after a start, before its end.
func (w MaintenanceWindow) Contains(t time.Time) bool {
	since := t.Sub(w.midnight(t)) // the zones are fixed offsets: a day is 24 hours
	into := ((since-w.Start)%day + day) % day
	return into < w.Length()
}

// NextStart is the first start of the window at or after t.
func (w MaintenanceWindow) NextStart(t time.Time) time.Time {
	s := w.midnight(t).Add(w.Start)
	if s.Before(t) {
		s = s.Add(day)
	}
	return s
}

// InWindow reports whether t is inside any of a's windows. An instance without windows is
// never in one.
func (a MaintenanceAttribute) InWindow(t time.Time) bool {
	for _, w := range a.Windows {
		if w.Contains(t) {
			return true
		}
	}
	return false
}

// NextWindowStart is the earliest start of any of a's windows at or after t; ok is false
// when a has no windows.
func (a MaintenanceAttribute) NextWindowStart(t time.Time) (next time.Time, ok bool) {
	for _, w := range a.Windows {
		if s := w.NextStart(t); !ok || s.Before(next) {
			next, ok = s, true
		}
	}
	return next, ok
}
