package model

import (
	"fmt"
	"strings"
)

// DefaultAction is what the platform does for an event of type t when it is accepted
// (AcceptInquiredSystemEvent authorises the event's default action) or when its deadline
// comes, in words: the system events page's description of each type.
func (t EventType) DefaultAction() string {
	switch t {
	case EventMaintenanceReboot, EventFailureReboot, EventInstanceFailureReboot:
		return "restarts the instance (downtime; it stays on its host)"
	case EventMaintenanceRedeploy, EventFailureRedeploy:
		return "moves the instance to another host and restarts it (downtime)"
	case EventMaintenanceIsolateDisk:
		return "restarts the instance and isolates the damaged local disk (its data is no longer reachable)"
	case EventMaintenanceRebootReinit:
		return "restarts the instance and re-initializes the damaged local disk (ALL DATA ON IT IS WIPED)"
	case EventMaintenanceIsolateOnly:
		return "isolates the damaged local disk (its data is no longer reachable)"
	case EventMaintenanceReInitOnly:
		return "re-initializes the damaged local disk (ALL DATA ON IT IS WIPED)"
	case EventFailureDelete, EventExpirationDelete, EventUnbalancedDelete:
		return "releases the instance"
	case EventExpirationStop, EventUnbalancedStop:
		return "stops the instance"
	}
	return "does what the event says (" + string(t) + ")"
}

// DiskNames names the disk(s) a local-disk event is about, as "d-… (/dev/vdb)" joined by
// ", "; empty when the event names none.
func (ev *Event) DiskNames() string {
	a := ev.Attr()
	var names []string
	if a.DiskID != "" || a.Device != "" {
		s := a.DiskID
		switch {
		case s == "":
			s = a.Device
		case a.Device != "":
			s += " (" + a.Device + ")"
		}
		names = append(names, s)
	}
	for _, k := range a.InactiveDisks {
		names = append(names, fmt.Sprintf("inactive %s %s", k.DeviceType, k.DeviceSize))
	}
	return strings.Join(names, ", ")
}

// DestroysData reports whether the default action of an event of type t wipes data (the
// damaged disk re-initialized), so accepting it must be typed, as a destructive redeploy is.
func (t EventType) DestroysData() bool { return t.reInit() }
