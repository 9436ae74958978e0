package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// windowSpec is one instance of a window or limits fleet: its window in UTC+8 (start and
// end hours; none when equal), its deadline after sim.Epoch (11:00 UTC+8), its tags and
// its event's host and rack.
type windowSpec struct {
	name       string
	from, to   int
	due        time.Duration
	tags       map[string]string
	host, rack string
}

func windowFleet(specs []windowSpec) *sim.Fleet {
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Maintenance: map[string]model.MaintenanceAttribute{}}
	for _, s := range specs {
		id := wid(s.name)
		ev := model.Event{ID: "e-" + s.name, InstanceID: id, Type: model.EventMaintenanceRedeploy,
			CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(s.due), PublishTime: sim.Epoch.Add(-24 * time.Hour)}
		if s.host != "" || s.rack != "" {
			ev.ExtendedAttribute = &model.ExtendedAttribute{HostID: s.host, Rack: s.rack}
		}
		f.Instances = append(f.Instances, model.Instance{ID: id, Name: s.name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
			InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning, Tags: s.tags, Events: []model.Event{ev}})
		a := model.MaintenanceAttribute{InstanceID: id, Action: model.MaintenanceAutoRecover, DefaultAction: model.MaintenanceAutoRecover,
			SupportedActions: model.MaintenanceActions}
		if s.from != s.to {
			a.Windows = []model.MaintenanceWindow{{Start: time.Duration(s.from) * time.Hour, End: time.Duration(s.to) * time.Hour, Zone: model.MaintenanceWindowZone}}
		}
		f.Maintenance[id] = a
	}
	return f
}

// windowSpecs: sim.Epoch is 11:00 UTC+8. now is inside its window; later's opens at 13:00
// (in 2 h); late's opens at 02:00 (in 15 h), after its deadline; none has no window.
var windowSpecs = []windowSpec{
	{name: "now", from: 10, to: 14, due: 10 * time.Hour},
	{name: "later", from: 13, to: 15, due: 10 * time.Hour},
	{name: "late", from: 2, to: 4, due: 5 * time.Hour},
	{name: "none", due: 5 * time.Hour},
}

func itemOf(p *Plan, name string) PlanItem {
	for _, it := range p.Record().Items {
		if it.Name == name {
			return it
		}
	}
	return PlanItem{}
}

