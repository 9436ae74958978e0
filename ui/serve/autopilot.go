package serve

import (
	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui"
)

// PauseAutopilot passes a session's `:autopilot pause` to the hub (which asks the role)
// and logs who asked and how it went.
func (c *callTracker) PauseAutopilot(who backend.Identity) error {
	return c.autopilot("pause", who, func(af ui.AutopilotFleet) error { return af.PauseAutopilot(who) })
}

// ResumeAutopilot passes a session's `:autopilot resume` to the hub.
func (c *callTracker) ResumeAutopilot(who backend.Identity) error {
	return c.autopilot("resume", who, func(af ui.AutopilotFleet) error { return af.ResumeAutopilot(who) })
}

func (c *callTracker) autopilot(verb string, who backend.Identity, do func(ui.AutopilotFleet) error) error {
	af, ok := c.Fleet.(ui.AutopilotFleet)
	if !ok {
		return fleet.ErrNoAutopilot
	}
	kv := []any{"user", safetext.Log(who.Name), "fingerprint", who.KeyFingerprint, "role", who.Role, "verb", verb}
	err := do(af)
	if err != nil {
		c.s.log.Warn("autopilot "+verb+" refused", append(kv, "err", safetext.Log(err.Error()))...)
		return err
	}
	c.s.log.Info("autopilot "+verb, kv...)
	return nil
}
