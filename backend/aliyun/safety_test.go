package aliyun_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Issue 8, kind 1: an id that is not an instance id is refused before any call, on every
// path that names an instance to the API.
func TestMalformedInstanceIDSendsNothing(t *testing.T) {
	f := newFixture(t, sim.Generate(31, 200, sim.Epoch), sim.Options{Seed: 31}, nil)
	ctx := context.Background()
	for _, id := range []string{"", "i-", " ", "I-BP1ABC", "i-bp1abc,i-bp1def", `["i-bp1abc"]`} {
		t.Run(id, func(t *testing.T) {
			before := f.b.Stats().Calls
			_, err := f.b.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id})
			if !errors.Is(err, backend.ErrInvalidInstanceID) {
				t.Errorf("Redeploy(%q): %v; want ErrInvalidInstanceID", id, err)
			}
			if _, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}, InstanceIDs: []string{id}}); !errors.Is(err, backend.ErrInvalidInstanceID) {
				t.Errorf("Instances(%q): %v; want ErrInvalidInstanceID", id, err)
			}
			if _, err := f.b.ListTasks(ctx, backend.TaskQuery{RegionID: "cn-hangzhou", ResourceIDs: []string{id}}); !errors.Is(err, backend.ErrInvalidInstanceID) {
				t.Errorf("ListTasks(%q): %v; want ErrInvalidInstanceID", id, err)
			}
			if n := f.b.Stats().Calls - before; n != 0 {
				t.Errorf("%d calls sent for id %q", n, id)
			}
		})
	}
	if n := len(f.eng.Tasks("cn-hangzhou", sim.TaskFilter{})); n != 0 {
		t.Fatalf("engine has %d tasks", n)
	}
}

// An answer about an instance that was not asked for is an error naming the endpoint,
// never a listing to take the first instance of.
func TestAnswerAboutAnotherInstanceIsAnError(t *testing.T) {
	var asked, other string
	swap := func(_ int, body []byte) (int, []byte) {
		return 200, bytes.ReplaceAll(body, []byte(asked), []byte(other))
	}
	for _, action := range []string{"DescribeInstances", "DescribeInstanceHistoryEvents"} {
		t.Run(action, func(t *testing.T) {
			f := newFixture(t, sim.Generate(32, 200, sim.Epoch), sim.Options{Seed: 32}, rewriting(action, swap))
			pending := f.eng.PendingInstances([]string{"cn-hangzhou"}, nil)
			asked, other = pending[0].ID, pending[1].ID
			got, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}, InstanceIDs: []string{asked}})
			if !errors.Is(err, backend.ErrUnprovenReply) || !strings.Contains(err.Error(), f.addr) || !strings.Contains(err.Error(), other) {
				t.Fatalf("answer about %s when %s was asked: %v, %v; want an error naming the endpoint and the other instance", other, asked, got, err)
			}
		})
	}
}

// The reconcile after a lost reply matches the instance by id too: a DescribeInstances
// about another instance does not tell this one's status.
func TestReconcileIgnoresAnswersAboutAnotherInstance(t *testing.T) {
	f := newFixture(t, sim.Generate(33, 300, sim.Epoch), sim.Options{Seed: 33}, nil)
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	var other model.Instance
	for _, o := range f.eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
		if o.ID != in.ID {
			other = o
			break
		}
	}
	b := f.backend(t, testKeyID, testSecret, func(o *aliyun.Options) {
		o.Transport = &rewriteReply{base: faultTransport(f.eng, "RedeployInstance", sim.Faults{HangRate: 1}), action: "DescribeInstances",
			rewrite: func(_ int, body []byte) (int, []byte) {
				return 200, bytes.ReplaceAll(body, []byte(in.ID), []byte(other.ID))
			}}
		o.Timeout = 100 * time.Millisecond
	})
	_, err := b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if !errors.Is(err, backend.ErrOutcomeUnknown) || strings.Contains(err.Error(), "lists no such instance") {
		t.Fatalf("error %v; want outcome unknown, never a status read off another instance", err)
	}
	if !strings.Contains(err.Error(), "no check of the instance succeeded") {
		t.Errorf("message %q", err)
	}
}

// Issue 8, kind 3: a redeploy started elsewhere (another console, the aliyun CLI) is under
// way; while the instance passes through Stopped, Redeploy asks DescribeTasks first and
// refuses without sending a second RedeployInstance.
func TestRedeployRefusedWhileAnotherIsProcessing(t *testing.T) {
	f := newFixture(t, sim.Generate(34, 300, sim.Epoch), sim.Options{Seed: 34}, nil)
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	elsewhere, err := f.eng.Redeploy(in.RegionID, in.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(sim.StoppingDuration + time.Minute)
	_, err = f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if !errors.Is(err, backend.ErrAlreadyInProgress) || !strings.Contains(err.Error(), elsewhere.ID) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("error %v; want ErrAlreadyInProgress naming %s", err, elsewhere.ID)
	}
	if s := f.b.Stats(); s.Calls != 1 {
		t.Errorf("%d calls; want only the DescribeTasks", s.Calls)
	}
	if n := len(f.eng.Tasks(in.RegionID, sim.TaskFilter{ResourceIDs: []string{in.ID}})); n != 1 {
		t.Fatalf("engine has %d tasks for the instance; want 1", n)
	}
	// Once that task has ended, the instance may be redeployed again.
	f.clock.Advance(time.Hour)
	if _, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID}); err != nil && errors.Is(err, backend.ErrAlreadyInProgress) {
		t.Fatalf("after the task ended: %v", err)
	}
}

