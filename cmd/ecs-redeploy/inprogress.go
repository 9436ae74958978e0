package main

import (
	"context"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// inProgress is the redeploy under way of an instance the rules refused for its status
// (Stopping, Starting: after a kill -9 mid-call, the rerun said only "IncorrectInstanceStatus:
// instance is Stopping"), as an *InProgressError naming the task and, when the audit log or
// a saved plan says, who started it; nil when there is none or the listing failed (the
// status refusal then stands).
func (g *globalOptions) inProgress(ctx context.Context, h *fleet.Hub, in *model.Instance) error {
	if in.Status != model.StatusStopping && in.Status != model.StatusStarting && in.Status != model.StatusPending {
		return nil
	}
	ip, err := h.InProgress(ctx, in.RegionID, in.ID)
	if err != nil || ip == nil {
		return nil
	}
	ip.StartedBy, ip.StartedFrom = g.starterOf(in.ID, ip.TaskID)
	return ip
}

// starterOf is who started task of instance, as the audit log, else the saved plans, say.
func (g *globalOptions) starterOf(instanceID, taskID string) (by, from string) {
	if g.AuditLog != "" {
		if by, from, ok := backend.StarterFromAuditLog(g.AuditLog, instanceID, taskID); ok {
			return by, from
		}
	}
	if dir, err := fleet.StateDir(); err == nil {
		if by, from, ok := (&fleet.PlanStore{Dir: dir}).StarterOf(instanceID, taskID); ok {
			return by, from
		}
	}
	return "", ""
}
