package autopilot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/policy"
)

// candidate is one listed instance with a pending event, as a decision reads it.
type candidate struct {
	inst     *model.Instance
	event    *model.Event
	deadline time.Time
	// blocked says why a redeploy of it is refused now ("" when it is not).
	blocked string
	// busy: a redeploy may be moving it (anyone's); by is who started it, when known.
	busy bool
	by   string
}

// fromRows are the candidates of a snapshot's rows: the instances with a pending event a
// redeploy has not answered yet, each with the event a redeploy would answer (the row's
// own when none would: it is left to humans).
func fromRows(rows []*fleet.Row) []candidate {
	out := make([]candidate, 0, len(rows))
	for _, r := range rows {
		if r.Avoided {
			continue
		}
		c := candidate{inst: r.Inst, event: r.Event, deadline: r.Deadline, busy: r.InProgress, by: r.StartedBy.Identity.Name}
		if ev := r.Eligibility.Event; ev != nil {
			// The event a redeploy answers decides, not the row's first: that one may be a
			// drill (CreateSimulatedSystemEvents, a rehearsal) or an event a redeploy does
			// not answer, whose type and deadline are not the redeploy's.
			c.event, c.deadline = ev, ev.NotBefore
		}
		switch {
		case r.Blocked:
			if b := r.Eligibility.FirstBlock(); b != nil {
				c.blocked = "blocked: " + b.Code + ": " + b.Message
			} else {
				c.blocked = "blocked"
			}
		case r.NoRedeploy:
			c.blocked = "a redeploy answers none of its pending events"
		}
		out = append(out, c)
	}
	return out
}

// load is what the autopilot has committed: every instance with a redeploy in flight
// anywhere, and every instance in one of its own plans that has not ended (queued ones
// count: they will be sent), each under the rule that took it ("" when not ours).
type load struct {
	byRule map[string]int
	busy   map[string]*model.Event // instance → its event (host, rack)
	insts  map[string]*model.Instance
}

func newLoad() *load {
	return &load{byRule: map[string]int{}, busy: map[string]*model.Event{}, insts: map[string]*model.Instance{}}
}

func (l *load) add(in *model.Instance, ev *model.Event, rule string) {
	if _, ok := l.busy[in.ID]; ok {
		if rule != "" {
			l.byRule[rule]++
		}
		return
	}
	l.busy[in.ID], l.insts[in.ID] = ev, in
	if rule != "" {
		l.byRule[rule]++
	}
}

// hold says which of the rule's bounds keeps in from starting now, "" when none does:
// the rule's max in flight, a group limit, or a redeploy in flight in its deployment set.
func (l *load) hold(r *policy.Rule, in *model.Instance, ev *model.Event) string {
	if l.byRule[r.Name] >= r.How.MaxInFlight {
		return fmt.Sprintf("rule %q has %d in flight (max_in_flight %d)", r.Name, l.byRule[r.Name], r.How.MaxInFlight)
	}
	for _, lim := range r.How.Limits {
		v := lim.Value(in, ev)
		if v == "" {
			continue
		}
		n := 0
		for id, bev := range l.busy {
			if lim.Value(l.insts[id], bev) == v {
				n++
			}
		}
		if n >= lim.Max {
			return fmt.Sprintf("%d in flight with %s %s (max_per %d)", n, lim.By, v, lim.Max)
		}
	}
	if in.DeploymentSetID != "" {
		for id := range l.busy {
			if l.insts[id].DeploymentSetID == in.DeploymentSetID {
				return "a redeploy is in flight in deployment set " + in.DeploymentSetID
			}
		}
	}
	return ""
}

// pick is one instance to redeploy now under a rule.
type pick struct {
	rule *policy.Rule
	c    candidate
}

// decision is what the autopilot does at one instant.
type decision struct {
	start []pick
	next  []fleet.AutopilotDue
	left  []fleet.AutopilotLeft
	// unread are the instances of next whose window was not read (their lead time had
	// not begun): their At is the lead time's beginning, the earliest they may go, not
	// when they go (resolveNext).
	unread map[string]pick
}

// maintFunc reads an instance's maintenance attributes.
type maintFunc func(ctx context.Context, id string) (model.MaintenanceAttribute, error)

