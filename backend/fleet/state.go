package fleet

import "ecs-redeploy/backend"

// RedeployState is where an instance's redeploy stands, as the hub knows it. Every session
// reads the same state: the hub is its only owner.
//
//	idle ──R──▶ submitting ──TaskId──▶ running ──Finished──▶ avoided
//	              │                      └──────Failed────▶ failed
//	              └──no answer──▶ outcome-unknown ──seen at rest──▶ idle
//	                                    └──task listed──▶ running
//
// A Processing task started elsewhere (another console, the aliyun CLI, the cloud console)
// puts an idle instance straight into running.
type RedeployState int

// Redeploy states.
const (
	// StateIdle: no redeploy known; R may be offered if the instance is eligible.
	StateIdle RedeployState = iota
	// StateSubmitting: RedeployInstance was sent and has not answered.
	StateSubmitting
	// StateRunning: a RedeployInstance task is Processing.
	StateRunning
	// StateOutcomeUnknown: the call got no answer that says whether it started
	// (backend.ErrOutcomeUnknown); held until a refresh shows the instance at rest long
	// enough after the call (OutcomeHold), or its task is listed.
	StateOutcomeUnknown
	// StateAvoided: the task finished; the event it answered is Avoided.
	StateAvoided
	// StateFailed: the task failed and the instance rolled back; it may be tried again.
	StateFailed
)

var stateNames = [...]string{"idle", "submitting", "running", "outcome-unknown", "avoided", "failed"}

func (s RedeployState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// InProgress reports whether a redeploy may be moving the instance now, so a second
// RedeployInstance must not be sent: submitting, running, or outcome unknown.
func (s RedeployState) InProgress() bool {
	return s == StateSubmitting || s == StateRunning || s == StateOutcomeUnknown
}

// StartedBy says who started an instance's redeploy: an identity of this process, or
// Elsewhere (a task the hub found Processing that nobody here started).
type StartedBy struct {
	Identity  backend.Identity
	Elsewhere bool
}

// String is "alice (operator)", or "elsewhere".
func (s StartedBy) String() string {
	if s.Elsewhere {
		return "elsewhere"
	}
	if s.Identity.Name == "" {
		return ""
	}
	return s.Identity.String()
}
