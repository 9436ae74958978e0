package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/common"
)

// kafkaHarness is a console's world of three kafka instances in one deployment set and
// one web instance, all Running, kafka's deadlines first; ids in deadline order.
func kafkaHarness(t *testing.T) (*harness, []string) {
	t.Helper()
	return kafkaHarnessWith(t, sim.Options{})
}

// kafkaHarnessWith is kafkaHarness on a simulator with opts (a failure rate).
func kafkaHarnessWith(t *testing.T, opts sim.Options) (*harness, []string) {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}}
	var ids []string
	for i, name := range []string{"kafka1", "kafka2", "kafka3", "web1"} {
		id := "i-bp1" + name + strings.Repeat("0", 14)
		set := "ds-bp1kafka"
		if name == "web1" {
			set = ""
		}
		ids = append(ids, id)
		f.Instances = append(f.Instances, model.Instance{ID: id, Name: name, RegionID: "cn-hangzhou",
			ZoneID: "cn-hangzhou-" + string(rune('h'+i%3)), InstanceType: "ecs.g7.xlarge", Status: model.StatusRunning,
			DeploymentSetID: set, Events: []model.Event{{ID: "e-" + name, InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Duration(i+1) * time.Hour), PublishTime: sim.Epoch.Add(-time.Hour)}}})
	}
	eng := sim.New(f, clock, opts)
	c := &counting{Backend: sim.NewBackend(eng)}
	v := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clock: clock, engine: eng, backend: c, view: v, id: backend.Identity{Name: "test", Role: backend.RoleOperator}}, ids
}

// Issue 11: a batch confirmed in the console used to fire every RedeployInstance at once,
// taking a whole deployment set down together. It runs as the hub's plan: one member of a
// set at a time, deadline first.
func TestConsoleBatchKeepsADeploymentSetApart(t *testing.T) {
	h, _ := kafkaHarness(t)
	c, eng := h.backend, h.engine
	m := ready(t, h)
	press(m, keySpace, keySpace, keySpace, keySpace)
	press(m, runes("R"))
	if m.mode != modeDialog || len(m.dialog.Targets()) != 4 {
		t.Fatalf("no dialog for the 4 selected; notice %q", m.notice)
	}
	if v := m.View(); strings.Count(v, "· set ds-bp1kafka ·") != 3 || !strings.Contains(v, "runs in waves") {
		t.Fatalf("the dialog does not show the deployment sets and the waves:\n%s", v)
	}
	press(m, keyTab, runes(common.Itoa(4)), keyEnter, keyEnter)
	m.Update(snapshotMsg{h.view.Snapshot()})

	processing := func() []string {
		var names []string
		for _, tk := range eng.Tasks("cn-hangzhou", sim.TaskFilter{Status: model.TaskProcessing}) {
			names = append(names, strings.TrimRight(strings.TrimPrefix(tk.ResourceID, "i-bp1"), "0"))
		}
		return names
	}
	// The first wave: the most urgent kafka member and web1; the set holds the others.
	if got := processing(); len(got) != 2 || c.redeploys.Load() != 2 {
		t.Fatalf("first wave: %v (%d calls)", got, c.redeploys.Load())
	}
	if v := m.View(); !strings.Contains(v, "batch: 2 in flight · 2 queued · 0 done · 0 failed · 0 skipped") {
		t.Fatalf("the task panel does not show the plan:\n%s", v)
	}
	for wave := 2; wave <= 3; wave++ {
		h.poll(7 * time.Minute)
		h.step(m) // what the hub's runner does on every snapshot
		if got := processing(); len(got) != 1 || !strings.HasPrefix(got[0], "kafka") || int(c.redeploys.Load()) != wave+1 {
			t.Fatalf("wave %d: %v (%d calls)", wave, got, c.redeploys.Load())
		}
	}
	h.poll(7 * time.Minute)
	h.step(m)
	if m.pausedPlan() != nil || !strings.HasPrefix(m.notice, "batch: 4 redeployed, 0 failed, 0 skipped — ") {
		t.Fatalf("after the last wave: notice %q", m.notice)
	}
	// The notice fades; the summary stays on the task panel.
	h.clock.Advance(time.Minute)
	m.Update(clockMsg{})
	if v := m.View(); strings.Contains(v, "! batch:") || !strings.Contains(v, "last batch: 4 redeployed, 0 failed, 0 skipped — ") {
		t.Fatalf("after the notice faded:\n%s", v)
	}
}