// decide is the one decision of the autopilot and of its dry run: for every candidate not
// yet handled (done says why one was: it is left with that reason when it is non-empty),
// the rule that matches it, whether that rule lets it start at now and within its bounds
// given what is committed (l, updated with each pick), and what is left to humans.
// Candidates are taken in deadline order (the snapshot's).
func decide(ctx context.Context, pol *policy.Policy, now time.Time, cands []candidate, done map[string]string, l *load, maint maintFunc) decision {
	var d decision
	for _, c := range cands {
		id := c.inst.ID
		if why, ok := done[id]; ok {
			if why != "" {
				d.left = append(d.left, fleet.AutopilotLeft{InstanceID: id, Reason: why})
			}
			continue
		}
		if c.busy {
			continue
		}
		r := pol.Match(c.inst, c.event)
		if r == nil {
			d.left = append(d.left, fleet.AutopilotLeft{InstanceID: id, Reason: "no rule matches it"})
			continue
		}
		left := func(why string) {
			d.left = append(d.left, fleet.AutopilotLeft{InstanceID: id, Rule: r.Name, Reason: why})
		}
		if c.blocked != "" {
			left(c.blocked)
			continue
		}
		if why := r.Refusal(c.inst); why != "" {
			left(why)
			continue
		}
		var ma *model.MaintenanceAttribute
		if r.When.InWindow {
			a, err := maint(ctx, id)
			if errors.Is(err, errNotRead) {
				// Its lead time had not begun when the windows were read (windowsDue):
				// nothing starts it before, and its window is read once it has.
				d.next = append(d.next, fleet.AutopilotDue{InstanceID: id, Rule: r.Name, At: later(now, c.deadline.Add(-r.When.LeadTime))})
				if d.unread == nil {
					d.unread = map[string]pick{}
				}
				d.unread[id] = pick{rule: r, c: c}
				continue
			}
			if err != nil {
				left("its maintenance window could not be read (asked again next time): " + oneLine(err.Error()))
				continue
			}
			ma = &a
		}
		at, ok, why := r.Start(now, c.deadline, ma)
		if !ok {
			left(why)
			continue
		}
		if at.After(now) {
			d.next = append(d.next, fleet.AutopilotDue{InstanceID: id, Rule: r.Name, At: at})
			continue
		}
		if hold := l.hold(r, c.inst, c.event); hold != "" {
			d.next = append(d.next, fleet.AutopilotDue{InstanceID: id, Rule: r.Name, At: now, Waiting: hold})
			continue
		}
		l.add(c.inst, c.event, r.Name)
		d.start = append(d.start, pick{rule: r, c: c})
	}
	return d
}

// resolvePage and resolveRounds bound resolveNext: at most this many windows read a round
// (one call a region), and this many rounds a look.
const (
	resolvePage   = 100
	resolveRounds = 3
)

