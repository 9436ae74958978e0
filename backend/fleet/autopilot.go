// The hub's side of the autopilot (backend/autopilot): what it shows every session, how an
// operator's pause reaches it from any console, and the pause of a running plan.

package fleet

import (
	"errors"
	"fmt"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model/safetext"
)

// AutopilotStatus is what the autopilot shows every session (Snapshot.Autopilot): its
// name, whether it runs, and what it will do and leaves to humans. A copy: readers never
// modify it.
type AutopilotStatus struct {
	// Name is its identity's name: "autopilot:<policy name>".
	Name string
	// Policy is the file its rules come from; PolicyErr says why the last reload of it
	// was refused (the last good policy stays in force), "" when it was not.
	Policy    string
	PolicyErr string
	// Reloads counts the good reloads of the policy since it started: a session tells
	// one when it sees the count change, refused before or not.
	Reloads int
	// Paused: it starts nothing and its plans send nothing until an operator resumes it;
	// Why says who paused it or which failure did.
	Paused bool
	Why    string
	// Plans counts its plans that have not ended; InFlight their redeploys in flight.
	Plans, InFlight int
	// Next are the instances it will redeploy, soonest first; Left those it leaves to
	// humans, with the reason.
	Next []AutopilotDue
	Left []AutopilotLeft
	// Checked is when it last looked at the fleet (the backend's clock).
	Checked time.Time
}

// AutopilotDue is one instance the autopilot will redeploy at At under Rule.
type AutopilotDue struct {
	InstanceID string    `json:"instance"`
	Rule       string    `json:"rule"`
	At         time.Time `json:"at"`
	// Waiting says what holds an instance that is due now (a bound, the pause), "" when
	// nothing does.
	Waiting string `json:"waiting,omitempty"`
}

// AutopilotLeft is one instance the autopilot leaves to humans, and why.
type AutopilotLeft struct {
	InstanceID string `json:"instance"`
	// Rule is the rule that matched it, "" when none did.
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason"`
}

// AutopilotControl is what the hub asks when an operator pauses or resumes the autopilot
// from a console: the autopilot itself checks the role (backend.Authorize) and audits.
type AutopilotControl interface {
	Pause(who backend.Identity) error
	Resume(who backend.Identity) error
}

// ErrNoAutopilot is returned by PauseAutopilot and ResumeAutopilot when none runs here.
var ErrNoAutopilot = errors.New("no autopilot runs here (serve --policy FILE starts one)")

// SetAutopilot publishes the autopilot's status to every session; nil removes it.
func (h *Hub) SetAutopilot(st *AutopilotStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.autopilot = st
	h.publishLocked()
}

// SetAutopilotControl names the autopilot that PauseAutopilot and ResumeAutopilot reach.
func (h *Hub) SetAutopilotControl(c AutopilotControl) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.autopilotCtl = c
}

// PauseAutopilot pauses the autopilot for who; a viewer is refused (backend.ErrForbidden).
func (h *Hub) PauseAutopilot(who backend.Identity) error {
	c, err := h.autopilotControl(who, "pause the autopilot")
	if err != nil {
		return err
	}
	if err := c.Pause(who); err != nil {
		return err
	}
	h.note(backend.NoteAutopilotPause, who, h.autopilotName(), "")
	return nil
}

// ResumeAutopilot resumes the autopilot for who; a viewer is refused.
func (h *Hub) ResumeAutopilot(who backend.Identity) error {
	c, err := h.autopilotControl(who, "resume the autopilot")
	if err != nil {
		return err
	}
	if err := c.Resume(who); err != nil {
		return err
	}
	h.note(backend.NoteAutopilotResume, who, h.autopilotName(), "")
	return nil
}

// autopilotName is the published autopilot's name ("autopilot:<policy name>"), for the audit log.
func (h *Hub) autopilotName() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.autopilot == nil {
		return ""
	}
	return h.autopilot.Name
}

// note writes a person's decision to the audit log (backend.Note); a log that cannot be
// written is said in the hub's log, since the decision stands either way.
func (h *Hub) note(action string, who backend.Identity, subject, detail string) {
	if err := backend.Note(h.b, action, who, subject, detail); err != nil {
		h.log.Error("audit log", "action", action, "err", safetext.Log(err.Error()))
	}
}

func (h *Hub) autopilotControl(who backend.Identity, what string) (AutopilotControl, error) {
	if err := backend.AuthorizeTo(who, what); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.autopilotCtl == nil {
		return nil, ErrNoAutopilot
	}
	return h.autopilotCtl, nil
}

// PausePlan stops the running plan id from sending anything more, for who, saying why:
// a call already out goes on and is followed; AnswerPlan (continue) lets it send again.
// A plan that is not running is left as it is. Only an operator may pause.
func (h *Hub) PausePlan(who backend.Identity, id, why string) error {
	if err := backend.AuthorizeTo(who, "pause a batch"); err != nil {
		return err
	}
	r, err := h.runOf(id)
	if err != nil {
		return err
	}
	p := r.p
	p.mu.Lock()
	paused := p.rec.Phase == PhaseRunning
	if paused {
		// Each send of a step is decided under p.mu and checks the phase first
		// (submitLocked): from here on, none is.
		p.rec.Phase, p.rec.Stopped = PhasePaused, why
		err = p.save()
	}
	p.mu.Unlock()
	if paused {
		h.log.Warn("plan paused", "plan", id, "by", safetext.Log(who.Name), "fingerprint", who.KeyFingerprint, "role", who.Role, "why", safetext.Log(why))
		h.note(backend.NotePlanPause, who, id, why)
		h.stepRun(r)
	}
	return err
}

// SetPlanHolds gives the plan id the Hold and HoldItem of PlanOptions, replacing what it
// had: a plan resumed after a restart (ResumePlans) has none until its owner, the
// autopilot, adopts it, and its queued items would otherwise go out on the window alone.
func (h *Hub) SetPlanHolds(id string, hold func() string, holdItem func(PlanItem, *Row, time.Time) string) error {
	h.mu.Lock()
	var r *planRun
	for _, x := range h.runs {
		if x.p.rec.ID == id {
			r = x
		}
	}
	h.mu.Unlock()
	if r == nil {
		return fmt.Errorf("plan %s: %w", id, ErrNoPlan)
	}
	r.p.mu.Lock()
	r.p.hold, r.p.holdItem = hold, holdItem
	r.p.mu.Unlock()
	return nil
}
