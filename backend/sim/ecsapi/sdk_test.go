package ecsapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func TestDescribeRegions(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	resp, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if got, want := len(resp.Regions.Region), len(f.eng.Regions()); got != want {
		t.Fatalf("regions = %d, want %d", got, want)
	}
	r := resp.Regions.Region[0]
	if r.RegionId != "cn-hangzhou" || r.LocalName == "" || r.RegionEndpoint != f.addr || r.Status != "available" {
		t.Errorf("first region = %+v", r)
	}
	if resp.RequestId == "" {
		t.Error("no RequestId")
	}
}

// find returns the first instance of the fleet that satisfies ok.
func (f *fixture) find(t *testing.T, ok func(in *model.Instance) bool) model.Instance {
	t.Helper()
	for _, in := range f.eng.Instances("", nil) {
		if ok(&in) {
			return in
		}
	}
	t.Fatal("the generated fleet has no such instance; change the seed or size")
	return model.Instance{}
}

func TestDescribeInstancesFields(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 7})
	cases := map[string]func(in *model.Instance) bool{
		"local disks":    func(in *model.Instance) bool { return in.HasLocalDisks() },
		"security lock":  func(in *model.Instance) bool { return in.HasLock(model.LockSecurity) },
		"dedicated host": func(in *model.Instance) bool { return in.OnDedicatedHost() },
		"prepaid":        func(in *model.Instance) bool { return in.ChargeType == model.PrePaid },
		"postpaid":       func(in *model.Instance) bool { return in.ChargeType == model.PostPaid },
	}
	for name, ok := range cases {
		t.Run(name, func(t *testing.T) {
			want := f.find(t, ok)
			c := f.client(t, want.RegionID, testKeyID, testSecret)
			req := ecs.CreateDescribeInstancesRequest()
			req.InstanceIds = `["` + want.ID + `"]`
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatal(oneLine(err))
			}
			if resp.TotalCount != 1 || len(resp.Instances.Instance) != 1 {
				t.Fatalf("TotalCount %d, %d instances; want 1", resp.TotalCount, len(resp.Instances.Instance))
			}
			got := resp.Instances.Instance[0]
			if got.InstanceId != want.ID || got.InstanceName != want.Name || got.RegionId != want.RegionID ||
				got.ZoneId != want.ZoneID || got.InstanceType != want.InstanceType || got.InstanceTypeFamily != want.Family ||
				got.Status != string(want.Status) || got.InstanceChargeType != want.ChargeType ||
				got.LocalStorageAmount != want.LocalStorageAmount || got.LocalStorageCapacity != want.LocalStorageCapacity ||
				got.DedicatedHostAttribute.DedicatedHostId != want.DedicatedHostID || got.DeploymentSetId != want.DeploymentSetID {
				t.Errorf("instance = %+v\nwant %+v", got, want)
			}
			var locks []model.LockReason
			for _, l := range got.OperationLocks.LockReason {
				locks = append(locks, model.LockReason(l.LockReason))
			}
			if !slices.Equal(locks, want.OperationLocks) {
				t.Errorf("OperationLocks = %v, want %v", locks, want.OperationLocks)
			}
			wantExpiry := "2099-12-31T15:59Z"
			if !want.ExpiredTime.IsZero() {
				wantExpiry = want.ExpiredTime.UTC().Format("2006-01-02T15:04Z")
			}
			if got.ExpiredTime != wantExpiry {
				t.Errorf("ExpiredTime = %q, want %q", got.ExpiredTime, wantExpiry)
			}
			if _, err := time.Parse("2006-01-02T15:04Z", got.CreationTime); err != nil {
				t.Errorf("CreationTime %q: %v", got.CreationTime, err)
			}
			if len(got.Tags.Tag) != len(want.Tags) {
				t.Errorf("Tags = %+v, want %v", got.Tags.Tag, want.Tags)
			}
			for _, tag := range got.Tags.Tag {
				if want.Tags[tag.TagKey] != tag.TagValue {
					t.Errorf("tag %s=%s, want %s", tag.TagKey, tag.TagValue, want.Tags[tag.TagKey])
				}
			}
		})
	}
}

