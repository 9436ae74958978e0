package aliyun_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// pendingByRegion counts the engine's instances with a pending event, per region.
func pendingByRegion(eng *sim.Engine) map[string]int {
	out := map[string]int{}
	for _, in := range eng.PendingInstances(nil, nil) {
		out[in.RegionID]++
	}
	return out
}

// calls is what listing n instances with pending events should cost in one region:
// pagination of events, then instances in batches of 100.
func calls(events, instances int) int64 {
	pages := max((events+99)/100, 1)
	return int64(pages + (instances+99)/100)
}

func TestInstancesAcrossRegionsMatchTheEngine(t *testing.T) {
	f := newFixture(t, sim.Generate(1, 1500, sim.Epoch), sim.Options{Seed: 1}, nil)
	per := pendingByRegion(f.eng)
	regions := []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}
	for _, r := range regions {
		if per[r] <= 100 {
			t.Fatalf("fixture: %s has %d instances with pending events; want more than 100 to cross pages", r, per[r])
		}
	}

	got, err := f.b.Instances(context.Background(), backend.Query{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	want := f.eng.PendingInstances(regions, nil)
	if len(got) != len(want) {
		t.Fatalf("listed %d instances, engine has %d with pending events", len(got), len(want))
	}
	byID := map[string]model.Instance{}
	for _, in := range got {
		byID[in.ID] = in
	}
	var events int
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok {
			t.Fatalf("%s (%s) not listed", w.ID, w.RegionID)
		}
		events += len(w.Events)
		if g.RegionID != w.RegionID || g.ZoneID != w.ZoneID || g.Status != w.Status || g.InstanceType != w.InstanceType ||
			g.Family != w.Family || g.ChargeType != w.ChargeType || g.LocalStorageAmount != w.LocalStorageAmount ||
			g.LocalStorageCapacity != w.LocalStorageCapacity || g.DedicatedHostID != w.DedicatedHostID ||
			!slices.Equal(g.OperationLocks, w.OperationLocks) || g.Name != w.Name || g.Tags["team"] != w.Tags["team"] {
			t.Errorf("%s: listed %+v\nengine has %+v", w.ID, g, w)
		}
		if !g.ExpiredTime.Equal(w.ExpiredTime.Truncate(time.Minute)) {
			t.Errorf("%s: ExpiredTime %v, engine %v", w.ID, g.ExpiredTime, w.ExpiredTime)
		}
		if len(g.Events) != len(w.Events) {
			t.Fatalf("%s: %d pending events, engine has %d", w.ID, len(g.Events), len(w.Events))
		}
		for i, we := range w.Events {
			ge := g.Events[i]
			if ge.ID != we.ID || ge.Type != we.Type || ge.CycleStatus != we.CycleStatus || !ge.NotBefore.Equal(we.NotBefore) || ge.Reason != we.Reason {
				t.Errorf("%s event %d: listed %+v\nengine has %+v", w.ID, i, ge, we)
			}
		}
	}
	// The console's order: soonest deadline first.
	if !slices.IsSortedFunc(got, func(a, b model.Instance) int { return a.Deadline().Compare(b.Deadline()) }) {
		t.Error("instances are not sorted by deadline")
	}
	var budget int64
	for _, r := range regions {
		ev := 0
		for _, in := range f.eng.PendingInstances([]string{r}, nil) {
			ev += len(in.Events)
		}
		budget += calls(ev, per[r])
	}
	if s := f.b.Stats(); s.Calls != budget {
		t.Errorf("listing made %d calls; pagination needs %d", s.Calls, budget)
	}
}

