package backend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func TestAuditRecordsGrantedAndRefused(t *testing.T) {
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Instances: []model.Instance{
		{ID: "i-ok", RegionID: "cn-hangzhou", Status: model.StatusRunning, Events: []model.Event{
			{ID: "e-1", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Hour)}}},
		{ID: "i-locked", RegionID: "cn-hangzhou", Status: model.StatusRunning, OperationLocks: []model.LockReason{model.LockSecurity}},
	}}
	clock := sim.NewStepClock(sim.Epoch)
	var log bytes.Buffer
	b := backend.Audit(sim.NewBackend(sim.New(f, clock, sim.Options{})), &log, clock.Now)
	ctx := context.Background()
	ref, err := b.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-ok", Identity: backend.Identity{Name: "alice", KeyFingerprint: "SHA256:abc", Role: backend.RoleOperator}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-locked", Identity: backend.Identity{Name: "bob", Role: backend.RoleOperator}, ForceStop: true}); err == nil {
		t.Fatal("locked instance redeployed")
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d audit lines, want an intent and a result for each redeploy:\n%s", len(lines), log.String())
	}
	var ok, refused backend.AuditRecord
	if err := json.Unmarshal([]byte(lines[1]), &ok); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[3]), &refused); err != nil {
		t.Fatal(err)
	}
	if ok.Outcome != backend.AuditStarted || refused.Outcome != backend.AuditFailed {
		t.Errorf("outcomes %q, %q", ok.Outcome, refused.Outcome)
	}
	if ok.Identity.KeyFingerprint != "SHA256:abc" || ok.TaskID != ref.TaskID || ok.Error != "" || !ok.Time.Equal(sim.Epoch) {
		t.Errorf("granted record = %+v", ok)
	}
	if refused.Code != model.CodeInstanceLockedForSecurity || refused.RequestID == "" || !refused.ForceStop || refused.TaskID != "" {
		t.Errorf("refused record = %+v", refused)
	}
}
