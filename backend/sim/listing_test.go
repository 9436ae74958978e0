package sim

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/model"
)

// pageAll pages through list by cursor (After) and by number (Skip), checking that both
// give the same items and the same Total on every page.
func pageAll[T any](t *testing.T, size int, list func(Page) ([]T, int, int, bool)) (items []T, total int) {
	t.Helper()
	after := -1
	for calls := 0; ; calls++ {
		if calls > 10000 {
			t.Fatal("the pages never run out")
		}
		page, tot, last, more := list(Page{After: after, Limit: size})
		byNumber, tot2, _, _ := list(Page{After: -1, Skip: calls * size, Limit: size})
		if tot != tot2 || len(page) != len(byNumber) {
			t.Fatalf("page %d: by cursor %d items of %d, by number %d of %d", calls, len(page), tot, len(byNumber), tot2)
		}
		if calls == 0 {
			total = tot
		} else if tot != total {
			t.Fatalf("page %d: Total %d, first page said %d", calls, tot, total)
		}
		items = append(items, page...)
		if !more {
			return items, total
		}
		after = last
	}
}

func TestListEventsPagesLikeAScan(t *testing.T) {
	e := New(Generate(3, 1500, Epoch), NewStepClock(Epoch), Options{Seed: 3})
	prod := func(in *model.Instance) bool { return in.Tags["env"] == "prod" }
	filters := map[string]EventListFilter{
		"pending in a region": {EventFilter: EventFilter{Region: "cn-shanghai", CycleStatuses: model.PendingCycleStatuses}},
		"one type everywhere": {EventFilter: EventFilter{Types: []model.EventType{model.EventMaintenanceReboot}}},
		"final (default)":     {EventFilter: EventFilter{Region: "cn-hangzhou", CycleStatuses: []model.EventCycleStatus{model.CycleAvoided, model.CycleExecuted, model.CycleCanceled, model.CycleFailed}}},
		"deadline window":     {EventFilter: EventFilter{Region: "cn-hangzhou"}, NotBeforeStart: Epoch, NotBeforeEnd: Epoch.Add(6 * time.Hour)},
		"tagged, impact 1":    {EventFilter: EventFilter{Region: "cn-beijing"}, Instance: prod, ImpactLevel: "1"},
	}
	for name, f := range filters {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, in := range e.Instances(f.Region, nil) {
				if f.Instance != nil && !f.Instance(&in) {
					continue
				}
				for _, ev := range in.Events {
					if f.match(&ev) {
						want = append(want, ev.ID)
					}
				}
			}
			if len(want) < 20 {
				t.Fatalf("only %d matching events; the case needs more", len(want))
			}
			for _, size := range []int{1, 7, 100} {
				got, total := pageAll(t, size, func(p Page) ([]model.Event, int, int, bool) {
					pg := e.ListEvents(f, p)
					return pg.Events, pg.Total, pg.Last, pg.More
				})
				ids := make([]string, len(got))
				for i, ev := range got {
					ids[i] = ev.ID
				}
				if !slices.Equal(ids, want) || total != len(want) {
					t.Errorf("size %d: %d events (Total %d), want %d", size, len(ids), total, len(want))
				}
			}
		})
	}
}

func TestListInstancesPagesLikeAScan(t *testing.T) {
	e := New(Generate(3, 1500, Epoch), NewStepClock(Epoch), Options{Seed: 3})
	stopped := func(in *model.Instance) bool { return in.Status == model.StatusStopped }
	all := e.Instances("cn-hangzhou", nil)
	for name, f := range map[string]InstanceFilter{
		"region":         {Region: "cn-hangzhou"},
		"region, filter": {Region: "cn-hangzhou", Match: stopped},
		"ids":            {Region: "cn-hangzhou", IDs: []string{all[9].ID, all[2].ID, all[2].ID, "i-nosuch", all[5].ID}},
	} {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, in := range all {
				if (f.Match == nil || f.Match(&in)) && (f.IDs == nil || slices.Contains(f.IDs, in.ID)) {
					want = append(want, in.ID)
				}
			}
			for _, size := range []int{1, 7, 100} {
				got, total := pageAll(t, size, func(p Page) ([]model.Instance, int, int, bool) {
					pg := e.ListInstances(f, p)
					return pg.Instances, pg.Total, pg.Last, pg.More
				})
				ids := make([]string, len(got))
				for i, in := range got {
					ids[i] = in.ID
				}
				if !slices.Equal(ids, want) || total != len(want) {
					t.Errorf("size %d: %d instances (Total %d), want %d", size, len(ids), total, len(want))
				}
			}
		})
	}
}