func TestAllRegionsComesFromDescribeRegions(t *testing.T) {
	f := newFixture(t, sim.Generate(2, 300, sim.Epoch), sim.Options{Seed: 2}, nil)
	regions, err := f.b.Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(regions) != len(sim.AllRegions()) || regions[0].RegionID == "" || regions[0].LocalName == "" {
		t.Fatalf("DescribeRegions gave %+v", regions)
	}
	got, err := f.b.Instances(context.Background(), backend.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(f.eng.PendingInstances(nil, nil)); len(got) != want {
		t.Fatalf("every region: listed %d instances, engine has %d", len(got), want)
	}
	// A query for given ids asks only for those.
	ids := []string{got[0].ID, got[len(got)-1].ID}
	some, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{got[0].RegionID, got[len(got)-1].RegionID}, InstanceIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != 2 {
		t.Fatalf("by id: listed %d instances, want 2", len(some))
	}
}

// eligible finds an instance in region that RedeployInstance accepts now, with status st.
func eligible(t *testing.T, eng *sim.Engine, region string, st model.InstanceStatus) model.Instance {
	t.Helper()
	for _, in := range eng.PendingInstances([]string{region}, nil) {
		if in.Status == st && model.Evaluate(&in, eng.Now(), false).FirstBlock() == nil {
			return in
		}
	}
	t.Fatalf("fixture: no redeployable %s instance in %s", st, region)
	return model.Instance{}
}

func TestRedeployRunsToFinished(t *testing.T) {
	f := newFixture(t, sim.Generate(3, 400, sim.Epoch), sim.Options{Seed: 3}, nil)
	ctx := context.Background()
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	answered := model.Evaluate(&in, f.eng.Now(), false).Event.ID

	ref, err := f.b.Redeploy(ctx, backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ref.TaskID == "" || ref.RequestID == "" || ref.Reconciled || ref.InstanceID != in.ID || ref.RegionID != in.RegionID {
		t.Fatalf("TaskRef %+v", ref)
	}
	tasks, err := f.b.Tasks(ctx, in.RegionID, []string{ref.TaskID})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Status != model.TaskProcessing || tasks[0].ResourceID != in.ID || tasks[0].Action != model.ActionRedeployInstance {
		t.Fatalf("right after: tasks %+v", tasks)
	}
	listed, err := f.b.Instances(ctx, backend.Query{Regions: []string{in.RegionID}, InstanceIDs: []string{in.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].Status != model.StatusStopping {
		t.Fatalf("right after: instance %+v", listed)
	}

	f.clock.Advance(15 * time.Minute)
	tasks, err = f.b.Tasks(ctx, in.RegionID, []string{ref.TaskID})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Status != model.TaskFinished || tasks[0].FinishedTime.IsZero() {
		t.Fatalf("after 15 minutes: tasks %+v", tasks)
	}
	// The event it answered is Avoided, so it is no longer pending.
	listed, err = f.b.Instances(ctx, backend.Query{Regions: []string{in.RegionID}, InstanceIDs: []string{in.ID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range listed {
		if l.Status != model.StatusRunning {
			t.Errorf("after the redeploy: instance %s", l.Status)
		}
		for _, e := range l.Events {
			if e.ID == answered {
				t.Fatalf("after the redeploy: event %s still pending (%s)", e.ID, e.CycleStatus)
			}
		}
	}
	if n := len(f.eng.Tasks(in.RegionID, sim.TaskFilter{ResourceIDs: []string{in.ID}})); n != 1 {
		t.Fatalf("engine has %d tasks for the instance; want 1", n)
	}
}

func TestRedeployRefusalsSurfaceUnchanged(t *testing.T) {
	f := newFixture(t, sim.Generate(4, 1500, sim.Epoch), sim.Options{Seed: 4}, nil)
	// One instance per refusal code, found by the same rules the simulator applies.
	byCode := map[string]model.Instance{}
	for _, in := range f.eng.PendingInstances(nil, nil) {
		if b := model.Evaluate(&in, f.eng.Now(), false).FirstBlock(); b != nil {
			if _, ok := byCode[b.Code]; !ok {
				byCode[b.Code] = in
			}
		}
	}
	cases := []struct {
		code   string
		status int
		in     model.Instance
	}{
		{model.CodeIncorrectInstanceStatus, 403, byCode[model.CodeIncorrectInstanceStatus]},
		{model.CodeInstanceLockedForSecurity, 403, byCode[model.CodeInstanceLockedForSecurity]},
		{model.CodeInstanceExpiredOrInArrears, 403, byCode[model.CodeInstanceExpiredOrInArrears]},
		{model.CodeInvalidOperation, 403, byCode[model.CodeInvalidOperation]},
		{model.CodeInvalidOperation, 403, byCode[model.CodeInvalidOperation]},
		{model.CodeInstanceNotFound, 404, model.Instance{ID: "i-bp1doesnotexist000", RegionID: "cn-hangzhou"}},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			if c.in.ID == "" {
				t.Fatalf("fixture has no instance refused with %s", c.code)
			}
			before := f.b.Stats().Calls
			_, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: c.in.RegionID, InstanceID: c.in.ID})
			ae, ok := err.(*backend.APIError)
			if !ok {
				t.Fatalf("error %T %v; want the *backend.APIError itself", err, err)
			}
			if ae.Code != c.code || ae.HTTPStatus != c.status || ae.RequestID == "" || ae.Message == "" {
				t.Fatalf("got %+v; want %s (%d) with RequestId and Message", ae, c.code, c.status)
			}
			// A refusal is final: one listing of existing tasks, one RedeployInstance.
			if n := f.b.Stats().Calls - before; n != 2 {
				t.Errorf("%d calls; want 2 (DescribeTasks, RedeployInstance)", n)
			}
		})
	}
	if n := len(f.eng.Tasks("cn-hangzhou", sim.TaskFilter{})); n != 0 {
		t.Errorf("engine has %d tasks after refusals", n)
	}
}

func TestThrottlingIsSurvivedWithoutDuplicateRedeploy(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter time.Duration
	}{
		{"with retry-after", 1500 * time.Millisecond},
		{"without retry-after", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log *callLog
			f := newFixture(t, sim.Generate(5, 600, sim.Epoch), sim.Options{Seed: 5}, func(o *aliyun.Options) {
				o.ThrottleRetries = 40 // half the calls are throttled: never give up in this test
				log = newCallLog(o.Now)
				o.Transport = log
			})
			in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
			f.eng.SetFaults(sim.Faults{ThrottleRate: 0.5, RetryAfter: tc.retryAfter})
			ctx := context.Background()

			got, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}})
			if err != nil {
				t.Fatal(err)
			}
			if want := len(f.eng.PendingInstances([]string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}, nil)); len(got) != want {
				t.Fatalf("listed %d, engine has %d", len(got), want)
			}
			ref, err := f.b.Redeploy(ctx, backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
			if err != nil {
				t.Fatal(err)
			}
			s := f.b.Stats()
			if s.Throttled == 0 {
				t.Fatal("no call was throttled; the test proves nothing")
			}
			tasks := f.eng.Tasks(in.RegionID, sim.TaskFilter{ResourceIDs: []string{in.ID}})
			if len(tasks) != 1 || tasks[0].ID != ref.TaskID {
				t.Fatalf("engine has tasks %+v; want exactly %s", tasks, ref.TaskID)
			}
			// Every throttled call was sent again, and not before the server's retry-after
			// (without one, not before half the first backoff). Measured per call on the
			// backend's clock: the region's other calls, out at the same time, wait only
			// what is left of the hold when their turn comes, so a sleep is no measure.
			gaps, lost := log.retryGaps()
			if len(lost) > 0 {
				t.Fatalf("throttled calls never sent again: %v", lost)
			}
			if int64(len(gaps)) != s.Throttled {
				t.Fatalf("%d retries for %d throttled replies", len(gaps), s.Throttled)
			}
			least := max(tc.retryAfter, 100*time.Millisecond)
			for _, d := range gaps {
				if d < least-time.Millisecond {
					t.Fatalf("a throttled call was sent again after %v; want at least %v", d, least)
				}
			}
		})
	}
}

