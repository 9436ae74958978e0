// Package model is the pure domain of ecs-redeploy: instances, system events, tasks and
// the rules of the RedeployInstance API page. It does no I/O.
package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// InstanceStatus is an ECS instance's Status as the API reports it.
type InstanceStatus string

// Instance statuses (DescribeInstances Status).
const (
	StatusPending  InstanceStatus = "Pending"
	StatusStarting InstanceStatus = "Starting"
	StatusRunning  InstanceStatus = "Running"
	StatusStopping InstanceStatus = "Stopping"
	StatusStopped  InstanceStatus = "Stopped"
)

// EventType is a system event's EventType.Name.
type EventType string

// System event types. Which of them RedeployInstance answers, and in which cycle
// statuses, is the table AnswerRules (eligibility.go).
const (
	EventMaintenanceReboot       EventType = "SystemMaintenance.Reboot"
	EventMaintenanceRedeploy     EventType = "SystemMaintenance.Redeploy"
	EventMaintenanceRebootReinit EventType = "SystemMaintenance.RebootAndReInitErrorDisk"
	EventMaintenanceIsolateDisk  EventType = "SystemMaintenance.RebootAndIsolateErrorDisk"
	// EventMaintenanceIsolateOnly and EventMaintenanceReInitOnly are the local-disk flow's
	// steps without a reboot: the damaged disk is isolated, later re-initialized.
	EventMaintenanceIsolateOnly EventType = "SystemMaintenance.IsolateErrorDisk"
	EventMaintenanceReInitOnly  EventType = "SystemMaintenance.ReInitErrorDisk"
	EventFailureReboot          EventType = "SystemFailure.Reboot"
	EventFailureRedeploy        EventType = "SystemFailure.Redeploy"
	EventFailureDelete          EventType = "SystemFailure.Delete"
	EventInstanceFailureReboot  EventType = "InstanceFailure.Reboot"
	EventExpirationStop         EventType = "InstanceExpiration.Stop"
	EventExpirationDelete       EventType = "InstanceExpiration.Delete"
	EventUnbalancedStop         EventType = "AccountUnbalanced.Stop"
	EventUnbalancedDelete       EventType = "AccountUnbalanced.Delete"
)

// AllEventTypes lists every event type the console knows, in a stable order.
var AllEventTypes = []EventType{
	EventMaintenanceReboot, EventMaintenanceRedeploy, EventMaintenanceRebootReinit,
	EventMaintenanceIsolateDisk, EventMaintenanceIsolateOnly, EventMaintenanceReInitOnly,
	EventFailureReboot, EventFailureRedeploy, EventFailureDelete, EventInstanceFailureReboot, EventExpirationStop, EventExpirationDelete,
	EventUnbalancedStop, EventUnbalancedDelete,
}

// EventCycleStatus is a system event's EventCycleStatus.Name.
type EventCycleStatus string

// Event cycle statuses: the first three are pending, the rest are final.
const (
	CycleInquiring EventCycleStatus = "Inquiring"
	CycleScheduled EventCycleStatus = "Scheduled"
	CycleExecuting EventCycleStatus = "Executing"
	CycleAvoided   EventCycleStatus = "Avoided"
	CycleExecuted  EventCycleStatus = "Executed"
	CycleCanceled  EventCycleStatus = "Canceled"
	CycleFailed    EventCycleStatus = "Failed"
)

// PendingCycleStatuses are the statuses DescribeInstanceHistoryEvents must be asked for
// explicitly: by default the API returns only final events.
var PendingCycleStatuses = []EventCycleStatus{CycleScheduled, CycleExecuting, CycleInquiring}

// Pending reports whether the event still waits to happen.
func (s EventCycleStatus) Pending() bool {
	return s == CycleInquiring || s == CycleScheduled || s == CycleExecuting
}

