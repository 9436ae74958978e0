package notify

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func row(id string, deadline time.Duration, state fleet.RedeployState) *fleet.Row {
	in := &model.Instance{ID: id, RegionID: "cn-hangzhou", Events: []model.Event{{ID: "e-" + id, InstanceID: id,
		Type: model.EventMaintenanceRedeploy, CycleStatus: model.CycleScheduled, NotBefore: t0.Add(deadline)}}}
	return &fleet.Row{Inst: in, Event: &in.Events[0], Deadline: in.Events[0].NotBefore, State: state, InProgress: state.InProgress()}
}

func plan(id string, phase fleet.PlanPhase, items map[string]fleet.ItemStatus) fleet.PlanStatus {
	p := fleet.PlanStatus{PlanRecord: fleet.PlanRecord{ID: id, Phase: phase}}
	for _, inst := range slices.Sorted(func(yield func(string) bool) {
		for k := range items {
			if !yield(k) {
				return
			}
		}
	}) {
		p.Items = append(p.Items, fleet.PlanItem{InstanceID: inst, Status: items[inst]})
		if items[inst] == fleet.ItemFailed {
			p.Summary.Failed++
		}
	}
	return p
}

func snap(rows []*fleet.Row, plans ...fleet.PlanStatus) *fleet.Snapshot {
	return &fleet.Snapshot{Updated: t0, Rows: rows, Plans: plans}
}

func kinds(ns []Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, string(n.Kind)+" "+n.Key)
	}
	return out
}

func TestWatcherTellsEachFactOnce(t *testing.T) {
	w := newWatcher(2 * time.Hour)
	if got := w.notices(&fleet.Snapshot{Loading: true}, t0); got != nil {
		t.Fatalf("before the first listing: %v", kinds(got))
	}
	a := row("i-a", 30*time.Minute, fleet.StateIdle)
	if got := kinds(w.notices(snap([]*fleet.Row{a}), t0)); len(got) != 1 || got[0] != "watching watching/2026-11-25T03:00:00Z" {
		t.Fatalf("start: %v", got)
	}
	steps := []struct {
		name string
		s    *fleet.Snapshot
		now  time.Duration
		want []string
	}{
		{"the same again", snap([]*fleet.Row{a}), time.Minute, nil},
		{"a new event, far", snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateIdle)}), 2 * time.Minute,
			[]string{"event.new event.new/e-i-b"}},
		{"b enters the lead time while a running plan holds it: planned",
			snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateIdle)}, plan("p1", fleet.PhaseRunning, map[string]fleet.ItemStatus{"i-b": fleet.ItemQueued})),
			3*time.Hour + time.Minute, nil},
		{"the plan pauses with b queued: nothing is planned for b any more",
			snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateIdle)}, plan("p1", fleet.PhasePaused, map[string]fleet.ItemStatus{"i-b": fleet.ItemQueued})),
			3*time.Hour + 2*time.Minute, []string{"deadline.near deadline.near/e-i-b", "plan.paused plan.paused/p1/1"}},
		{"continued: running again", snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateRunning)},
			plan("p1", fleet.PhaseRunning, map[string]fleet.ItemStatus{"i-b": fleet.ItemRunning})), 3*time.Hour + 3*time.Minute, nil},
		{"b's redeploy has no answer", snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateOutcomeUnknown)},
			plan("p1", fleet.PhaseRunning, map[string]fleet.ItemStatus{"i-b": fleet.ItemOutcomeUnknown})), 3*time.Hour + 4*time.Minute,
			[]string{"outcome.unknown outcome.unknown/i-b/1"}},
		{"paused a second time: told again", snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateFailed)},
			plan("p1", fleet.PhasePaused, map[string]fleet.ItemStatus{"i-b": fleet.ItemFailed})), 3*time.Hour + 5*time.Minute,
			[]string{"plan.paused plan.paused/p1/2"}},
		{"a plan that ends with a failure", snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateFailed)},
			plan("p1", fleet.PhasePaused, map[string]fleet.ItemStatus{"i-b": fleet.ItemFailed}),
			plan("p2", fleet.PhaseDone, map[string]fleet.ItemStatus{"i-c": fleet.ItemFailed, "i-d": fleet.ItemFinished})), 3*time.Hour + 6*time.Minute,
			[]string{"plan.failed plan.failed/p2/1"}},
		{"an aborted plan", snap([]*fleet.Row{a, row("i-b", 5*time.Hour, fleet.StateFailed)},
			plan("p1", fleet.PhaseAborted, map[string]fleet.ItemStatus{"i-b": fleet.ItemFailed})), 3*time.Hour + 7*time.Minute,
			[]string{"plan.aborted plan.aborted/p1/1"}},
		{"a new event already inside the lead time, on an instance in progress: new, not near",
			snap([]*fleet.Row{a, row("i-e", time.Hour+3*time.Hour, fleet.StateRunning)}), 3*time.Hour + 8*time.Minute,
			[]string{"event.new event.new/e-i-e"}},
		{"a new event inside the lead time with nothing planned: both",
			snap([]*fleet.Row{a, row("i-e", 4*time.Hour, fleet.StateRunning), row("i-f", 4*time.Hour, fleet.StateIdle)}), 3*time.Hour + 9*time.Minute,
			[]string{"event.new event.new/e-i-f", "deadline.near deadline.near/e-i-f"}},
	}
	for _, st := range steps {
		if got := kinds(w.notices(st.s, t0.Add(st.now))); !slices.Equal(got, st.want) {
			t.Fatalf("%s: %v, want %v", st.name, got, st.want)
		}
	}
}

