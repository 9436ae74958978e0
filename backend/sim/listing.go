package sim

import (
	"slices"
	"sort"
	"time"

	"ecs-redeploy/model"
)

// Page is where a listing starts and how long it is, in either of ECS's two styles:
// NextToken (After is the number of the last item already answered, -1 for none) or
// PageNumber (Skip matching items first).
type Page struct {
	After int
	Skip  int
	Limit int
}

// InstanceFilter selects instances as DescribeInstances does. Empty fields match all.
type InstanceFilter struct {
	Region string
	IDs    []string
	// Match, when set, is called for each candidate under the engine's read lock: it must
	// not keep the pointer or change the instance.
	Match func(*model.Instance) bool
	// WithoutEvents leaves the answered instances' Events nil, for callers that do not
	// read them (DescribeInstances): copying them was most of a page's allocations.
	WithoutEvents bool
	// SortedTags answers each instance's tags sorted by key in the page's Tags, for
	// callers that write them in order (DescribeInstances): walking and sorting each
	// instance's map, per call, was a tenth of a page.
	SortedTags bool
}

// Tag is one of an instance's tags.
type Tag struct{ Key, Value string }

// InstancePage is one page of a listing: copies of the instances, how many match in all,
// the number of the last one answered (for the next NextToken) and whether more follow.
type InstancePage struct {
	Instances []model.Instance
	// Tags are Instances' tags sorted by key, one slice per instance, when the filter asks
	// for SortedTags. They are the engine's, shared: read only.
	Tags  [][]Tag
	Total int
	Last  int
	More  bool
}

// ListInstances answers one page of the instances that match f, in fleet order. Its cost
// is the page, not the region, when f has neither IDs nor Match; with a Match it counts
// the region to report Total, without copying.
func (e *Engine) ListInstances(f InstanceFilter, p Page) InstancePage {
	return e.ListInstancesInto(InstancePage{}, f, p)
}

// ListInstancesInto is ListInstances answering into dst's memory: the page's Instances
// and Tags are dst's emptied and appended to, so a server answering page after page can
// reuse one page instead of allocating a page of copies per call. Slices dst lacks are
// allocated.
func (e *Engine) ListInstancesInto(dst InstancePage, f InstanceFilter, p Page) InstancePage {
	e.await(f.Region)
	e.rlock()
	defer e.mu.RUnlock()
	cands := e.candidates(f.Region, f.IDs)
	if dst.Instances == nil {
		dst.Instances = make([]model.Instance, 0, min(p.Limit, len(cands)))
	}
	out := InstancePage{Last: -1, Instances: dst.Instances[:0]}
	if f.SortedTags {
		if out.Tags = dst.Tags[:0]; out.Tags == nil {
			out.Tags = make([][]Tag, 0, min(p.Limit, len(cands)))
		}
	}
	from := 0
	if f.Match == nil {
		// Every candidate matches: Total is known, and the page starts at After.
		out.Total = len(cands)
		from = sort.Search(len(cands), func(i int) bool { return int(cands[i].seq) > p.After })
	}
	skip := p.Skip
	for _, in := range cands[from:] {
		if f.Match != nil {
			if !f.Match(&in.Instance) {
				continue
			}
			out.Total++
		}
		if int(in.seq) <= p.After {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out.Instances) == p.Limit {
			out.More = true
			if f.Match == nil {
				break
			}
			continue
		}
		if f.WithoutEvents {
			out.Instances = append(out.Instances, in.Instance)
			out.Instances[len(out.Instances)-1].Events = nil
		} else {
			out.Instances = append(out.Instances, in.copy())
		}
		if f.SortedTags {
			out.Tags = append(out.Tags, in.tags)
		}
		out.Last = int(in.seq)
	}
	return out
}

// candidates are the instances a listing walks, in fleet order: the region's (all when
// region is ""), or those of ids found in it, each once.
func (e *Engine) candidates(region string, ids []string) []*instState {
	if len(ids) == 0 {
		if region == "" {
			return e.insts
		}
		return e.byRegion[region]
	}
	var out []*instState
	for _, id := range ids {
		if in, ok := e.byID[id]; ok && (region == "" || in.RegionID == region) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b *instState) int { return int(a.seq) - int(b.seq) })
	return slices.Compact(out)
}

// EventListFilter selects events as DescribeInstanceHistoryEvents does. Empty fields
// match all.
type EventListFilter struct {
	EventFilter
	// NotBefore and Published bound the deadline and the publish time, inclusive; zero
	// ends are open.
	NotBeforeStart, NotBeforeEnd time.Time
	PublishedStart, PublishedEnd time.Time
	ImpactLevel                  string
	// Instance, when set, is called for each candidate instance under the engine's read
	// lock (tags, say): it must not keep the pointer or change the instance.
	Instance func(*model.Instance) bool
}

