package sim

import (
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// MaintenanceChange is one ModifyInstanceMaintenanceAttributes call, checked: each field
// left nil or empty leaves the attribute as it is.
type MaintenanceChange struct {
	// Windows, when not nil, replace the instance's windows (at most one, as the API sets).
	Windows []model.MaintenanceWindow
	// Action, when set, is the new ActionOnMaintenance.
	Action model.MaintenanceAction
	// Notify, when set, is the new NotifyOnMaintenance.
	Notify *bool
}

// defaultMaintenance is the maintenance attribute an instance has when its scenario gives
// none: drawn from its id, so a generated fleet has the same windows for the same seed
// (the ids are the seed's) without the draws moving anything else the seed decides. About
// one instance in six has no window; the rest have one of 1 to 6 hours, on the hour, in
// UTC+8 as the API writes them. Most keep the platform's default action, AutoRecover.
func defaultMaintenance(in *model.Instance) model.MaintenanceAttribute {
	h := fnv.New64a()
	h.Write([]byte(in.ID))
	v := h.Sum64()
	a := model.MaintenanceAttribute{
		InstanceID:       in.ID,
		Action:           model.MaintenanceAutoRecover,
		DefaultAction:    model.MaintenanceAutoRecover,
		SupportedActions: slices.Clone(model.MaintenanceActions),
	}
	if v%6 != 0 {
		start := time.Duration(v>>8%24) * time.Hour
		length := time.Duration(1+v>>16%6) * time.Hour
		a.Windows = []model.MaintenanceWindow{{Start: start, End: (start + length) % (24 * time.Hour), Zone: model.MaintenanceWindowZone}}
	}
	switch v >> 24 % 10 {
	case 0:
		a.Action = model.MaintenanceStop
	case 1:
		a.Action = model.MaintenanceAutoRedeploy
	}
	a.NotifyOnMaintenance = v>>32%3 == 0
	return a
}

// maintOf is in's maintenance attributes: the ones set or changed, or else the ones drawn
// from its id, made afresh (never changed in place: a change keeps its own). Under mu.
func (e *Engine) maintOf(in *instState) *model.MaintenanceAttribute {
	if a, ok := e.maint[in.ID]; ok {
		return a
	}
	a := defaultMaintenance(&in.Instance)
	return &a
}

func cloneAttribute(a *model.MaintenanceAttribute) model.MaintenanceAttribute {
	c := *a
	c.Windows = slices.Clone(a.Windows)
	c.SupportedActions = slices.Clone(a.SupportedActions)
	return c
}

// MaintenanceAttributes answers DescribeInstanceMaintenanceAttributes for region: the
// attributes of ids that are instances of region, in the order asked, or, without ids,
// of every instance of region in fleet order. An id that is not one is not answered, as
// DescribeInstances does; the caller matches answers to what it asked.
func (e *Engine) MaintenanceAttributes(region string, ids []string) []model.MaintenanceAttribute {
	e.await(region)
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []model.MaintenanceAttribute
	if len(ids) > 0 {
		for _, id := range ids {
			if in, ok := e.byID[id]; ok && in.RegionID == region {
				out = append(out, cloneAttribute(e.maintOf(in)))
			}
		}
		return out
	}
	for _, in := range e.byRegion[region] {
		out = append(out, cloneAttribute(e.maintOf(in)))
	}
	return out
}

// ModifyMaintenanceAttributes applies c to every instance of ids in region, or to none:
// an id that is not an instance of region is refused with 404 InvalidInstanceId.NotFound
// and an action an instance does not support with 403 InvalidParameter, before anything
// changes. The windows' own rules (model.MaintenanceWindow.CheckSettable) are the
// caller's to check: the HTTP face reports them against the parameters it read.
func (e *Engine) ModifyMaintenanceAttributes(region string, ids []string, c MaintenanceChange) error {
	e.await(region)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		in, ok := e.byID[id]
		if !ok || in.RegionID != region {
			return &backend.APIError{Code: "InvalidInstanceId.NotFound", HTTPStatus: 404,
				Message: fmt.Sprintf("The specified InstanceId %q does not exist in region %s.", id, region), RequestID: e.requestIDLocked()}
		}
		if c.Action != "" && !slices.Contains(e.maintOf(in).SupportedActions, c.Action) {
			return &backend.APIError{Code: "InvalidParameter", HTTPStatus: 403,
				Message: fmt.Sprintf("ActionOnMaintenance %q is not supported by instance %s.", c.Action, id), RequestID: e.requestIDLocked()}
		}
	}
	for _, id := range ids {
		a, ok := e.maint[id]
		if !ok { // changed from now on: kept
			a = e.maintOf(e.byID[id])
			e.maint[id] = a
		}
		if c.Windows != nil {
			a.Windows = slices.Clone(c.Windows)
		}
		if c.Action != "" {
			a.Action = c.Action
		}
		if c.Notify != nil {
			a.NotifyOnMaintenance = *c.Notify
		}
	}
	return nil
}
