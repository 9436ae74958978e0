package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// fleetOf builds a one-region fleet from instances, each given a Scheduled
// SystemMaintenance.Redeploy three hours after Epoch unless it has events.
func fleetOf(ins ...model.Instance) *Fleet {
	for i := range ins {
		if ins[i].RegionID == "" {
			ins[i].RegionID = "cn-hangzhou"
		}
		if ins[i].Status == "" {
			ins[i].Status = model.StatusRunning
		}
		if ins[i].Events == nil {
			ins[i].Events = []model.Event{{ID: "e-" + ins[i].ID, InstanceID: ins[i].ID, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, NotBefore: Epoch.Add(3 * time.Hour)}}
		}
	}
	return &Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}, {RegionID: "cn-beijing"}}, Instances: ins}
}

func newTestEngine(t *testing.T, opts Options, ins ...model.Instance) (*Engine, *StepClock) {
	t.Helper()
	clock := NewStepClock(Epoch)
	return New(fleetOf(ins...), clock, opts), clock
}

func status(t *testing.T, e *Engine, id string) model.InstanceStatus {
	t.Helper()
	ins := e.Instances("", []string{id})
	if len(ins) != 1 {
		t.Fatalf("instance %s not found", id)
	}
	return ins[0].Status
}

func taskOf(t *testing.T, e *Engine, id string) model.Task {
	t.Helper()
	ts := e.Tasks("cn-hangzhou", TaskFilter{TaskIDs: []string{id}})
	if len(ts) != 1 {
		t.Fatalf("task %s not found", id)
	}
	return ts[0]
}

// steps advances the clock and checks the instance and task at each point.
type step struct {
	after  time.Duration
	status model.InstanceStatus
	task   model.TaskStatus
}

func runSteps(t *testing.T, e *Engine, clock *StepClock, inst, task string, steps []step) {
	t.Helper()
	for i, s := range steps {
		clock.Advance(s.after)
		if got := status(t, e, inst); got != s.status {
			t.Errorf("step %d (+%s): instance %s, want %s", i, s.after, got, s.status)
		}
		if got := taskOf(t, e, task).Status; got != s.task {
			t.Errorf("step %d (+%s): task %s, want %s", i, s.after, got, s.task)
		}
	}
}

func eventStatus(t *testing.T, e *Engine, inst string) model.EventCycleStatus {
	t.Helper()
	evs := e.Events(EventFilter{InstanceIDs: []string{inst}})
	if len(evs) == 0 {
		t.Fatalf("no events on %s", inst)
	}
	return evs[0].CycleStatus
}

func TestLifecycleRunning(t *testing.T) {
	e, clock := newTestEngine(t, Options{}, model.Instance{ID: "i-run"})
	task, err := e.Redeploy("cn-hangzhou", "i-run", false)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status != model.TaskProcessing || task.Action != model.ActionRedeployInstance || task.ResourceID != "i-run" {
		t.Fatalf("task = %+v", task)
	}
	runSteps(t, e, clock, "i-run", task.ID, []step{
		{0, model.StatusStopping, model.TaskProcessing},
		{StoppingDuration - time.Second, model.StatusStopping, model.TaskProcessing},
		{time.Second, model.StatusStopped, model.TaskProcessing},
		{MigrationDuration, model.StatusStarting, model.TaskProcessing},
		{StartingDuration - time.Second, model.StatusStarting, model.TaskProcessing},
		{time.Second, model.StatusRunning, model.TaskFinished},
	})
	if got := eventStatus(t, e, "i-run"); got != model.CycleAvoided {
		t.Errorf("event %s, want Avoided", got)
	}
	ft := taskOf(t, e, task.ID)
	if want := Epoch.Add(StoppingDuration + MigrationDuration + StartingDuration); !ft.FinishedTime.Equal(want) {
		t.Errorf("finished at %s, want %s", ft.FinishedTime, want)
	}
	if n := len(e.PendingInstances(nil, nil)); n != 0 {
		t.Errorf("%d instances still pending after the only event was avoided", n)
	}
	if e.Wipes("i-run") != 0 {
		t.Error("cloud-disk instance reported a local-disk wipe")
	}
}

