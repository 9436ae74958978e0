package serve

import (
	"context"
	"errors"
	"strings"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/safetext"
)

// Drill is Accept's twin for CreateSimulatedSystemEvents (:drill): counted for Shutdown,
// refused once it began, and logged with who asked.
func (c *callTracker) Drill(ctx context.Context, req backend.DrillRequest) (backend.DrillRef, error) {
	if !c.s.calls.begin() {
		return backend.DrillRef{}, errors.New("the server is shutting down: this drill was not sent; reconnect when it is back")
	}
	defer c.s.calls.done()
	kv := []any{"user", safetext.Log(req.Identity.Name), "fingerprint", req.Identity.KeyFingerprint, "role", req.Identity.Role,
		"region", req.RegionID, "instances", strings.Join(req.InstanceIDs, ","), "event_type", safetext.Log(string(req.EventType))}
	c.s.log.Info("drill asked", kv...)
	ref, err := c.Fleet.Drill(ctx, req)
	c.logDrill("drill", kv, append([]any{"events", strings.Join(ref.EventIDs, ",")}, "request_id", safetext.Log(ref.RequestID)), err)
	return ref, err
}

// CancelDrills is Drill's twin for CancelSimulatedSystemEvents (:drill cancel).
func (c *callTracker) CancelDrills(ctx context.Context, req backend.CancelDrillRequest) (backend.CancelDrillRef, error) {
	if !c.s.calls.begin() {
		return backend.CancelDrillRef{}, errors.New("the server is shutting down: this drill cancel was not sent; reconnect when it is back")
	}
	defer c.s.calls.done()
	kv := []any{"user", safetext.Log(req.Identity.Name), "fingerprint", req.Identity.KeyFingerprint, "role", req.Identity.Role,
		"region", req.RegionID, "events", strings.Join(req.EventIDs, ",")}
	c.s.log.Info("drill cancel asked", kv...)
	ref, err := c.Fleet.CancelDrills(ctx, req)
	c.logDrill("drill cancel", kv, []any{"request_id", safetext.Log(ref.RequestID)}, err)
	return ref, err
}

// logDrill logs how a drill call ended: detached, refused or failed, or done (with ok).
func (c *callTracker) logDrill(what string, kv, ok []any, err error) {
	switch {
	case errors.Is(err, fleet.ErrDetached):
		c.s.log.Info(what+" detached: the session stopped waiting; the hub finishes the call and audits it", kv...)
	case err != nil:
		kv = append(kv, "err", safetext.Log(err.Error()))
		if ae, found := backend.AsAPIError(err); found {
			kv = append(kv, "code", safetext.Log(ae.Code), "request_id", safetext.Log(ae.RequestID))
		}
		c.s.log.Warn(what+" refused or failed", kv...)
	default:
		c.s.log.Info(what+" done", append(kv, ok...)...)
	}
}
