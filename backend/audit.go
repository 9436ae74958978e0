package backend

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// AuditRecord is one line of the audit log: who asked for which redeploy, and what happened.
type AuditRecord struct {
	Time       time.Time `json:"time"`
	Identity   Identity  `json:"identity"`
	RegionID   string    `json:"region"`
	InstanceID string    `json:"instance"`
	ForceStop  bool      `json:"force_stop"`
	TaskID     string    `json:"task_id,omitempty"`
	Reconciled bool      `json:"reconciled,omitempty"`
	Code       string    `json:"code,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	Error      string    `json:"error,omitempty"`
}

type audit struct {
	Backend
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// Audit wraps b so that every Redeploy, granted or refused, is written to w as one JSON
// line. Reads pass through unlogged.
func Audit(b Backend, w io.Writer, now func() time.Time) Backend {
	return &audit{Backend: b, w: w, now: now}
}

func (a *audit) Redeploy(ctx context.Context, req RedeployRequest) (TaskRef, error) {
	ref, err := a.Backend.Redeploy(ctx, req)
	rec := AuditRecord{
		Time: a.now().UTC(), Identity: req.Identity, RegionID: req.RegionID, InstanceID: req.InstanceID,
		ForceStop: req.ForceStop, TaskID: ref.TaskID, Reconciled: ref.Reconciled, RequestID: ref.RequestID,
	}
	if err != nil {
		rec.Error = err.Error()
		if ae, ok := AsAPIError(err); ok {
			rec.Code, rec.RequestID = ae.Code, ae.RequestID
		}
	}
	line, _ := json.Marshal(rec)
	a.mu.Lock()
	_, _ = a.w.Write(append(line, '\n'))
	a.mu.Unlock()
	return ref, err
}