func TestBaselineSumsUpWhatWasPending(t *testing.T) {
	w := newWatcher(time.Hour)
	rows := []*fleet.Row{row("i-a", 10*time.Minute, fleet.StateIdle), row("i-b", 20*time.Minute, fleet.StateRunning), row("i-c", 3*time.Hour, fleet.StateIdle)}
	rows[2].Inst.RegionID = "cn-shanghai"
	got := w.notices(snap(rows, plan("p1", fleet.PhasePaused, map[string]fleet.ItemStatus{"i-c": fleet.ItemQueued})), t0)
	want := "watching: 3 pending system event(s) (cn-hangzhou 2, cn-shanghai 1); 1 deadline(s) within 1h with nothing planned: i-a; 1 plan(s) paused, waiting for an operator: p1"
	if len(got) != 1 || got[0].Text != want || got[0].Count != 3 || got[0].Severity != SeverityWarning {
		t.Fatalf("%+v\nwant %q", got, want)
	}
	// What the baseline counted is not told again.
	if again := w.notices(snap(rows, plan("p1", fleet.PhasePaused, map[string]fleet.ItemStatus{"i-c": fleet.ItemQueued})), t0.Add(time.Minute)); len(again) != 0 {
		t.Fatalf("told again: %v", kinds(again))
	}
}

// TestTheBaselineWaitsForEveryRegion: the first listing shows region by region; the
// events of the regions listed first are not new.
func TestTheBaselineWaitsForEveryRegion(t *testing.T) {
	a, b := row("i-a", 5*time.Hour, fleet.StateIdle), row("i-b", 5*time.Hour, fleet.StateIdle)
	b.Inst.RegionID = "cn-shanghai"
	loading := snap([]*fleet.Row{a})
	loading.Fresh = fleet.Freshness{Regions: 2, Loaded: 1}
	loaded := snap([]*fleet.Row{a, b})
	loaded.Fresh = fleet.Freshness{Regions: 2, Loaded: 2}

	w := newWatcher(time.Hour)
	if got := w.notices(loading, t0); got != nil {
		t.Fatalf("one region of two listed: %v", kinds(got))
	}
	got := w.notices(loaded, t0.Add(time.Second))
	if len(got) != 1 || got[0].Kind != KindWatching || got[0].Count != 2 {
		t.Fatalf("every region listed: %+v", got)
	}

	// A refresh that fails ends the wait: the regions listed are the baseline.
	w = newWatcher(time.Hour)
	loading.Err = errors.New("Throttling: Request was denied")
	got = w.notices(loading, t0)
	if len(got) != 1 || got[0].Count != 1 || !strings.Contains(got[0].Text, "1 of 2 regions listed so far (Throttling: Request was denied): the events of the others will be told as new") {
		t.Fatalf("after a failure: %+v", got)
	}
	if got := kinds(w.notices(loaded, t0.Add(time.Minute))); !slices.Equal(got, []string{"event.new event.new/e-i-b"}) {
		t.Fatalf("the other region listed: %v", got)
	}
}