// EventTypeCode is the numeric code the API pairs with each event type name, 0 for a type
// whose code the API reference does not give (SystemMaintenance.IsolateErrorDisk and
// .ReInitErrorDisk).
func EventTypeCode(t EventType) int {
	switch t {
	case EventMaintenanceReboot:
		return 1
	case EventFailureReboot:
		return 65
	case EventMaintenanceRedeploy:
		return 34
	case EventFailureRedeploy:
		return 33
	case EventFailureDelete:
		return 36
	case EventInstanceFailureReboot:
		return 71
	case EventMaintenanceRebootReinit:
		return 67
	case EventMaintenanceIsolateDisk:
		return 66
	case EventExpirationStop:
		return 1024
	case EventExpirationDelete:
		return 1025
	case EventUnbalancedStop:
		return 1026
	case EventUnbalancedDelete:
		return 1027
	}
	return 0
}

// CycleStatusCode is the numeric code the API pairs with each cycle status name.
func CycleStatusCode(s EventCycleStatus) int {
	switch s {
	case CycleScheduled:
		return 24
	case CycleAvoided:
		return 18
	case CycleExecuting:
		return 32
	case CycleExecuted:
		return 48
	case CycleCanceled:
		return 64
	case CycleFailed:
		return 65
	case CycleInquiring:
		return 16
	}
	return 0
}

// LockReason is one of an instance's OperationLocks.
type LockReason string

// Operation lock reasons.
const (
	LockFinancial              LockReason = "financial"
	LockSecurity               LockReason = "security"
	LockRecycling              LockReason = "recycling"
	LockDedicatedHostFinancial LockReason = "dedicatedhostfinancial"
	LockRefunded               LockReason = "refunded"
)

// Charge types.
const (
	PrePaid  = "PrePaid"
	PostPaid = "PostPaid"
)

// Region is an ECS region as DescribeRegions reports it.
type Region struct {
	RegionID  string `json:"RegionId"`
	LocalName string `json:"LocalName"`
}

// Event is one system event on an instance.
type Event struct {
	ID          string           `json:"EventId"`
	InstanceID  string           `json:"InstanceId"`
	Type        EventType        `json:"EventType"`
	CycleStatus EventCycleStatus `json:"EventCycleStatus"`
	PublishTime time.Time        `json:"EventPublishTime"`
	// NotBefore is the deadline: the platform acts on the instance at this time.
	NotBefore   time.Time `json:"NotBefore"`
	FinishTime  time.Time `json:"EventFinishTime,omitzero"`
	Reason      string    `json:"Reason,omitempty"`
	ImpactLevel string    `json:"ImpactLevel,omitempty"`
	// ReasonCode is the API's code for Reason (DescribeInstanceHistoryEvents ReasonCode).
	ReasonCode string `json:"ReasonCode,omitempty"`
	// ExtendedAttribute is what the event tells beyond its type: the disk and device of a
	// local-disk event, the host and rack, whether it can be accepted. Nil when the API
	// sent none; shared between copies of the event, so never changed in place.
	ExtendedAttribute *ExtendedAttribute `json:"ExtendedAttribute,omitempty"`
	// Simulated marks a drill event made by CreateSimulatedSystemEvents. The simulator
	// knows it; DescribeInstanceHistoryEvents documents no field that says so, so from the
	// real API it stays false and RedeployInstance's own refusal is the answer.
	Simulated bool `json:"Simulated,omitempty"`
}

