package ecsapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// apiRefusal checks an error reply with status and code.
func (f *fixture) apiRefusal(t *testing.T, action string, params url.Values, status int, code string) {
	t.Helper()
	got, body := f.call(t, action, params)
	var e errorReply
	json.Unmarshal(body, &e)
	if got != status || e.Code != code {
		t.Errorf("%s %v: %d %s %q; want %d %s", action, params, got, e.Code, e.Message, status, code)
	}
}

// allowedInstance is an instance of cn-hangzhou the rules let redeploy now, not yet asked.
func (f *fixture) allowedInstance(t *testing.T, skip map[string]bool) model.Instance {
	t.Helper()
	for _, in := range f.eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
		if !skip[in.ID] && model.Evaluate(&in, f.eng.Now(), false).Allowed {
			skip[in.ID] = true
			return in
		}
	}
	t.Fatal("no instance of cn-hangzhou can be redeployed")
	return model.Instance{}
}

// acceptable is a pending Inquiring event of a Running or Stopped instance that says
// CanAccept=true (or, when can is false, CanAccept=false).
func (f *fixture) acceptable(t *testing.T, can bool) model.Event {
	t.Helper()
	for _, in := range f.eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
		if in.Status != model.StatusRunning && in.Status != model.StatusStopped {
			continue
		}
		for _, ev := range in.Events {
			if ev.CycleStatus == model.CycleInquiring && ev.Acceptable() == can {
				return ev
			}
		}
	}
	t.Fatalf("no Inquiring event with CanAccept %v in cn-hangzhou", can)
	return model.Event{}
}

type tasksReply struct {
	TotalCount int
	TaskSet    struct {
		Task []struct{ TaskId, TaskStatus, ResourceId string }
	}
}

