package sim

import (
	"strings"
	"testing"
	"time"

	"ecs-redeploy/model"
)

// TestGenerateDeploymentSetsAreClusters: a deployment set groups 3–7 instances of one
// region and instance type, named alike, spread over more than one zone.
func TestGenerateDeploymentSetsAreClusters(t *testing.T) {
	f := Generate(1, 2000, Epoch)
	sets := map[string][]*model.Instance{}
	for i := range f.Instances {
		if in := &f.Instances[i]; in.DeploymentSetID != "" {
			sets[in.DeploymentSetID] = append(sets[in.DeploymentSetID], in)
		}
	}
	if len(sets) < 10 {
		t.Fatalf("%d deployment sets in 2000 instances, want at least 10", len(sets))
	}
	namePrefix := func(name string) string { return name[:strings.LastIndex(name, "-")] }
	for id, members := range sets {
		if len(members) < 3 || len(members) > 7 {
			t.Errorf("deployment set %s has %d instances, want 3–7", id, len(members))
			continue
		}
		zones := map[string]bool{}
		for _, in := range members {
			zones[in.ZoneID] = true
			if in.RegionID != members[0].RegionID || in.InstanceType != members[0].InstanceType ||
				namePrefix(in.Name) != namePrefix(members[0].Name) || in.Tags["cluster"] == "" {
				t.Errorf("deployment set %s mixes %s (%s %s %s) with %s (%s %s %s)", id,
					in.ID, in.RegionID, in.InstanceType, in.Name,
					members[0].ID, members[0].RegionID, members[0].InstanceType, members[0].Name)
			}
		}
		if len(zones) < 2 {
			t.Errorf("deployment set %s keeps all %d instances in one zone", id, len(members))
		}
	}
}

// TestGenerateBillingAgreesWithEvents: charge type, expiry and billing events tell one story.
func TestGenerateBillingAgreesWithEvents(t *testing.T) {
	now := Epoch
	var expiring, released, arrears int
	for seed := int64(1); seed <= 3; seed++ {
		f := Generate(seed, 2000, now)
		for i := range f.Instances {
			in := &f.Instances[i]
			if in.ChargeType == model.PostPaid && !in.ExpiredTime.IsZero() {
				t.Errorf("%s: PostPaid with ExpiredTime %s", in.ID, in.ExpiredTime)
			}
			hasDelete := false
			for _, ev := range in.Events {
				if !ev.CycleStatus.Pending() {
					continue
				}
				switch ev.Type {
				case model.EventExpirationStop:
					expiring++
					if in.ChargeType != model.PrePaid || !in.ExpiredTime.After(now) ||
						in.ExpiredTime.Sub(now) > 3*24*time.Hour || !ev.NotBefore.Equal(in.ExpiredTime) {
						t.Errorf("%s: %s on %s expiring %s (deadline %s): want a PrePaid instance stopped at an expiry within days",
							in.ID, ev.Type, in.ChargeType, in.ExpiredTime, ev.NotBefore)
					}
				case model.EventExpirationDelete:
					released++
					hasDelete = true
					if in.ChargeType != model.PrePaid || in.ExpiredTime.After(now) || in.Status != model.StatusStopped {
						t.Errorf("%s: %s on a %s %s instance expiring %s: want an expired, stopped PrePaid instance",
							in.ID, ev.Type, in.Status, in.ChargeType, in.ExpiredTime)
					}
				case model.EventUnbalancedStop, model.EventUnbalancedDelete:
					arrears++
					if in.ChargeType != model.PostPaid || !in.HasLock(model.LockFinancial) {
						t.Errorf("%s: %s on a %s instance with locks %v: want PostPaid in arrears", in.ID, ev.Type, in.ChargeType, in.OperationLocks)
					}
				case model.EventMaintenanceRebootReinit, model.EventMaintenanceIsolateDisk:
					if !in.HasLocalDisks() {
						t.Errorf("%s: %s on an instance without local disks", in.ID, ev.Type)
					}
				}
			}
			if in.ChargeType == model.PrePaid && !in.ExpiredTime.After(now) && !hasDelete {
				t.Errorf("%s: PrePaid expired at %s without a pending InstanceExpiration.Delete", in.ID, in.ExpiredTime)
			}
		}
	}
	if expiring == 0 || released == 0 || arrears == 0 {
		t.Errorf("billing events: %d expiring, %d released, %d in arrears; want some of each", expiring, released, arrears)
	}
}

// TestGenerateEventTimes: an event is published before its deadline and before now, and
// several instances carry two pending events.
func TestGenerateEventTimes(t *testing.T) {
	f := Generate(1, 2000, Epoch)
	two := 0
	for i := range f.Instances {
		in := &f.Instances[i]
		pending := 0
		for _, ev := range in.Events {
			if !ev.PublishTime.Before(ev.NotBefore) || ev.PublishTime.After(Epoch) {
				t.Errorf("%s: published %s, deadline %s, now %s", ev.ID, ev.PublishTime, ev.NotBefore, Epoch)
			}
			if ev.CycleStatus.Pending() {
				pending++
			}
		}
		if pending >= 2 {
			two++
		}
	}
	if two < 2000*3/100 {
		t.Errorf("%d of 2000 instances carry two pending events, want at least 3%%", two)
	}
}