// ExtendedAttribute is DescribeInstanceHistoryEvents' ExtendedAttribute (SDK v1
// services/ecs struct_extended_attribute.go), as the console uses it. Strings are the API's.
type ExtendedAttribute struct {
	// Device and DiskID name the damaged local disk of a local-disk event (/dev/vdb,
	// d-bp1…).
	Device string `json:"Device,omitempty"`
	DiskID string `json:"DiskId,omitempty"`
	// InactiveDisks are disks released but not yet cleaned (SystemMaintenance.CleanInactiveDisks).
	InactiveDisks []InactiveDisk `json:"InactiveDisks,omitempty"`
	// HostID and HostType are the physical host (HostType ddh for a dedicated host); Rack
	// is the rack it stands in. Instances on one host share them.
	HostID   string `json:"HostId,omitempty"`
	HostType string `json:"HostType,omitempty"`
	Rack     string `json:"Rack,omitempty"`
	// Code is the event's detail code (a GuestOS event's, say).
	Code string `json:"Code,omitempty"`
	// CanAccept is "true" or "false": whether AcceptInquiredSystemEvent may authorise the
	// platform's default action for this Inquiring event. Empty when the API did not say.
	CanAccept string `json:"CanAccept,omitempty"`
	// InitialNotBefore is the deadline first published. The API sends it in the JSON
	// (DESIGN.md §3); SDK v1.63.107's struct does not have it, which is why the decoder
	// reads the raw reply. Zero when absent.
	InitialNotBefore time.Time `json:"InitialNotBefore,omitzero"`
	// MigrationOptions are the ways the platform may move the instance (MigrationOption[]).
	MigrationOptions   []string `json:"MigrationOptions,omitempty"`
	OnlineRepairPolicy string   `json:"OnlineRepairPolicy,omitempty"`
	ResponseResult     string   `json:"ResponseResult,omitempty"`
	// PunishType, PunishDomain and PunishURL describe a SecurityPunish event.
	PunishType   string `json:"PunishType,omitempty"`
	PunishDomain string `json:"PunishDomain,omitempty"`
	PunishURL    string `json:"PunishUrl,omitempty"`
}

// InactiveDisk is one of ExtendedAttribute.InactiveDisks.InactiveDisk[]; the API's strings.
type InactiveDisk struct {
	CreationTime   string `json:"CreationTime,omitempty"`
	ReleaseTime    string `json:"ReleaseTime,omitempty"`
	DeviceCategory string `json:"DeviceCategory,omitempty"`
	DeviceSize     string `json:"DeviceSize,omitempty"`
	DeviceType     string `json:"DeviceType,omitempty"`
}

// IsZero reports whether the attribute says nothing.
func (a *ExtendedAttribute) IsZero() bool {
	return a.Device == "" && a.DiskID == "" && len(a.InactiveDisks) == 0 && a.HostID == "" && a.HostType == "" &&
		a.Rack == "" && a.Code == "" && a.CanAccept == "" && a.InitialNotBefore.IsZero() && len(a.MigrationOptions) == 0 &&
		a.OnlineRepairPolicy == "" && a.ResponseResult == "" && a.PunishType == "" && a.PunishDomain == "" && a.PunishURL == ""
}

// Equal reports whether a and b say the same; nil says the same as an empty attribute.
func (a *ExtendedAttribute) Equal(b *ExtendedAttribute) bool {
	if a == nil {
		a = &noAttr
	}
	if b == nil {
		b = &noAttr
	}
	return a == b || (a.Device == b.Device && a.DiskID == b.DiskID && slices.Equal(a.InactiveDisks, b.InactiveDisks) &&
		a.HostID == b.HostID && a.HostType == b.HostType && a.Rack == b.Rack && a.Code == b.Code && a.CanAccept == b.CanAccept &&
		a.InitialNotBefore.Equal(b.InitialNotBefore) && slices.Equal(a.MigrationOptions, b.MigrationOptions) &&
		a.OnlineRepairPolicy == b.OnlineRepairPolicy && a.ResponseResult == b.ResponseResult && a.PunishType == b.PunishType &&
		a.PunishDomain == b.PunishDomain && a.PunishURL == b.PunishURL)
}

// Attr is the event's ExtendedAttribute, or an empty one: never nil.
func (ev *Event) Attr() *ExtendedAttribute {
	if ev.ExtendedAttribute == nil {
		return &noAttr
	}
	return ev.ExtendedAttribute
}

var noAttr ExtendedAttribute