func TestDescribeInstancesRegionScoping(t *testing.T) {
	f := newFixture(t, 100, sim.Options{Seed: 3})
	in := f.find(t, func(in *model.Instance) bool { return in.RegionID == "cn-hangzhou" })
	c := f.client(t, "cn-shanghai", testKeyID, testSecret)
	req := ecs.CreateDescribeInstancesRequest()
	req.InstanceIds = `["` + in.ID + `"]`
	resp, err := c.DescribeInstances(req)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if resp.TotalCount != 0 || len(resp.Instances.Instance) != 0 {
		t.Errorf("a cn-hangzhou instance was found in cn-shanghai: %+v", resp.Instances.Instance)
	}

	req = ecs.CreateDescribeInstancesRequest()
	req.RegionId = "xx-nowhere-1"
	_, err = c.DescribeInstances(req)
	if se := serverError(t, err); se.HttpStatus() != 404 || se.ErrorCode() != "InvalidRegionId.NotFound" {
		t.Errorf("unknown region: %d %s", se.HttpStatus(), se.ErrorCode())
	}

	req = ecs.CreateDescribeInstancesRequest()
	req.InstanceIds = `i-not-json`
	_, err = c.DescribeInstances(req)
	if se := serverError(t, err); se.HttpStatus() != 400 || se.ErrorCode() != "InvalidInstanceIds.Malformed" {
		t.Errorf("malformed InstanceIds: %d %s", se.HttpStatus(), se.ErrorCode())
	}
}

func ids(ins []model.Instance) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.ID
	}
	return out
}

func TestDescribeInstancesPagination(t *testing.T) {
	const region = "cn-hangzhou"
	f := newFixture(t, 800, sim.Options{Seed: 11})
	want := ids(f.eng.Instances(region, nil))
	if len(want) <= 100 {
		t.Fatalf("only %d instances in %s; the test needs more than 100", len(want), region)
	}
	c := f.client(t, region, testKeyID, testSecret)

	t.Run("PageNumber", func(t *testing.T) {
		var got []string
		for page := 1; ; page++ {
			if page > len(want)/100+2 {
				t.Fatalf("page %d of %d instances: the pages never run out", page, len(want))
			}
			req := ecs.CreateDescribeInstancesRequest()
			req.PageNumber = requests.NewInteger(page)
			req.PageSize = requests.NewInteger(100)
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatal(oneLine(err))
			}
			if resp.TotalCount != len(want) || resp.PageNumber != page || resp.PageSize != 100 {
				t.Fatalf("page %d: TotalCount %d PageNumber %d PageSize %d", page, resp.TotalCount, resp.PageNumber, resp.PageSize)
			}
			if len(resp.Instances.Instance) == 0 {
				break
			}
			for _, in := range resp.Instances.Instance {
				got = append(got, in.InstanceId)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged %d ids, want %d in fleet order", len(got), len(want))
		}
	})

	t.Run("NextToken", func(t *testing.T) {
		var got []string
		token, calls := "", 0
		for {
			if calls > len(want)/100+1 {
				t.Fatalf("%d calls for %d instances: NextToken never runs out", calls, len(want))
			}
			req := ecs.CreateDescribeInstancesRequest()
			req.MaxResults = requests.NewInteger(100)
			req.NextToken = token
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatal(oneLine(err))
			}
			calls++
			for _, in := range resp.Instances.Instance {
				got = append(got, in.InstanceId)
			}
			if token = resp.NextToken; token == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged %d ids, want %d in fleet order", len(got), len(want))
		}
		if wantCalls := (len(want) + 99) / 100; calls != wantCalls {
			t.Errorf("%d calls, want %d", calls, wantCalls)
		}
	})
}

