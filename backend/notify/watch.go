// The watcher: notices derived from the hub's snapshots, each fact once.

package notify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// Hub is what the watcher reads: the hub's snapshots as every session gets them, and the
// backend's clock the deadlines are counted on. It asks the API nothing.
type Hub interface {
	Subscribe(ctx context.Context) *fleet.Subscription
	Now() time.Time
}

// Watch posts the notices the hub's snapshots call for, until ctx ends: each snapshot is
// compared with what the watcher saw before. A subscription skips to the newest snapshot
// when the watcher is behind, so a state that lasted less than one snapshot may go
// unseen; nothing else is lost, since each notice is derived from state, not from a
// stream of changes. The first listing is the baseline: one watching notice sums up what
// was pending then.
func (n *Notifier) Watch(ctx context.Context, hub Hub) {
	sub := hub.Subscribe(ctx)
	defer sub.Close()
	w := newWatcher(n.opt.Lead)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Done():
			return
		case s := <-sub.C():
			for _, nt := range w.notices(s, hub.Now()) {
				n.Post(nt)
			}
		}
	}
}

// watcher remembers what the last snapshot showed, so each fact is told once.
type watcher struct {
	lead    time.Duration
	started bool
	// pending are the pending events (by id) of the last pass over the rows, each with
	// the pass (gen) that last saw it: one not among them is new.
	pending map[string]uint64
	gen     uint64
	// near are the events whose near deadline has been told (or was at start).
	near map[string]bool
	// rows and planned are the last snapshot's rows and plans' holds; nextNear is when the
	// next untold deadline enters the lead time (zero: none).
	rows     []*fleet.Row
	planned  map[string]bool
	nextNear time.Time
	// unknown are the instances whose redeploy had an unknown outcome in the last
	// snapshot; unknowns and pauses count each one's occurrences, for the keys.
	unknown  map[string]bool
	unknowns map[string]int
	// phase is each plan's phase in the last snapshot.
	phase  map[string]fleet.PlanPhase
	pauses map[string]int
}

func newWatcher(lead time.Duration) *watcher {
	return &watcher{lead: lead, pending: map[string]uint64{}, near: map[string]bool{}, unknown: map[string]bool{},
		unknowns: map[string]int{}, phase: map[string]fleet.PlanPhase{}, pauses: map[string]int{}}
}

// notices are what s calls for that the watcher has not told yet, at now on the backend's
// clock: new events and near deadlines in the list's order (deadline first), then unknown
// outcomes, then plans oldest first. Before the first successful listing there is nothing
// to compare with, and nothing is told.
func (w *watcher) notices(s *fleet.Snapshot, now time.Time) []Notice {
	if s == nil || s.Updated.IsZero() {
		return nil
	}
	planned := plannedInstances(s.Plans)
	if !w.started {
		// The first listing shows region by region: everything it shows is "at start"
		// until every region is listed, or a refresh fails (the regions listed by then are
		// the baseline; the others' events will be told as new).
		nt := w.baseline(s, now, planned)
		if s.Fresh.Loaded < s.Fresh.Regions && s.Err == nil {
			return nil
		}
		w.started = true
		return []Notice{nt}
	}
	var out []Notice
	// Rows are replaced, never changed, and an unchanged listing is published as the same
	// slice: with the same rows and the same plans' holds, only the clock can make news,
	// and only when it reaches the next deadline's lead time. The rest is a pass over every
	// row, which at 100,000 instances is worth skipping on every task poll.
	sameRows := len(s.Rows) == len(w.rows) && (len(s.Rows) == 0 || &s.Rows[0] == &w.rows[0])
	samePlans := maps.Equal(planned, w.planned)
	clock := !w.nextNear.IsZero() && !now.Before(w.nextNear)
	switch {
	case sameRows && samePlans && !clock:
	case samePlans && !clock:
		var ok bool
		if out, ok = w.patched(s, now, planned); ok {
			break
		}
		fallthrough
	default:
		out = w.events(s, now, planned)
		if !sameRows {
			out = append(out, w.outcomes(s, now)...)
		}
	}
	w.rows, w.planned = s.Rows, planned
	phase := make(map[string]fleet.PlanPhase, len(s.Plans))
	for i := range s.Plans {
		p := &s.Plans[i]
		phase[p.ID] = p.Phase
		if p.Phase == w.phase[p.ID] {
			continue
		}
		switch p.Phase {
		case fleet.PhasePaused:
			w.pauses[p.ID]++
			out = append(out, planStopped(p, KindPlanPaused, w.pauses[p.ID], now))
		case fleet.PhaseAborted:
			out = append(out, planStopped(p, KindPlanAborted, 1, now))
		case fleet.PhaseDone:
			if p.Summary.Failed > 0 {
				out = append(out, planStopped(p, KindPlanFailed, 1, now))
			}
		}
	}
	w.phase = phase
	for id := range w.pauses {
		if _, ok := phase[id]; !ok {
			delete(w.pauses, id)
		}
	}
	return out
}