func TestGivingUpOnThrottlingKeepsTheCode(t *testing.T) {
	f := newFixture(t, sim.Generate(6, 50, sim.Epoch), sim.Options{Seed: 6}, func(o *aliyun.Options) { o.ThrottleRetries = 2 })
	f.eng.SetFaults(sim.Faults{ThrottleRate: 1, RetryAfter: 200 * time.Millisecond})
	_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	if backend.Code(err) != backend.CodeThrottling {
		t.Fatalf("error %v; want one that keeps Code Throttling", err)
	}
	if ae, _ := backend.AsAPIError(err); ae.RequestID == "" {
		t.Error("RequestId lost")
	}
	if msg := err.Error(); !strings.HasSuffix(msg, "try again in a minute") {
		t.Errorf("message %q does not end with what to do", msg)
	}
	if s := f.b.Stats(); s.Calls != 3 {
		t.Errorf("%d calls; want 3 (one and two retries)", s.Calls)
	}
}

func TestServerErrorsAreRetriedWithinBudget(t *testing.T) {
	f := newFixture(t, sim.Generate(7, 50, sim.Epoch), sim.Options{Seed: 7}, func(o *aliyun.Options) { o.Retries = 2 })
	f.eng.SetFaults(sim.Faults{ServerErrorRate: 1})
	_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	ae, ok := backend.AsAPIError(err)
	if !ok || ae.Code != backend.CodeInternalError || ae.HTTPStatus != 500 || ae.RequestID == "" {
		t.Fatalf("error %v; want InternalError 500 with its RequestId", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "RequestId "+ae.RequestID) || !strings.Contains(msg, "try again later") {
		t.Errorf("message %q does not keep the RequestId and say what to do", msg)
	}
	if s := f.b.Stats(); s.Calls != 3 {
		t.Errorf("%d calls; want 3 (one and two retries)", s.Calls)
	}
	// Back to health: the same backend lists again.
	f.eng.SetFaults(sim.Faults{})
	if _, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}}); err != nil {
		t.Fatal(err)
	}
}