func TestPlanInWindowSendsEachTargetAtItsWindowStartNotBefore(t *testing.T) {
	r := newRig(t, windowFleet(windowSpecs), sim.Options{}, false)
	ctx := context.Background()
	var trs []Transition
	p, err := NewPlan(r.h, ids("now", "later", "late", "none"), PlanOptions{MaxInFlight: 10, InWindow: true, Identity: operator,
		OnTransition: func(tr Transition) { trs = append(trs, tr) }})
	if err != nil {
		t.Fatal(err)
	}
	// Before anything is sent: when each is due, and what no window fits.
	if err := p.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	// Inside its window (opened at 10:00): due now, not at the window's start, which has
	// passed (docs/cli.md; the JSON said a past time).
	if got := itemOf(p, "now"); got.Status != ItemQueued || !got.Due.Equal(sim.Epoch) || !got.DueUntil.Equal(sim.Epoch.Add(3*time.Hour)) ||
		got.Window != "10:00:00–14:00:00 UTC+8" {
		t.Fatalf("now: %+v", got)
	}
	if got := itemOf(p, "later"); got.Status != ItemQueued || !got.Due.Equal(sim.Epoch.Add(2*time.Hour)) {
		t.Fatalf("later: due %v, want %v", got.Due, sim.Epoch.Add(2*time.Hour))
	}
	if got := itemOf(p, "late"); got.Status != ItemSkipped ||
		!strings.HasPrefix(got.Reason, "no maintenance window before the deadline 2026-11-25T08:00:00Z") || !strings.HasSuffix(got.Reason, "left for a person") {
		t.Fatalf("late: %s %q", got.Status, got.Reason)
	}
	if got := itemOf(p, "none"); got.Status != ItemSkipped || !strings.HasPrefix(got.Reason, "no maintenance window is set") {
		t.Fatalf("none: %s %q", got.Status, got.Reason)
	}
	if len(r.w.calls) != 0 || len(trs) != 0 {
		t.Fatalf("before the plan started: calls %v, transitions %+v", r.w.calls, trs)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	// Start reports the two skipped with their reasons, and when the two targets are due.
	due := map[string]time.Time{}
	skipped := 0
	for _, tr := range trs {
		switch tr.Status {
		case ItemSkipped:
			skipped++
		case ItemQueued:
			due[tr.Instance] = tr.Due
		}
	}
	if skipped != 2 || len(due) != 2 || !due[wid("later")].Equal(sim.Epoch.Add(2*time.Hour)) || due[wid("now")].After(sim.Epoch) {
		t.Fatalf("Start reported %+v", trs)
	}
	// Inside its window, now goes at once; later waits, however often the plan steps.
	for range 4 * 60 {
		if err := p.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if r.w.calls[wid("later")] != 0 {
			t.Fatalf("later sent at %v, before its window opens at %v", r.clock.Now(), sim.Epoch.Add(2*time.Hour))
		}
		if r.clock.Now().Add(30 * time.Second).After(sim.Epoch.Add(2*time.Hour - time.Second)) {
			break
		}
		r.clock.Advance(30 * time.Second)
		r.h.PollTasks(ctx)
	}
	if r.w.calls[wid("now")] != 1 {
		t.Fatalf("now: %d calls, want 1 at once", r.w.calls[wid("now")])
	}
	r.clock.Advance(sim.Epoch.Add(2*time.Hour - time.Second).Sub(r.clock.Now()))
	if err := p.Step(ctx); err != nil || r.w.calls[wid("later")] != 0 {
		t.Fatalf("a second before its window: %d calls, %v", r.w.calls[wid("later")], err)
	}
	if w, _ := p.nextWake(r.clock.Now()); !w.Equal(sim.Epoch.Add(2 * time.Hour)) {
		t.Fatalf("the plan wakes at %v, want the window start %v", w, sim.Epoch.Add(2*time.Hour))
	}
	r.clock.Advance(time.Second)
	if err := p.Step(ctx); err != nil || r.w.calls[wid("later")] != 1 {
		t.Fatalf("at its window start: %d calls, %v", r.w.calls[wid("later")], err)
	}
	tasks := r.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: ids("later")})
	if len(tasks) != 1 || !tasks[0].CreationTime.Equal(sim.Epoch.Add(2*time.Hour)) {
		t.Fatalf("later's task: %+v", tasks)
	}
	r.drive(p)
	if st := statuses(p); st[wid("now")] != ItemFinished || st[wid("later")] != ItemFinished || r.w.calls[wid("late")]+r.w.calls[wid("none")] != 0 {
		t.Fatalf("after: %v, calls %v", st, r.w.calls)
	}
}