func eventIDs(evs []model.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

func pendingStatuses() *[]string {
	s := []string{"Scheduled", "Executing", "Inquiring"}
	return &s
}

func TestDescribeInstanceHistoryEvents(t *testing.T) {
	const region = "cn-hangzhou"
	f := newFixture(t, 800, sim.Options{Seed: 11})
	c := f.client(t, region, testKeyID, testSecret)
	pending := f.eng.Events(sim.EventFilter{Region: region, CycleStatuses: model.PendingCycleStatuses})
	if len(pending) <= 100 {
		t.Fatalf("only %d pending events in %s; the test needs more than 100", len(pending), region)
	}

	pageAll := func(t *testing.T, maxResults int, prepare func(*ecs.DescribeInstanceHistoryEventsRequest)) []ecs.InstanceSystemEventType {
		t.Helper()
		var out []ecs.InstanceSystemEventType
		token := ""
		for page := 1; ; page++ {
			if page > 1000 {
				t.Fatalf("%d pages of %d: NextToken never runs out", page, maxResults)
			}
			req := ecs.CreateDescribeInstanceHistoryEventsRequest()
			req.MaxResults = requests.NewInteger(maxResults)
			req.NextToken = token
			prepare(req)
			resp, err := c.DescribeInstanceHistoryEvents(req)
			if err != nil {
				t.Fatal(oneLine(err))
			}
			if len(resp.InstanceSystemEventSet.InstanceSystemEventType) > maxResults {
				t.Fatalf("page of %d, MaxResults %d", len(resp.InstanceSystemEventSet.InstanceSystemEventType), maxResults)
			}
			out = append(out, resp.InstanceSystemEventSet.InstanceSystemEventType...)
			if token = resp.NextToken; token == "" {
				return out
			}
		}
	}
	idsOf := func(evs []ecs.InstanceSystemEventType) []string {
		out := make([]string, len(evs))
		for i, ev := range evs {
			out[i] = ev.EventId
		}
		return out
	}

	t.Run("pending with NextToken", func(t *testing.T) {
		for _, max := range []int{10, 37, 100} {
			got := pageAll(t, max, func(r *ecs.DescribeInstanceHistoryEventsRequest) { r.InstanceEventCycleStatus = pendingStatuses() })
			if !slices.Equal(idsOf(got), eventIDs(pending)) {
				t.Errorf("MaxResults %d: %d events, want %d in fleet order", max, len(got), len(pending))
			}
		}
	})

	t.Run("pending with PageNumber", func(t *testing.T) {
		var got []string
		for page := 1; ; page++ {
			if page > len(pending)/100+2 {
				t.Fatalf("page %d of %d events: the pages never run out", page, len(pending))
			}
			req := ecs.CreateDescribeInstanceHistoryEventsRequest()
			req.InstanceEventCycleStatus = pendingStatuses()
			req.PageNumber = requests.NewInteger(page)
			req.PageSize = requests.NewInteger(100)
			resp, err := c.DescribeInstanceHistoryEvents(req)
			if err != nil {
				t.Fatal(oneLine(err))
			}
			if resp.TotalCount != len(pending) {
				t.Fatalf("TotalCount %d, want %d", resp.TotalCount, len(pending))
			}
			if len(resp.InstanceSystemEventSet.InstanceSystemEventType) == 0 {
				break
			}
			got = append(got, idsOf(resp.InstanceSystemEventSet.InstanceSystemEventType)...)
		}
		if !slices.Equal(got, eventIDs(pending)) {
			t.Errorf("%d events, want %d", len(got), len(pending))
		}
	})

	t.Run("default is final events only", func(t *testing.T) {
		got := pageAll(t, 100, func(*ecs.DescribeInstanceHistoryEventsRequest) {})
		if len(got) == 0 {
			t.Fatal("no final events in the fleet's history")
		}
		for _, ev := range got {
			if model.EventCycleStatus(ev.EventCycleStatus.Name).Pending() {
				t.Fatalf("pending event %s (%s) answered without InstanceEventCycleStatus", ev.EventId, ev.EventCycleStatus.Name)
			}
		}
	})

	t.Run("fields", func(t *testing.T) {
		want := pending[0]
		got := pageAll(t, 10, func(r *ecs.DescribeInstanceHistoryEventsRequest) {
			r.InstanceEventCycleStatus = pendingStatuses()
			r.InstanceId = want.InstanceID
		})
		i := slices.IndexFunc(got, func(ev ecs.InstanceSystemEventType) bool { return ev.EventId == want.ID })
		if i < 0 {
			t.Fatalf("event %s not answered for InstanceId %s", want.ID, want.InstanceID)
		}
		ev := got[i]
		if ev.InstanceId != want.InstanceID || ev.EventType.Name != string(want.Type) ||
			ev.EventType.Code != model.EventTypeCode(want.Type) || ev.EventCycleStatus.Name != string(want.CycleStatus) ||
			ev.EventCycleStatus.Code != model.CycleStatusCode(want.CycleStatus) || ev.Reason != want.Reason ||
			ev.ImpactLevel != want.ImpactLevel || ev.ResourceType != "instance" {
			t.Errorf("event = %+v\nwant %+v", ev, want)
		}
		if nb, err := time.Parse(time.RFC3339, ev.NotBefore); err != nil || !nb.Equal(want.NotBefore) {
			t.Errorf("NotBefore %q, want %s (%v)", ev.NotBefore, want.NotBefore.Format(time.RFC3339), err)
		}
		if pt, err := time.Parse(time.RFC3339, ev.EventPublishTime); err != nil || !pt.Equal(want.PublishTime) {
			t.Errorf("EventPublishTime %q, want %s (%v)", ev.EventPublishTime, want.PublishTime.Format(time.RFC3339), err)
		}
	})

	t.Run("filters", func(t *testing.T) {
		types := []string{string(model.EventMaintenanceRedeploy)}
		got := pageAll(t, 100, func(r *ecs.DescribeInstanceHistoryEventsRequest) {
			r.InstanceEventCycleStatus = &[]string{"Scheduled"}
			r.InstanceEventType = &types
		})
		want := f.eng.Events(sim.EventFilter{Region: region, CycleStatuses: []model.EventCycleStatus{model.CycleScheduled},
			Types: []model.EventType{model.EventMaintenanceRedeploy}})
		if len(want) == 0 || !slices.Equal(idsOf(got), eventIDs(want)) {
			t.Errorf("type+status filter: %d events, want %d", len(got), len(want))
		}

		some := []string{pending[5].InstanceID, pending[1].InstanceID}
		got = pageAll(t, 10, func(r *ecs.DescribeInstanceHistoryEventsRequest) {
			r.InstanceEventCycleStatus = pendingStatuses()
			r.ResourceId = &some
		})
		for _, ev := range got {
			if !slices.Contains(some, ev.InstanceId) {
				t.Errorf("ResourceId filter answered %s", ev.InstanceId)
			}
		}
		if len(got) < 2 {
			t.Errorf("ResourceId filter: %d events, want at least 2", len(got))
		}
	})

	t.Run("region scoping", func(t *testing.T) {
		other := f.client(t, "cn-beijing", testKeyID, testSecret)
		req := ecs.CreateDescribeInstanceHistoryEventsRequest()
		req.InstanceEventCycleStatus = pendingStatuses()
		req.InstanceId = pending[0].InstanceID
		resp, err := other.DescribeInstanceHistoryEvents(req)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		if n := len(resp.InstanceSystemEventSet.InstanceSystemEventType); n != 0 {
			t.Errorf("a cn-hangzhou instance's events were answered in cn-beijing: %d", n)
		}
	})

	// The API documents MaxResults as clamped: below 10 reads as 10, above 100 as 100.
	t.Run("MaxResults clamped", func(t *testing.T) {
		for _, tc := range []struct{ asked, want int }{{1, 10}, {9, 10}, {101, 100}, {5000, 100}} {
			req := ecs.CreateDescribeInstanceHistoryEventsRequest()
			req.MaxResults = requests.NewInteger(tc.asked)
			req.InstanceEventCycleStatus = &[]string{"Inquiring", "Scheduled", "Executing", "Avoided", "Executed", "Canceled", "Failed"}
			resp, err := c.DescribeInstanceHistoryEvents(req)
			if err != nil {
				t.Fatalf("MaxResults %d: %v", tc.asked, err)
			}
			if n := len(resp.InstanceSystemEventSet.InstanceSystemEventType); n != min(tc.want, resp.TotalCount) {
				t.Errorf("MaxResults %d: %d events, want %d", tc.asked, n, tc.want)
			}
		}
	})
}

// TestRedeployFollowedToFinished is the life of one redeploy as a client sees it:
// RedeployInstance, then DescribeTasks until Finished, then the event is Avoided.
func TestRedeployFollowedToFinished(t *testing.T) {
	f := newFixture(t, 200, sim.Options{Seed: 5})
	in := f.find(t, func(in *model.Instance) bool {
		return in.Status == model.StatusRunning && in.HasLocalDisks() && model.Evaluate(in, f.eng.Now(), false).Allowed
	})
	ev := model.AnsweredEvent(&in)
	c := f.client(t, in.RegionID, testKeyID, testSecret)

	req := ecs.CreateRedeployInstanceRequest()
	req.InstanceId = in.ID
	req.ForceStop = requests.NewBoolean(true)
	resp, err := c.RedeployInstance(req)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if !strings.HasPrefix(resp.TaskId, "t-") || resp.RequestId == "" {
		t.Fatalf("reply = %+v", resp)
	}

	task := func() ecs.Task {
		t.Helper()
		req := ecs.CreateDescribeTasksRequest()
		req.TaskIds = resp.TaskId
		req.TaskAction = "RedeployInstance"
		r, err := c.DescribeTasks(req)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		if r.RegionId != in.RegionID || len(r.TaskSet.Task) != 1 {
			t.Fatalf("DescribeTasks: region %s, %d tasks", r.RegionId, len(r.TaskSet.Task))
		}
		return r.TaskSet.Task[0]
	}
	status := func() string {
		t.Helper()
		req := ecs.CreateDescribeInstancesRequest()
		req.InstanceIds = `["` + in.ID + `"]`
		r, err := c.DescribeInstances(req)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		return r.Instances.Instance[0].Status
	}

	tk := task()
	if tk.TaskStatus != "Processing" || tk.TaskAction != "RedeployInstance" || tk.ResourceId != in.ID || tk.FinishedTime != "" {
		t.Fatalf("task after submit = %+v", tk)
	}
	if _, err := time.Parse("2006-01-02T15:04Z", tk.CreationTime); err != nil {
		t.Errorf("CreationTime %q: %v", tk.CreationTime, err)
	}
	seen := []string{status()}
	for i := 0; i < 60 && task().TaskStatus == "Processing"; i++ {
		f.clock.Advance(10 * time.Second)
		if s := status(); s != seen[len(seen)-1] {
			seen = append(seen, s)
		}
	}
	tk = task()
	if tk.TaskStatus != "Finished" || tk.FinishedTime == "" {
		t.Fatalf("task = %+v, want Finished", tk)
	}
	if want := []string{"Stopping", "Stopped", "Starting", "Running"}; !slices.Equal(seen, want) {
		t.Errorf("instance went %v, want %v", seen, want)
	}
	if f.eng.Wipes(in.ID) != 1 {
		t.Errorf("local disks wiped %d times, want 1", f.eng.Wipes(in.ID))
	}

	hreq := ecs.CreateDescribeInstanceHistoryEventsRequest()
	hreq.InstanceId = in.ID
	hreq.EventId = &[]string{ev.ID}
	hresp, err := c.DescribeInstanceHistoryEvents(hreq)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if got := hresp.InstanceSystemEventSet.InstanceSystemEventType; len(got) != 1 || got[0].EventCycleStatus.Name != "Avoided" || got[0].EventFinishTime == "" {
		t.Errorf("event after redeploy = %+v, want Avoided with a finish time", got)
	}

	// The finished task is found by resource and status too, as a reconciling client asks.
	dreq := ecs.CreateDescribeTasksRequest()
	dreq.TaskAction = "RedeployInstance"
	dreq.TaskStatus = "Finished"
	dreq.ResourceIds = &[]string{in.ID}
	dresp, err := c.DescribeTasks(dreq)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if len(dresp.TaskSet.Task) != 1 || dresp.TaskSet.Task[0].TaskId != resp.TaskId || dresp.TotalCount != 1 {
		t.Errorf("DescribeTasks by resource = %+v", dresp.TaskSet)
	}

	// A second redeploy has no event left to answer.
	_, err = c.RedeployInstance(req)
	if se := serverError(t, err); se.HttpStatus() != 403 || se.ErrorCode() != model.CodeInvalidOperation {
		t.Errorf("second redeploy: %d %s", se.HttpStatus(), se.ErrorCode())
	}
}

func TestRedeployRefusals(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 7})
	allowed := f.find(t, func(in *model.Instance) bool { return model.Evaluate(in, f.eng.Now(), false).Allowed })
	locked := f.find(t, func(in *model.Instance) bool {
		b := model.Evaluate(in, f.eng.Now(), false).FirstBlock()
		return b != nil && b.Code == model.CodeInstanceLockedForSecurity
	})
	elsewhere := "cn-hangzhou"
	if allowed.RegionID == elsewhere {
		elsewhere = "cn-shanghai"
	}
	cases := []struct {
		name, region, id, force string
		status                  int
		code                    string
	}{
		{"wrong region", elsewhere, allowed.ID, "", 404, model.CodeInstanceNotFound},
		{"unknown instance", allowed.RegionID, "i-doesnotexist", "", 404, model.CodeInstanceNotFound},
		{"security lock", locked.RegionID, locked.ID, "", 403, model.CodeInstanceLockedForSecurity},
		{"missing InstanceId", allowed.RegionID, "", "", 400, "MissingParameter"},
		{"bad ForceStop", allowed.RegionID, allowed.ID, "maybe", 400, "InvalidParameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.client(t, tc.region, testKeyID, testSecret)
			req := ecs.CreateRedeployInstanceRequest()
			req.InstanceId = tc.id
			req.ForceStop = requests.Boolean(tc.force)
			_, err := c.RedeployInstance(req)
			se := serverError(t, err)
			if se.HttpStatus() != tc.status || se.ErrorCode() != tc.code || se.RequestId() == "" || se.HostId() == "" {
				t.Errorf("got %d %s (RequestId %q HostId %q), want %d %s", se.HttpStatus(), se.ErrorCode(),
					se.RequestId(), se.HostId(), tc.status, tc.code)
			}
		})
	}
	if n := len(f.eng.Tasks(allowed.RegionID, sim.TaskFilter{})); n != 0 {
		t.Errorf("refused calls started %d tasks", n)
	}
}