func TestHungCallTimesOutWithAClearError(t *testing.T) {
	f := newFixture(t, sim.Generate(8, 50, sim.Epoch), sim.Options{Seed: 8}, func(o *aliyun.Options) {
		o.Timeout = 150 * time.Millisecond
		o.Retries = 1
	})
	f.eng.SetFaults(sim.Faults{HangRate: 1})
	start := time.Now()
	_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	var te *aliyun.TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %T %v; want a TimeoutError", err, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "no reply from "+f.addr+" within 150ms") || strings.Contains(msg, "\n") ||
		strings.Count(msg, "DescribeInstanceHistoryEvents") != 1 || !strings.HasSuffix(msg, "raise --api-timeout if the network is slow") {
		t.Errorf("message %q", msg)
	}
	if s := f.b.Stats(); s.Calls != 2 {
		t.Errorf("%d calls; want 2 (one and one retry)", s.Calls)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// The caller's own deadline also ends a hung call, before the per-call timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = f.b.Tasks(ctx, "cn-hangzhou", []string{"t-1"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with a caller deadline: %v", err)
	}
}

// faultOnRedeploy turns faults on for the RedeployInstance call only: the listing of tasks
// before and the reconciliation after must go through.
func faultOnRedeploy(f func() *sim.Engine, faults sim.Faults) func(*aliyun.Options) {
	return func(o *aliyun.Options) {
		o.Transport = &actionHook{
			base:   &http.Transport{},
			action: "RedeployInstance",
			before: func() { f().SetFaults(faults) },
			after:  func() { f().SetFaults(sim.Faults{}) },
		}
	}
}