// Acceptable reports whether AcceptInquiredSystemEvent may be offered for the event: it is
// Inquiring, not a drill, and the platform did not say CanAccept=false.
func (ev *Event) Acceptable() bool {
	return ev.CycleStatus == CycleInquiring && !ev.Simulated && ev.Attr().CanAccept != "false"
}

// DeadlineMoved reports whether the platform moved the deadline: NotBefore differs from the
// InitialNotBefore first published.
func (ev *Event) DeadlineMoved() bool {
	in := ev.Attr().InitialNotBefore
	return !in.IsZero() && !in.Equal(ev.NotBefore)
}

// LocalDiskEvent reports whether the event is a step of the damaged-local-disk flow.
func (t EventType) LocalDiskEvent() bool {
	switch t {
	case EventMaintenanceRebootReinit, EventMaintenanceIsolateDisk, EventMaintenanceIsolateOnly, EventMaintenanceReInitOnly:
		return true
	}
	return false
}

// reInit reports whether the event re-initializes the damaged disk.
func (t EventType) reInit() bool {
	return t == EventMaintenanceRebootReinit || t == EventMaintenanceReInitOnly
}

// isolate reports whether the event isolates the damaged disk.
func (t EventType) isolate() bool {
	return t == EventMaintenanceIsolateDisk || t == EventMaintenanceIsolateOnly
}

// Instance is an ECS instance with the attributes that decide a redeploy.
type Instance struct {
	ID           string         `json:"InstanceId"`
	Name         string         `json:"InstanceName"`
	RegionID     string         `json:"RegionId"`
	ZoneID       string         `json:"ZoneId"`
	InstanceType string         `json:"InstanceType"`
	Family       string         `json:"InstanceTypeFamily"`
	Status       InstanceStatus `json:"Status"`
	ChargeType   string         `json:"InstanceChargeType"`
	// ExpiredTime matters only for PrePaid instances.
	ExpiredTime          time.Time    `json:"ExpiredTime,omitzero"`
	LocalStorageAmount   int          `json:"LocalStorageAmount"`
	LocalStorageCapacity int64        `json:"LocalStorageCapacity"`
	DedicatedHostID      string       `json:"DedicatedHostId,omitempty"`
	OperationLocks       []LockReason `json:"OperationLocks,omitempty"`
	DeploymentSetID      string       `json:"DeploymentSetId,omitempty"`
	// Tags is read-only: instances with the same tags share one map (the simulator, the
	// hub's records and the real backend's listing all do, to hold a large fleet).
	Tags map[string]string `json:"Tags,omitempty"`
	// Events are the instance's pending system events, soonest deadline first.
	Events []Event `json:"Events"`
}

// HasLock reports whether the instance carries an operation lock with reason r.
func (in *Instance) HasLock(r LockReason) bool {
	for _, l := range in.OperationLocks {
		if l == r {
			return true
		}
	}
	return false
}

// HasLocalDisks reports whether a redeploy would re-initialize local disks.
func (in *Instance) HasLocalDisks() bool { return in.LocalStorageAmount > 0 }

// OnDedicatedHost reports whether the instance runs on a dedicated host.
func (in *Instance) OnDedicatedHost() bool { return in.DedicatedHostID != "" }

// Expired reports whether the instance is expired or in arrears at now.
func (in *Instance) Expired(now time.Time) bool {
	if in.HasLock(LockFinancial) || in.HasLock(LockDedicatedHostFinancial) {
		return true
	}
	return in.ChargeType == PrePaid && !in.ExpiredTime.IsZero() && !in.ExpiredTime.After(now)
}

// NextEvent is the pending event with the earliest deadline, or nil.
func (in *Instance) NextEvent() *Event {
	var best *Event
	for i := range in.Events {
		e := &in.Events[i]
		if !e.CycleStatus.Pending() {
			continue
		}
		if best == nil || e.NotBefore.Before(best.NotBefore) {
			best = e
		}
	}
	return best
}

