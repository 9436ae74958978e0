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

// AcceptLoss is what accepting ev on in destroys, in one line for a DATA LOSS mark, or ""
// when its default action loses no data. Accepting authorises the event's default action
// now (AcceptInquiredSystemEvent, ECS API reference, read 2026-12:
// https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-acceptinquiredsystemevent),
// so the action's cost is the accept's:
//   - a *.Delete event releases the instance (ECS system events summary,
//     https://www.alibabacloud.com/help/en/ecs/user-guide/summary);
//   - a redeploy event on an instance with local disks moves it to another host, and its
//     local disks are re-initialized there: the eligibility table's local-disk row, the
//     one the redeploy dialog applies (DESIGN §2; RedeployInstance API reference);
//   - the four damaged-disk events isolate or re-initialize the damaged local disk: "isolating
//     or repairing a disk causes data loss on the damaged local disk, and the data cannot be
//     recovered" (https://www.alibabacloud.com/help/en/ecs/user-guide/isolate-damaged-local-disks-in-the-ecs-console).
func AcceptLoss(in *Instance, ev *Event) string {
	disk := "the damaged local disk"
	if names := ev.DiskNames(); names != "" {
		disk += " " + names
	}
	switch t := ev.Type; {
	case t.Releases():
		return "the instance is RELEASED: it is gone, with its data on every disk released with it"
	case t.reInit():
		return disk + " is re-initialized: ALL DATA ON IT IS WIPED"
	case t.isolate():
		return disk + " is isolated: its data is lost and cannot be recovered"
	case (t == EventMaintenanceRedeploy || t == EventFailureRedeploy) && in != nil && in.HasLocalDisks():
		return fmt.Sprintf("%d local disk(s), %d GiB, are re-initialized: ALL DATA ON THEM IS WIPED", in.LocalStorageAmount, in.LocalStorageCapacity)
	}
	return ""
}

// Releases reports whether the default action of an event of type t releases the
// instance (SystemFailure.Delete, InstanceExpiration.Delete, AccountUnbalanced.Delete).
func (t EventType) Releases() bool {
	return t == EventFailureDelete || t == EventExpirationDelete || t == EventUnbalancedDelete
}