func TestLostRedeployReplyIsReconciledNotResubmitted(t *testing.T) {
	var eng *sim.Engine
	f := newFixture(t, sim.Generate(9, 600, sim.Epoch), sim.Options{Seed: 9},
		faultOnRedeploy(func() *sim.Engine { return eng }, sim.Faults{LostReplyRate: 1}))
	eng = f.eng
	// sim-server loses one reply as a 503 and the next as a dropped connection.
	for _, how := range []string{"503", "dropped connection"} {
		t.Run(how, func(t *testing.T) {
			in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
			ref, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
			if err != nil {
				t.Fatal(err)
			}
			tasks := f.eng.Tasks(in.RegionID, sim.TaskFilter{ResourceIDs: []string{in.ID}})
			if len(tasks) != 1 {
				t.Fatalf("engine has %d tasks for the instance; want exactly 1", len(tasks))
			}
			if !ref.Reconciled || ref.TaskID != tasks[0].ID {
				t.Fatalf("TaskRef %+v; want the engine's task %s, reconciled", ref, tasks[0].ID)
			}
			// The RequestId is the redeploy's own: the 503's, and none for a dropped
			// connection (never the RequestId of the DescribeTasks that found the task).
			if (how == "503") != (ref.RequestID != "") {
				t.Fatalf("TaskRef %+v: RequestId after a %s", ref, how)
			}
		})
	}
}

// A hung call may still be applied after the check, so it is never reported safe to retry.
func TestHungRedeployIsReportedUnknownNotSafe(t *testing.T) {
	var eng *sim.Engine
	f := newFixture(t, sim.Generate(10, 300, sim.Epoch), sim.Options{Seed: 10}, func(o *aliyun.Options) {
		o.Timeout = 150 * time.Millisecond
		faultOnRedeploy(func() *sim.Engine { return eng }, sim.Faults{HangRate: 1})(o)
	})
	eng = f.eng
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	_, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if !errors.Is(err, aliyun.ErrRedeployOutcomeUnknown) {
		t.Fatalf("error %v; want ErrRedeployOutcomeUnknown", err)
	}
	if msg := err.Error(); strings.Contains(msg, "safe to try again") || strings.Contains(msg, "try again later") ||
		!strings.HasSuffix(msg, "before trying again") || !strings.Contains(msg, "within 150ms") || !strings.Contains(msg, "last Running") {
		t.Errorf("message %q", msg)
	}
	if n := len(f.eng.Tasks(in.RegionID, sim.TaskFilter{})); n != 0 {
		t.Fatalf("engine has %d tasks", n)
	}
	// The call may still be applied after any one check, so the checks go on for the whole
	// reconcile budget (on the test's clock) before the outcome is called unknown.
	var waited time.Duration
	for _, d := range f.time.Sleeps() {
		waited += d
	}
	if waited < 30*time.Second {
		t.Errorf("reconciled for %v; want the whole 30s budget", waited)
	}
}

func TestRejectedCredentialsGiveAOneLineError(t *testing.T) {
	f := newFixture(t, sim.Generate(11, 20, sim.Epoch), sim.Options{Seed: 11}, nil)
	for _, c := range []struct {
		name, id, secret, code, says string
	}{
		{"wrong secret", testKeyID, "not-the-secret", "SignatureDoesNotMatch", "secret does not match"},
		{"unknown key", "LTAI5tNobodyHasThisKey", testSecret, "InvalidAccessKeyId.NotFound", "AccessKey ID is unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := f.backend(t, c.id, c.secret, nil)
			_, err := b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
			var ce *aliyun.CredentialError
			if !errors.As(err, &ce) || backend.Code(err) != c.code {
				t.Fatalf("error %T %v; want a CredentialError with %s", err, err, c.code)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.says) || !strings.Contains(msg, "RequestId") || len(msg) > 200 {
				t.Errorf("message %q", msg)
			}
			if s := b.Stats(); s.Calls != 1 {
				t.Errorf("%d calls; a refusal of the credentials is not retried", s.Calls)
			}
		})
	}
}