// PendingEvents are the instance's pending events, earliest deadline first (ties keep the
// API's order).
func (in *Instance) PendingEvents() []*Event {
	var out []*Event
	for i := range in.Events {
		if in.Events[i].CycleStatus.Pending() {
			out = append(out, &in.Events[i])
		}
	}
	slices.SortStableFunc(out, func(a, b *Event) int { return a.NotBefore.Compare(b.NotBefore) })
	return out
}

// Deadline is the NotBefore of the next pending event that is not a drill
// (NextRealEvent), or the zero time: the deadline lists sort by. A drill's NotBefore is
// rehearsal, never the nearest deadline (docs/cli.md, drill).
func (in *Instance) Deadline() time.Time {
	if e := in.NextRealEvent(); e != nil {
		return e.NotBefore
	}
	return time.Time{}
}

// TaskStatus is a DescribeTasks TaskStatus.
type TaskStatus string

// Task statuses.
const (
	TaskProcessing TaskStatus = "Processing"
	TaskFinished   TaskStatus = "Finished"
	TaskFailed     TaskStatus = "Failed"
)

// Final reports whether the task has ended.
func (s TaskStatus) Final() bool { return s == TaskFinished || s == TaskFailed }

// ActionRedeployInstance is the TaskAction of a redeploy task.
const ActionRedeployInstance = "RedeployInstance"

// Task is an asynchronous ECS task, such as the one RedeployInstance starts.
type Task struct {
	ID           string     `json:"TaskId"`
	Action       string     `json:"TaskAction"`
	RegionID     string     `json:"RegionId"`
	ResourceID   string     `json:"ResourceId"`
	Status       TaskStatus `json:"TaskStatus"`
	CreationTime time.Time  `json:"CreationTime"`
	FinishedTime time.Time  `json:"FinishedTime,omitzero"`
	FailedReason string     `json:"FailedReason,omitempty"`
}

// FamilyOf derives the instance type family from a type name: ecs.i2.xlarge → ecs.i2.
func FamilyOf(instanceType string) string {
	if i := strings.LastIndex(instanceType, "."); i > 0 {
		return instanceType[:i]
	}
	return instanceType
}

// SortByDeadline orders instances by their next pending deadline, then id; instances with
// no pending event go last.
//
// Each instance's deadline is found once, not once per comparison, and the instances are
// moved once, into place, after the order is known: at 100,000 instances, comparing and
// swapping whole Instances was most of the sort. Instances that compare equal keep their
// order. An already sorted slice costs one pass.
func SortByDeadline(ins []Instance) {
	type key struct {
		deadline time.Time
		id       string
		at       int // the instance's index before sorting
	}
	keys := make([]key, len(ins))
	for i := range ins {
		keys[i] = key{ins[i].Deadline(), ins[i].ID, i}
	}
	order := func(a, b key) int {
		if c := CompareDeadlines(a.deadline, a.id, b.deadline, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	}
	if slices.IsSortedFunc(keys, order) {
		return
	}
	slices.SortFunc(keys, order)
	// Position j takes the instance that was at keys[j].at: follow each cycle of that
	// permutation once, marking the positions filled.
	for start := range keys {
		if keys[start].at < 0 || keys[start].at == start {
			continue
		}
		held := ins[start]
		j := start
		for {
			from := keys[j].at
			keys[j].at = -1
			if from == start {
				ins[j] = held
				break
			}
			ins[j] = ins[from]
			j = from
		}
	}
}

// CompareDeadlines is the one deadline order (the list, events, the hub): the earlier
// deadline first, then the instance id; a zero deadline (no pending event) goes last.
func CompareDeadlines(da time.Time, ida string, db time.Time, idb string) int {
	if da.IsZero() != db.IsZero() {
		if da.IsZero() {
			return 1
		}
		return -1
	}
	if c := da.Compare(db); c != 0 {
		return c
	}
	return strings.Compare(ida, idb)
}