// resolveNext makes d's soonest due exact, so that every session's "next" is when the
// redeploy goes (the time the dry run gives), not when its lead time begins: the windows
// of the unread instances that could go before the soonest exact one are read, earliest
// lead time first, a page at a time (through the hub's cache), and their At becomes their
// rule's start in their window; one no window fits before its deadline is left to humans
// now, as the dry run shows it. That is one call a region, rarely more (resolveRounds);
// one whose lead time begins after the soonest exact start is not asked for. A read that
// fails leaves the entries as they are (the earliest they may go). d.next is sorted by At
// on return.
//
// before are the instances it read at the last look: read again (through the cache) while
// their lead time has not begun, so that what every session sees of them does not come and
// go as others come due (one left to humans would be told again each time). It returns
// those it read.
func resolveNext(ctx context.Context, h *fleet.Hub, now time.Time, d *decision, before map[string]bool) map[string]bool {
	byAt := func(x, y fleet.AutopilotDue) int { return x.At.Compare(y.At) }
	read := map[string]bool{}
	for round := range resolveRounds {
		slices.SortStableFunc(d.next, byAt)
		var ask []string
		// The unread ones that may go before the soonest exact start, earliest first.
		for _, e := range d.next {
			if _, unread := d.unread[e.InstanceID]; !unread || len(ask) == resolvePage {
				break
			}
			ask = append(ask, e.InstanceID)
		}
		if round == 0 {
			// And those read at the last look, still unread.
			for _, id := range slices.Sorted(maps.Keys(before)) {
				if _, unread := d.unread[id]; unread && !slices.Contains(ask, id) && len(ask) < 2*resolvePage {
					ask = append(ask, id)
				}
			}
		}
		if len(ask) == 0 {
			break
		}
		byRegion := map[string][]string{}
		for _, id := range ask {
			region := d.unread[id].c.inst.RegionID
			byRegion[region] = append(byRegion[region], id)
			read[id] = true
		}
		maint := readWindows(ctx, h, byRegion)
		kept := d.next[:0]
		for _, e := range d.next {
			p, unread := d.unread[e.InstanceID]
			if !unread {
				kept = append(kept, e)
				continue
			}
			a, err := maint(ctx, e.InstanceID)
			if errors.Is(err, errNotRead) {
				kept = append(kept, e)
				continue
			}
			delete(d.unread, e.InstanceID)
			if err != nil {
				kept = append(kept, e)
				continue
			}
			at, ok, why := p.rule.Start(now, p.c.deadline, &a)
			if !ok {
				d.left = append(d.left, fleet.AutopilotLeft{InstanceID: e.InstanceID, Rule: p.rule.Name, Reason: why})
				continue
			}
			e.At = at
			kept = append(kept, e)
		}
		d.next = kept
	}
	slices.SortStableFunc(d.next, byAt)
	return read
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// errNotRead is windowsDue's answer for an instance whose window it did not read.
var errNotRead = errors.New("maintenance window not read: its lead time has not begun")

// windowsDue reads the maintenance windows a decision at now needs, in one call per region
// for what the hub's cache does not hold (Hub.MaintenanceOf): those of the candidates a
// rule that keeps to windows takes and whose lead time has begun. An instance whose lead
// time is days away costs no call until it begins; the rest of the fleet is answered
// errNotRead.
func windowsDue(ctx context.Context, h *fleet.Hub, pol *policy.Policy, now time.Time, cands []candidate, done map[string]string) maintFunc {
	return readWindows(ctx, h, windowsWanted(pol, now, cands, done, true))
}

// windowsWanted are the instances, by region, whose windows decide reads: not handled, not
// busy, not blocked, taken by a rule that keeps to windows and does not refuse them, and,
// when lead, whose rule's lead time has begun at now.
func windowsWanted(pol *policy.Policy, now time.Time, cands []candidate, done map[string]string, lead bool) map[string][]string {
	byRegion := map[string][]string{}
	for _, c := range cands {
		if _, ok := done[c.inst.ID]; ok || c.busy || c.blocked != "" {
			continue
		}
		r := pol.Match(c.inst, c.event)
		if r == nil || !r.When.InWindow || r.Refusal(c.inst) != "" {
			continue
		}
		if lead && r.When.LeadTime > 0 && now.Before(c.deadline.Add(-r.When.LeadTime)) {
			continue
		}
		byRegion[c.inst.RegionID] = append(byRegion[c.inst.RegionID], c.inst.ID)
	}
	return byRegion
}

// readWindows reads the windows of byRegion's instances, one call a region (fewer when
// the hub's cache holds them), and answers decide from what it read: errNotRead for an
// instance not asked for, its region's error when the read failed.
func readWindows(ctx context.Context, h *fleet.Hub, byRegion map[string][]string) maintFunc {
	read := map[string]model.MaintenanceAttribute{}
	asked := map[string]error{} // instance → its region's error (nil: asked, no error)
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		got, err := h.MaintenanceOf(ctx, region, byRegion[region])
		for _, id := range byRegion[region] {
			asked[id] = err
		}
		maps.Copy(read, got)
	}
	return func(_ context.Context, id string) (model.MaintenanceAttribute, error) {
		if a, ok := read[id]; ok {
			return a, nil
		}
		err, ok := asked[id]
		switch {
		case !ok:
			return model.MaintenanceAttribute{}, errNotRead
		case err != nil:
			return model.MaintenanceAttribute{}, err
		}
		// Asked for and not answered: never another instance's window.
		return model.MaintenanceAttribute{}, fmt.Errorf("ECS answered no maintenance attributes for %s", id)
	}
}