// events are the new events and the near deadlines of s, in the list's order (deadline
// first), from a pass over every row; it forgets the events no longer pending and notes
// when the next untold deadline enters the lead time.
func (w *watcher) events(s *fleet.Snapshot, now time.Time, planned map[string]bool) []Notice {
	var out []Notice
	w.gen++
	w.nextNear = time.Time{}
	for _, r := range s.Rows {
		out = w.row(out, r, now, planned)
	}
	// Event ids are unique and a final event is never pending again: one that left is
	// forgotten.
	for id, g := range w.pending {
		if g != w.gen {
			delete(w.pending, id)
			delete(w.near, id)
		}
	}
	return out
}

// row appends what r's pending events call for to out: a new event, a near deadline.
func (w *watcher) row(out []Notice, r *fleet.Row, now time.Time, planned map[string]bool) []Notice {
	for i := range r.Inst.Events {
		ev := &r.Inst.Events[i]
		if !ev.CycleStatus.Pending() {
			continue
		}
		if _, seen := w.pending[ev.ID]; !seen {
			out = append(out, eventNew(r, ev, now))
		}
		w.pending[ev.ID] = w.gen
		switch {
		case w.near[ev.ID]:
		case ev.Simulated:
			// A drill's deadline is rehearsal: the platform does nothing at it, so it is
			// never a deadline near (docs/cli.md, drill); its event.new says "drill".
			continue
		case nearUnplanned(r, ev, now, w.lead, planned):
			w.near[ev.ID] = true
			out = append(out, deadlineNear(r, ev, now))
		default:
			// Inside the lead time but planned: a change of the row or of the plans
			// brings it back here. Outside it: the clock does, at enter.
			if enter := ev.NotBefore.Add(-w.lead); enter.After(now) && (w.nextNear.IsZero() || enter.Before(w.nextNear)) {
				w.nextNear = enter
			}
		}
	}
	return out
}

// patched is what s calls for when the hub replaced some rows in place (same instances,
// same order: a task's progress, a re-read): only those rows are looked at. ok is false
// when s is laid out otherwise, and nothing was looked at.
func (w *watcher) patched(s *fleet.Snapshot, now time.Time, planned map[string]bool) (out []Notice, ok bool) {
	if len(s.Rows) != len(w.rows) {
		return nil, false
	}
	var changed []int
	for i, r := range s.Rows {
		if r != w.rows[i] {
			if r.Inst.ID != w.rows[i].Inst.ID {
				return nil, false
			}
			changed = append(changed, i)
		}
	}
	for _, i := range changed {
		old, r := w.rows[i], s.Rows[i]
		for j := range old.Inst.Events {
			if ev := &old.Inst.Events[j]; ev.CycleStatus.Pending() && !stillPending(r, ev.ID) {
				delete(w.pending, ev.ID)
				delete(w.near, ev.ID)
			}
		}
		out = w.row(out, r, now, planned)
	}
	for _, i := range changed {
		if old, r := w.rows[i], s.Rows[i]; old.State == fleet.StateOutcomeUnknown && r.State != fleet.StateOutcomeUnknown {
			delete(w.unknown, r.Inst.ID)
		}
		if nt, ok := w.outcome(s, s.Rows[i], now); ok {
			out = append(out, nt)
		}
	}
	return out, true
}

func stillPending(r *fleet.Row, id string) bool {
	for i := range r.Inst.Events {
		if ev := &r.Inst.Events[i]; ev.ID == id {
			return ev.CycleStatus.Pending()
		}
	}
	return false
}

// outcomes are the redeploys of s whose outcome became unknown since the last snapshot,
// from a pass over every row.
func (w *watcher) outcomes(s *fleet.Snapshot, now time.Time) []Notice {
	var out []Notice
	held := make(map[string]bool, len(w.unknown))
	for _, r := range s.Rows {
		if r.State == fleet.StateOutcomeUnknown {
			held[r.Inst.ID] = true
		}
	}
	for id := range w.unknown {
		if !held[id] {
			delete(w.unknown, id)
		}
	}
	for _, r := range s.Rows {
		if nt, ok := w.outcome(s, r, now); ok {
			out = append(out, nt)
		}
	}
	return out
}

