package sim

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"ecs-redeploy/model"
)

// platform makes a generated fleet play today's platform, after the rest of Generate
// has drawn it: the event types and statuses today's RedeployInstance page lists (the
// Inquiring local-disk flow, SystemFailure.Redeploy in Inquiring and Scheduled, Failed and
// Canceled finals, a disk isolated whose ReInit is not sent yet) and the ExtendedAttribute
// each event carries (the host and rack, the damaged disk and its device, CanAccept, a
// deadline the platform moved).
//
// It draws from its own generator, one per region (regionStream), so the fleet Generate
// drew before it (ids, names, types, statuses, billing) stays what it was; only events
// change.
//
// platform is its state (its generator and hosts), and apply makes one instance play
// today's platform; it must see the instances of its region in fleet order, each once.
type platform struct {
	r     *rand.Rand
	hosts hostPool
	now   time.Time
	// attrs is room for the events' extended attributes, made 1,024 at a time: one
	// allocation each was a tenth of the generator's time at 100,000 instances (issue
	// 20). The engine keeps every event for ever, so no array outlives its attributes.
	// It is the generator's, shared by the platforms of its regions: room left over in
	// each region was 1.6 MB at 100,000 instances.
	attrs *[]model.ExtendedAttribute
	// hostAttrs are the attributes that say only where an instance stands, shared
	// (keepAttr).
	hostAttrs map[hostAttrKey]*model.ExtendedAttribute
}

// hostAttrKey names an attribute that says only where an instance stands (host, host
// type, rack) and how many migration options it offers: events on one host share it.
type hostAttrKey struct {
	host, hostType, rack string
	options              int
}

// keepAttr is a, kept: shared with the earlier events of its host when it says no more
// than where the instance stands (an attribute is never changed in place: model.Event),
// else made anew. Most of 100,000 instances' attributes say just that, and instances
// share hosts: 7 MB (issue 20).
func (pl *platform) keepAttr(a *model.ExtendedAttribute) *model.ExtendedAttribute {
	hostOnly := model.ExtendedAttribute{HostID: a.HostID, HostType: a.HostType, Rack: a.Rack, MigrationOptions: a.MigrationOptions}
	if !a.Equal(&hostOnly) {
		kept := pl.newAttribute()
		*kept = *a
		return kept
	}
	k := hostAttrKey{a.HostID, a.HostType, a.Rack, len(a.MigrationOptions)}
	if kept, ok := pl.hostAttrs[k]; ok {
		return kept
	}
	kept := pl.newAttribute()
	*kept = *a
	pl.hostAttrs[k] = kept
	return kept
}

// migrationOptions are the ways a redeploy event offers, read only: the attributes that
// name one or both share them.
var migrationOptions = []string{"MigrationPlan", "InstanceRedeploy"}

// newPlatform is today's platform for one region of n instances, drawing from r
// (regionStream's plat), its attributes made in attrs.
func newPlatform(r *rand.Rand, now time.Time, n int, attrs *[]model.ExtendedAttribute) *platform {
	// Most instances get a host of their own: room made up front for an attribute each,
	// where growing the map was a tenth of drawing a region (issue 20).
	return &platform{r: r, hosts: hostPool{r: r, byZone: map[string][]host{}}, now: now,
		hostAttrs: make(map[hostAttrKey]*model.ExtendedAttribute, n), attrs: attrs}
}

// newAttribute is a zero extended attribute of the platform's own.
func (pl *platform) newAttribute() *model.ExtendedAttribute {
	if len(*pl.attrs) == 0 {
		*pl.attrs = make([]model.ExtendedAttribute, 1024)
	}
	a := &(*pl.attrs)[0]
	*pl.attrs = (*pl.attrs)[1:]
	return a
}

// apply makes one instance play today's platform.
func (pl *platform) apply(in *model.Instance) {
	r, now := pl.r, pl.now
	h := pl.hosts.place(in)
	g := eventGen{r: r, in: in, now: now}
	// A few instances more in the states today's platform uses, on top of the events
	// Generate drew: the local-disk flow, a SystemFailure.Redeploy asking first, a
	// final Failed or Canceled event in the history.
	switch p := r.IntN(100); {
	case p < 10 && in.HasLocalDisks():
		g.localDiskFlow()
	case p < 15:
		st := model.CycleInquiring
		if r.IntN(2) == 0 {
			st = model.CycleScheduled
		}
		g.add(model.EventFailureRedeploy, st, g.deadline(), failureReasons[0])
	case p < 22:
		past := now.Add(-time.Duration(1+r.IntN(20)) * 24 * time.Hour)
		st := model.CycleFailed
		if r.IntN(2) == 0 {
			st = model.CycleCanceled
		}
		ev := g.add(model.EventMaintenanceRedeploy, st, past, maintenanceReasons[r.IntN(len(maintenanceReasons))])
		ev.FinishTime = past.Add(time.Duration(1+r.IntN(30)) * time.Minute)
	}
	var disks []string // made when an event needs them: most instances have no local-disk event
	for j := range in.Events {
		ev := &in.Events[j]
		// Local-disk events that today's platform asks about first are Inquiring.
		if ev.Type.LocalDiskEvent() && ev.CycleStatus == model.CycleScheduled && r.IntN(100) < 60 {
			ev.CycleStatus = model.CycleInquiring
		}
		if !hostEvent(ev.Type) {
			continue
		}
		var a model.ExtendedAttribute // made on the stack; kept by keepAttr
		a.HostID, a.Rack = h.id, h.rack
		if in.OnDedicatedHost() {
			a.HostID, a.HostType = in.DedicatedHostID, "ddh"
		}
		if ev.Type.LocalDiskEvent() && disks == nil {
			disks = LocalDisks(in)
		}
		if ev.Type.LocalDiskEvent() && len(disks) > 0 {
			k := r.IntN(len(disks))
			a.DiskID, a.Device = disks[k], localDevice(k)
		}
		if ev.CycleStatus == model.CycleInquiring {
			a.CanAccept = "true"
			if r.IntN(100) < 15 {
				a.CanAccept = "false"
			}
		}
		// The platform moves some deadlines; the first one published is kept.
		if ev.CycleStatus.Pending() && ev.CycleStatus != model.CycleExecuting && r.IntN(100) < 12 {
			a.InitialNotBefore = ev.NotBefore.Add(-time.Duration(1+r.IntN(24)) * time.Hour)
		}
		if ev.Type == model.EventMaintenanceRedeploy || ev.Type == model.EventFailureRedeploy {
			n := 1 + r.IntN(2)
			a.MigrationOptions = migrationOptions[:n:n]
		}
		ev.ExtendedAttribute = pl.keepAttr(&a)
	}
	sortEvents(in)
}