// Issue 11: a console that quit mid-batch picks the plan up at its next start
// (Hub.ResumePlans) and the hub runs it on, sending nothing twice. The resumed batch's
// counts and the task panel's agree: the tasks of what ended before the restart are on the
// panel too (issue 22).
func TestConsoleGoesOnWithAResumedPlan(t *testing.T) {
	h, ids := kafkaHarness(t)
	ctx := context.Background()
	store := &fleet.PlanStore{Dir: t.TempDir()}
	first := fleet.New(backend.Guard(h.backend), fleet.Options{Now: h.clock.Now, Wall: h.clock.Now, Plans: store, Where: "sim"})
	if err := first.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := first.StartPlan(ids, fleet.PlanOptions{Identity: h.id}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(7 * time.Minute) // kafka1 and web1 finish
	first.PollTasks(ctx)
	first.StepPlans()                        // kafka2 goes
	if err := first.Drain(ctx); err != nil { // the console quit
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)

	h.view = fleet.New(backend.Guard(h.backend), fleet.Options{Now: h.clock.Now, Wall: h.clock.Now, Plans: store, Where: "sim"})
	others, n, err := h.view.ResumePlans(ctx, h.id)
	if err != nil || n != 1 || len(others) != 0 {
		t.Fatalf("resumed %d, others %d: %v", n, len(others), err)
	}
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Renderer: asciiRenderer(), Identity: h.id, Tick: -1})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	if v := m.View(); !strings.Contains(v, "2 finished") || !strings.Contains(v, "2 done") || strings.Contains(v, "no redeploys yet") {
		t.Fatalf("the resumed batch's counts and the task panel's disagree:\n%s", v)
	}
	for i := 0; i < 4 && m.pausedPlan() == nil && !strings.HasPrefix(m.planLine(false), "last batch"); i++ {
		h.poll(7 * time.Minute)
		h.step(m)
	}
	if !strings.HasPrefix(m.notice, "batch: 4 redeployed, 0 failed, 0 skipped") {
		t.Fatalf("notice %q", m.notice)
	}
	for _, id := range ids {
		if n := len(h.engine.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{id}})); n != 1 {
			t.Errorf("%s: %d redeploys", id, n)
		}
	}
	if left, _ := store.Unfinished(); len(left) != 0 {
		t.Fatalf("%d plans left unfinished on disk", len(left))
	}
}

// Issue 11: q with a redeploy in flight asks first; the console that quits says what goes
// on and how to follow it. Nothing in flight: q quits at once.
func TestQuitWithWorkInFlightAsksFirst(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	if _, cmd := m.Update(runes("q")); cmd == nil || !isQuit(cmd) {
		t.Fatal("with nothing in flight q should quit at once")
	}
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	if h.backend.redeploys.Load() != 1 {
		t.Fatalf("the redeploy was not sent; notice %q", m.notice)
	}
	m.Update(snapshotMsg{h.view.Snapshot()})
	if _, cmd := m.Update(runes("q")); cmd != nil && isQuit(cmd) {
		t.Fatal("q quit with a redeploy in flight without asking")
	}
	if !strings.Contains(m.notice, "1 redeploy(s) in flight go on without this console") {
		t.Fatalf("notice %q", m.notice)
	}
	m.Update(runes("j")) // another key takes the question back
	if _, cmd := m.Update(runes("q")); cmd != nil && isQuit(cmd) {
		t.Fatal("the question was not asked again after another key")
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd == nil || !isQuit(cmd) {
		t.Fatal("ctrl+c after the question should quit")
	}
	task := h.row(idPlain).Task
	if bye := m.Farewell(); !strings.Contains(bye, "still running: "+idPlain) || !strings.Contains(bye, "ecs-redeploy redeploy --follow "+task.ID+" --region cn-hangzhou") {
		t.Fatalf("farewell %q", bye)
	}
}

func isQuit(cmd tea.Cmd) bool {
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// Issue 11: the first failure pauses a console batch and asks: c continues with the rest,
// x aborts it. Until then nothing more is sent.
func TestAFailurePausesTheBatchAndAsks(t *testing.T) {
	for _, goOn := range []bool{true, false} {
		h, _ := kafkaHarnessWith(t, sim.Options{FailureRate: 1})
		c := h.backend
		m := ready(t, h)
		press(m, keySpace, keySpace, keySpace, keySpace, runes("R"))
		press(m, keyTab, runes(common.Itoa(4)), keyEnter, keyEnter)
		if n := c.redeploys.Load(); n != 2 {
			t.Fatalf("first wave: %d calls, want 2", n)
		}
		h.poll(10 * time.Minute) // both fail and roll back
		h.step(m)
		if m.pausedPlan() == nil || !strings.Contains(m.View(), "c continues the rest, x aborts it") {
			t.Fatalf("goOn=%v: not paused and asking:\n%s", goOn, m.View())
		}
		h.step(m) // a snapshot while paused sends nothing
		if n := c.redeploys.Load(); n != 2 {
			t.Fatalf("a paused batch sent %d calls", n)
		}
		key := "x"
		if goOn {
			key = "c"
		}
		feed(m, m.handleKey(runes(key)))
		m.Update(snapshotMsg{h.view.Snapshot()})
		if goOn {
			if n := c.redeploys.Load(); n != 3 || m.pausedPlan() != nil {
				t.Fatalf("after c: %d calls, want the next kafka member sent", n)
			}
			continue
		}
		if n := c.redeploys.Load(); n != 2 || !strings.Contains(m.planLine(false), "2 skipped") || !strings.HasPrefix(m.planLine(false), "last batch") {
			t.Fatalf("after x: %d calls, %q", n, m.planLine(false))
		}
	}
}

// Issue 22: the instances the dialog lists as skipped are the plan's skipped too: the
// dialog, the task panel and the summary say the same number.
func TestSkippedInTheDialogAreSkippedInThePlan(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	for _, id := range []string{idPlain, idStopped, idLocked, idHost} {
		filterTo(m, id)
		press(m, keySpace, keyEsc)
	}
	press(m, runes("R"))
	if m.dialog == nil || strings.Count(m.View(), "skipped: i-bp1") != 2 {
		t.Fatalf("the dialog should list 2 skipped:\n%s", m.View())
	}
	press(m, keyTab, runes("2"), keyEnter, keyEnter)
	m.Update(snapshotMsg{h.view.Snapshot()})
	if l := m.planLine(false); !strings.Contains(l, "2 skipped") {
		t.Fatalf("the panel says %q, want 2 skipped", l)
	}
	if ps := h.view.Plans(); len(ps) != 1 || ps[0].Summary.Skipped != 2 {
		t.Fatalf("the plan: %+v", ps)
	}
}