// outcome is the notice for r when its redeploy's outcome became unknown.
func (w *watcher) outcome(s *fleet.Snapshot, r *fleet.Row, now time.Time) (Notice, bool) {
	if r.State != fleet.StateOutcomeUnknown || w.unknown[r.Inst.ID] {
		return Notice{}, false
	}
	w.unknown[r.Inst.ID] = true
	w.unknowns[r.Inst.ID]++
	return outcomeUnknown(r, planOf(s.Plans, r.Inst.ID), w.unknowns[r.Inst.ID], now), true
}

// baseline records what s shows as already told and sums it up in one watching notice.
// It may be called for each snapshot of the first listing: each records what is new in
// it, and the notice counts what all of them showed.
func (w *watcher) baseline(s *fleet.Snapshot, now time.Time, planned map[string]bool) Notice {
	w.events(s, now, planned) // the notices of what was there at start are this one
	w.outcomes(s, now)
	w.rows, w.planned = s.Rows, planned
	events, regions := 0, map[string]int{}
	var near, paused []string
	for _, r := range s.Rows {
		told := false
		for i := range r.Inst.Events {
			if ev := &r.Inst.Events[i]; ev.CycleStatus.Pending() {
				events++
				regions[r.Inst.RegionID]++
				told = told || w.near[ev.ID]
			}
		}
		if told {
			near = append(near, r.Inst.ID)
		}
	}
	for i := range s.Plans {
		p := &s.Plans[i]
		w.phase[p.ID] = p.Phase
		if p.Phase == fleet.PhasePaused {
			w.pauses[p.ID] = max(w.pauses[p.ID], 1)
			paused = append(paused, p.ID)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "watching: %d pending system event(s)", events)
	if len(regions) > 0 {
		parts := make([]string, 0, len(regions))
		for _, reg := range slices.Sorted(maps.Keys(regions)) {
			parts = append(parts, fmt.Sprintf("%s %d", reg, regions[reg]))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "; %d deadline(s) within %s with nothing planned%s", len(near), model.FormatDuration(w.lead), list(near))
	if len(paused) > 0 {
		fmt.Fprintf(&b, "; %d plan(s) paused, waiting for an operator%s", len(paused), list(paused))
	}
	if f := s.Fresh; f.Loaded < f.Regions {
		fmt.Fprintf(&b, "; %d of %d regions listed so far (%s): the events of the others will be told as new", f.Loaded, f.Regions,
			s.Err)
	}
	sev := SeverityInfo
	if len(near) > 0 || len(paused) > 0 || s.Fresh.Loaded < s.Fresh.Regions {
		sev = SeverityWarning
	}
	return Notice{Kind: KindWatching, Key: "watching/" + now.UTC().Format(time.RFC3339Nano), Time: now,
		Severity: sev, Text: b.String(), Count: events}
}

// list is ": a, b, c" for at most five ids, with how many more.
func list(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	const most = 5
	s := ": " + strings.Join(ids[:min(len(ids), most)], ", ")
	if len(ids) > most {
		s += fmt.Sprintf(" and %d more", len(ids)-most)
	}
	return s
}

// plannedInstances are the instances a plan will send or has sent without an end yet: an
// item in flight in any plan, or queued in a running one. A paused plan's queued items
// are not planned: nothing is sent for them unless an operator continues it.
func plannedInstances(plans []fleet.PlanStatus) map[string]bool {
	out := map[string]bool{}
	for i := range plans {
		p := &plans[i]
		for _, it := range p.Items {
			if it.Status.InFlight() || (it.Status == fleet.ItemQueued && p.Phase == fleet.PhaseRunning) {
				out[it.InstanceID] = true
			}
		}
	}
	return out
}

// planOf is the plan with an item of instance id in flight, or "".
func planOf(plans []fleet.PlanStatus, id string) string {
	for i := range plans {
		for _, it := range plans[i].Items {
			if it.InstanceID == id && it.Status.InFlight() {
				return plans[i].ID
			}
		}
	}
	return ""
}

// nearUnplanned reports whether ev's deadline is within lead of now (or past) with
// nothing planned for its instance: no redeploy under way and no plan holding it.
func nearUnplanned(r *fleet.Row, ev *model.Event, now time.Time, lead time.Duration, planned map[string]bool) bool {
	return !ev.NotBefore.IsZero() && ev.NotBefore.Sub(now) <= lead && !r.InProgress && !planned[r.Inst.ID]
}

// eventFields are the instance and event fields of a notice about ev.
func eventFields(n Notice, r *fleet.Row, ev *model.Event) Notice {
	n.Instance, n.InstanceName, n.Region = r.Inst.ID, r.Inst.Name, r.Inst.RegionID
	n.Event, n.EventType, n.EventStatus = ev.ID, string(ev.Type), string(ev.CycleStatus)
	n.Deadline, n.Drill = ev.NotBefore.UTC(), ev.Simulated
	return n
}

// named is "i-… (name)", or the id alone.
func named(r *fleet.Row) string {
	if r.Inst.Name == "" {
		return r.Inst.ID
	}
	return r.Inst.ID + " (" + r.Inst.Name + ")"
}

// until is "in 1h30m" or "2m ago".
func until(t, now time.Time) string {
	if d := t.Sub(now); d >= 0 {
		return "in " + model.FormatDuration(d)
	}
	return model.FormatDuration(now.Sub(t)) + " ago"
}

func eventNew(r *fleet.Row, ev *model.Event, now time.Time) Notice {
	drill, deadline := "", "deadline"
	if ev.Simulated {
		// A rehearsal: its time is no deadline, and the words say so, not only the field.
		drill, deadline = "drill ", "drill due"
	}
	text := fmt.Sprintf("new %sevent %s (%s) on %s in %s, %s %s (%s)", drill, ev.Type, ev.CycleStatus, named(r),
		r.Inst.RegionID, deadline, ev.NotBefore.UTC().Format(time.RFC3339), until(ev.NotBefore, now))
	if ev.Reason != "" {
		text += ": " + ev.Reason
	}
	return eventFields(Notice{Kind: KindEventNew, Key: "event.new/" + ev.ID, Time: now, Severity: SeverityInfo, Text: text}, r, ev)
}

func deadlineNear(r *fleet.Row, ev *model.Event, now time.Time) Notice {
	what := "nothing is planned for it"
	if r.Blocked {
		what += "; a redeploy is refused: " + badges(r)
	} else if r.NoRedeploy {
		what += "; a redeploy does not answer this event"
	}
	text := fmt.Sprintf("deadline of %s (%s) on %s in %s is %s (%s) and %s", ev.Type, ev.CycleStatus, named(r), r.Inst.RegionID,
		ev.NotBefore.UTC().Format(time.RFC3339), until(ev.NotBefore, now), what)
	return eventFields(Notice{Kind: KindDeadlineNear, Key: "deadline.near/" + ev.ID, Time: now, Severity: SeverityWarning, Text: text}, r, ev)
}

func badges(r *fleet.Row) string {
	var out []string
	for _, b := range r.Badges {
		if b.Refusal() {
			out = append(out, string(b))
		}
	}
	return strings.Join(out, ", ")
}

func outcomeUnknown(r *fleet.Row, plan string, nth int, now time.Time) Notice {
	text := fmt.Sprintf("redeploy of %s in %s got no answer that says whether it started", named(r), r.Inst.RegionID)
	if by := r.StartedBy.String(); by != "" {
		text += " (started by " + by + ")"
	}
	if plan != "" {
		text += " in plan " + plan
	}
	text += "; the hub holds the instance and reconciles through DescribeTasks: check its task before sending another"
	n := Notice{Kind: KindOutcomeUnknown, Key: "outcome.unknown/" + r.Inst.ID + "/" + strconv.Itoa(nth), Time: now,
		Severity: SeverityCritical, Text: text, Instance: r.Inst.ID, InstanceName: r.Inst.Name, Region: r.Inst.RegionID, Plan: plan}
	if r.Task != nil {
		n.Task = r.Task.ID
	}
	return n
}

func planStopped(p *fleet.PlanStatus, kind Kind, nth int, now time.Time) Notice {
	n := Notice{Kind: kind, Key: string(kind) + "/" + p.ID + "/" + strconv.Itoa(nth), Time: now, Plan: p.ID}
	who := p.Identity.String()
	switch kind {
	case KindPlanPaused:
		n.Severity = SeverityCritical
		n.Text = fmt.Sprintf("plan %s (started by %s) paused: %s; %s; an operator continues or aborts it in the console", p.ID, who, p.Stopped, p.Summary)
	case KindPlanAborted:
		n.Severity = SeverityWarning
		n.Text = fmt.Sprintf("plan %s (started by %s) aborted: %s; %s; nothing more is sent", p.ID, who, p.Stopped, p.Summary)
	default:
		n.Severity = SeverityWarning
		n.Text = fmt.Sprintf("plan %s (started by %s) ended with failures: %s; the failed instances keep their events", p.ID, who, p.Summary)
	}
	return n
}
