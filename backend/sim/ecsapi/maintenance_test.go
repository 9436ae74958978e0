package ecsapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// regionIDs are the ids of the fleet's instances in region, in fleet order.
func (f *fixture) regionIDs(region string) []string {
	var ids []string
	for _, in := range f.eng.Instances(region, nil) {
		ids = append(ids, in.ID)
	}
	return ids
}

// describeMaintenance calls DescribeInstanceMaintenanceAttributes through the SDK.
func describeMaintenance(t *testing.T, c *ecs.Client, ids []string, number, size int) (*ecs.DescribeInstanceMaintenanceAttributesResponse, error) {
	t.Helper()
	req := ecs.CreateDescribeInstanceMaintenanceAttributesRequest()
	if ids != nil {
		req.InstanceId = &ids
	}
	if number != 0 {
		req.PageNumber = requests.NewInteger(number)
	}
	if size != 0 {
		req.PageSize = requests.NewInteger(size)
	}
	return c.DescribeInstanceMaintenanceAttributes(req)
}

func TestDescribeInstanceMaintenanceAttributesThroughTheSDK(t *testing.T) {
	f := newFixture(t, 200, sim.Options{Seed: 7})
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	all := f.regionIDs("cn-hangzhou")
	if len(all) < 25 {
		t.Fatalf("%d instances in cn-hangzhou; the test needs more", len(all))
	}

	t.Run("every field as the engine holds it", func(t *testing.T) {
		want := f.eng.MaintenanceAttributes("cn-hangzhou", all[:5])
		resp, err := describeMaintenance(t, c, all[:5], 0, 0)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		got := resp.MaintenanceAttributes.MaintenanceAttribute
		if len(got) != 5 || resp.TotalCount != 5 || resp.RequestId == "" {
			t.Fatalf("%d attributes, TotalCount %d", len(got), resp.TotalCount)
		}
		for i, a := range got {
			w := want[i]
			if a.InstanceId != w.InstanceID || a.ActionOnMaintenance.Value != string(w.Action) ||
				a.ActionOnMaintenance.DefaultValue != "AutoRecover" || a.NotifyOnMaintenance != w.NotifyOnMaintenance ||
				!slices.Equal(a.ActionOnMaintenance.SupportedValues.SupportedValue, []string{"Stop", "AutoRecover", "AutoRedeploy"}) ||
				len(a.MaintenanceWindows.MaintenanceWindow) != len(w.Windows) {
				t.Errorf("attribute %d: %+v, engine %+v", i, a, w)
				continue
			}
			for j, mw := range a.MaintenanceWindows.MaintenanceWindow {
				back, err := model.ParseMaintenanceWindow(mw.StartTime, mw.EndTime)
				if err != nil || back != w.Windows[j] {
					t.Errorf("%s window %s–%s reads back as %v %v, want %v", a.InstanceId, mw.StartTime, mw.EndTime, back, err, w.Windows[j])
				}
			}
		}
	})

	t.Run("pages cover the region once, in fleet order", func(t *testing.T) {
		var got []string
		for n := 1; ; n++ {
			resp, err := describeMaintenance(t, c, nil, n, 7)
			if err != nil {
				t.Fatal(oneLine(err))
			}
			if resp.TotalCount != len(all) || resp.PageSize != 7 || resp.PageNumber != n {
				t.Fatalf("page %d: TotalCount %d PageSize %d PageNumber %d", n, resp.TotalCount, resp.PageSize, resp.PageNumber)
			}
			page := resp.MaintenanceAttributes.MaintenanceAttribute
			for _, a := range page {
				got = append(got, a.InstanceId)
			}
			if len(page) < 7 {
				break
			}
		}
		if !slices.Equal(got, all) {
			t.Errorf("pages answered %d ids, want the region's %d in order", len(got), len(all))
		}
	})

	t.Run("ids of another region or none are not answered", func(t *testing.T) {
		other := f.regionIDs("cn-shanghai")
		resp, err := describeMaintenance(t, c, []string{all[0], other[0], "i-bp1doesnotexist0000"}, 0, 0)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		if got := resp.MaintenanceAttributes.MaintenanceAttribute; len(got) != 1 || got[0].InstanceId != all[0] {
			t.Errorf("answered %+v; want %s only", got, all[0])
		}
	})

	t.Run("refusals", func(t *testing.T) {
		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprintf("i-bp1%017d", i)
		}
		for _, c2 := range []struct {
			name         string
			ids          []string
			number, size int
			status       int
			code, names  string
		}{
			{"101 ids", many, 0, 0, 400, "InvalidParameter", "InstanceId.N"},
			{"page size 101", nil, 0, 101, 400, "InvalidParameter", "PageSize"},
			{"page -1", nil, -1, 0, 400, "InvalidParameter", "PageNumber"},
		} {
			_, err := describeMaintenance(t, c, c2.ids, c2.number, c2.size)
			se := serverError(t, err)
			if se.HttpStatus() != c2.status || se.ErrorCode() != c2.code || !strings.Contains(se.Message(), c2.names) || se.RequestId() == "" {
				t.Errorf("%s: %d %s %q", c2.name, se.HttpStatus(), se.ErrorCode(), se.Message())
			}
		}
		bad := f.client(t, "eu-nowhere-1", testKeyID, testSecret)
		se := serverError(t, func() error { _, err := describeMaintenance(t, bad, nil, 0, 0); return err }())
		if se.ErrorCode() != "InvalidRegionId.NotFound" || se.HttpStatus() != 404 {
			t.Errorf("unknown region: %d %s", se.HttpStatus(), se.ErrorCode())
		}
	})
}