// TestListEventsCountsFollowRedeploys: the kept counts behind TotalCount move when a
// finished redeploy avoids events.
func TestListEventsCountsFollowRedeploys(t *testing.T) {
	clock := NewStepClock(Epoch)
	e := New(Generate(3, 300, Epoch), clock, Options{Seed: 3})
	var target model.Instance
	for _, in := range e.Instances("", nil) {
		if model.Evaluate(&in, Epoch, false).Allowed {
			target = in
			break
		}
	}
	pending := EventListFilter{EventFilter: EventFilter{Region: target.RegionID, CycleStatuses: model.PendingCycleStatuses}}
	avoided := EventListFilter{EventFilter: EventFilter{Region: target.RegionID, CycleStatuses: []model.EventCycleStatus{model.CycleAvoided}}}
	before, avoidedBefore := e.ListEvents(pending, Page{After: -1, Limit: 10}).Total, e.ListEvents(avoided, Page{After: -1, Limit: 10}).Total
	if _, err := e.Redeploy(target.RegionID, target.ID, false); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	n := 0
	for _, ev := range e.Events(EventFilter{InstanceIDs: []string{target.ID}, CycleStatuses: []model.EventCycleStatus{model.CycleAvoided}}) {
		if ev.FinishTime.After(Epoch) {
			n++
		}
	}
	if n == 0 {
		t.Fatal("the redeploy avoided nothing")
	}
	if got := e.ListEvents(pending, Page{After: -1, Limit: 10}).Total; got != before-n {
		t.Errorf("pending Total %d after %d events were avoided, want %d", got, n, before-n)
	}
	if got := e.ListEvents(avoided, Page{After: -1, Limit: 10}).Total; got != avoidedBefore+n {
		t.Errorf("avoided Total %d, want %d", got, avoidedBefore+n)
	}
}

// TestConcurrentReadsSettle: readers sharing the lock all see the phase the clock is in,
// while a redeploy moves on; run with -race.
func TestConcurrentReadsSettle(t *testing.T) {
	e, clock := newTestEngine(t, Options{}, model.Instance{ID: "i-run"}, model.Instance{ID: "i-other"})
	if _, err := e.Redeploy("cn-hangzhou", "i-run", false); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		after time.Duration
		want  model.InstanceStatus
	}{{StoppingDuration, model.StatusStopped}, {MigrationDuration, model.StatusStarting}, {StartingDuration, model.StatusRunning}} {
		clock.Advance(s.after)
		done := make(chan model.InstanceStatus)
		for range 8 {
			go func() {
				pg := e.ListInstances(InstanceFilter{IDs: []string{"i-run"}}, Page{After: -1, Limit: 1})
				done <- pg.Instances[0].Status
			}()
		}
		for range 8 {
			if got := <-done; got != s.want {
				t.Errorf("+%s: a reader saw %s, want %s", s.after, got, s.want)
			}
		}
	}
}

// BenchmarkFirstPageEngine is the engine's share of a first page, without HTTP: what is
// done under the read lock for the console's poll and for DescribeInstances.
//
//	go test -run='^$' -bench=FirstPageEngine -count 5 ./backend/sim/
func BenchmarkFirstPageEngine(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		e := New(Generate(1, n, Epoch), NewStepClock(Epoch), Options{Seed: 1})
		pending := EventListFilter{EventFilter: EventFilter{Region: "cn-hangzhou", CycleStatuses: model.PendingCycleStatuses}}
		b.Run("events/instances="+strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				if pg := e.ListEvents(pending, Page{After: -1, Limit: 100}); len(pg.Events) != 100 {
					b.Fatalf("%d events", len(pg.Events))
				}
			}
		})
		b.Run("instances/instances="+strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				if pg := e.ListInstances(InstanceFilter{Region: "cn-hangzhou", WithoutEvents: true}, Page{After: -1, Limit: 100}); len(pg.Instances) != 100 {
					b.Fatalf("%d instances", len(pg.Instances))
				}
			}
		})
	}
}