func TestUnreachableEndpointSaysSo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil { // nothing listens there now
		t.Fatal(err)
	}
	f := &fixture{addr: addr, time: newFakeTime()}
	b := f.backend(t, testKeyID, testSecret, func(o *aliyun.Options) { o.Retries = 1 })
	_, err = b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	if err == nil || !strings.Contains(err.Error(), "cannot reach "+addr) || strings.Contains(err.Error(), "Signature") ||
		strings.Count(err.Error(), "DescribeInstanceHistoryEvents") != 1 || !strings.HasSuffix(err.Error(), "check the network connection and --endpoint") {
		t.Fatalf("error %v", err)
	}
	if s := b.Stats(); s.Calls != 2 {
		t.Errorf("%d calls; want 2 (one and one retry)", s.Calls)
	}
	_, err = b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: "i-bp1x"})
	if err == nil || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("redeploy: %v", err)
	}
}

func TestCallerGivingUpMidRedeployStillLearnsTheOutcome(t *testing.T) {
	var eng *sim.Engine
	f := newFixture(t, sim.Generate(13, 300, sim.Epoch), sim.Options{Seed: 13},
		faultOnRedeploy(func() *sim.Engine { return eng }, sim.Faults{HangRate: 1}))
	eng = f.eng
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	// The caller's deadline ends the hung call long before the backend's own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.b.Redeploy(ctx, backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if !errors.Is(err, aliyun.ErrRedeployOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v; want ErrRedeployOutcomeUnknown after the caller's deadline", err)
	}
	if n := len(f.eng.Tasks(in.RegionID, sim.TaskFilter{})); n != 0 {
		t.Fatalf("engine has %d tasks", n)
	}
}

