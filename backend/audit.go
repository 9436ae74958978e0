package backend

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"ecs-redeploy/model/safetext"
)

// Audit phases: an intent line before RedeployInstance is sent, a result line after.
const (
	AuditIntent = "intent"
	AuditResult = "result"
)

// Audit outcomes of a result line.
const (
	// AuditStarted: the redeploy started; TaskID names its task.
	AuditStarted = "started"
	// AuditUnknown: the call was sent and whether it started is unknown (ErrOutcomeUnknown).
	AuditUnknown = "unknown"
	// AuditFailed: it did not start: refused by ECS (Code, RequestID), or not sent.
	AuditFailed = "failed"
)

// AuditRecord is one line of the audit log. Each redeploy writes two lines with the same
// ID: the intent (who asks for which redeploy), synced to disk before RedeployInstance is
// sent, then the result. Code and RequestID are those of the RedeployInstance call only,
// never of a DescribeTasks made before or after it. No secret is ever recorded: the
// identity is a name, a role and a public key's fingerprint.
type AuditRecord struct {
	Time time.Time `json:"time"`
	// ID links a result to its intent: random (crypto/rand.Text), unique per redeploy.
	ID         string   `json:"id"`
	Phase      string   `json:"phase"`
	Identity   Identity `json:"identity"`
	RegionID   string   `json:"region"`
	InstanceID string   `json:"instance"`
	ForceStop  bool     `json:"force_stop"`
	// Action is empty for a redeploy (RedeployInstance) and AcceptInquiredSystemEvent for
	// an accept, whose EventID names the event; a note line's is one of the Note* actions.
	Action  string `json:"action,omitempty"`
	EventID string `json:"event,omitempty"`
	// Subject names what a note line (AuditNote) is about: a plan id, an autopilot's
	// policy.
	Subject string `json:"subject,omitempty"`
	// Detail is a note line's why (a pause's reason).
	Detail string `json:"detail,omitempty"`
	// Instances, Events, EventType and NotBefore describe a drill
	// (CreateSimulatedSystemEvents, CancelSimulatedSystemEvents): the instances asked for,
	// the event ids made (on its result line) or canceled, the type and the deadline.
	Instances []string  `json:"instances,omitempty"`
	Events    []string  `json:"events,omitempty"`
	EventType string    `json:"event_type,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	// Outcome, on result lines: started, unknown or failed.
	Outcome    string `json:"outcome,omitempty"`
	TaskID     string `json:"task_id,omitempty"`
	Reconciled bool   `json:"reconciled,omitempty"`
	Code       string `json:"code,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
	Error      string `json:"error,omitempty"`
}

// ErrAuditIntent is wrapped when the intent line could not be written and synced: the
// redeploy was not sent.
var ErrAuditIntent = errors.New("the audit log could not record the intent, so the redeploy was not sent")

// ErrAuditResult is wrapped when the redeploy went out but its result line could not be
// written. The TaskRef returned beside it is the redeploy's own: if it names a task, the
// redeploy started.
var ErrAuditResult = errors.New("the audit log could not record the result")

type audit struct {
	Backend
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	// torn is set when a write failed or fell short, perhaps leaving part of a line (a
	// full disk): the next record starts on a line of its own rather than glued to it.
	torn bool
}

// Audit wraps b so that every Redeploy that reaches it is written to w as JSON lines: an
// intent line written and synced (w's Sync, as *os.File has) before b's Redeploy is
// entered — when that fails, nothing is sent and the error wraps ErrAuditIntent — and a
// result line after, linked by ID. Reads pass through unlogged. When w is a file, a
// refusal because a redeploy is in progress (*InProgressError) names who started it, as
// the log's own lines say.
func Audit(b Backend, w io.Writer, now func() time.Time) Backend {
	return &audit{Backend: b, w: w, now: now}
}