// ListTasks reads every page of DescribeTasks, not only the first 100 tasks.
func TestListTasksReadsEveryPage(t *testing.T) {
	f := newFixture(t, sim.Generate(35, 2500, sim.Epoch), sim.Options{Seed: 35}, nil)
	for _, in := range f.eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
		if model.Evaluate(&in, f.eng.Now(), false).Allowed {
			if _, err := f.eng.Redeploy(in.RegionID, in.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := f.eng.Tasks("cn-hangzhou", sim.TaskFilter{Status: model.TaskProcessing})
	if len(want) <= 200 {
		t.Fatalf("fixture: %d Processing tasks; want more than two pages", len(want))
	}
	got, err := f.b.ListTasks(context.Background(), backend.TaskQuery{RegionID: "cn-hangzhou", Status: model.TaskProcessing})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d tasks; the engine has %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Status != model.TaskProcessing {
			t.Fatalf("task %d: %+v, want %s", i, got[i], want[i].ID)
		}
	}
	if s, pages := f.b.Stats(), int64((len(want)+99)/100); s.Calls != pages {
		t.Errorf("%d calls; want %d pages", s.Calls, pages)
	}
}

// Issue 8, kind 4: a 200 whose body proves nothing ({} or empty) is never a started task.
// Here nothing reached ECS, so after the whole reconcile budget the outcome is unknown.
func TestRedeployReplyWithoutTaskIDIsNeverSuccess(t *testing.T) {
	for _, body := range []string{"{}", "", `{"RequestId":"R-1"}`, `{"TaskId":"t-bp1abc"}`} {
		t.Run(body, func(t *testing.T) {
			f := newFixture(t, sim.Generate(36, 300, sim.Epoch), sim.Options{Seed: 36}, func(o *aliyun.Options) {
				o.Transport = &rewriteReply{base: &http.Transport{}, action: "RedeployInstance", unsent: true,
					rewrite: func(int, []byte) (int, []byte) { return 200, []byte(body) }}
			})
			in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
			ref, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
			if !errors.Is(err, backend.ErrOutcomeUnknown) || !errors.Is(err, backend.ErrUnprovenReply) || ref.TaskID != "" {
				t.Fatalf("ref %+v, error %v; want outcome unknown for a reply that proves nothing", ref, err)
			}
			if !strings.Contains(err.Error(), f.addr) || !strings.HasSuffix(err.Error(), "before trying again") {
				t.Errorf("message %q", err)
			}
		})
	}
}

// Issue 8, kind 4: reconcile gave up after one failed DescribeTasks, well inside its
// budget. It keeps checking through 5xx and finds the task the lost call started.
func TestReconcileRidesOutFailingDescribeTasks(t *testing.T) {
	var eng *sim.Engine
	var describes int
	f := newFixture(t, sim.Generate(37, 300, sim.Epoch), sim.Options{Seed: 37}, func(o *aliyun.Options) {
		o.Transport = &actionHook{
			base: &actionHook{base: &http.Transport{}, action: "DescribeTasks", before: func() {
				describes++
				if describes == 12 {
					eng.SetFaults(sim.Faults{})
				}
			}},
			action: "RedeployInstance",
			before: func() { eng.SetFaults(sim.Faults{LostReplyRate: 1}) },
			after:  func() { eng.SetFaults(sim.Faults{ServerErrorRate: 1, Actions: []string{"DescribeTasks"}}) },
		}
	})
	eng = f.eng
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	ref, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if err != nil {
		t.Fatalf("%v (after %d DescribeTasks)", err, describes)
	}
	tasks := f.eng.Tasks(in.RegionID, sim.TaskFilter{ResourceIDs: []string{in.ID}})
	if len(tasks) != 1 || ref.TaskID != tasks[0].ID || !ref.Reconciled {
		t.Fatalf("ref %+v, engine tasks %+v", ref, tasks)
	}
	if describes < 12 {
		t.Fatalf("%d DescribeTasks; the failures did not bite", describes)
	}
}

// A listing whose counts disagree (TotalCount says tasks exist, the page is empty) is not
// "no tasks": Redeploy does not go ahead on it.
func TestListingWithInconsistentCountsIsAnError(t *testing.T) {
	f := newFixture(t, sim.Generate(38, 300, sim.Epoch), sim.Options{Seed: 38}, rewriting("DescribeTasks", func(status int, body []byte) (int, []byte) {
		return status, bytes.Replace(body, []byte(`"TotalCount":0`), []byte(`"TotalCount":3`), 1)
	}))
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	_, err := f.b.ListTasks(context.Background(), backend.TaskQuery{RegionID: "cn-hangzhou", ResourceIDs: []string{in.ID}})
	if !errors.Is(err, backend.ErrUnprovenReply) || !strings.Contains(err.Error(), "TotalCount is 3") {
		t.Fatalf("ListTasks: %v; want a reply that proves nothing", err)
	}
	_, err = f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if err == nil || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("Redeploy: %v; want not sent", err)
	}
	if n := len(f.eng.Tasks("cn-hangzhou", sim.TaskFilter{})); n != 0 {
		t.Fatalf("engine has %d tasks", n)
	}
}