func TestLifecycleStoppedGoesStraightToStarting(t *testing.T) {
	e, clock := newTestEngine(t, Options{}, model.Instance{ID: "i-stopped", Status: model.StatusStopped})
	task, err := e.Redeploy("cn-hangzhou", "i-stopped", false)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, e, clock, "i-stopped", task.ID, []step{
		{0, model.StatusStarting, model.TaskProcessing},
		{StoppedStartDuration, model.StatusRunning, model.TaskFinished},
	})
}

func TestForceStopShortensStopping(t *testing.T) {
	e, clock := newTestEngine(t, Options{}, model.Instance{ID: "i-f"})
	task, err := e.Redeploy("cn-hangzhou", "i-f", true)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, e, clock, "i-f", task.ID, []step{
		{0, model.StatusStopping, model.TaskProcessing},
		{ForceStopDuration, model.StatusStopped, model.TaskProcessing},
	})
}

func TestLocalDisksAreWipedOnSuccess(t *testing.T) {
	e, clock := newTestEngine(t, Options{}, model.Instance{ID: "i-local", LocalStorageAmount: 2, LocalStorageCapacity: 3576})
	if _, err := e.Redeploy("cn-hangzhou", "i-local", false); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if e.Wipes("i-local") != 0 {
		t.Fatal("disks wiped before the redeploy finished")
	}
	clock.Advance(time.Hour)
	if got := e.Wipes("i-local"); got != 1 {
		t.Fatalf("wipes = %d, want 1", got)
	}
}