// EventPage is one page of events, as InstancePage.
type EventPage struct {
	Events []model.Event
	Total  int
	Last   int
	More   bool
}

// countable reports whether Total can come from the kept counts instead of a scan.
func (f *EventListFilter) countable() bool {
	return len(f.InstanceIDs) == 0 && len(f.EventIDs) == 0 && f.Instance == nil && f.ImpactLevel == "" &&
		f.NotBeforeStart.IsZero() && f.NotBeforeEnd.IsZero() && f.PublishedStart.IsZero() && f.PublishedEnd.IsZero()
}

func (f *EventListFilter) match(ev *model.Event) bool {
	return (len(f.EventIDs) == 0 || slices.Contains(f.EventIDs, ev.ID)) &&
		(len(f.CycleStatuses) == 0 || slices.Contains(f.CycleStatuses, ev.CycleStatus)) &&
		(len(f.Types) == 0 || slices.Contains(f.Types, ev.Type)) &&
		(f.ImpactLevel == "" || ev.ImpactLevel == f.ImpactLevel) &&
		within(ev.NotBefore, f.NotBeforeStart, f.NotBeforeEnd) &&
		within(ev.PublishTime, f.PublishedStart, f.PublishedEnd)
}

// published reports whether ECS has announced ev by now: the platform answers an event
// from its publish time on, never before (a scenario's "published: +5m" is an event that
// appears five minutes in).
func published(ev *model.Event, now time.Time) bool { return !ev.PublishTime.After(now) }

func within(t, start, end time.Time) bool {
	return (start.IsZero() || !t.Before(start)) && (end.IsZero() || !t.After(end))
}

// ListEvents answers one page of the events that match f, in fleet order (an instance's
// events in its order, soonest deadline first). For the console's poll (region and cycle
// statuses, maybe types) its cost is the page; other filters count the region for Total.
func (e *Engine) ListEvents(f EventListFilter, p Page) EventPage {
	return e.ListEventsInto(nil, f, p)
}

// ListEventsInto is ListEvents answering into dst's memory, as ListInstancesInto does.
func (e *Engine) ListEventsInto(dst []model.Event, f EventListFilter, p Page) EventPage {
	e.await(f.Region)
	e.rlock()
	defer e.mu.RUnlock()
	cands := e.candidates(f.Region, f.InstanceIDs)
	if dst == nil {
		dst = make([]model.Event, 0, min(p.Limit, 100))
	}
	out := EventPage{Last: -1, Events: dst[:0]}
	now := e.clock.Now()
	// The kept counts include events not yet published: while any is, count by scan.
	counted := f.countable() && !now.Before(e.lastPublish)
	from := 0
	if counted {
		out.Total = e.countEvents(f.Region, f.CycleStatuses, f.Types)
		// The first instance with an event numbered above After.
		from = sort.Search(len(cands), func(i int) bool {
			return int(cands[i].firstEvent)+len(cands[i].Events)-1 > p.After
		})
	}
	skip := p.Skip
	for _, in := range cands[from:] {
		if f.Instance != nil && !f.Instance(&in.Instance) {
			continue
		}
		for j := range in.Events {
			ev := &in.Events[j]
			if !f.match(ev) || !published(ev, now) {
				continue
			}
			if !counted {
				out.Total++
			}
			if int(in.firstEvent)+j <= p.After {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(out.Events) == p.Limit {
				out.More = true
				if counted {
					return out
				}
				continue
			}
			out.Events = append(out.Events, *ev)
			out.Last = int(in.firstEvent) + j
		}
	}
	// Then the drills, numbered after every event of the fleet, in the order they were made.
	for _, ref := range e.drillOrder {
		in := ref.in
		if (f.Region != "" && in.RegionID != f.Region) || (len(f.InstanceIDs) > 0 && !slices.Contains(f.InstanceIDs, in.ID)) ||
			(f.Instance != nil && !f.Instance(&in.Instance)) {
			continue
		}
		ev := &in.drills[ref.idx]
		if !f.match(ev) {
			continue
		}
		if !counted {
			out.Total++
		}
		seq := in.drillSeq[ref.idx]
		if seq <= p.After {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out.Events) == p.Limit {
			out.More = true
			if counted {
				return out
			}
			continue
		}
		out.Events = append(out.Events, *ev)
		out.Last = seq
	}
	return out
}

// countEvents sums the kept counts of region's events in statuses and types (all when
// empty).
func (e *Engine) countEvents(region string, statuses []model.EventCycleStatus, types []model.EventType) int {
	n := 0
	for k, c := range e.counts {
		if (region == "" || k.region == region) &&
			(len(statuses) == 0 || slices.Contains(statuses, k.status)) &&
			(len(types) == 0 || slices.Contains(types, k.typ)) {
			n += c
		}
	}
	return n
}
