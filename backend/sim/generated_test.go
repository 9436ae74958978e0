package sim

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Issue 20: no generated pending event is due more than MaxOverdue before now, the floor
// Showcase puts its rows under without reading the fleet.
func TestGeneratedDeadlinesKeepMaxOverdue(t *testing.T) {
	floor := Epoch.Add(-MaxOverdue)
	atFloor := 0
	for seed := int64(1); seed <= 4; seed++ {
		f := Generate(seed, 5000, Epoch)
		for i := range f.Instances {
			for _, ev := range f.Instances[i].Events {
				if !ev.CycleStatus.Pending() {
					continue
				}
				if ev.NotBefore.Before(floor) {
					t.Fatalf("seed %d: %s (%s, %s) is due %s, more than MaxOverdue (%s) before now",
						seed, ev.ID, ev.Type, ev.CycleStatus, Epoch.Sub(ev.NotBefore), MaxOverdue)
				}
				if ev.NotBefore.Sub(floor) < time.Minute {
					atFloor++
				}
			}
		}
	}
	if atFloor == 0 {
		t.Error("no deadline within a minute of the floor: MaxOverdue is looser than the draws")
	}
}

// The showcase rows go under the floor: above every other row of any fleet of the seed,
// however large, and the first region has them all at the demo's sizes.
func TestShowcaseRowsTopEveryGeneratedDeadline(t *testing.T) {
	for _, n := range []int{60, 20_000} {
		f := Generate(1, n, Epoch)
		Showcase(f, Epoch)
		top := 0
		for i := range f.Instances {
			ev := f.Instances[i].NextEvent()
			if ev == nil {
				continue
			}
			if ev.NotBefore.Before(Epoch.Add(-MaxOverdue)) {
				top++
				if f.Instances[i].RegionID != f.Regions[0].RegionID {
					t.Errorf("n=%d: showcase row %s in %s, not the first region", n, f.Instances[i].ID, f.Instances[i].RegionID)
				}
			}
		}
		if top != 3 {
			t.Errorf("n=%d: %d rows under the floor, want the 3 showcase rows", n, top)
		}
	}
}

// Regions are skewed like a real account (most instances in the first ones) and each is
// whole: its instances one after another, in AllRegions' order, with the region's prefix.
func TestGeneratedRegionsAreSkewedAndWhole(t *testing.T) {
	const n = 20_000
	f := Generate(7, n, Epoch)
	if len(f.Instances) != n {
		t.Fatalf("%d instances, want %d", len(f.Instances), n)
	}
	counts := map[string]int{}
	last := -1
	for i := range f.Instances {
		in := &f.Instances[i]
		k := slices.IndexFunc(genRegions, func(r regionSpec) bool { return r.id == in.RegionID })
		if k < last {
			t.Fatalf("instance %d (%s) in %s after an instance of %s", i, in.ID, in.RegionID, genRegions[last].id)
		}
		last = k
		if in.ID[:5] != "i-"+genRegions[k].prefix {
			t.Fatalf("%s in %s: want the prefix i-%s", in.ID, in.RegionID, genRegions[k].prefix)
		}
		counts[in.RegionID]++
	}
	// min(IntN(10), IntN(10)) puts 19 % in the first region, 1 % in the last.
	first, lastN := counts[genRegions[0].id], counts[genRegions[len(genRegions)-1].id]
	if first < n*17/100 || first > n*21/100 || lastN > n*2/100 || lastN == 0 {
		t.Errorf("first region %d, last %d of %d: want about 19 %% and 1 %%", first, lastN, n)
	}
	for k := 1; k < len(genRegions); k++ {
		if counts[genRegions[k].id] > counts[genRegions[k-1].id]*11/10 {
			t.Errorf("%s holds %d, more than %s's %d", genRegions[k].id, counts[genRegions[k].id], genRegions[k-1].id, counts[genRegions[k-1].id])
		}
	}
}

// A region draws from its own generator: drawn last to first, or on its own, it is the
// same region, so regions can be drawn as they are asked for.
func TestGeneratedRegionsAreTheirOwn(t *testing.T) {
	const n = 3000
	want := Generate(5, n, Epoch)
	g := newGenerator(5, n, Epoch)
	got := make([]model.Instance, n)
	offs := make([]int, len(g.counts)+1)
	for k, c := range g.counts {
		offs[k+1] = offs[k] + c
	}
	for k := len(g.counts) - 1; k >= 0; k-- {
		part := got[offs[k]:offs[k+1]]
		g.region(k, func(i int) *model.Instance { return &part[i] })
	}
	if !reflect.DeepEqual(want.Instances, got) {
		t.Fatal("the fleet drawn last region first differs from Generate's")
	}
}

// NewGenerated is New over Generate with Showcase, made region by region: every listing,
// cursor and count the same.
func TestNewGeneratedIsNewOverGenerate(t *testing.T) {
	const seed, n = 3, 4000
	f := Generate(seed, n, Epoch)
	Showcase(f, Epoch)
	whole := New(f, NewStepClock(Epoch), Options{Seed: seed})
	byRegion := NewGenerated(seed, n, Epoch, NewStepClock(Epoch), Options{Seed: seed})
	for _, r := range AllRegions() {
		if a, b := whole.Instances(r.RegionID, nil), byRegion.Instances(r.RegionID, nil); !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: the instances differ", r.RegionID)
		}
		f := EventListFilter{EventFilter: EventFilter{Region: r.RegionID, CycleStatuses: model.PendingCycleStatuses}}
		for p := (Page{After: -1, Limit: 100}); ; {
			a, b := whole.ListEvents(f, p), byRegion.ListEvents(f, p)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: the event page after %d differs", r.RegionID, p.After)
			}
			if !a.More {
				break
			}
			p.After = a.Last
		}
	}
	if !reflect.DeepEqual(whole.PendingInstances(nil, nil), byRegion.PendingInstances(nil, nil)) {
		t.Fatal("the pending instances differ")
	}
}

// A read of a region draws that region and the ones before it, not the rest: the demo's
// first screen waits for its first region alone (issue 20).
func TestNewGeneratedDrawsARegionWhenFirstAskedFor(t *testing.T) {
	e := NewGenerated(1, 2000, Epoch, NewStepClock(Epoch), Options{Seed: 1})
	regions := AllRegions()
	if got := e.PendingInstances([]string{regions[1].RegionID}, nil); len(got) == 0 {
		t.Fatal("no pending instance in the second region")
	}
	for k, r := range regions {
		select {
		case <-e.loading.done[k]:
			if k > 1 {
				t.Errorf("%s was drawn for a read of %s", r.RegionID, regions[1].RegionID)
			}
		default:
			if k <= 1 {
				t.Errorf("%s not drawn after a read of %s", r.RegionID, regions[1].RegionID)
			}
		}
	}
	// A listing of every region waits for them all.
	if n := len(e.PendingInstances(nil, nil)); n != 2000 {
		t.Errorf("%d pending instances, want 2000", n)
	}
}

// A caller whose context ends while its region is still to be drawn is answered at once
// with the context's error (a signal during a demo's start).
func TestBackendAnswersACanceledCallWithoutWaitingForItsRegion(t *testing.T) {
	e := NewGenerated(1, 100, Epoch, NewStepClock(Epoch), Options{Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewBackend(e).Instances(ctx, backend.Query{Regions: []string{"us-west-1"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	e.Load() // the drawing goes on, and ends
}