// modifyMaintenance builds a ModifyInstanceMaintenanceAttributes request for ids.
func modifyMaintenance(ids ...string) *ecs.ModifyInstanceMaintenanceAttributesRequest {
	req := ecs.CreateModifyInstanceMaintenanceAttributesRequest()
	req.InstanceId = &ids
	return req
}

func TestModifyInstanceMaintenanceAttributesThroughTheSDK(t *testing.T) {
	f := newFixture(t, 60, sim.Options{Seed: 7})
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	ids := f.regionIDs("cn-hangzhou")[:3]
	attr := func(id string) model.MaintenanceAttribute {
		return f.eng.MaintenanceAttributes("cn-hangzhou", []string{id})[0]
	}

	t.Run("applied: window, action, notify, to every id", func(t *testing.T) {
		req := modifyMaintenance(ids[0], ids[1])
		req.MaintenanceWindow = &[]ecs.ModifyInstanceMaintenanceAttributesMaintenanceWindow{{StartTime: "22:00:00", EndTime: "02:00:00"}}
		req.ActionOnMaintenance = "AutoRedeploy"
		req.NotifyOnMaintenance = requests.NewBoolean(true)
		resp, err := c.ModifyInstanceMaintenanceAttributes(req)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		if resp.RequestId == "" {
			t.Error("no RequestId")
		}
		for _, id := range ids[:2] {
			a := attr(id)
			if len(a.Windows) != 1 || a.Windows[0].String() != "22:00:00–02:00:00 UTC+8" || a.Action != model.MaintenanceAutoRedeploy || !a.NotifyOnMaintenance {
				t.Errorf("%s after modify: %+v", id, a)
			}
		}
		// What Describe answers is what was set.
		got, err := describeMaintenance(t, c, ids[:1], 0, 0)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		if w := got.MaintenanceAttributes.MaintenanceAttribute[0].MaintenanceWindows.MaintenanceWindow; len(w) != 1 || w[0].StartTime != "22:00:00" || w[0].EndTime != "02:00:00" {
			t.Errorf("described window %+v", w)
		}
	})

	t.Run("a parameter left out is left alone", func(t *testing.T) {
		before := attr(ids[2])
		req := modifyMaintenance(ids[2])
		req.NotifyOnMaintenance = requests.NewBoolean(!before.NotifyOnMaintenance)
		if _, err := c.ModifyInstanceMaintenanceAttributes(req); err != nil {
			t.Fatal(oneLine(err))
		}
		after := attr(ids[2])
		if after.NotifyOnMaintenance == before.NotifyOnMaintenance || after.Action != before.Action || !slices.Equal(after.Windows, before.Windows) {
			t.Errorf("before %+v, after %+v", before, after)
		}
	})

	t.Run("refused, and nothing changes", func(t *testing.T) {
		window := func(start, end string) func(*ecs.ModifyInstanceMaintenanceAttributesRequest) {
			return func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) {
				r.MaintenanceWindow = &[]ecs.ModifyInstanceMaintenanceAttributesMaintenanceWindow{{StartTime: start, EndTime: end}}
			}
		}
		many := make([]string, 101)
		for i := range many {
			many[i] = ids[0]
		}
		for _, c2 := range []struct {
			name   string
			ids    []string
			set    func(*ecs.ModifyInstanceMaintenanceAttributesRequest)
			status int
			code   string
			names  string
		}{
			{"not on the hour", ids, window("02:30:00", "06:00:00"), 403, "InvalidParameter", "on the hour"},
			{"no length", ids, window("02:00:00", "02:00:00"), 403, "InvalidParameter", "1 to 23 hours"},
			{"a time with Z", ids, window("02:00:00Z", "06:00:00Z"), 403, "InvalidParameter", "UTC+8"},
			{"not a time", ids, window("2am", "06:00:00"), 403, "InvalidParameter", "HH:mm:ss"},
			{"start without end", ids, window("02:00:00", ""), 400, "MissingParameter", "MaintenanceWindow.1.EndTime"},
			{"two windows", ids, func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) {
				r.MaintenanceWindow = &[]ecs.ModifyInstanceMaintenanceAttributesMaintenanceWindow{{StartTime: "02:00:00", EndTime: "03:00:00"}, {StartTime: "05:00:00", EndTime: "06:00:00"}}
			}, 403, "InvalidParameter", "MaintenanceWindow.2"},
			{"an action ECS does not have", ids, func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) { r.ActionOnMaintenance = "Reboot" }, 403, "InvalidParameter", "ActionOnMaintenance"},
			{"notify not a boolean", ids, func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) { r.NotifyOnMaintenance = "yes" }, 400, "InvalidParameter", "NotifyOnMaintenance"},
			{"no instance", nil, func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) { r.ActionOnMaintenance = "Stop" }, 400, "MissingParameter", "InstanceId.1"},
			{"101 instances", many, func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) { r.ActionOnMaintenance = "Stop" }, 400, "InvalidParameter", "InstanceId.N"},
			{"one unknown instance among known ones", append(slices.Clone(ids), "i-bp1doesnotexist0000"), func(r *ecs.ModifyInstanceMaintenanceAttributesRequest) { r.ActionOnMaintenance = "Stop" }, 404, "InvalidInstanceId.NotFound", "i-bp1doesnotexist0000"},
		} {
			before := f.eng.MaintenanceAttributes("cn-hangzhou", ids)
			req := modifyMaintenance(c2.ids...)
			if c2.ids == nil {
				req.InstanceId = nil
			}
			c2.set(req)
			_, err := c.ModifyInstanceMaintenanceAttributes(req)
			se := serverError(t, err)
			if se.HttpStatus() != c2.status || se.ErrorCode() != c2.code || !strings.Contains(se.Message(), c2.names) || se.RequestId() == "" {
				t.Errorf("%s: %d %s %q", c2.name, se.HttpStatus(), se.ErrorCode(), se.Message())
			}
			after := f.eng.MaintenanceAttributes("cn-hangzhou", ids)
			for i := range after {
				if after[i].Action != before[i].Action || after[i].NotifyOnMaintenance != before[i].NotifyOnMaintenance || !slices.Equal(after[i].Windows, before[i].Windows) {
					t.Errorf("%s: refused, yet %s changed: %+v → %+v", c2.name, ids[i], before[i], after[i])
				}
			}
		}
	})
}

