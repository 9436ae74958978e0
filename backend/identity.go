package backend

import (
	"context"
	"fmt"
)

// Role is what an identity may do. DESIGN §3: viewer or operator.
type Role string

// Roles.
const (
	// RoleViewer may look at everything and redeploy nothing.
	RoleViewer Role = "viewer"
	// RoleOperator may also redeploy.
	RoleOperator Role = "operator"
)

// Identity is who asks: the local user, or an SSH user and the SHA256 fingerprint of the
// key they logged in with. It travels with every redeploy request into the guard and the
// audit log.
type Identity struct {
	Name           string `json:"name"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	Role           Role   `json:"role"`
}

// String is "name (role)" or "name SHA256:… (role)": what a log line or a row names.
func (id Identity) String() string {
	s := id.Name
	if s == "" {
		s = "unknown"
	}
	if id.KeyFingerprint != "" {
		s += " " + id.KeyFingerprint
	}
	return fmt.Sprintf("%s (%s)", s, id.Role)
}

// CanRedeploy reports whether the role may redeploy. The UI reads it to hide actions;
// only Guard enforces it.
func (id Identity) CanRedeploy() bool { return id.Role == RoleOperator }

// CodeForbiddenRole is the code of ErrForbidden: a viewer asked for a redeploy.
const CodeForbiddenRole = "Forbidden.Role"

// ErrForbidden is returned by Guard for a Redeploy asked by anyone but an operator.
var ErrForbidden = &APIError{Code: CodeForbiddenRole, HTTPStatus: 403,
	Message: "read-only: your role is viewer, and a viewer cannot redeploy (ask for an operator key, or run without --read-only)"}

// guard refuses Redeploy for every identity that is not an operator.
type guard struct{ Backend }

// Guard wraps b so that Redeploy is refused with ErrForbidden, and never reaches b, unless
// the request's Identity is an operator. It is the one place roles are enforced
// (DESIGN §3): `--read-only` makes the local identity a viewer, and serve gives each SSH
// key its role; the UI only reflects the role.
func Guard(b Backend) Backend { return guard{b} }

func (g guard) Redeploy(ctx context.Context, req RedeployRequest) (TaskRef, error) {
	if err := Authorize(req.Identity); err != nil {
		return TaskRef{}, err
	}
	return g.Backend.Redeploy(ctx, req)
}

// AcceptInquiredSystemEvent is refused for a viewer as Redeploy is: accepting lets the
// platform act on the instance now.
func (g guard) AcceptInquiredSystemEvent(ctx context.Context, req AcceptRequest) (AcceptRef, error) {
	if !req.Identity.CanRedeploy() {
		return AcceptRef{}, ErrForbiddenAccept
	}
	return g.Backend.AcceptInquiredSystemEvent(ctx, req)
}

// ActionAccept is accepting system events in the words of a refusal: what AuthorizeTo is
// asked for it, so that the guard, the console and the CLI say the same.
const ActionAccept = "accept system events"

// ErrForbiddenAccept is returned by Guard for an accept asked by anyone but an operator;
// its Message is AuthorizeTo's for ActionAccept.
var ErrForbiddenAccept = &APIError{Code: CodeForbiddenRole, HTTPStatus: 403, Message: forbidden{ActionAccept}.Error()}

var _ Backend = guard{}

// Authorize is the guard's rule on its own: nil for an operator, ErrForbidden for anyone
// else. The hub asks it once for what is not a call but commands calls (starting or
// answering a plan), so a viewer is refused there as at the guard, whatever its screen.
func Authorize(id Identity) error {
	if !id.CanRedeploy() {
		return ErrForbidden
	}
	return nil
}

// AuthorizeTo is Authorize for an action that is not a redeploy (what: "pause the
// autopilot", "continue a batch"): the refusal is ErrForbidden (errors.Is and errors.As
// find it, with its Code), in the words of what was refused, so that a log or a screen
// never says "cannot redeploy" of a pause.
func AuthorizeTo(id Identity, what string) error {
	if err := Authorize(id); err != nil {
		return forbidden{what}
	}
	return nil
}

// forbidden is ErrForbidden in the words of the action refused.
type forbidden struct{ what string }

func (f forbidden) Error() string {
	return "read-only: your role is viewer, and a viewer cannot " + f.what + " (ask for an operator key, or run without --read-only)"
}

func (f forbidden) Unwrap() error { return ErrForbidden }
