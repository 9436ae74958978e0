package backend

import (
	"crypto/rand"
)

// AuditNote is the phase of a line that records a person's decision which calls no API
// (a plan continued or aborted, the autopilot paused or resumed): one line, no result.
const AuditNote = "note"

// Actions of note lines (AuditRecord.Action).
const (
	NotePlanContinue    = "PlanContinue"
	NotePlanAbort       = "PlanAbort"
	NotePlanPause       = "PlanPause"
	NoteAutopilotPause  = "AutopilotPause"
	NoteAutopilotResume = "AutopilotResume"
)

// noter is a Backend that records note lines: the audit log.
type noter interface {
	note(rec AuditRecord) error
}

// Wrapper is a Backend that wraps another (the guard, the hub's drill marks): Note looks
// through it for the audit log.
type Wrapper interface {
	Unwrap() Backend
}

// Note writes a note line to b's audit log, when b has one (Audit, under Guard): action
// is one of the Note* actions, subject the plan or policy it is about, detail why. The
// error is the log's: the decision it records has been taken either way. Without an
// audit log it does nothing.
func Note(b Backend, action string, who Identity, subject, detail string) error {
	for b != nil {
		if n, ok := b.(noter); ok {
			return n.note(AuditRecord{Phase: AuditNote, Identity: who, Action: action, Subject: subject, Detail: detail})
		}
		w, ok := b.(Wrapper)
		if !ok {
			return nil
		}
		b = w.Unwrap()
	}
	return nil
}

// Unwrap is the Backend the guard stands in front of.
func (g guard) Unwrap() Backend { return g.Backend }

func (a *audit) note(rec AuditRecord) error {
	rec.Time, rec.ID = a.now().UTC(), rand.Text()
	return a.write(rec)
}