func (a *audit) Redeploy(ctx context.Context, req RedeployRequest) (TaskRef, error) {
	rec := AuditRecord{
		Time: a.now().UTC(), ID: rand.Text(), Phase: AuditIntent, Identity: req.Identity,
		RegionID: req.RegionID, InstanceID: req.InstanceID, ForceStop: req.ForceStop,
	}
	if err := a.write(rec); err != nil {
		return TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: %w; fix --audit-log (a full disk, a read-only file) and run it again", req.InstanceID, ErrAuditIntent, err)
	}
	ref, err := a.Backend.Redeploy(ctx, req)
	a.nameStarter(err, rec.ID)
	rec.Time, rec.Phase = a.now().UTC(), AuditResult
	rec.TaskID, rec.Reconciled, rec.RequestID = ref.TaskID, ref.Reconciled, ref.RequestID
	switch {
	case err == nil:
		rec.Outcome = AuditStarted
	case errors.Is(err, ErrOutcomeUnknown):
		rec.Outcome = AuditUnknown
	default:
		rec.Outcome = AuditFailed
	}
	if err != nil {
		rec.Error = strings.Join(strings.Fields(err.Error()), " ")
		rec.Code, rec.RequestID = "", ""
		if ae, ok := CallError(err, "RedeployInstance"); ok {
			rec.Code, rec.RequestID = ae.Code, ae.RequestID
		}
	}
	if werr := a.write(rec); werr != nil {
		what := "it did not start"
		switch rec.Outcome {
		case AuditStarted:
			what = "it started task " + ref.TaskID
		case AuditUnknown:
			what = "whether it started is unknown"
		}
		if err != nil {
			return ref, fmt.Errorf("%w; and %w (intent %s): %w", err, ErrAuditResult, rec.ID, werr)
		}
		return ref, fmt.Errorf("RedeployInstance %s: %s, but %w (intent %s): %w; add the result to the log by hand", req.InstanceID, what, ErrAuditResult, rec.ID, werr)
	}
	return ref, err
}

// nameStarter completes a refusal because a redeploy is in progress with who started it,
// when the log is a file (it has a Name) whose records say: after a kill -9 mid-call the
// intent is there and the result is not. skipID is this redeploy's own intent.
func (a *audit) nameStarter(err error, skipID string) {
	var ip *InProgressError
	named, ok := a.w.(interface{ Name() string })
	if !ok || !errors.As(err, &ip) || ip.StartedBy != "" {
		return
	}
	a.mu.Lock() // no write of ours is half done while the log is read
	defer a.mu.Unlock()
	if by, from, ok := starterFromAuditLog(named.Name(), ip.InstanceID, ip.TaskID, skipID); ok {
		ip.StartedBy, ip.StartedFrom = by, from
	}
}

// AcceptInquiredSystemEvent is audited as Redeploy is: an intent line synced before the
// call (or no call), a result line after with the API's Code and RequestId.
func (a *audit) AcceptInquiredSystemEvent(ctx context.Context, req AcceptRequest) (AcceptRef, error) {
	const action = "AcceptInquiredSystemEvent"
	rec := AuditRecord{
		Time: a.now().UTC(), ID: rand.Text(), Phase: AuditIntent, Identity: req.Identity,
		RegionID: req.RegionID, InstanceID: req.InstanceID, Action: action, EventID: req.EventID,
	}
	if err := a.write(rec); err != nil {
		return AcceptRef{}, fmt.Errorf("%s %s: not sent: the audit log could not record the intent: %w; fix --audit-log and run it again", action, req.EventID, err)
	}
	ref, err := a.Backend.AcceptInquiredSystemEvent(ctx, req)
	rec.Time, rec.Phase, rec.RequestID = a.now().UTC(), AuditResult, ref.RequestID
	rec.Outcome = "accepted"
	if err != nil {
		rec.Outcome = AuditFailed
		if errors.Is(err, ErrOutcomeUnknown) {
			rec.Outcome = AuditUnknown
		}
		rec.Error = strings.Join(strings.Fields(err.Error()), " ")
		rec.Code, rec.RequestID = "", ""
		if ae, ok := CallError(err, action); ok {
			rec.Code, rec.RequestID = ae.Code, ae.RequestID
		}
	}
	if werr := a.write(rec); werr != nil {
		if err != nil {
			return ref, fmt.Errorf("%w; and %w (intent %s): %w", err, ErrAuditResult, rec.ID, werr)
		}
		return ref, fmt.Errorf("%s %s: accepted, but %w (intent %s): %w; add the result to the log by hand", action, req.EventID, ErrAuditResult, rec.ID, werr)
	}
	return ref, err
}

// write appends one line and syncs it, so that a process killed right after still leaves
// it on disk. After a failed write the line starts with a newline: the torn part stays
// a line of its own that no reader takes for a record (it is not JSON), and the log is
// never truncated, since another process (serve, a CLI) may append to the same file.
func (a *audit) write(rec AuditRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// Values exact; U+202E and the like as \u escapes, for whoever reads it with less.
	line = safetext.JSON(line)
	a.mu.Lock()
	defer a.mu.Unlock()
	buf := make([]byte, 0, len(line)+2)
	if a.torn {
		buf = append(buf, '\n')
	}
	buf = append(append(buf, line...), '\n')
	n, err := a.w.Write(buf)
	if err == nil && n < len(buf) {
		err = io.ErrShortWrite
	}
	// Any failed write counts as torn, even one reporting no bytes: at worst the next
	// record is preceded by an empty line.
	a.torn = err != nil
	if err != nil {
		return err
	}
	if s, ok := a.w.(interface{ Sync() error }); ok {
		return s.Sync()
	}
	return nil
}
