package ecsapi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func TestThrottlingWithRetryAfter(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})
	f.eng.SetFaults(sim.Faults{ThrottleRate: 1, RetryAfter: 1500 * time.Millisecond})
	_, err := f.client(t, "cn-hangzhou", testKeyID, testSecret).DescribeInstances(ecs.CreateDescribeInstancesRequest())
	se := serverError(t, err)
	if se.HttpStatus() != 400 || se.ErrorCode() != "Throttling" {
		t.Fatalf("got %d %s", se.HttpStatus(), se.ErrorCode())
	}
	if got := se.RespHeaders["X-Acs-Retry-After"]; len(got) != 1 || got[0] != "1500" {
		t.Errorf("x-acs-retry-after = %v, want [1500] (ms)", got)
	}
	if !strings.Contains(f.log.String(), "DescribeInstances cn-hangzhou 400 Throttling") {
		t.Errorf("log:\n%s", f.log)
	}
}

// TestRegionQPS: the per-region limit is a token bucket on the engine's clock, so a stepped
// clock makes it exact: two calls a second pass, the third waits for the clock.
func TestRegionQPS(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})
	f.eng.SetFaults(sim.Faults{RegionQPS: 2})
	hz := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	sh := f.client(t, "cn-shanghai", testKeyID, testSecret)
	call := func(c *ecs.Client) string {
		_, err := c.DescribeInstances(ecs.CreateDescribeInstancesRequest())
		if err == nil {
			return "ok"
		}
		return serverError(t, err).ErrorCode()
	}
	got := []string{call(hz), call(hz), call(hz), call(sh)}
	f.clock.Advance(time.Second)
	got = append(got, call(hz))
	want := []string{"ok", "ok", "Throttling", "ok", "ok"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("calls = %v, want %v", got, want)
	}
}

func TestServerError(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})
	f.eng.SetFaults(sim.Faults{ServerErrorRate: 1})
	_, err := f.client(t, "cn-hangzhou", testKeyID, testSecret).DescribeTasks(ecs.CreateDescribeTasksRequest())
	if se := serverError(t, err); se.HttpStatus() != 500 || se.ErrorCode() != "InternalError" {
		t.Errorf("got %d %s", se.HttpStatus(), se.ErrorCode())
	}
}

// TestLostReply: the redeploy is applied and its reply lost, first as a 503, then as a
// dropped connection. Either way the task exists, which is what a client must reconcile.
func TestLostReply(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 7})
	var targets []model.Instance
	for _, in := range f.eng.Instances("cn-hangzhou", nil) {
		if model.Evaluate(&in, f.eng.Now(), false).Allowed {
			targets = append(targets, in)
		}
	}
	if len(targets) < 2 {
		t.Fatal("need two redeployable instances in cn-hangzhou")
	}
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	f.eng.SetFaults(sim.Faults{LostReplyRate: 1})
	redeploy := func(id string) error {
		req := ecs.CreateRedeployInstanceRequest()
		req.InstanceId = id
		_, err := c.RedeployInstance(req)
		return err
	}

	err := redeploy(targets[0].ID)
	if se := serverError(t, err); se.HttpStatus() != 503 || se.ErrorCode() != "ServiceUnavailable" {
		t.Errorf("first lost reply: %d %s", se.HttpStatus(), se.ErrorCode())
	}
	err = redeploy(targets[1].ID)
	var se *sdkerrors.ServerError
	if err == nil || errors.As(err, &se) {
		t.Errorf("second lost reply: want a transport error, got %v", err)
	}

	f.eng.SetFaults(sim.Faults{})
	for _, in := range targets[:2] {
		req := ecs.CreateDescribeTasksRequest()
		req.TaskAction = "RedeployInstance"
		req.ResourceIds = &[]string{in.ID}
		resp, err := c.DescribeTasks(req)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		if len(resp.TaskSet.Task) != 1 || resp.TaskSet.Task[0].TaskStatus != "Processing" {
			t.Errorf("%s: the applied redeploy is not found: %+v", in.ID, resp.TaskSet.Task)
		}
	}
	if !strings.Contains(f.log.String(), "RedeployInstance cn-hangzhou dropped") {
		t.Errorf("log:\n%s", f.log)
	}
}

// TestHang: a hung call never answers; the client's own timeout ends it, and nothing is
// applied.
func TestHang(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 7})
	in := f.find(t, func(in *model.Instance) bool { return model.Evaluate(in, f.eng.Now(), false).Allowed })
	c := f.client(t, in.RegionID, testKeyID, testSecret)
	c.SetReadTimeout(200 * time.Millisecond)
	f.eng.SetFaults(sim.Faults{HangRate: 1})
	req := ecs.CreateRedeployInstanceRequest()
	req.InstanceId = in.ID
	_, err := c.RedeployInstance(req)
	var se *sdkerrors.ServerError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("want a client timeout, got %v", err)
	}
	if n := len(f.eng.Tasks(in.RegionID, sim.TaskFilter{})); n != 0 {
		t.Errorf("a hung call started %d tasks", n)
	}
}
