package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Issue 21, kind 4: after a kill -9 mid-call (the audit intent written, no result), the
// rerun of `redeploy ID` said "IncorrectInstanceStatus: instance is Stopping". It names
// the task in progress and, from the audit log, who started it.
func TestRedeployAfterAKilledCallNamesTheTaskAndWhoStartedIt(t *testing.T) {
	eng, addr := simServer(t, 5, 200)
	stateDir(t)
	in := redeployable(t, eng)
	// The killed process: its intent synced, then the call went out, then nothing.
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	intent, _ := json.Marshal(backend.AuditRecord{Time: eng.Now(), ID: "INTENT1", Phase: backend.AuditIntent,
		Identity: backend.Identity{Name: "alice@bastion", Role: backend.RoleOperator}, RegionID: in.RegionID, InstanceID: in.ID})
	if err := os.WriteFile(log, append(intent, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	task, err := eng.Redeploy(in.RegionID, in.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := eng.PendingInstances([]string{in.RegionID}, []string{in.ID}); len(got) != 1 || got[0].Status != model.StatusStopping {
		t.Fatalf("fixture: instance %+v; want it Stopping", got)
	}
	out, err := run(t, "redeploy", in.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes", "--audit-log", log)
	if !errors.Is(err, backend.ErrAlreadyInProgress) {
		t.Fatalf("error %v; want ErrAlreadyInProgress\n%s", err, out)
	}
	msg := err.Error()
	for _, want := range []string{"task " + task.ID, "started by alice@bastion (operator)", "audit log: intent at " + eng.Now().UTC().Format(time.RFC3339), "--follow " + task.ID} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if n := taskCount(eng); n != 1 {
		t.Fatalf("engine has %d tasks; want the one", n)
	}
}

// Without an audit log or a plan the task is still named, its starter unknown.
func TestRedeployOfAStoppingInstanceNamesTheTask(t *testing.T) {
	eng, addr := simServer(t, 5, 200)
	stateDir(t)
	in := redeployable(t, eng)
	task, err := eng.Redeploy(in.RegionID, in.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "redeploy", in.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes")
	var ip *backend.InProgressError
	if !errors.As(err, &ip) || ip.TaskID != task.ID || ip.StartedBy != "" {
		t.Fatalf("error %v; want an *InProgressError naming %s, nobody as starter", err, task.ID)
	}
}