// The console, events and redeploy run on any backend.Backend: over HTTP this backend must
// answer what the in-process simulator answers for the same fleet.
func TestSameAnswersAsTheInProcessSimulator(t *testing.T) {
	f := newFixture(t, sim.Generate(14, 800, sim.Epoch), sim.Options{Seed: 14}, nil)
	ctx := context.Background()
	q := backend.Query{Regions: []string{"cn-hangzhou", "cn-shanghai", "us-west-1"}}
	overHTTP, err := f.b.Instances(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	inProcess, err := sim.NewBackend(f.eng).Instances(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	model.SortByDeadline(inProcess)
	if len(overHTTP) != len(inProcess) {
		t.Fatalf("%d instances over HTTP, %d in process", len(overHTTP), len(inProcess))
	}
	for i := range inProcess {
		want := inProcess[i]
		// The API states expiry to the minute.
		want.ExpiredTime = want.ExpiredTime.Truncate(time.Minute)
		if got := overHTTP[i]; !reflect.DeepEqual(got, want) {
			t.Fatalf("instance %d differs:\nover HTTP  %+v\nin process %+v", i, got, want)
		}
	}

	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	ref, err := f.b.Redeploy(ctx, backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID, ForceStop: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{0, 15 * time.Minute} {
		f.clock.Advance(step)
		got, err := f.b.Tasks(ctx, in.RegionID, []string{ref.TaskID})
		if err != nil {
			t.Fatal(err)
		}
		want, err := sim.NewBackend(f.eng).Tasks(ctx, in.RegionID, []string{ref.TaskID})
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			// DescribeTasks states times to the minute.
			want[i].CreationTime = want[i].CreationTime.Truncate(time.Minute)
			want[i].FinishedTime = want[i].FinishedTime.Truncate(time.Minute)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after %v, tasks differ:\nover HTTP  %+v\nin process %+v", step, got, want)
		}
	}
}

// refuseTransport records where a request would go and sends nothing.
type refuseTransport struct{ urls chan *url.URL }

func (r refuseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls <- req.URL
	return nil, errors.New("test: not sending")
}

func TestRealEndpointIsRegionalHTTPS(t *testing.T) {
	rt := refuseTransport{urls: make(chan *url.URL, 10)}
	b, err := aliyun.New(aliyun.Options{
		Credentials: &aliyun.Credentials{Provider: credentials.NewStaticAKCredentialsProvider(testKeyID, testSecret)},
		Transport:   rt,
		Retries:     -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Tasks(context.Background(), "eu-central-1", []string{"t-1"}); err == nil {
		t.Fatal("no error from a transport that sends nothing")
	}
	u := <-rt.urls
	if u.Scheme != "https" || u.Host != "ecs.eu-central-1.aliyuncs.com" {
		t.Fatalf("request to %s://%s; want https://ecs.eu-central-1.aliyuncs.com", u.Scheme, u.Host)
	}
	if len(rt.urls) != 0 {
		t.Fatalf("more than one request: %v", <-rt.urls)
	}
}

func TestListingRefusalSurfacesUnchanged(t *testing.T) {
	f := newFixture(t, sim.Generate(15, 50, sim.Epoch), sim.Options{Seed: 15}, nil)
	_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou", "mars-north-1"}})
	ae, ok := backend.AsAPIError(err)
	if !ok || ae.Code != "InvalidRegionId.NotFound" || ae.HTTPStatus != 404 || ae.RequestID == "" {
		t.Fatalf("error %v; want InvalidRegionId.NotFound 404 with its RequestId", err)
	}
}

func TestThrottledRedeployIsRepeatedOnceAfterRetryAfter(t *testing.T) {
	var eng *sim.Engine
	first := true
	f := newFixture(t, sim.Generate(16, 300, sim.Epoch), sim.Options{Seed: 16}, func(o *aliyun.Options) {
		o.Transport = &actionHook{
			base:   &http.Transport{},
			action: "RedeployInstance",
			before: func() {
				if first {
					eng.SetFaults(sim.Faults{ThrottleRate: 1, RetryAfter: 700 * time.Millisecond})
				}
				first = false
			},
			after: func() { eng.SetFaults(sim.Faults{}) },
		}
	})
	eng = f.eng
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusStopped)
	ref, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if err != nil {
		t.Fatal(err)
	}
	if tasks := f.eng.Tasks(in.RegionID, sim.TaskFilter{}); len(tasks) != 1 || tasks[0].ID != ref.TaskID || ref.Reconciled {
		t.Fatalf("engine tasks %+v, TaskRef %+v; want exactly the one returned", tasks, ref)
	}
	if s := f.b.Stats(); s.Throttled != 1 || s.Calls != 4 {
		t.Errorf("stats %+v; want 1 throttled of 4 calls (DescribeTasks, RedeployInstance twice, DescribeTasks of its TaskId)", s)
	}
	if w := f.time.Sleeps(); len(w) != 1 || w[0] < 700*time.Millisecond {
		t.Errorf("waits %v; want one of at least the 700ms retry-after", w)
	}
}

// A 5xx is ECS failing, not ECS refusing: it does not prove the call did nothing, so even
// with no task listed and the instance unmoved it is "outcome unknown", never "safe to try
// again"; the call is never repeated by the backend.
func TestRedeployAnswered5xxWithNothingStartedIsUnknown(t *testing.T) {
	var eng *sim.Engine
	f := newFixture(t, sim.Generate(15, 300, sim.Epoch), sim.Options{Seed: 15},
		faultOnRedeploy(func() *sim.Engine { return eng }, sim.Faults{ServerErrorRate: 1}))
	eng = f.eng
	in := eligible(t, f.eng, "cn-hangzhou", model.StatusRunning)
	_, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID})
	if !errors.Is(err, aliyun.ErrRedeployOutcomeUnknown) || backend.Code(err) != backend.CodeInternalError {
		t.Fatalf("error %v; want ErrRedeployOutcomeUnknown keeping InternalError", err)
	}
	if msg := err.Error(); strings.Contains(msg, "safe to try again") || !strings.HasSuffix(msg, "before trying again") {
		t.Errorf("message %q", msg)
	}
	if n := len(f.eng.Tasks(in.RegionID, sim.TaskFilter{})); n != 0 {
		t.Fatalf("engine has %d tasks", n)
	}
}
