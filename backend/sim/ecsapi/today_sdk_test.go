package ecsapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model"
)

// todaysFleet is one instance per row and status of today's RedeployInstance table (a
// local-disk one where the row asks for it), one whose local disk is isolated with the
// ReInit event not sent yet, one on a dedicated host, and one whose only event is a drill
// to be made.
func todaysFleet() (*sim.Fleet, []model.Instance) {
	f := &sim.Fleet{Regions: sim.AllRegions()}
	n := 0
	mk := func(local bool, evs ...model.Event) model.Instance {
		n++
		id := fmt.Sprintf("i-bp1today%013d", n)
		in := model.Instance{ID: id, Name: fmt.Sprint("today-", n), RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
			InstanceType: "ecs.i2.xlarge", Family: "ecs.i2", Status: model.StatusRunning, ChargeType: model.PostPaid}
		if local {
			in.LocalStorageAmount, in.LocalStorageCapacity = 1, 894
		}
		for i := range evs {
			evs[i].ID = fmt.Sprintf("e-bp1today%010d%03d", n, i)
			evs[i].InstanceID = id
		}
		in.Events = evs
		return in
	}
	at := sim.Epoch.Add(2 * time.Hour)
	var answered []model.Instance
	for _, r := range model.AnswerRules {
		for _, st := range r.Statuses {
			in := mk(r.LocalDiskOnly, model.Event{Type: r.Type, CycleStatus: st, PublishTime: sim.Epoch.Add(-time.Hour), NotBefore: at})
			answered = append(answered, in)
		}
	}
	note := mk(true, model.Event{Type: model.EventMaintenanceIsolateOnly, CycleStatus: model.CycleExecuted,
		PublishTime: sim.Epoch.Add(-3 * time.Hour), NotBefore: sim.Epoch.Add(-2 * time.Hour), FinishTime: sim.Epoch.Add(-2 * time.Hour)})
	answered = append(answered, note)
	f.Instances = append(f.Instances, answered...)
	dh := mk(false, model.Event{Type: model.EventMaintenanceRedeploy, CycleStatus: model.CycleScheduled, NotBefore: at})
	dh.DedicatedHostID = "dh-bp1today0000000001"
	drillOnly := mk(false, model.Event{Type: model.EventExpirationStop, CycleStatus: model.CycleScheduled, NotBefore: at})
	inquiring := mk(false, model.Event{Type: model.EventMaintenanceReboot, CycleStatus: model.CycleInquiring, NotBefore: at,
		ExtendedAttribute: &model.ExtendedAttribute{CanAccept: "true"}})
	f.Instances = append(f.Instances, dh, drillOnly, inquiring)
	return f, answered
}