func TestFailureRollsBack(t *testing.T) {
	for _, orig := range []model.InstanceStatus{model.StatusRunning, model.StatusStopped} {
		t.Run(string(orig), func(t *testing.T) {
			e, clock := newTestEngine(t, Options{FailureRate: 1},
				model.Instance{ID: "i-fail", Status: orig, LocalStorageAmount: 1})
			task, err := e.Redeploy("cn-hangzhou", "i-fail", false)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			ft := taskOf(t, e, task.ID)
			if ft.Status != model.TaskFailed || ft.FailedReason == "" {
				t.Fatalf("task = %+v, want Failed with a reason", ft)
			}
			if got := status(t, e, "i-fail"); got != orig {
				t.Errorf("instance %s after failure, want back to %s", got, orig)
			}
			if got := eventStatus(t, e, "i-fail"); got != model.CycleScheduled {
				t.Errorf("event %s after failure, want still Scheduled", got)
			}
			if e.Wipes("i-fail") != 0 {
				t.Error("a failed redeploy wiped local disks")
			}
			// The instance can be redeployed again after the rollback.
			if _, err := e.Redeploy("cn-hangzhou", "i-fail", false); err != nil {
				t.Errorf("second attempt after rollback: %v", err)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	e, _ := newTestEngine(t, Options{},
		model.Instance{ID: "i-ok"},
		model.Instance{ID: "i-starting", Status: model.StatusStarting},
		model.Instance{ID: "i-locked", OperationLocks: []model.LockReason{model.LockSecurity}},
		model.Instance{ID: "i-dh", DedicatedHostID: "dh-1"},
		model.Instance{ID: "i-arrears", OperationLocks: []model.LockReason{model.LockFinancial}},
		model.Instance{ID: "i-expired", ChargeType: model.PrePaid, ExpiredTime: Epoch.Add(-time.Hour)},
		model.Instance{ID: "i-noevent", Events: []model.Event{{ID: "e-x", Type: model.EventExpirationStop, CycleStatus: model.CycleScheduled, NotBefore: Epoch.Add(time.Hour)}}},
		model.Instance{ID: "i-bj", RegionID: "cn-beijing"},
	)
	for _, tc := range []struct {
		id, region, code string
		status           int
	}{
		{"i-starting", "cn-hangzhou", model.CodeIncorrectInstanceStatus, 403},
		{"i-locked", "cn-hangzhou", model.CodeInstanceLockedForSecurity, 403},
		{"i-dh", "cn-hangzhou", model.CodeInvalidOperation, 403},
		{"i-arrears", "cn-hangzhou", model.CodeInstanceExpiredOrInArrears, 403},
		{"i-expired", "cn-hangzhou", model.CodeInstanceExpiredOrInArrears, 403},
		{"i-noevent", "cn-hangzhou", model.CodeInvalidOperation, 403},
		{"i-missing", "cn-hangzhou", model.CodeInstanceNotFound, 404},
		{"i-bj", "cn-hangzhou", model.CodeInstanceNotFound, 404}, // found only in its own region
	} {
		_, err := e.Redeploy(tc.region, tc.id, false)
		ae, ok := backend.AsAPIError(err)
		if !ok || ae.Code != tc.code || ae.HTTPStatus != tc.status || ae.RequestID == "" {
			t.Errorf("%s: err = %v, want %s (%d) with a RequestId", tc.id, err, tc.code, tc.status)
		}
	}
	if n := len(e.Tasks("cn-hangzhou", TaskFilter{})); n != 0 {
		t.Errorf("refusals created %d tasks", n)
	}
	if _, err := e.Redeploy("cn-beijing", "i-bj", false); err != nil {
		t.Errorf("i-bj in its own region: %v", err)
	}
}

func TestConcurrentRedeploysOneWins(t *testing.T) {
	e, _ := newTestEngine(t, Options{}, model.Instance{ID: "i-race"})
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.Redeploy("cn-hangzhou", "i-race", false)
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		if err == nil {
			wins++
		} else if backend.Code(err) != model.CodeIncorrectInstanceStatus {
			t.Errorf("loser got %v, want IncorrectInstanceStatus", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d redeploys won, want exactly 1", wins)
	}
	if got := len(e.Tasks("cn-hangzhou", TaskFilter{ResourceIDs: []string{"i-race"}})); got != 1 {
		t.Fatalf("%d tasks for the instance, want 1", got)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	enc := func(seed int64) []byte {
		b, err := json.Marshal(Generate(seed, 500, Epoch))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := enc(7), enc(7)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different fleets")
	}
	if bytes.Equal(a, enc(8)) {
		t.Fatal("different seeds gave the same fleet")
	}
}

// TestGenerateLooksLikeAnAccount pins the variety the console and its tests rely on.
func TestGenerateLooksLikeAnAccount(t *testing.T) {
	f := Generate(1, 2000, Epoch)
	if len(f.Instances) != 2000 {
		t.Fatalf("%d instances", len(f.Instances))
	}
	regions, types, statuses := map[string]bool{}, map[model.EventType]bool{}, map[model.EventCycleStatus]bool{}
	var local, locked, dh, expired, stopped, allowed, blocked, near, far int
	ids := map[string]bool{}
	for i := range f.Instances {
		in := &f.Instances[i]
		if ids[in.ID] {
			t.Fatalf("duplicate id %s", in.ID)
		}
		ids[in.ID] = true
		regions[in.RegionID] = true
		if in.HasLocalDisks() {
			local++
		}
		if in.HasLock(model.LockSecurity) {
			locked++
		}
		if in.OnDedicatedHost() {
			dh++
		}
		if in.Expired(Epoch) {
			expired++
		}
		if in.Status == model.StatusStopped {
			stopped++
		}
		if model.Evaluate(in, Epoch, false).Allowed {
			allowed++
		} else {
			blocked++
		}
		if in.NextEvent() == nil {
			t.Fatalf("%s has no pending event", in.ID)
		}
		for _, ev := range in.Events {
			types[ev.Type] = true
			statuses[ev.CycleStatus] = true
			if ev.CycleStatus == model.CycleScheduled {
				switch left := ev.NotBefore.Sub(Epoch); {
				case left > 0 && left < time.Hour:
					near++
				case left > 24*time.Hour && left <= 48*time.Hour:
					far++
				}
			}
		}
	}
	for name, n := range map[string]int{"local-disk": local, "security-locked": locked, "dedicated-host": dh,
		"expired": expired, "stopped": stopped, "allowed": allowed, "blocked": blocked, "deadline <1h": near, "deadline 1-2d": far} {
		if n == 0 {
			t.Errorf("no %s instances in a generated fleet of 2000", name)
		}
	}
	if len(regions) < 5 {
		t.Errorf("only %d regions", len(regions))
	}
	for _, s := range []model.EventCycleStatus{model.CycleScheduled, model.CycleInquiring, model.CycleExecuting, model.CycleExecuted} {
		if !statuses[s] {
			t.Errorf("no %s events", s)
		}
	}
	if len(types) < 8 {
		t.Errorf("only %d event types", len(types))
	}
}

func TestBackendFaults(t *testing.T) {
	e, _ := newTestEngine(t, Options{}, model.Instance{ID: "i-1"})
	b := NewBackend(e)
	ctx := context.Background()

	e.SetFaults(Faults{ThrottleRate: 1})
	if _, err := b.Instances(ctx, backend.Query{}); backend.Code(err) != backend.CodeThrottling {
		t.Errorf("throttled list: %v", err)
	}
	e.SetFaults(Faults{ServerErrorRate: 1})
	if _, err := b.Tasks(ctx, "cn-hangzhou", []string{"t-1"}); backend.Code(err) != backend.CodeInternalError {
		t.Errorf("5xx: %v", err)
	}
	e.SetFaults(Faults{HangRate: 1})
	hctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Regions(hctx); !errors.Is(err, context.Canceled) {
		t.Errorf("hung call after cancel: %v", err)
	}
	// A lost reply still applies the redeploy: the task exists though the caller saw a 503.
	e.SetFaults(Faults{LostReplyRate: 1})
	if _, err := b.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-1"}); backend.Code(err) != backend.CodeServiceUnavailable {
		t.Errorf("lost reply: %v", err)
	}
	if n := len(e.Tasks("cn-hangzhou", TaskFilter{ResourceIDs: []string{"i-1"}})); n != 1 {
		t.Errorf("lost reply left %d tasks, want 1 (applied)", n)
	}
}

func TestRegionQPSThrottlesOnTheEngineClock(t *testing.T) {
	e, clock := newTestEngine(t, Options{Faults: Faults{RegionQPS: 2}}, model.Instance{ID: "i-1"})
	got := []Fault{e.Fault("DescribeTasks", "cn-hangzhou"), e.Fault("DescribeTasks", "cn-hangzhou"), e.Fault("DescribeTasks", "cn-hangzhou")}
	if got[0] != FaultNone || got[1] != FaultNone || got[2] != FaultThrottle {
		t.Fatalf("faults = %v, want two calls through and the third throttled", got)
	}
	if e.Fault("DescribeTasks", "cn-beijing") != FaultNone {
		t.Fatal("another region shares the limit")
	}
	clock.Advance(time.Second)
	if e.Fault("DescribeTasks", "cn-hangzhou") != FaultNone {
		t.Fatal("the bucket did not refill after a second")
	}
}

func TestPendingInstancesScoping(t *testing.T) {
	e, _ := newTestEngine(t, Options{}, model.Instance{ID: "i-hz"}, model.Instance{ID: "i-bj", RegionID: "cn-beijing"})
	if got := e.PendingInstances([]string{"cn-beijing"}, nil); len(got) != 1 || got[0].ID != "i-bj" {
		t.Fatalf("beijing = %v", got)
	}
	if got := e.PendingInstances(nil, []string{"i-hz"}); len(got) != 1 || got[0].ID != "i-hz" {
		t.Fatalf("by id = %v", got)
	}
	b := NewBackend(e)
	if _, err := b.Instances(context.Background(), backend.Query{Regions: []string{"mars-1"}}); backend.Code(err) != "InvalidRegionId.NotFound" {
		t.Fatalf("unknown region: %v", err)
	}
}

// The engine hands out copies: a caller changing what it got must not change the fleet.
func TestInstancesAreCopies(t *testing.T) {
	e, _ := newTestEngine(t, Options{}, model.Instance{ID: "i-1"})
	got := e.PendingInstances(nil, nil)
	got[0].Events[0].CycleStatus = model.CycleCanceled
	got[0].Status = model.StatusStopped
	if status(t, e, "i-1") != model.StatusRunning || eventStatus(t, e, "i-1") != model.CycleScheduled {
		t.Fatal("mutating a returned instance changed the engine")
	}
}

// Listed instances share one backing array of events; appending to one must not overwrite
// its neighbour's.
func TestListedEventsDoNotAlias(t *testing.T) {
	e, _ := newTestEngine(t, Options{}, model.Instance{ID: "i-1"}, model.Instance{ID: "i-2"})
	got := e.PendingInstances(nil, nil)
	got[0].Events = append(got[0].Events, model.Event{ID: "e-extra"})
	if got[1].Events[0].ID != "e-i-2" {
		t.Fatalf("appending to i-1's events changed i-2's: %+v", got[1].Events)
	}
}

func BenchmarkListInstances(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			e := New(Generate(1, n, Epoch), NewStepClock(Epoch), Options{})
			be := NewBackend(e)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ins, err := be.Instances(ctx, backend.Query{})
				if err != nil || len(ins) != n {
					b.Fatalf("%d instances, %v", len(ins), err)
				}
			}
		})
	}
}