// maintenanceParamCases are TestParamRules' cases for the maintenance actions' applied
// parameters: each shows its parameter's effect over raw HTTP.
func maintenanceParamCases(f *fixture) map[string]func(t *testing.T) {
	type reply struct {
		TotalCount            int
		PageNumber, PageSize  int
		MaintenanceAttributes struct {
			MaintenanceAttribute []struct {
				InstanceId          string
				NotifyOnMaintenance bool
				ActionOnMaintenance struct{ Value string }
				MaintenanceWindows  struct {
					MaintenanceWindow []struct{ StartTime, EndTime string }
				}
			}
		}
	}
	ids := f.regionIDs("cn-hangzhou")
	describe := func(t *testing.T, params url.Values) reply {
		var r reply
		f.ok(t, "DescribeInstanceMaintenanceAttributes", params, &r)
		return r
	}
	modify := func(t *testing.T, params url.Values) {
		var r struct{ RequestId string }
		f.ok(t, "ModifyInstanceMaintenanceAttributes", with(params, "InstanceId.1", ids[0]), &r)
	}
	first := func(t *testing.T) model.MaintenanceAttribute {
		return f.eng.MaintenanceAttributes("cn-hangzhou", ids[:1])[0]
	}
	return map[string]func(t *testing.T){
		"DescribeInstanceMaintenanceAttributes InstanceId.N": func(t *testing.T) {
			r := describe(t, url.Values{"InstanceId.1": {ids[3]}, "InstanceId.2": {ids[1]}})
			if a := r.MaintenanceAttributes.MaintenanceAttribute; len(a) != 2 || a[0].InstanceId != ids[3] || a[1].InstanceId != ids[1] {
				t.Errorf("answered %+v", a)
			}
		},
		"DescribeInstanceMaintenanceAttributes PageNumber": func(t *testing.T) {
			if r := describe(t, url.Values{"PageNumber": {"2"}}); r.PageNumber != 2 || r.MaintenanceAttributes.MaintenanceAttribute[0].InstanceId != ids[10] {
				t.Errorf("page 2: %+v", r)
			}
		},
		"DescribeInstanceMaintenanceAttributes PageSize": func(t *testing.T) {
			if r := describe(t, url.Values{"PageSize": {"3"}}); len(r.MaintenanceAttributes.MaintenanceAttribute) != 3 || r.TotalCount != len(ids) {
				t.Errorf("page of 3: %+v", r)
			}
			f.refusal(t, "DescribeInstanceMaintenanceAttributes", url.Values{"PageSize": {"0"}}, "InvalidParameter", "PageSize")
		},
		"ModifyInstanceMaintenanceAttributes InstanceId.N": func(t *testing.T) {
			modify(t, url.Values{"ActionOnMaintenance": {"Stop"}})
			if first(t).Action != model.MaintenanceStop {
				t.Error("not applied")
			}
		},
		"ModifyInstanceMaintenanceAttributes MaintenanceWindow.N.StartTime": func(t *testing.T) {
			modify(t, url.Values{"MaintenanceWindow.1.StartTime": {"03:00:00"}, "MaintenanceWindow.1.EndTime": {"05:00:00"}})
			if w := first(t).Windows; len(w) != 1 || w[0].StartTime() != "03:00:00" {
				t.Errorf("windows %v", w)
			}
		},
		"ModifyInstanceMaintenanceAttributes MaintenanceWindow.N.EndTime": func(t *testing.T) {
			modify(t, url.Values{"MaintenanceWindow.1.StartTime": {"03:00:00"}, "MaintenanceWindow.1.EndTime": {"07:00:00"}})
			if w := first(t).Windows; len(w) != 1 || w[0].EndTime() != "07:00:00" {
				t.Errorf("windows %v", w)
			}
		},
		"ModifyInstanceMaintenanceAttributes ActionOnMaintenance": func(t *testing.T) {
			modify(t, url.Values{"ActionOnMaintenance": {"AutoRecover"}})
			if first(t).Action != model.MaintenanceAutoRecover {
				t.Error("not applied")
			}
		},
		"ModifyInstanceMaintenanceAttributes NotifyOnMaintenance": func(t *testing.T) {
			modify(t, url.Values{"NotifyOnMaintenance": {"true"}})
			if !first(t).NotifyOnMaintenance {
				t.Error("not applied")
			}
			modify(t, url.Values{"NotifyOnMaintenance": {"false"}})
			if first(t).NotifyOnMaintenance {
				t.Error("not applied")
			}
		},
	}
}
