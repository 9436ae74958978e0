// Package eventsjson is the documented JSON shape of an instance with pending events, as
// `ecs-redeploy events --json` prints it and the console copies (Y) and saves (ctrl+s)
// it: one shape, one encoder, for every place that writes it.
package eventsjson

import (
	"time"

	"ecs-redeploy/model"
)

// Row is one element of the `events --json` array: an instance with its next pending
// event, every pending event, and the redeploy verdict. Field names are the API's where
// it has one; the schema is documented (docs/cli.md) and kept stable. Badges are
// model.Badges: the console's words for the same row.
type Row struct {
	InstanceID       string                 `json:"InstanceId"`
	InstanceName     string                 `json:"InstanceName"`
	RegionID         string                 `json:"RegionId"`
	ZoneID           string                 `json:"ZoneId"`
	Status           model.InstanceStatus   `json:"Status"`
	InstanceType     string                 `json:"InstanceType"`
	EventID          string                 `json:"EventId"`
	EventType        model.EventType        `json:"EventType"`
	EventCycleStatus model.EventCycleStatus `json:"EventCycleStatus"`
	NotBefore        time.Time              `json:"NotBefore"`
	Badges           []model.Badge          `json:"Badges"`
	LocalStorage     LocalStorage           `json:"LocalStorage"`
	DedicatedHostID  string                 `json:"DedicatedHostId"`
	OperationLocks   []model.LockReason     `json:"OperationLocks"`
	Events           []model.Event          `json:"Events"`
	Eligibility      model.Eligibility      `json:"Eligibility"`

	// DescribeInstances' own top-level fields, under the API's names, for jq habits from
	// the aliyun CLI (`jq .LocalStorageAmount`): an addition, LocalStorage above stays.
	LocalStorageAmount   int               `json:"LocalStorageAmount"`
	LocalStorageCapacity int64             `json:"LocalStorageCapacity"`
	DeploymentSetID      string            `json:"DeploymentSetId"`
	InstanceChargeType   string            `json:"InstanceChargeType"`
	ExpiredTime          *time.Time        `json:"ExpiredTime"`
	Tags                 map[string]string `json:"Tags"`
}

// LocalStorage is the instance's local disks: how many, and GiB in all.
type LocalStorage struct {
	Amount      int   `json:"LocalStorageAmount"`
	CapacityGiB int64 `json:"LocalStorageCapacity"`
}

// FromInstance is the row of one instance at now, with no redeploy known to be under way:
// what `events --json` prints.
func FromInstance(in *model.Instance, now time.Time) Row {
	el := model.Evaluate(in, now, false)
	return New(in, el, model.Badges(in, el, false))
}

// New is the row of instance in with the verdict el and the badges a caller that knows
// more (the fleet hub: a redeploy in progress) already derived with model.Badges.
func New(in *model.Instance, el model.Eligibility, badges []model.Badge) Row {
	r := Row{
		InstanceID: in.ID, InstanceName: in.Name, RegionID: in.RegionID, ZoneID: in.ZoneID,
		Status: in.Status, InstanceType: in.InstanceType,
		Badges:          nonNil(badges),
		LocalStorage:    LocalStorage{in.LocalStorageAmount, in.LocalStorageCapacity},
		DedicatedHostID: in.DedicatedHostID,
		OperationLocks:  nonNil(in.OperationLocks),
		Events:          nonNil(in.Events),
		Eligibility:     el,

		LocalStorageAmount: in.LocalStorageAmount, LocalStorageCapacity: in.LocalStorageCapacity,
		DeploymentSetID: in.DeploymentSetID, InstanceChargeType: in.ChargeType, Tags: in.Tags,
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	if !in.ExpiredTime.IsZero() {
		t := in.ExpiredTime
		r.ExpiredTime = &t
	}
	r.Eligibility.Blocks = nonNil(r.Eligibility.Blocks)
	r.Eligibility.Warnings = nonNil(r.Eligibility.Warnings)
	if ev := in.ShownEvent(); ev != nil {
		r.EventID, r.EventType, r.EventCycleStatus, r.NotBefore = ev.ID, ev.Type, ev.CycleStatus, ev.NotBefore
	}
	return r
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