// Issue 18's "done when", through the official SDK against sim-server: every answerable
// event is redeployed to Finished and becomes Avoided; a simulated event is refused; an
// Inquiring event is accepted and moves on; a dedicated-host refusal carries the documented
// code; DryRun on RedeployInstance is refused with nothing redeployed.
func TestTodaysPlatformThroughTheSDK(t *testing.T) {
	fleet, answered := todaysFleet()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(fleet, clock, sim.Options{Seed: 1})
	ep, err := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: testKeyID, AccessKeySecret: testSecret}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	f := &fixture{eng: eng, clock: clock, addr: ep.Addr}
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	last := len(fleet.Instances)
	dh, drillOnly, inquiring := fleet.Instances[last-3], fleet.Instances[last-2], fleet.Instances[last-1]

	t.Run("DryRun refused, nothing redeployed", func(t *testing.T) {
		req := ecs.CreateRedeployInstanceRequest()
		req.InstanceId = answered[0].ID
		req.QueryParams["DryRun"] = "true"
		_, err := c.RedeployInstance(req)
		if se := serverError(t, err); se.HttpStatus() != 400 || se.ErrorCode() != "InvalidParameter" {
			t.Fatalf("DryRun: %d %s", se.HttpStatus(), se.ErrorCode())
		}
		if ts := eng.Tasks("cn-hangzhou", sim.TaskFilter{}); len(ts) != 0 {
			t.Fatalf("DryRun started %d tasks", len(ts))
		}
		if st := eng.Instances("", []string{answered[0].ID})[0].Status; st != model.StatusRunning {
			t.Fatalf("DryRun left the instance %s", st)
		}
	})

	t.Run("dedicated host: InvalidOperation.RedeployInstance", func(t *testing.T) {
		req := ecs.CreateRedeployInstanceRequest()
		req.InstanceId = dh.ID
		_, err := c.RedeployInstance(req)
		if se := serverError(t, err); se.HttpStatus() != 403 || se.ErrorCode() != "InvalidOperation.RedeployInstance" {
			t.Fatalf("dedicated host: %d %s", se.HttpStatus(), se.ErrorCode())
		}
	})

	t.Run("a simulated event is refused", func(t *testing.T) {
		cr := ecs.CreateCreateSimulatedSystemEventsRequest()
		cr.EventType = "SystemMaintenance.Reboot"
		cr.NotBefore = sim.Epoch.Add(time.Hour).Format("2006-01-02T15:04:05Z")
		cr.InstanceId = &[]string{drillOnly.ID}
		resp, err := c.CreateSimulatedSystemEvents(cr)
		if err != nil || len(resp.EventIdSet.EventId) != 1 {
			t.Fatalf("CreateSimulatedSystemEvents: %v %+v", err, resp)
		}
		req := ecs.CreateRedeployInstanceRequest()
		req.InstanceId = drillOnly.ID
		_, err = c.RedeployInstance(req)
		if se := serverError(t, err); se.HttpStatus() != 403 || se.ErrorCode() != model.CodeInvalidOperation {
			t.Fatalf("redeploy answering a drill: %d %s", se.HttpStatus(), se.ErrorCode())
		}
	})

	t.Run("an Inquiring event is accepted and moves on", func(t *testing.T) {
		req := ecs.CreateAcceptInquiredSystemEventRequest()
		req.EventId = inquiring.Events[0].ID
		if _, err := c.AcceptInquiredSystemEvent(req); err != nil {
			t.Fatal(err)
		}
		clock.Advance(sim.AcceptDuration)
		evs := eng.Events(sim.EventFilter{EventIDs: []string{inquiring.Events[0].ID}})
		if len(evs) != 1 || evs[0].CycleStatus != model.CycleExecuted {
			t.Fatalf("accepted event: %+v", evs)
		}
		_, err := c.AcceptInquiredSystemEvent(req)
		if se := serverError(t, err); se.HttpStatus() != 404 || se.ErrorCode() != sim.CodeNoInquiringEvent {
			t.Fatalf("accepting twice: %d %s", se.HttpStatus(), se.ErrorCode())
		}
	})

	t.Run("every answerable event: Finished, Avoided", func(t *testing.T) {
		tasks := map[string]string{}
		for _, in := range answered {
			req := ecs.CreateRedeployInstanceRequest()
			req.InstanceId = in.ID
			resp, err := c.RedeployInstance(req)
			if err != nil {
				t.Fatalf("%s (%s %s): %v", in.ID, in.Events[0].Type, in.Events[0].CycleStatus, err)
			}
			tasks[in.ID] = resp.TaskId
		}
		clock.Advance(time.Hour)
		for _, in := range answered {
			tr := ecs.CreateDescribeTasksRequest()
			tr.TaskIds = tasks[in.ID]
			resp, err := c.DescribeTasks(tr)
			if err != nil || len(resp.TaskSet.Task) != 1 || resp.TaskSet.Task[0].TaskStatus != "Finished" {
				t.Fatalf("%s task: %v %+v", in.ID, err, resp)
			}
			er := ecs.CreateDescribeInstanceHistoryEventsRequest()
			er.EventId = &[]string{in.Events[0].ID}
			er.InstanceEventCycleStatus = &[]string{"Avoided", "Executed"}
			er.PageSize = requests.NewInteger(10)
			evs, err := c.DescribeInstanceHistoryEvents(er)
			if err != nil || len(evs.InstanceSystemEventSet.InstanceSystemEventType) != 1 {
				t.Fatalf("%s events: %v %+v", in.ID, err, evs)
			}
			got := evs.InstanceSystemEventSet.InstanceSystemEventType[0].EventCycleStatus.Name
			want := "Avoided"
			if in.Events[0].CycleStatus == model.CycleExecuted {
				want = "Executed" // the isolation was done before; the note's redeploy leaves it so
			}
			if got != want {
				t.Errorf("%s (%s %s) is %s after the redeploy, want %s", in.ID, in.Events[0].Type, in.Events[0].CycleStatus, got, want)
			}
		}
	})
}
