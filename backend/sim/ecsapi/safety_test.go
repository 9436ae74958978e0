package ecsapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Issue 8, kind 3: a second RedeployInstance while one is Processing — here while the
// instance passes through Stopped, where the eligibility rules alone accept it — is
// refused with 403 IncorrectInstanceStatus naming the task.
func TestSecondRedeployWhileProcessingIsRefused(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 41})
	var in model.Instance
	for _, c := range f.eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
		if c.Status == model.StatusRunning && model.Evaluate(&c, f.eng.Now(), false).Allowed {
			in = c
			break
		}
	}
	if in.ID == "" {
		t.Fatal("fixture: no redeployable Running instance in cn-hangzhou")
	}
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	redeploy := func() (*ecs.RedeployInstanceResponse, error) {
		req := ecs.CreateRedeployInstanceRequest()
		req.InstanceId = in.ID
		return c.RedeployInstance(req)
	}
	first, err := redeploy()
	if err != nil {
		t.Fatal(oneLine(err))
	}
	f.clock.Advance(sim.StoppingDuration + time.Minute) // Stopped, migrating
	if got := f.eng.Instances("cn-hangzhou", []string{in.ID})[0].Status; got != model.StatusStopped {
		t.Fatalf("fixture: instance is %s, want Stopped mid-redeploy", got)
	}
	_, err = redeploy()
	se := serverError(t, err)
	if se.HttpStatus() != 403 || se.ErrorCode() != model.CodeIncorrectInstanceStatus || !strings.Contains(se.Message(), first.TaskId) || se.RequestId() == "" {
		t.Fatalf("second redeploy: %d %s %q; want 403 IncorrectInstanceStatus naming %s", se.HttpStatus(), se.ErrorCode(), se.Message(), first.TaskId)
	}
	if n := len(f.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{in.ID}})); n != 1 {
		t.Fatalf("engine has %d tasks for the instance; want 1", n)
	}
}

// DescribeTasks filters by ResourceIds sent as the API documents it (a JSON list) and as
// the SDK sends it (ResourceIds.N), by TaskStatus and by TaskAction.
func TestDescribeTasksByResourceAndStatus(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 42})
	var ids []string
	for _, in := range f.eng.Instances("cn-hangzhou", nil) {
		if model.Evaluate(&in, f.eng.Now(), false).Allowed {
			if _, err := f.eng.Redeploy(in.RegionID, in.ID, false); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, in.ID)
			if len(ids) == 3 {
				break
			}
		}
	}
	if len(ids) < 3 {
		t.Fatal("fixture: fewer than 3 redeployable instances")
	}
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	resources := func(resp *ecs.DescribeTasksResponse) []string {
		var out []string
		for _, tk := range resp.TaskSet.Task {
			out = append(out, tk.ResourceId)
		}
		slices.Sort(out)
		return out
	}
	want := []string{ids[0], ids[2]}
	slices.Sort(want)

	// The SDK's way: ResourceIds.1, ResourceIds.2.
	req := ecs.CreateDescribeTasksRequest()
	req.ResourceIds = &[]string{ids[0], ids[2]}
	req.TaskStatus = string(model.TaskProcessing)
	req.TaskAction = model.ActionRedeployInstance
	resp, err := c.DescribeTasks(req)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if got := resources(resp); !slices.Equal(got, want) || resp.TotalCount != 2 {
		t.Errorf("ResourceIds.N: %v (TotalCount %d), want %v", got, resp.TotalCount, want)
	}

	// The API page's way: ResourceIds=["…","…"].
	creq := requests.NewCommonRequest()
	creq.Domain = f.addr
	creq.Version = "2014-05-26"
	creq.ApiName = "DescribeTasks"
	creq.QueryParams["RegionId"] = "cn-hangzhou"
	creq.QueryParams["ResourceIds"] = `["` + ids[0] + `","` + ids[2] + `"]`
	creq.QueryParams["TaskStatus"] = "Processing"
	cresp, err := c.ProcessCommonRequest(creq)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	var parsed ecs.DescribeTasksResponse
	if err := jsonUnmarshal(cresp.GetHttpContentBytes(), &parsed); err != nil {
		t.Fatal(err)
	}
	if got := resources(&parsed); !slices.Equal(got, want) {
		t.Errorf("ResourceIds JSON: %v, want %v", got, want)
	}

	// Finished matches none yet; an empty list is refused, never read as no filter.
	req.TaskStatus = string(model.TaskFinished)
	if resp, err = c.DescribeTasks(req); err != nil || len(resp.TaskSet.Task) != 0 {
		t.Errorf("Finished: %v, %v", resp.TaskSet.Task, err)
	}
	creq.QueryParams["ResourceIds"] = `[]`
	_, err = c.ProcessCommonRequest(creq)
	if se := serverError(t, err); se.HttpStatus() != 400 {
		t.Errorf("empty ResourceIds: %d %s", se.HttpStatus(), se.ErrorCode())
	}
}

// The bad-reply fault applies the call and then answers with a reply that proves nothing,
// only for the actions named.
func TestBadReplyFault(t *testing.T) {
	for _, c := range []struct {
		kind   sim.BadReply
		status int
	}{{sim.BadReplyGateway, 502}, {sim.BadReplyEmptyJSON, 200}, {sim.BadReplyEmpty, 200}} {
		t.Run(string(c.kind), func(t *testing.T) {
			f := newFixture(t, 300, sim.Options{Seed: 43})
			var in model.Instance
			for _, cand := range f.eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
				if model.Evaluate(&cand, f.eng.Now(), false).Allowed {
					in = cand
					break
				}
			}
			f.eng.SetFaults(sim.Faults{BadReplyRate: 1, BadReply: c.kind, Actions: []string{"RedeployInstance"}})
			cl := f.client(t, "cn-hangzhou", testKeyID, testSecret)
			// Another action is not touched.
			if _, err := cl.DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
				t.Fatalf("DescribeRegions: %v", oneLine(err))
			}
			req := ecs.CreateRedeployInstanceRequest()
			req.InstanceId = in.ID
			resp, err := cl.RedeployInstance(req)
			if c.status == 200 {
				if err != nil || resp.TaskId != "" || resp.RequestId != "" || resp.GetHttpStatus() != 200 {
					t.Fatalf("resp %+v, err %v; want a 200 without TaskId and RequestId", resp, err)
				}
			} else if se := serverError(t, err); se.HttpStatus() != c.status || se.ErrorCode() != "" || !strings.Contains(se.Message(), "Bad Gateway") {
				t.Fatalf("%d %q %q; want a 502 page without an ECS code", se.HttpStatus(), se.ErrorCode(), se.Message())
			}
			if n := len(f.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{in.ID}})); n != 1 {
				t.Fatalf("engine has %d tasks; the call is applied before its reply is spoilt", n)
			}
		})
	}
}
