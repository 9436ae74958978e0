package taskwait

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model"
)

// overHTTP serves e through sim-server on 127.0.0.1 and returns the real backend pointed
// at it, with retries that do not wait.
func overHTTP(t *testing.T, e *sim.Engine) backend.Backend {
	t.Helper()
	os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	ep, err := ecsapi.NewServer(e, ecsapi.Options{AccessKeyID: "follow", AccessKeySecret: "follow-secret"}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	b, err := aliyun.New(aliyun.Options{
		Credentials: &aliyun.Credentials{Provider: credentials.NewStaticAKCredentialsProvider("follow", "follow-secret")},
		Endpoint:    ep.Addr,
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.CloseIdleConnections)
	return b
}

// drive runs Follow with ticks the test sends; before each tick, step advances the
// simulator and may change its faults. It returns what Follow returned and every report.
func drive(t *testing.T, b backend.Backend, clock *sim.StepClock, ref backend.TaskRef, budget time.Duration, step func(i int)) (model.Task, []Progress, error) {
	t.Helper()
	ticks := make(chan time.Time)
	done := make(chan struct{})
	var task model.Task
	var err error
	var seen []Progress
	go func() {
		defer close(done)
		task, err = Follow(context.Background(), b, ref, ticks, clock.Now, budget, func(p Progress) { seen = append(seen, p) })
	}()
	for i := 0; i < 500; i++ {
		step(i)
		select {
		case ticks <- clock.Now():
		case <-done:
			return task, seen, err
		}
	}
	t.Fatal("Follow did not end after 500 ticks")
	return task, seen, err
}

var lookups = []string{"DescribeTasks", "DescribeInstances", "DescribeInstanceHistoryEvents"}

// Issue 8, kind 4: `redeploy --wait` stopped following after three dropped connections or
// timeouts while the redeploy went on. Through dropped connections and 503s for many
// polls in a row, it keeps following and sees the task finish.
func TestFollowRidesOutDroppedConnections(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	b := overHTTP(t, e)
	task, seen, err := drive(t, b, clock, ref, 30*time.Minute, func(i int) {
		clock.Advance(10 * time.Second)
		switch i {
		case 0:
			e.SetFaults(sim.Faults{LostReplyRate: 1, Actions: lookups}) // a dropped connection, then a 503, …
		case 12:
			e.SetFaults(sim.Faults{})
		}
	})
	if err != nil || task.Status != model.TaskFinished {
		t.Fatalf("task %+v, err %v; want it followed to Finished", task, err)
	}
	failed := 0
	for _, p := range seen {
		if p.Err != nil {
			failed++
		}
	}
	if failed < 3 {
		t.Fatalf("%d failed polls reported; the faults did not bite", failed)
	}
}

// When the budget is spent with the API still failing, the wait ends with one sentence:
// what was last seen, and that the redeploy goes on; never "try again later".
func TestFollowGivesUpAfterItsBudgetWithOneSentence(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	b := overHTTP(t, e)
	polls := 0
	_, seen, err := drive(t, b, clock, ref, 10*time.Minute, func(i int) {
		clock.Advance(20 * time.Second)
		if i == 1 {
			e.SetFaults(sim.Faults{ServerErrorRate: 1, Actions: lookups})
		}
		polls = i
	})
	if err == nil {
		t.Fatal("Follow ended without an error while the API kept failing")
	}
	msg := err.Error()
	if !strings.Contains(msg, "stopped following task "+ref.TaskID+" after 10m0s") || !strings.Contains(msg, "goes on in ECS") ||
		!strings.Contains(msg, "InternalError") || strings.Contains(msg, "try again later") || strings.Contains(msg, "\n") {
		t.Errorf("message %q", msg)
	}
	// Not fewer than the budget's ticks (30 at 20s), and fewer polls than ticks: it backs off.
	failed := 0
	for _, p := range seen {
		if p.Err != nil {
			failed++
		}
	}
	if polls < 29 || failed == 0 || failed >= polls-1 {
		t.Errorf("%d ticks, %d failed polls; want the whole budget, polled less often while failing", polls, failed)
	}
}

// A definite refusal (ECS's 4xx body) still ends the wait at once.
func TestFollowStopsOnARefusal(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	b := overHTTP(t, e)
	bad := ref
	bad.RegionID = "mars-north-1"
	_, _, err := drive(t, b, clock, bad, 30*time.Minute, func(int) {})
	if backend.Code(err) != "InvalidRegionId.NotFound" {
		t.Fatalf("error %v; want the refusal", err)
	}
}

// A TaskRef without a task or with a malformed instance id is not followed.
func TestFollowRefusesARefThatNamesNothing(t *testing.T) {
	e, clock, ref := setup(t, sim.Options{})
	for _, r := range []backend.TaskRef{{RegionID: ref.RegionID, InstanceID: ref.InstanceID}, {TaskID: ref.TaskID, RegionID: ref.RegionID}} {
		_, err := Follow(context.Background(), sim.NewBackend(e), r, nil, clock.Now, time.Hour, func(Progress) {})
		if err == nil {
			t.Errorf("followed %+v", r)
		}
	}
	if _, err := Follow(context.Background(), sim.NewBackend(e), backend.TaskRef{TaskID: ref.TaskID, RegionID: ref.RegionID, InstanceID: ""}, nil, clock.Now, time.Hour, func(Progress) {}); !errors.Is(err, backend.ErrInvalidInstanceID) {
		t.Errorf("error %v; want ErrInvalidInstanceID", err)
	}
}