// ListInstancesInto and ListEventsInto answer what ListInstances and ListEvents answer,
// value for value, into one page reused page after page: whatever the page held before
// (a longer page, other instances, other tags) is not in the answer. SortedTags answers
// each instance's tags, sorted by key.
func TestListIntoAnswersAsList(t *testing.T) {
	e := New(Generate(4, 800, Epoch), NewStepClock(Epoch), Options{Seed: 4})
	all := e.Instances("cn-hangzhou", nil)
	stopped := func(in *model.Instance) bool { return in.Status == model.StatusStopped }
	insts := InstancePage{Instances: make([]model.Instance, 3, 100), Tags: make([][]Tag, 2, 100)}
	insts.Instances[0].ID, insts.Instances[2].Name = "i-stale", "stale"
	insts.Tags[1] = []Tag{{"stale", "x"}}
	sortedTags := func(in *model.Instance) []Tag {
		var tags []Tag
		for k, v := range in.Tags {
			tags = append(tags, Tag{k, v})
		}
		slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
		return tags
	}
	tagged := 0
	evs := make([]model.Event, 5, 100)
	evs[4].ID = "e-stale"
	for _, p := range []Page{{After: -1, Limit: 100}, {After: -1, Limit: 1}, {After: 40, Limit: 7}, {After: -1, Skip: 5, Limit: 3}, {After: 1 << 30, Limit: 10}} {
		for name, f := range map[string]InstanceFilter{
			"region":         {Region: "cn-hangzhou", WithoutEvents: true, SortedTags: true},
			"region, events": {Region: "cn-hangzhou"},
			"filter":         {Region: "cn-hangzhou", Match: stopped, SortedTags: true},
			"ids":            {Region: "cn-hangzhou", IDs: []string{all[9].ID, all[2].ID, all[2].ID, "i-nosuch"}, WithoutEvents: true, SortedTags: true},
		} {
			want := e.ListInstances(f, p)
			got := e.ListInstancesInto(insts, f, p)
			insts = got
			if want.Total != got.Total || want.Last != got.Last || want.More != got.More || !reflect.DeepEqual(want.Instances, got.Instances) {
				t.Errorf("%s %+v: ListInstancesInto answered %d instances %+v, ListInstances %d", name, p, len(got.Instances), got, len(want.Instances))
			}
			if !f.SortedTags {
				if got.Tags != nil {
					t.Errorf("%s %+v: tags answered unasked", name, p)
				}
				continue
			}
			if len(got.Tags) != len(got.Instances) {
				t.Fatalf("%s %+v: tags of %d instances, %d instances", name, p, len(got.Tags), len(got.Instances))
			}
			for i := range got.Instances {
				if want := sortedTags(&got.Instances[i]); !slices.Equal(got.Tags[i], want) {
					t.Errorf("%s %+v: %s tagged %v, want %v", name, p, got.Instances[i].ID, got.Tags[i], want)
				}
				tagged += len(got.Tags[i])
			}
		}
		for name, f := range map[string]EventListFilter{
			"pending":  {EventFilter: EventFilter{Region: "cn-hangzhou", CycleStatuses: model.PendingCycleStatuses}},
			"final":    {EventFilter: EventFilter{Region: "cn-hangzhou", CycleStatuses: []model.EventCycleStatus{model.CycleAvoided, model.CycleExecuted}}},
			"instance": {EventFilter: EventFilter{Region: "cn-hangzhou", InstanceIDs: []string{all[3].ID}}},
		} {
			want := e.ListEvents(f, p)
			got := e.ListEventsInto(evs, f, p)
			evs = got.Events
			if want.Total != got.Total || want.Last != got.Last || want.More != got.More || !reflect.DeepEqual(want.Events, got.Events) {
				t.Errorf("%s %+v: ListEventsInto answered %d events, ListEvents %d", name, p, len(got.Events), len(want.Events))
			}
		}
	}
	if tagged < 100 {
		t.Fatalf("only %d tags answered; the case needs more", tagged)
	}
}