func TestPlanInWindowAsksForWindowsOnceWhileItWaits(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(windowFleet(windowSpecs[:2]), clock, sim.Options{})
	m := &maintCounting{counting: &counting{Backend: sim.NewBackend(eng)}}
	h := New(m, Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(h, ids("now", "later"), PlanOptions{InWindow: true, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	// Two hours of steps (every snapshot steps a plan) before later's window opens: the
	// windows are read once, when the plan first needs them.
	for range 2 * 60 * 2 {
		if err := p.Step(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Second)
		if clock.Now().After(sim.Epoch.Add(2*time.Hour - time.Minute)) {
			break
		}
	}
	if n := m.calls.Load(); n != 1 {
		t.Fatalf("%d DescribeInstanceMaintenanceAttributes calls while waiting, want 1", n)
	}
}

// fakeAfter stands in for the hub's After: each wait asked for is reported on asked, and
// fires only when the test says so.
type fakeAfter struct {
	asked chan afterCall
}

type afterCall struct {
	d    time.Duration
	fire chan time.Time
}

func (f *fakeAfter) After(d time.Duration) <-chan time.Time {
	c := afterCall{d: d, fire: make(chan time.Time, 1)}
	select {
	case f.asked <- c:
	default: // nobody looks for this wait (the refresh and task loops): it never fires
	}
	return c.fire
}

func TestHubRunnerWakesAPlanAtItsWindowStart(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(windowFleet(windowSpecs[:2]), clock, sim.Options{})
	w := &watch{Backend: sim.NewBackend(eng), eng: eng, meta: map[string]model.Instance{}, calls: map[string]int{}}
	fa := &fakeAfter{asked: make(chan afterCall, 64)}
	h := New(w, Options{Now: clock.Now, Wall: clock.Now, After: fa.After, NewEvery: -1, Interval: 24 * time.Hour})
	_, sub := runHub(t, h)
	if _, err := h.StartPlan(ids("now", "later"), PlanOptions{InWindow: true, Identity: operator}); err != nil {
		t.Fatal(err)
	}
	var wake afterCall
	for deadline := time.After(30 * time.Second); wake.fire == nil; {
		select {
		case c := <-fa.asked:
			if c.d == 2*time.Hour {
				wake = c
			}
		case <-deadline:
			t.Fatal("the plan's runner never asked to wake at later's window start, 2h on")
		}
	}
	w.mu.Lock()
	early := w.calls[wid("later")]
	w.mu.Unlock()
	if early != 0 {
		t.Fatal("later was sent before its window")
	}
	clock.Advance(2 * time.Hour)
	wake.fire <- clock.Now()
	for deadline := time.After(30 * time.Second); ; {
		select {
		case s := <-sub.C():
			if len(s.Plans) == 1 {
				for _, it := range s.Plans[0].Items {
					if it.Name == "later" && it.Status.InFlight() {
						return
					}
				}
			}
		case <-deadline:
			t.Fatalf("later was not sent when the runner woke at its window: %+v", h.Plans())
		}
	}
}

// groupWatch wraps the simulator's backend and, right after every RedeployInstance it
// passes, groups the engine's own Processing tasks by key: the number only grows at a
// call, so checking there checks every instant.
type groupWatch struct {
	backend.Backend
	eng  *sim.Engine
	key  map[string]string // instance id → its group ("" none)
	max  int
	mu   sync.Mutex
	bad  []string
	sent []string
}

func (w *groupWatch) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	ref, err := w.Backend.Redeploy(ctx, r)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, r.InstanceID)
	n := map[string][]string{}
	for _, t := range w.eng.Tasks("cn-hangzhou", sim.TaskFilter{Status: model.TaskProcessing}) {
		if g := w.key[t.ResourceID]; g != "" {
			n[g] = append(n[g], t.ResourceID)
			if len(n[g]) > w.max {
				w.bad = append(w.bad, fmt.Sprintf("%v of %s Processing at once", n[g], g))
			}
		}
	}
	return ref, err
}

func TestPlanMaxPerGroupCountsEveryRedeployTheHubKnows(t *testing.T) {
	// x1 is redeployed by another plan first; it shares every grouping with a1.
	specs := []windowSpec{
		{name: "x1", due: 1 * time.Hour, tags: map[string]string{"app": "web", "host": "t1"}, host: "h1", rack: "r1"},
		{name: "a1", due: 2 * time.Hour, tags: map[string]string{"app": "web", "host": "t1"}, host: "h1", rack: "r1"},
		{name: "a2", due: 3 * time.Hour, tags: map[string]string{"app": "web", "host": "t2"}, host: "h2", rack: "r1"},
		{name: "a3", due: 4 * time.Hour, tags: map[string]string{"app": "db", "host": "t1"}, host: "h1", rack: "r2"},
		{name: "a4", due: 5 * time.Hour, tags: map[string]string{"app": "db", "host": "t2"}, host: "h2", rack: "r2"},
		{name: "a5", due: 6 * time.Hour, tags: map[string]string{"app": "web", "host": "t3"}, host: "h3", rack: "r2"},
		{name: "a6", due: 7 * time.Hour, host: "h3", rack: "r1"},
	}
	for _, tc := range []struct {
		flag  string
		key   func(windowSpec) string
		first []string // the plan's first wave, with x1 in flight
	}{
		{"app=1", func(s windowSpec) string { return s.tags["app"] }, []string{"a3", "a6"}},
		{"host=1", func(s windowSpec) string { return s.host }, []string{"a2", "a5"}},
		{"rack=1", func(s windowSpec) string { return s.rack }, []string{"a3"}},
		{"tag:host=1", func(s windowSpec) string { return s.tags["host"] }, []string{"a2", "a5", "a6"}},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			limit, err := ParseGroupLimit(tc.flag)
			if err != nil {
				t.Fatal(err)
			}
			clock := sim.NewStepClock(sim.Epoch)
			eng := sim.New(windowFleet(specs), clock, sim.Options{})
			gw := &groupWatch{Backend: sim.NewBackend(eng), eng: eng, key: map[string]string{}, max: 1}
			for _, s := range specs {
				gw.key[wid(s.name)] = tc.key(s)
			}
			h := New(gw, Options{Now: clock.Now, Wall: clock.Now})
			ctx := context.Background()
			if err := h.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			other, err := NewPlan(h, ids("x1"), PlanOptions{Identity: operator})
			if err != nil {
				t.Fatal(err)
			}
			if err := other.Step(ctx); err != nil {
				t.Fatal(err)
			}
			p, err := NewPlan(h, ids("a1", "a2", "a3", "a4", "a5", "a6"), PlanOptions{MaxInFlight: 10, Limits: []GroupLimit{limit}, Identity: operator})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Step(ctx); err != nil {
				t.Fatal(err)
			}
			var first []string
			for _, id := range gw.sent[1:] {
				first = append(first, strings.TrimRight(strings.TrimPrefix(id, "i-bp1"), "0"))
			}
			if strings.Join(first, " ") != strings.Join(tc.first, " ") {
				t.Fatalf("first wave %v with x1 in flight, want %v", first, tc.first)
			}
			for i := 0; i < 2000 && !(p.Settled() && other.Settled()); i++ {
				clock.Advance(30 * time.Second)
				h.PollTasks(ctx)
				for _, q := range []*Plan{other, p} {
					if err := q.Step(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(gw.bad) > 0 {
				t.Fatalf("%s broke: %v", tc.flag, gw.bad)
			}
			for _, id := range ids("a1", "a2", "a3", "a4", "a5", "a6") {
				if statuses(p)[id] != ItemFinished {
					t.Errorf("%s: %s", id, statuses(p)[id])
				}
			}
		})
	}
}

func TestResumedPlanKeepsItsWindowsAndLimits(t *testing.T) {
	specs := []windowSpec{
		{name: "now", from: 10, to: 14, due: 10 * time.Hour, tags: map[string]string{"app": "web"}},
		{name: "now2", from: 10, to: 14, due: 11 * time.Hour, tags: map[string]string{"app": "web"}},
		{name: "later", from: 13, to: 15, due: 10 * time.Hour, tags: map[string]string{"app": "db"}},
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(windowFleet(specs), clock, sim.Options{})
	gw := &groupWatch{Backend: sim.NewBackend(eng), eng: eng, key: map[string]string{wid("now"): "web", wid("now2"): "web"}, max: 1}
	store := &PlanStore{Dir: filepath.Join(t.TempDir(), "state")}
	ctx := context.Background()
	h1 := New(gw, Options{Now: clock.Now, Wall: clock.Now})
	if err := h1.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	p1, err := NewPlan(h1, ids("now", "now2", "later"), PlanOptions{InWindow: true, Limits: []GroupLimit{{By: "tag:app", Max: 1}},
		Store: store, Identity: operator})
	if err != nil {
		t.Fatal(err)
	}
	if err := p1.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if len(gw.sent) != 1 || gw.sent[0] != wid("now") {
		t.Fatalf("first wave %v, want now alone (now2 shares app web; later's window opens in 2h)", gw.sent)
	}
	p1.Close() // the process stops

	h2 := New(gw, Options{Now: clock.Now, Wall: clock.Now})
	if err := h2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	plans, _, err := ResumeUnfinished(ctx, h2, PlanOptions{Store: store, Identity: operator})
	if err != nil || len(plans) != 1 {
		t.Fatalf("resumed %d, %v", len(plans), err)
	}
	p2 := plans[0]
	if rec := p2.Record(); !rec.InWindow || len(rec.Limits) != 1 || rec.Groups[wid("now2")]["tag:app"] != "web" {
		t.Fatalf("resumed rules: InWindow %v, Limits %v, Groups %v", rec.InWindow, rec.Limits, rec.Groups)
	}
	for clock.Now().Before(sim.Epoch.Add(2*time.Hour - time.Second)) {
		if err := p2.Step(ctx); err != nil {
			t.Fatal(err)
		}
		for _, id := range gw.sent {
			if id == wid("later") {
				t.Fatalf("later sent at %v, before its window", clock.Now())
			}
		}
		clock.Advance(30 * time.Second)
		h2.PollTasks(ctx)
	}
	for i := 0; i < 100 && !p2.Settled(); i++ {
		if err := p2.Step(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Second)
		h2.PollTasks(ctx)
	}
	if len(gw.bad) > 0 {
		t.Fatalf("app=1 broke after the resume: %v", gw.bad)
	}
	for _, n := range []string{"now", "now2", "later"} {
		if st := statuses(p2)[wid(n)]; st != ItemFinished {
			t.Errorf("%s: %s", n, st)
		}
	}
	if tasks := eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: ids("later")}); len(tasks) != 1 || tasks[0].CreationTime.Before(sim.Epoch.Add(2*time.Hour)) {
		t.Fatalf("later's task: %+v", tasks)
	}
}

func TestParseGroupLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want GroupLimit
		err  string
	}{
		{"app=1", GroupLimit{By: "tag:app", Max: 1}, ""},
		{"host=1", GroupLimit{By: "host", Max: 1}, ""},
		{"rack=2", GroupLimit{By: "rack", Max: 2}, ""},
		{"tag:host=1", GroupLimit{By: "tag:host", Max: 1}, ""},
		{" team = 3 ", GroupLimit{By: "tag:team", Max: 3}, ""},
		{"app", GroupLimit{}, `"app": write KEY=N`},
		{"app=0", GroupLimit{}, `"0" is not a whole number of at least 1`},
		{"app=x", GroupLimit{}, `"x" is not a whole number`},
		{"=1", GroupLimit{}, "write KEY=N"},
		{"tag:=1", GroupLimit{}, "names no tag key"},
	} {
		got, err := ParseGroupLimit(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, got, err, tc.want)
		}
		if back, _ := ParseGroupLimit(got.String()); back != got {
			t.Errorf("%q: String %q reads back as %+v", tc.in, got.String(), back)
		}
	}
}

// runHub refreshes h and runs it until the test ends, with a subscription to wait on.
func runHub(t *testing.T, h *Hub) (context.Context, *Subscription) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	sub := h.Subscribe(ctx)
	t.Cleanup(sub.Close)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); h.Run(ctx) }()
	// Cleanups run last first: cancel, then wait for Run, then close the subscription.
	t.Cleanup(wg.Wait)
	t.Cleanup(cancel)
	return ctx, sub
}
