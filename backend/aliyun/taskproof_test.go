package aliyun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Issue 21, kind 3: a 200 to RedeployInstance whose TaskId belongs to another instance was
// printed and audited as "started". It proves nothing: the outcome is unknown from the
// start, and the audit says so.
func TestRedeployReplyNamingAnotherInstancesTaskIsUnknown(t *testing.T) {
	id, other := hostileInstanceID(1), hostileInstanceID(2)
	h := newHostile(t)
	h.handle("DescribeTasks", func(w http.ResponseWriter, q map[string]string) {
		if q["TaskIds"] == "t-bp1other" {
			_, _ = w.Write(tasksPage(1, 1, [][3]string{{"t-bp1other", other, "Processing"}}))
			return
		}
		_, _ = w.Write(tasksPage(atoi(q["PageNumber"]), 0, nil))
	})
	h.handle("DescribeInstances", answerInstances)
	h.handle("RedeployInstance", func(w http.ResponseWriter, _ map[string]string) {
		_, _ = w.Write([]byte(`{"RequestId":"R-redeploy","TaskId":"t-bp1other"}`))
	})
	var log bytes.Buffer
	b := backend.Audit(h.backend(t, nil), &log, func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) })
	ref, err := b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id, Identity: backend.Identity{Name: "alice", Role: backend.RoleOperator}})
	if !errors.Is(err, backend.ErrOutcomeUnknown) || !errors.Is(err, backend.ErrUnprovenReply) || ref.TaskID != "" {
		t.Fatalf("ref %+v, error %v; want outcome unknown on a reply that proves nothing", ref, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "t-bp1other") || !strings.Contains(msg, "of instance "+other) || strings.Contains(msg, "\n") {
		t.Errorf("message %q: want one line naming the task and whose it is", msg)
	}
	if n := h.calledFor("RedeployInstance"); n != 1 {
		t.Errorf("RedeployInstance sent %d times; want once", n)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var result backend.AuditRecord
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &result) != nil {
		t.Fatalf("audit log %q; want an intent and a result line", log.String())
	}
	if result.Outcome != backend.AuditUnknown || result.TaskID != "" {
		t.Errorf("audit result %+v; want outcome unknown, no task", result)
	}
}

// The same reply when the call did start a redeploy: the reply's task is not taken, the
// instance's own new task is found through DescribeTasks.
func TestRedeployReplyNamingAnotherTaskFindsTheRealOne(t *testing.T) {
	var otherTask string
	f := newFixture(t, sim.Generate(41, 300, sim.Epoch), sim.Options{Seed: 41}, rewriting("RedeployInstance", func(status int, body []byte) (int, []byte) {
		var r struct{ RequestId, TaskId string }
		_ = json.Unmarshal(body, &r)
		return status, bytes.Replace(body, []byte(r.TaskId), []byte(otherTask), 1)
	}))
	pending := f.eng.PendingInstances([]string{"cn-hangzhou"}, nil)
	var ins []model.Instance
	for _, in := range pending {
		if in.Status == model.StatusRunning && model.Evaluate(&in, f.eng.Now(), false).Allowed {
			ins = append(ins, in)
		}
	}
	if len(ins) < 2 {
		t.Fatal("fixture: fewer than two redeployable instances")
	}
	task, err := f.eng.Redeploy(ins[1].RegionID, ins[1].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	otherTask = task.ID
	ref, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: ins[0].RegionID, InstanceID: ins[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	own := f.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{ins[0].ID}})
	if len(own) != 1 || ref.TaskID != own[0].ID || ref.TaskID == otherTask || !ref.Reconciled || ref.InstanceID != ins[0].ID {
		t.Fatalf("ref %+v; want the instance's own task %+v, found through DescribeTasks", ref, own)
	}
}
