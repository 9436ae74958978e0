package autopilot

import (
	"context"
	"slices"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/policy"
)

// DefaultAssume is how long the dry run takes a redeploy to hold its instance (and its
// rule's bounds): a redeploy stops, migrates and starts the instance, minutes on ECS.
const DefaultAssume = 10 * time.Minute

// Timeline is what the autopilot would do on the fleet as the hub lists it now: the
// redeploys it would start within the horizon, in order, those due after it, and what it
// leaves to humans. It is `ecs-redeploy autopilot --dry-run --json`'s output.
type Timeline struct {
	Autopilot string    `json:"autopilot"`
	Policy    string    `json:"policy"`
	From      time.Time `json:"from"`
	Until     time.Time `json:"until"`
	// AssumeSeconds is how long each redeploy is taken to last.
	AssumeSeconds int64  `json:"assume_seconds"`
	Redeploys     []Step `json:"redeploys"`
	// Later are instances a rule takes whose start falls after Until.
	Later []Step                `json:"later"`
	Left  []fleet.AutopilotLeft `json:"left_to_humans"`
}

// Step is one redeploy of the timeline.
type Step struct {
	At         time.Time `json:"at"`
	InstanceID string    `json:"instance"`
	Name       string    `json:"name,omitempty"`
	RegionID   string    `json:"region"`
	Rule       string    `json:"rule"`
	EventType  string    `json:"event_type,omitempty"`
	Deadline   time.Time `json:"deadline"`
	// Window is the instance's maintenance window, when the rule redeploys inside it.
	Window string `json:"window,omitempty"`
	// Waited says what held it after it was first due (a bound of its rule), "" when
	// nothing did.
	Waited string `json:"waited,omitempty"`
}

// maxInstants bounds the dry run's steps through time.
const maxInstants = 100000

// DryRun is the timeline pol would follow on the hub's current snapshot from now until
// now+horizon, each redeploy assumed to last assume: the same decision the autopilot
// makes each tick (decide), replayed at every instant something changes (a start comes
// due, a redeploy ends). It reads maintenance windows through the hub (once, one call a
// region) and sends nothing.
func DryRun(ctx context.Context, h *fleet.Hub, pol *policy.Policy, horizon, assume time.Duration) Timeline {
	snap := h.Snapshot()
	now := h.Now()
	if assume <= 0 {
		assume = DefaultAssume
	}
	tl := Timeline{Autopilot: pol.Identity(), Policy: pol.File, From: now, Until: now.Add(horizon), AssumeSeconds: int64(assume / time.Second),
		Redeploys: []Step{}, Later: []Step{}, Left: []fleet.AutopilotLeft{}}
	cands := fromRows(snap.Rows)
	byID := map[string]candidate{}
	for _, c := range cands {
		byID[c.inst.ID] = c
	}
	// Every window it may need, read once, one call a region: the timeline shows each
	// start, also past the lead time's.
	maint := readWindows(ctx, h, windowsWanted(pol, now, cands, nil, false))
	type running struct {
		c     candidate
		rule  string
		until time.Time
	}
	var busy []running
	for _, c := range cands {
		if c.busy {
			// The autopilot's own redeploys hold their rule's max_in_flight, as in the run.
			rule := ""
			if c.by == pol.Identity() {
				if m := pol.Match(c.inst, c.event); m != nil {
					rule = m.Name
				}
			}
			busy = append(busy, running{c: c, rule: rule, until: now.Add(assume)})
		}
	}
	done := map[string]string{}
	waited := map[string]string{}
	t := now
	for i := 0; i < maxInstants && !t.After(tl.Until); i++ {
		l := newLoad()
		for _, b := range busy {
			if b.until.After(t) {
				l.add(b.c.inst, b.c.event, b.rule)
			}
		}
		d := decide(ctx, pol, t, cands, done, l, maint)
		if i == 0 {
			tl.Left = append(tl.Left, d.left...)
		}
		for _, p := range d.start {
			s := Step{At: t, InstanceID: p.c.inst.ID, Name: p.c.inst.Name, RegionID: p.c.inst.RegionID, Rule: p.rule.Name,
				Deadline: p.c.deadline, Waited: waited[p.c.inst.ID]}
			if p.c.event != nil {
				s.EventType = string(p.c.event.Type)
			}
			if p.rule.When.InWindow {
				if a, err := maint(ctx, p.c.inst.ID); err == nil && len(a.Windows) > 0 {
					s.Window = a.Windows[0].String()
				}
			}
			tl.Redeploys = append(tl.Redeploys, s)
			done[p.c.inst.ID] = ""
			busy = append(busy, running{c: p.c, rule: p.rule.Name, until: t.Add(assume)})
		}
		// The next instant anything can change: a start comes due, or a redeploy ends.
		next := time.Time{}
		later := func(at time.Time) {
			if at.After(t) && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		for _, n := range d.next {
			if n.Waiting != "" && waited[n.InstanceID] == "" {
				waited[n.InstanceID] = n.Waiting
			}
			later(n.At)
		}
		for _, b := range busy {
			later(b.until)
		}
		if next.IsZero() || next.After(tl.Until) {
			for _, n := range d.next {
				if n.At.After(tl.Until) {
					c := byID[n.InstanceID]
					s := Step{At: n.At, InstanceID: n.InstanceID, Name: c.inst.Name, RegionID: c.inst.RegionID, Rule: n.Rule, Deadline: c.deadline}
					if c.event != nil {
						s.EventType = string(c.event.Type)
					}
					tl.Later = append(tl.Later, s)
				}
			}
			break
		}
		t = next
	}
	slices.SortStableFunc(tl.Later, func(a, b Step) int { return a.At.Compare(b.At) })
	return tl
}