// localDiskFlow adds the damaged-local-disk flow at one of its steps: the isolation asked
// (Inquiring), or done with the re-initialization not sent yet (the page's note), or the
// re-initialization asked. Each step's reason says that step only (the page on isolating
// damaged local disks with the CLI: IsolateErrorDisk before the disk is isolated,
// ReInitErrorDisk after, before the new disk is re-initialized; neither restarts).
func (g eventGen) localDiskFlow() {
	const (
		reason = "Local disk errors: isolation of the damaged disk, without a restart"
		reinit = "Local disk errors: re-initialization of the isolated disk's replacement, without a restart (its data is cleared)"
	)
	switch g.r.IntN(3) {
	case 0:
		g.add(model.EventMaintenanceIsolateOnly, model.CycleInquiring, g.deadline(), reason)
	case 1:
		past := g.now.Add(-time.Duration(30+g.r.IntN(600)) * time.Minute)
		ev := g.add(model.EventMaintenanceIsolateOnly, model.CycleExecuted, past, reason)
		ev.FinishTime = past.Add(5 * time.Minute)
		// Still pending: a maintenance reboot the redeploy also answers, so the instance
		// is listed; the note is what RedeployInstance itself would allow.
		g.add(model.EventMaintenanceReboot, model.CycleScheduled, g.deadline(), maintenanceReasons[0])
	default:
		past := g.now.Add(-time.Duration(120+g.r.IntN(600)) * time.Minute)
		ev := g.add(model.EventMaintenanceIsolateOnly, model.CycleExecuted, past, reason)
		ev.FinishTime = past.Add(5 * time.Minute)
		g.add(model.EventMaintenanceReInitOnly, model.CycleInquiring, g.deadline(), reinit)
	}
}

func sortEvents(in *model.Instance) {
	evs := in.Events
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].NotBefore.Before(evs[j-1].NotBefore); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

// host is a physical server: instances placed on it share its HostId and Rack.
type host struct{ id, rack string }

// hostPool places instances on hosts zone by zone: some share a host with an earlier
// instance of their zone; members of a deployment set never do (the set spreads them).
type hostPool struct {
	r      *rand.Rand
	byZone map[string][]host
	// racks are the rack names made so far, each once: 40 a zone, where a string per
	// host was 1.5 MB at 100,000 instances (issue 20).
	racks map[rackKey]string
}

type rackKey struct {
	zone string
	n    int
}

func (p *hostPool) place(in *model.Instance) host {
	hs := p.byZone[in.ZoneID]
	if len(hs) > 0 && in.DeploymentSetID == "" && !in.OnDedicatedHost() && p.r.IntN(100) < 35 {
		return hs[p.r.IntN(len(hs))]
	}
	h := host{id: "h-" + idStem(in.ID) + randID(p.r, 14)}
	// ZONE-RNN, as "%s-R%02d" writes it, without fmt: a rack per new host of 100,000.
	n := 1 + p.r.IntN(40)
	rack, ok := p.racks[rackKey{in.ZoneID, n}]
	if !ok {
		rack = in.ZoneID + "-R" + string(rune('0'+n/10)) + string(rune('0'+n%10))
		if p.racks == nil {
			p.racks = map[rackKey]string{}
		}
		p.racks[rackKey{in.ZoneID, n}] = rack
	}
	h.rack = rack
	p.byZone[in.ZoneID] = append(hs, h)
	return h
}

// LocalDisks are the ids of instance in's local disks (LocalStorageAmount of them), the
// same every time: the simulator has no DescribeDisks, so a disk's id is derived from its
// instance's.
func LocalDisks(in *model.Instance) []string {
	out := make([]string, in.LocalStorageAmount)
	for k := range out {
		h := fnv.New64a()
		_, _ = h.Write([]byte(in.ID + "/" + strconv.Itoa(k))) // as "%s/%d"; a hash never fails to write
		v := h.Sum64()
		b := make([]byte, 17)
		for i := range b {
			b[i] = idAlphabet[v%uint64(len(idAlphabet))]
			v = v/uint64(len(idAlphabet)) ^ uint64(i+1)*0x9e3779b97f4a7c15
		}
		out[k] = "d-" + idStem(in.ID) + string(b)
	}
	return out
}

// localDevice is the device name of the k-th local disk: /dev/vdb, /dev/vdc, …
func localDevice(k int) string { return "/dev/vd" + string(rune('b'+k%24)) }
