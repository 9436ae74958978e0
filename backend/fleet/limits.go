// Group limits in a plan (issue 23): at most Max instances that share a tag value, a
// physical host or a rack have a redeploy in flight at once, counting every redeploy the
// hub knows of, not only the plan's.

package fleet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"ecs-redeploy/model"
)

// Groupings a GroupLimit may name besides a tag.
const (
	GroupHost = "host"
	GroupRack = "rack"
	// groupTag prefixes a tag's key: "tag:app".
	groupTag = "tag:"
)

// ParseGroupLimit reads one limit as `--max-per` and a policy write it, KEY=N: "app=1" is
// tag app, "host=1" and "rack=1" the pending event's HostId and Rack, "tag:host=1" a tag
// literally named host. N is at least 1. The error says what to write instead.
func ParseGroupLimit(s string) (GroupLimit, error) {
	const how = "write KEY=N with N at least 1: app=1 (tag app), host=1 or rack=1 (the event's host or rack), tag:host=1 (a tag named host)"
	k, n, ok := strings.Cut(s, "=")
	k, n = strings.TrimSpace(k), strings.TrimSpace(n)
	if !ok || k == "" || n == "" {
		return GroupLimit{}, fmt.Errorf("%q: %s", s, how)
	}
	max, err := strconv.Atoi(n)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(n, "-") {
		// A whole number all the same: say what is wrong with it.
		return GroupLimit{}, fmt.Errorf("%q: %q is too large (N counts redeploys in flight at once; one above --max-in-flight limits nothing); %s", s, n, how)
	}
	if err != nil || max < 1 {
		return GroupLimit{}, fmt.Errorf("%q: %q is not a whole number of at least 1; %s", s, n, how)
	}
	by := k
	switch {
	case k == GroupHost || k == GroupRack:
	case strings.HasPrefix(k, groupTag):
		if strings.TrimPrefix(k, groupTag) == "" {
			return GroupLimit{}, fmt.Errorf("%q: tag: names no tag key; %s", s, how)
		}
	default:
		by = groupTag + k
	}
	return GroupLimit{By: by, Max: max}, nil
}

// String is the limit as ParseGroupLimit reads it back: "app=1", "host=2", "tag:host=1".
func (l GroupLimit) String() string {
	k := l.By
	if key, ok := strings.CutPrefix(k, groupTag); ok && key != GroupHost && key != GroupRack {
		k = key
	}
	return k + "=" + strconv.Itoa(l.Max)
}

// Describe is the limit in words: "at most 1 per tag app", "at most 2 per host".
func (l GroupLimit) Describe() string {
	if key, ok := strings.CutPrefix(l.By, groupTag); ok {
		return fmt.Sprintf("at most %d per tag %s", l.Max, key)
	}
	return fmt.Sprintf("at most %d per %s", l.Max, l.By)
}

// check reports a limit NewPlan must refuse.
func (l GroupLimit) check() error {
	if l.Max < 1 {
		return fmt.Errorf("limit %s: Max must be at least 1, got %d", l.By, l.Max)
	}
	if l.By != GroupHost && l.By != GroupRack && (!strings.HasPrefix(l.By, groupTag) || l.By == groupTag) {
		return fmt.Errorf("limit %q: By must be tag:KEY, host or rack", l.By)
	}
	return nil
}

// groupValue is in's value for the grouping by: its tag's value, or the HostId or Rack of
// its pending events (earliest deadline first, the first that names one); "" when it has
// none, and then it is not grouped.
func groupValue(by string, in *model.Instance) string {
	if key, ok := strings.CutPrefix(by, groupTag); ok {
		return in.Tags[key]
	}
	for _, ev := range in.PendingEvents() {
		a := ev.Attr()
		switch by {
		case GroupHost:
			if a.HostID != "" {
				return a.HostID
			}
		case GroupRack:
			if a.Rack != "" {
				return a.Rack
			}
		}
	}
	return ""
}

// groupsOf is in's value for each of limits that it has one for, or nil.
func groupsOf(limits []GroupLimit, in *model.Instance) map[string]string {
	var out map[string]string
	for _, l := range limits {
		if v := groupValue(l.By, in); v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[l.By] = v
		}
	}
	return out
}

// inFlightGroups is, for each grouping of limits and each of its values, the instances
// with a redeploy in flight anywhere the hub knows of (this process's plans and sessions,
// and tasks found Processing elsewhere): a set, so one instance counts once however many
// say so.
type inFlightGroups map[string]map[string]map[string]bool

func (g inFlightGroups) add(by, value, id string) {
	if value == "" {
		return
	}
	if g[by] == nil {
		g[by] = map[string]map[string]bool{}
	}
	if g[by][value] == nil {
		g[by][value] = map[string]bool{}
	}
	g[by][value][id] = true
}

// full is the first limit whose group of the item's values is at its Max, or nil.
func (g inFlightGroups) full(limits []GroupLimit, values map[string]string) *GroupLimit {
	for i, l := range limits {
		if v := values[l.By]; v != "" && len(g[l.By][v]) >= l.Max {
			return &limits[i]
		}
	}
	return nil
}

// groupsInFlight counts the hub's redeploys in flight by the groupings of limits.
func (h *Hub) groupsInFlight(limits []GroupLimit) inFlightGroups {
	g := inFlightGroups{}
	if len(limits) == 0 {
		return g
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, rec := range h.records {
		if !rec.state.InProgress() || rec.inst == nil {
			continue
		}
		for by, v := range groupsOf(limits, rec.inst) {
			g.add(by, v, id)
		}
	}
	return g
}
