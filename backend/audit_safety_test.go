package backend_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// stub is a backend whose Redeploy is a function; nothing else is called by Audit.
type stub struct {
	backend.Backend
	redeploy func(backend.RedeployRequest) (backend.TaskRef, error)
	calls    int
}

func (s *stub) Redeploy(_ context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	s.calls++
	return s.redeploy(req)
}

func readRecords(t *testing.T, path string) []backend.AuditRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []backend.AuditRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r backend.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

var operator = backend.Identity{Name: "alice@host", KeyFingerprint: "SHA256:abc", Role: backend.RoleOperator}

// Issue 8, kind 5: the intent is on disk before RedeployInstance is sent, so a process
// killed during the call still leaves it; the result follows, linked by its id.
func TestAuditIntentIsOnDiskBeforeTheCall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var seen []backend.AuditRecord
	s := &stub{redeploy: func(req backend.RedeployRequest) (backend.TaskRef, error) {
		// Read through another handle, as after a crash: what is here is on disk.
		seen = readRecords(t, path)
		return backend.TaskRef{TaskID: "t-bp1abc", RegionID: req.RegionID, InstanceID: req.InstanceID, RequestID: "REQ-1"}, nil
	}}
	b := backend.Audit(s, f, func() time.Time { return sim.Epoch })
	if _, err := b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1abc", ForceStop: true, Identity: operator}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Phase != backend.AuditIntent || seen[0].InstanceID != "i-bp1abc" || !seen[0].ForceStop ||
		seen[0].Identity != operator || seen[0].ID == "" || seen[0].TaskID != "" {
		t.Fatalf("when the backend was entered, the log held %+v; want the intent alone", seen)
	}
	all := readRecords(t, path)
	if len(all) != 2 || all[1].Phase != backend.AuditResult || all[1].ID != seen[0].ID || all[1].TaskID != "t-bp1abc" ||
		all[1].RequestID != "REQ-1" || all[1].Outcome != backend.AuditStarted || all[1].Identity != operator {
		t.Fatalf("log %+v; want the result linked to intent %s", all, seen[0].ID)
	}
	// Another redeploy has another id.
	if _, err := b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1def", Identity: operator}); err != nil {
		t.Fatal(err)
	}
	if all = readRecords(t, path); len(all) != 4 || all[2].ID == all[0].ID || all[2].ID != all[3].ID {
		t.Fatalf("ids %s %s %s %s; want one per redeploy", all[0].ID, all[1].ID, all[2].ID, all[3].ID)
	}
}

type failingWriter struct{ writeErr, syncErr error }

func (w failingWriter) Write(p []byte) (int, error) {
	if w.writeErr != nil {
		return 0, w.writeErr
	}
	return len(p), nil
}

func (w failingWriter) Sync() error { return w.syncErr }

// Issue 8, kind 5: when the intent cannot be written and synced, nothing is sent.
func TestAuditWithoutIntentSendsNothing(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer full.Close()
	for name, w := range map[string]interface {
		Write([]byte) (int, error)
	}{
		"/dev/full":       full,
		"write fails":     failingWriter{writeErr: errors.New("disk quota exceeded")},
		"sync fails":      failingWriter{syncErr: errors.New("input/output error")},
		"closed log file": closedFile(t),
	} {
		t.Run(name, func(t *testing.T) {
			s := &stub{redeploy: func(backend.RedeployRequest) (backend.TaskRef, error) {
				return backend.TaskRef{TaskID: "t-bp1abc"}, nil
			}}
			ref, err := backend.Audit(s, w, time.Now).Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1abc", Identity: operator})
			if !errors.Is(err, backend.ErrAuditIntent) || ref.TaskID != "" {
				t.Fatalf("ref %+v, error %v; want ErrAuditIntent", ref, err)
			}
			if s.calls != 0 {
				t.Fatalf("the redeploy was sent %d times without its intent on record", s.calls)
			}
		})
	}
}

func closedFile(t *testing.T) *os.File {
	f, err := os.Create(filepath.Join(t.TempDir(), "closed.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	return f
}

// Issue 8, kind 5: each line's Code and RequestId are the RedeployInstance call's; a
// DescribeTasks that failed while reconciling is not the redeploy's code.
func TestAuditCodeIsTheRedeploysOwn(t *testing.T) {
	listing := &backend.APIError{Code: "Throttling", HTTPStatus: 400, RequestID: "REQ-DESCRIBE-TASKS", Action: "DescribeTasks"}
	call := &backend.APIError{Code: "InternalError", HTTPStatus: 500, RequestID: "REQ-REDEPLOY", Action: "RedeployInstance"}
	for _, c := range []struct {
		name          string
		err           error
		code, request string
		outcome       string
	}{
		{"timeout, then a throttled listing", fmt.Errorf("%w: no reply within 10s; last check: %w", backend.ErrOutcomeUnknown, listing), "", "", backend.AuditUnknown},
		{"5xx, then a throttled listing", fmt.Errorf("%w: %w; last check: %w", backend.ErrOutcomeUnknown, call, listing), "InternalError", "REQ-REDEPLOY", backend.AuditUnknown},
		{"listing before the call failed", fmt.Errorf("not sent: could not list its tasks: %w", listing), "", "", backend.AuditFailed},
		{"refused", &backend.APIError{Code: "IncorrectInstanceStatus", HTTPStatus: 403, RequestID: "REQ-R", Action: "RedeployInstance"}, "IncorrectInstanceStatus", "REQ-R", backend.AuditFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s := &stub{redeploy: func(backend.RedeployRequest) (backend.TaskRef, error) { return backend.TaskRef{}, c.err }}
			if _, err := backend.Audit(s, f, time.Now).Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1abc", Identity: operator}); !errors.Is(err, c.err) {
				t.Fatalf("error %v; want the backend's own", err)
			}
			recs := readRecords(t, path)
			if len(recs) != 2 {
				t.Fatalf("%d lines", len(recs))
			}
			if r := recs[1]; r.Code != c.code || r.RequestID != c.request || r.Outcome != c.outcome || r.Error == "" {
				t.Errorf("result %+v; want code %q, request %q, outcome %s", r, c.code, c.request, c.outcome)
			}
		})
	}
}

// A result line that cannot be written does not hide a redeploy that started.
func TestAuditResultLostStillReturnsTheTask(t *testing.T) {
	w := &flakyWriter{}
	s := &stub{redeploy: func(backend.RedeployRequest) (backend.TaskRef, error) {
		w.fail = true
		return backend.TaskRef{TaskID: "t-bp1abc", RequestID: "REQ-1"}, nil
	}}
	ref, err := backend.Audit(s, w, time.Now).Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1abc", Identity: operator})
	if ref.TaskID != "t-bp1abc" || !errors.Is(err, backend.ErrAuditResult) {
		t.Fatalf("ref %+v, error %v; want the task and ErrAuditResult", ref, err)
	}
}

type flakyWriter struct{ fail bool }

func (w *flakyWriter) Write(p []byte) (int, error) {
	if w.fail {
		return 0, errors.New("no space left on device")
	}
	return len(p), nil
}
