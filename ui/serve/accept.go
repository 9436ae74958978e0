package serve

import (
	"context"
	"errors"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/safetext"
)

// Accept is Redeploy's twin for AcceptInquiredSystemEvent: counted for Shutdown, refused
// once it began, and logged with who asked.
func (c *callTracker) Accept(ctx context.Context, req backend.AcceptRequest) (backend.AcceptRef, error) {
	if !c.s.calls.begin() {
		return backend.AcceptRef{}, errors.New("the server is shutting down: this accept was not sent; reconnect when it is back")
	}
	defer c.s.calls.done()
	kv := []any{"user", safetext.Log(req.Identity.Name), "fingerprint", req.Identity.KeyFingerprint, "role", req.Identity.Role,
		"region", req.RegionID, "instance", req.InstanceID, "event", req.EventID}
	c.s.log.Info("accept asked", kv...)
	ref, err := c.Fleet.Accept(ctx, req)
	switch {
	case errors.Is(err, fleet.ErrDetached):
		c.s.log.Info("accept detached: the session stopped waiting; the hub finishes the call and audits it", kv...)
	case err != nil:
		kv = append(kv, "err", safetext.Log(err.Error()))
		if ae, ok := backend.AsAPIError(err); ok {
			kv = append(kv, "code", safetext.Log(ae.Code), "request_id", safetext.Log(ae.RequestID))
		}
		c.s.log.Warn("accept refused or failed", kv...)
	default:
		c.s.log.Info("accepted", append(kv, "request_id", safetext.Log(ref.RequestID))...)
	}
	return ref, err
}
