package backend_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Issue 21, kind 4: a redeploy refused because one is in progress names who started it,
// from the audit log's own lines: the result line of the redeploy that started the task,
// or, after a kill -9 mid-call, the intent that has no result.
func TestInProgressRefusalNamesWhoStartedIt(t *testing.T) {
	const id = "i-bp1starter00000000001"
	fleet := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Instances: []model.Instance{
		{ID: id, RegionID: "cn-hangzhou", Status: model.StatusRunning, Events: []model.Event{
			{ID: "e-1", Type: model.EventMaintenanceRedeploy, CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Hour)}}},
	}}
	open := func(t *testing.T, path string) *os.File {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	carol := backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: backend.Identity{Name: "carol", Role: backend.RoleOperator}}
	ctx := context.Background()

	t.Run("started here, result recorded", func(t *testing.T) {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.New(fleet, clock, sim.Options{})
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		bob := backend.Audit(sim.NewBackend(eng), open(t, path), clock.Now)
		ref, err := bob.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: backend.Identity{Name: "bob", Role: backend.RoleOperator}})
		if err != nil {
			t.Fatal(err)
		}
		// Another process on the same log.
		_, err = backend.Audit(sim.NewBackend(eng), open(t, path), clock.Now).Redeploy(ctx, carol)
		var ip *backend.InProgressError
		if !errors.As(err, &ip) || ip.TaskID != ref.TaskID || ip.StartedBy != "bob (operator)" || !strings.Contains(err.Error(), "started by bob (operator) (audit log: started it at") {
			t.Fatalf("error %v; want the task %s, started by bob", err, ref.TaskID)
		}
	})
	t.Run("killed mid-call, intent only", func(t *testing.T) {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.New(fleet, clock, sim.Options{})
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		intent, _ := json.Marshal(backend.AuditRecord{Time: sim.Epoch, ID: "KILLED", Phase: backend.AuditIntent,
			Identity: backend.Identity{Name: "alice", Role: backend.RoleOperator}, RegionID: "cn-hangzhou", InstanceID: id})
		// A later accept of the instance's event, cut off too, is not a redeploy.
		accept, _ := json.Marshal(backend.AuditRecord{Time: sim.Epoch.Add(time.Minute), ID: "ACCEPT", Phase: backend.AuditIntent, Action: "AcceptInquiredSystemEvent",
			Identity: backend.Identity{Name: "mallory", Role: backend.RoleOperator}, RegionID: "cn-hangzhou", InstanceID: id})
		if err := os.WriteFile(path, append(append(intent, '\n'), append(accept, '\n')...), 0o600); err != nil {
			t.Fatal(err)
		}
		task, err := eng.Redeploy("cn-hangzhou", id, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = backend.Audit(sim.NewBackend(eng), open(t, path), clock.Now).Redeploy(ctx, carol)
		var ip *backend.InProgressError
		if !errors.As(err, &ip) || ip.TaskID != task.ID || ip.StartedBy != "alice (operator)" || !strings.Contains(ip.StartedFrom, "no result") {
			t.Fatalf("error %v; want the task %s, started by alice, whose call was cut off", err, task.ID)
		}
		// The refusal's own result line says so too.
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), "started by alice (operator)") {
			t.Errorf("audit log:\n%s", data)
		}
	})
}