// todaysCases are TestParamRules' cases for RedeployInstance, DescribeTasks and the
// actions around a redeploy (AcceptInquiredSystemEvent, the drills).
func todaysCases(f *fixture) map[string]func(t *testing.T) {
	asked := map[string]bool{}
	var taskID, taskInstance string
	redeploy := func(t *testing.T) {
		if taskID != "" {
			return
		}
		in := f.allowedInstance(t, asked)
		var r struct{ TaskId string }
		f.ok(t, "RedeployInstance", url.Values{"InstanceId": {in.ID}}, &r)
		if r.TaskId == "" {
			t.Fatal("no TaskId")
		}
		taskID, taskInstance = r.TaskId, in.ID
	}
	tasks := func(t *testing.T, params url.Values, want int) tasksReply {
		t.Helper()
		redeploy(t)
		var r tasksReply
		f.ok(t, "DescribeTasks", params, &r)
		if r.TotalCount != want || len(r.TaskSet.Task) != min(want, 10) {
			t.Errorf("DescribeTasks %v: TotalCount %d, %d tasks; want %d", params, r.TotalCount, len(r.TaskSet.Task), want)
		}
		return r
	}
	drill := func(t *testing.T, typ string, ids ...string) []string {
		t.Helper()
		p := url.Values{"EventType": {typ}, "NotBefore": {f.eng.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")}}
		for i, id := range ids {
			p.Set(fmt.Sprintf("InstanceId.%d", i+1), id)
		}
		var r ecs.CreateSimulatedSystemEventsResponse
		f.ok(t, "CreateSimulatedSystemEvents", p, &r)
		if len(r.EventIdSet.EventId) != len(ids) {
			t.Fatalf("%d drills for %d instances", len(r.EventIdSet.EventId), len(ids))
		}
		return r.EventIdSet.EventId
	}
	statusOf := func(t *testing.T, id string) string {
		t.Helper()
		evs := f.events(t, with(allCycleStatuses, "EventId.1", id))
		if len(evs) != 1 {
			t.Fatalf("event %s: %d answered", id, len(evs))
		}
		return evs[0].EventCycleStatus.Name
	}
	return map[string]func(t *testing.T){
		"RedeployInstance InstanceId": func(t *testing.T) {
			redeploy(t)
			f.apiRefusal(t, "RedeployInstance", url.Values{"InstanceId": {"i-bp1nosuchinstance0000"}}, 404, model.CodeInstanceNotFound)
			f.apiRefusal(t, "RedeployInstance", url.Values{}, 400, "MissingParameter")
		},
		"RedeployInstance ForceStop": func(t *testing.T) {
			in := f.allowedInstance(t, asked)
			f.refusal(t, "RedeployInstance", url.Values{"InstanceId": {in.ID}, "ForceStop": {"maybe"}}, "InvalidParameter", "ForceStop")
			var r struct{ TaskId string }
			f.ok(t, "RedeployInstance", url.Values{"InstanceId": {in.ID}, "ForceStop": {"true"}}, &r)
		},
		"DescribeTasks TaskIds": func(t *testing.T) {
			r := tasks(t, url.Values{"TaskIds": {taskIDOr(&taskID)}}, 1)
			if len(r.TaskSet.Task) == 1 && r.TaskSet.Task[0].TaskId != taskID {
				t.Errorf("TaskIds %s answered %s", taskID, r.TaskSet.Task[0].TaskId)
			}
		},
		"DescribeTasks TaskAction": func(t *testing.T) {
			tasks(t, url.Values{"TaskAction": {"RedeployInstance"}, "ResourceIds": {`["` + taskInstanceOr(&taskInstance) + `"]`}}, 1)
			tasks(t, url.Values{"TaskAction": {"StartInstance"}}, 0)
		},
		"DescribeTasks TaskStatus": func(t *testing.T) {
			tasks(t, url.Values{"TaskStatus": {"Failed"}}, 0)
		},
		"DescribeTasks ResourceIds": func(t *testing.T) {
			tasks(t, url.Values{"ResourceIds": {`["` + taskInstanceOr(&taskInstance) + `"]`}}, 1)
		},
		"DescribeTasks ResourceIds.N": func(t *testing.T) {
			tasks(t, url.Values{"ResourceIds.1": {taskInstanceOr(&taskInstance)}}, 1)
		},
		"DescribeTasks TaskGroupId": func(t *testing.T) {
			tasks(t, url.Values{"TaskGroupId": {"tg-1"}}, 0)
		},
		"DescribeTasks StartTime": func(t *testing.T) {
			redeploy(t)
			future := f.eng.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04Z")
			tasks(t, url.Values{"StartTime": {future}}, 0)
			f.refusal(t, "DescribeTasks", url.Values{"StartTime": {"yesterday"}}, "InvalidParameter", "StartTime")
		},
		"DescribeTasks EndTime": func(t *testing.T) {
			past := f.eng.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04Z")
			tasks(t, url.Values{"EndTime": {past}}, 0)
			tasks(t, url.Values{"EndTime": {f.eng.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04Z")}, "ResourceIds.1": {taskInstanceOr(&taskInstance)}}, 1)
		},
		"DescribeTasks PageNumber": func(t *testing.T) {
			redeploy(t)
			var all, second tasksReply
			f.ok(t, "DescribeTasks", url.Values{}, &all)
			f.ok(t, "DescribeTasks", url.Values{"PageNumber": {"2"}, "PageSize": {"1"}}, &second)
			if all.TotalCount < 2 || len(second.TaskSet.Task) != 1 || second.TaskSet.Task[0].TaskId != all.TaskSet.Task[1].TaskId {
				t.Errorf("page 2 of 1: %+v of %+v", second.TaskSet, all.TaskSet)
			}
		},
		"DescribeTasks PageSize": func(t *testing.T) {
			var one tasksReply
			f.ok(t, "DescribeTasks", url.Values{"PageSize": {"1"}}, &one)
			if len(one.TaskSet.Task) != 1 {
				t.Errorf("PageSize 1: %d tasks", len(one.TaskSet.Task))
			}
			f.refusal(t, "DescribeTasks", url.Values{"PageSize": {"101"}}, "InvalidParameter", "PageSize")
		},
		"AcceptInquiredSystemEvent EventId": func(t *testing.T) {
			ev := f.acceptable(t, true)
			var r struct{ RequestId string }
			f.ok(t, "AcceptInquiredSystemEvent", url.Values{"EventId": {ev.ID}}, &r)
			if got := statusOf(t, ev.ID); got != "Executing" {
				t.Errorf("accepted %s is %s, want Executing", ev.ID, got)
			}
			f.clock.Advance(sim.AcceptDuration)
			if got := statusOf(t, ev.ID); got != "Executed" {
				t.Errorf("accepted %s is %s after the action's time, want Executed", ev.ID, got)
			}
			f.apiRefusal(t, "AcceptInquiredSystemEvent", url.Values{"EventId": {ev.ID}}, 404, sim.CodeNoInquiringEvent)
			f.apiRefusal(t, "AcceptInquiredSystemEvent", url.Values{"EventId": {f.acceptable(t, false).ID}}, 403, sim.CodeAcceptNotSupported)
			f.apiRefusal(t, "AcceptInquiredSystemEvent", url.Values{}, 400, "MissingParameter")
		},
		"CreateSimulatedSystemEvents EventType": func(t *testing.T) {
			in := f.allowedInstance(t, asked)
			ids := drill(t, "SystemFailure.Reboot", in.ID)
			if got := statusOf(t, ids[0]); got != "Executing" {
				t.Errorf("a failure drill starts %s, want Executing", got)
			}
			f.refusal(t, "CreateSimulatedSystemEvents", url.Values{"EventType": {"SystemMaintenance.Explode"},
				"NotBefore": {"2026-12-01T00:00:00Z"}, "InstanceId.1": {in.ID}}, "InvalidParameter", "EventType")
		},
		"CreateSimulatedSystemEvents NotBefore": func(t *testing.T) {
			in := f.allowedInstance(t, asked)
			ids := drill(t, "SystemMaintenance.Redeploy", in.ID)
			if got := statusOf(t, ids[0]); got != "Scheduled" {
				t.Errorf("a maintenance drill starts %s, want Scheduled", got)
			}
			f.clock.Advance(time.Hour)
			if got := statusOf(t, ids[0]); got != "Executed" {
				t.Errorf("a drill at its NotBefore is %s, want Executed", got)
			}
			f.refusal(t, "CreateSimulatedSystemEvents", url.Values{"EventType": {"SystemMaintenance.Reboot"},
				"NotBefore": {"soon"}, "InstanceId.1": {in.ID}}, "InvalidParameter", "NotBefore")
		},
		"CreateSimulatedSystemEvents InstanceId.N": func(t *testing.T) {
			a, b := f.allowedInstance(t, asked), f.allowedInstance(t, asked)
			drill(t, "SystemMaintenance.Reboot", a.ID, b.ID)
			p := url.Values{"EventType": {"SystemMaintenance.Reboot"}, "NotBefore": {"2026-12-01T00:00:00Z"}}
			for i := 1; i <= 101; i++ {
				p.Set(fmt.Sprintf("InstanceId.%d", i), a.ID)
			}
			f.refusal(t, "CreateSimulatedSystemEvents", p, "InvalidParameter", "InstanceId")
			f.apiRefusal(t, "CreateSimulatedSystemEvents", url.Values{"EventType": {"SystemMaintenance.Reboot"},
				"NotBefore": {"2026-12-01T00:00:00Z"}, "InstanceId.1": {"i-bp1nosuchinstance0000"}}, 404, model.CodeInstanceNotFound)
		},
		"CancelSimulatedSystemEvents EventId.N": func(t *testing.T) {
			in := f.allowedInstance(t, asked)
			ids := drill(t, "SystemMaintenance.Reboot", in.ID)
			var r struct{ RequestId string }
			f.ok(t, "CancelSimulatedSystemEvents", url.Values{"EventId.1": {ids[0]}}, &r)
			if got := statusOf(t, ids[0]); got != "Canceled" {
				t.Errorf("canceled drill is %s", got)
			}
			real := f.acceptable(t, true)
			f.apiRefusal(t, "CancelSimulatedSystemEvents", url.Values{"EventId.1": {real.ID}}, 403, "CannotCancelSystemEvent.NotSimulated")
			f.apiRefusal(t, "CancelSimulatedSystemEvents", url.Values{"EventId.1": {"e-bp1nosuchevent000000"}}, 403, "InvalidEventId.NotFound")
			p := url.Values{}
			for i := 1; i <= 101; i++ {
				p.Set(fmt.Sprintf("EventId.%d", i), ids[0])
			}
			f.apiRefusal(t, "CancelSimulatedSystemEvents", p, 400, "EventIdLimitExceeded")
		},
	}
}

func taskIDOr(id *string) string       { return strings.TrimSpace(*id) }
func taskInstanceOr(id *string) string { return strings.TrimSpace(*id) }
