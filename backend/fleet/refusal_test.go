package fleet

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

type noAutopilot struct{}

func (noAutopilot) Pause(backend.Identity) error  { return nil }
func (noAutopilot) Resume(backend.Identity) error { return nil }

// Tester's report, 16: a viewer's `:autopilot pause` was logged as "a viewer cannot
// redeploy". Each refusal of a viewer says what was refused, and is still ErrForbidden
// (errors.Is, and its Code for errors.As).
func TestAViewersRefusalSaysWhatWasRefused(t *testing.T) {
	h := New(nil, Options{Now: func() time.Time { return sim.Epoch }})
	h.SetAutopilotControl(noAutopilot{})
	vera := backend.Identity{Name: "vera", Role: backend.RoleViewer}
	for _, c := range []struct {
		err  error
		want string
	}{
		{h.PauseAutopilot(vera), "a viewer cannot pause the autopilot"},
		{h.ResumeAutopilot(vera), "a viewer cannot resume the autopilot"},
		{h.PausePlan(vera, "p-1", "why"), "a viewer cannot pause a batch"},
		{h.AnswerPlan(vera, "p-1", true), "a viewer cannot continue a batch"},
		{h.AnswerPlan(vera, "p-1", false), "a viewer cannot abort a batch"},
	} {
		var ae *backend.APIError
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || strings.Contains(c.err.Error(), "redeploy") ||
			!errors.Is(c.err, backend.ErrForbidden) || !errors.As(c.err, &ae) || ae.Code != backend.CodeForbiddenRole {
			t.Errorf("refused with %v; want %q, ErrForbidden", c.err, c.want)
		}
	}
}
