package backend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// halfWriter writes half of its first line, then fails (a full disk); later writes go
// through, as after space was freed.
type halfWriter struct {
	bytes.Buffer
	failed bool
}

func (w *halfWriter) Write(p []byte) (int, error) {
	if !w.failed {
		w.failed = true
		n, _ := w.Buffer.Write(p[:len(p)/2])
		return n, errors.New("no space left on device")
	}
	return w.Buffer.Write(p)
}

// A torn line is left as it is, but the next record starts a line of its own: every
// whole record still reads as one JSON line.
func TestAuditRecordAfterATornLineStartsALineOfItsOwn(t *testing.T) {
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Instances: []model.Instance{
		{ID: "i-ok", RegionID: "cn-hangzhou", Status: model.StatusRunning, Events: []model.Event{
			{ID: "e-1", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Hour)}}},
	}}
	clock := sim.NewStepClock(sim.Epoch)
	w := &halfWriter{}
	b := backend.Audit(sim.NewBackend(sim.New(f, clock, sim.Options{})), w, clock.Now)
	req := backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-ok", Identity: backend.Identity{Name: "alice", Role: backend.RoleOperator}}
	if _, err := b.Redeploy(context.Background(), req); !errors.Is(err, backend.ErrAuditIntent) {
		t.Fatalf("first redeploy: %v, want ErrAuditIntent", err)
	}
	if _, err := b.Redeploy(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want the torn one and two whole records:\n%s", len(lines), w.String())
	}
	for i, phase := range []string{backend.AuditIntent, backend.AuditResult} {
		var rec backend.AuditRecord
		if err := json.Unmarshal([]byte(lines[i+1]), &rec); err != nil || rec.Phase != phase {
			t.Fatalf("line %d %q: %v, phase %q", i+2, lines[i+1], err, rec.Phase)
		}
	}
}
