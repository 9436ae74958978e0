package fleet

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// MaintenanceTTL is how long the hub answers an instance's maintenance attributes from what
// it read last: they change only when someone sets them (ModifyInstanceMaintenanceAttributes),
// and a pane opened by fifty sessions must not cost fifty calls.
const MaintenanceTTL = 5 * time.Minute

// maintenanceTimeout bounds one read; it runs on the hub's context, shared by every
// session waiting for it, so one that leaves does not cancel it for the others.
const maintenanceTimeout = 30 * time.Second

// maintenanceCache holds what Maintenance read, by instance id. Entries go when their
// instance is no longer listed or they are older than MaintenanceTTL: memory follows the
// listing, not how long the process has run.
type maintenanceCache struct {
	mu      sync.Mutex
	entries map[string]maintenanceEntry
	reads   singleflight.Group
}

type maintenanceEntry struct {
	attr model.MaintenanceAttribute
	read time.Time // wall clock
}

// Maintenance returns the maintenance attributes (windows, ActionOnMaintenance,
// NotifyOnMaintenance) of a listed instance: from the hub's cache when read less than
// MaintenanceTTL ago, otherwise through the backend, one call however many sessions ask at
// once. An instance the hub does not list is refused with ErrNotListed; an answer that
// does not name the instance is an error, never another instance's attributes.
func (h *Hub) Maintenance(ctx context.Context, id string) (model.MaintenanceAttribute, error) {
	if err := backend.CheckInstanceID(id); err != nil {
		return model.MaintenanceAttribute{}, err
	}
	h.mu.Lock()
	rec := h.records[id]
	listed := rec != nil && rec.listed
	var region string
	if listed {
		region = rec.inst.RegionID
	}
	h.mu.Unlock()
	if !listed {
		return model.MaintenanceAttribute{}, fmt.Errorf("maintenance attributes of %s: %w", id, ErrNotListed)
	}
	c := &h.maint
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && h.opt.Wall().Sub(e.read) < MaintenanceTTL {
		return e.attr, nil
	}
	ch := c.reads.DoChan(id, func() (any, error) {
		// A session that missed the cache just as a read ended comes here after the read
		// was forgotten: the read's answer is in the cache by then, and costs no call.
		c.mu.Lock()
		e, ok := c.entries[id]
		c.mu.Unlock()
		if ok && h.opt.Wall().Sub(e.read) < MaintenanceTTL {
			return e.attr, nil
		}
		rctx, cancel := context.WithTimeout(h.base, maintenanceTimeout)
		defer cancel()
		var got []model.MaintenanceAttribute
		err := h.recovered("reading maintenance attributes", func() (err error) {
			got, err = h.b.MaintenanceAttributes(rctx, region, []string{id})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, a := range got {
			if a.InstanceID == id {
				h.keepMaintenance(a)
				return a, nil
			}
		}
		return nil, fmt.Errorf("ECS answered no maintenance attributes for %s in %s", id, region)
	})
	select {
	case <-ctx.Done():
		return model.MaintenanceAttribute{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return model.MaintenanceAttribute{}, fmt.Errorf("maintenance attributes of %s: %w", id, r.Err)
		}
		return r.Val.(model.MaintenanceAttribute), nil
	}
}

// keepMaintenance stores a, dropping entries whose instance is no longer listed or that
// are too old.
func (h *Hub) keepMaintenance(a model.MaintenanceAttribute) {
	h.keepMaintenanceAll([]model.MaintenanceAttribute{a})
}

// keepMaintenanceAll stores the attributes of one read, dropping entries whose instance
// is no longer listed or that are too old, once for the whole read (a sweep per attribute
// made a read of n instances cost n² lookups). It holds h.mu, then the cache's lock (never
// the other way round), and looks up only the cached instances.
func (h *Hub) keepMaintenanceAll(attrs []model.MaintenanceAttribute) {
	now := h.opt.Wall()
	h.mu.Lock()
	defer h.mu.Unlock()
	c := &h.maint
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]maintenanceEntry{}
	}
	for id, e := range c.entries {
		if r := h.records[id]; r == nil || !r.listed || now.Sub(e.read) >= MaintenanceTTL {
			delete(c.entries, id)
		}
	}
	for _, a := range attrs {
		c.entries[a.InstanceID] = maintenanceEntry{attr: a, read: now}
	}
}