// TestRowsReplacedInPlace: the hub patches changed rows into a copy of the list (same
// instances, same order); the watcher looks at those rows only, and sees what changed.
func TestRowsReplacedInPlace(t *testing.T) {
	w := newWatcher(time.Hour)
	a, b := row("i-a", 5*time.Hour, fleet.StateIdle), row("i-b", 6*time.Hour, fleet.StateIdle)
	w.notices(snap([]*fleet.Row{a, b}), t0)
	withEvent := func(r *fleet.Row, id string) *fleet.Row {
		c := *r
		in := *r.Inst
		in.Events = append(slices.Clone(in.Events), model.Event{ID: id, InstanceID: in.ID, Type: model.EventMaintenanceReboot,
			CycleStatus: model.CycleInquiring, NotBefore: t0.Add(30 * time.Hour)})
		c.Inst = &in
		return &c
	}
	state := func(r *fleet.Row, st fleet.RedeployState) *fleet.Row {
		c := *r
		c.State, c.InProgress = st, st.InProgress()
		return &c
	}
	b2 := withEvent(state(b, fleet.StateOutcomeUnknown), "e-b-2")
	b3 := state(b2, fleet.StateRunning)
	b4 := state(b3, fleet.StateOutcomeUnknown)
	ended := func(r *fleet.Row) *fleet.Row {
		c := *r
		in := *r.Inst
		in.Events = slices.Clone(in.Events)
		for i := range in.Events {
			in.Events[i].CycleStatus = model.CycleAvoided
		}
		c.Inst, c.State, c.InProgress = &in, fleet.StateAvoided, false
		return &c
	}
	b5 := ended(b4)
	for _, st := range []struct {
		name string
		rows []*fleet.Row
		want []string
	}{
		{"a new event and an unknown outcome on b", []*fleet.Row{a, b2}, []string{"event.new event.new/e-b-2", "outcome.unknown outcome.unknown/i-b/1"}},
		{"its task is found", []*fleet.Row{a, b3}, nil},
		{"unknown again", []*fleet.Row{a, b4}, []string{"outcome.unknown outcome.unknown/i-b/2"}},
		{"avoided", []*fleet.Row{a, b5}, nil},
	} {
		if got := kinds(w.notices(snap(st.rows), t0.Add(time.Minute))); !slices.Equal(got, st.want) {
			t.Fatalf("%s: %v, want %v", st.name, got, st.want)
		}
	}
	if _, ok := w.pending["e-b-2"]; ok || len(w.pending) != 1 {
		t.Fatalf("the avoided events are still remembered: %v", w.pending)
	}
}

// TestAnUnknownOutcomeNamesItsPlanAndTask: the notice says which plan sent the redeploy,
// and its task when one is known.
func TestAnUnknownOutcomeNamesItsPlanAndTask(t *testing.T) {
	w := newWatcher(time.Hour)
	a := row("i-a", 5*time.Hour, fleet.StateIdle)
	w.notices(snap([]*fleet.Row{a}), t0)
	b := row("i-a", 5*time.Hour, fleet.StateOutcomeUnknown)
	b.Task = &fleet.Task{ID: "t-a"}
	b.StartedBy = fleet.StartedBy{Identity: backend.Identity{Name: "night-shift", Role: backend.RoleOperator}}
	got := w.notices(snap([]*fleet.Row{b}, plan("p-7", fleet.PhaseRunning, map[string]fleet.ItemStatus{"i-a": fleet.ItemOutcomeUnknown})), t0)
	if len(got) != 1 || got[0].Plan != "p-7" || got[0].Task != "t-a" || got[0].Severity != SeverityCritical ||
		!strings.Contains(got[0].Text, "(started by night-shift (operator)) in plan p-7") {
		t.Fatalf("%+v", got)
	}
}