func TestDescribeTasksFilters(t *testing.T) {
	f := newFixture(t, 300, sim.Options{Seed: 7})
	var started []string
	var region string
	for _, in := range f.eng.Instances("", nil) {
		if (region == "" || in.RegionID == region) && model.Evaluate(&in, f.eng.Now(), false).Allowed {
			region = in.RegionID
			tk, err := f.eng.Redeploy(in.RegionID, in.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			started = append(started, tk.ID)
			if len(started) == 3 {
				break
			}
		}
	}
	c := f.client(t, region, testKeyID, testSecret)
	req := ecs.CreateDescribeTasksRequest()
	req.TaskIds = started[0] + "," + started[2]
	resp, err := c.DescribeTasks(req)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	var got []string
	for _, tk := range resp.TaskSet.Task {
		got = append(got, tk.TaskId)
	}
	slices.Sort(got)
	want := []string{started[0], started[2]}
	slices.Sort(want)
	if !slices.Equal(got, want) || resp.TotalCount != 2 {
		t.Errorf("TaskIds filter answered %v (TotalCount %d), want %v", got, resp.TotalCount, want)
	}

	req = ecs.CreateDescribeTasksRequest()
	req.TaskStatus = "Finished"
	resp, err = c.DescribeTasks(req)
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if len(resp.TaskSet.Task) != 0 {
		t.Errorf("no task is Finished yet, got %d", len(resp.TaskSet.Task))
	}

	// The raw JSON keeps TaskSet an object holding Task[], as the SDK expects.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.GetHttpContentBytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw["TaskSet"]), `{"Task":[`) {
		t.Errorf("TaskSet = %s, want an object with Task[]", raw["TaskSet"])
	}
}
