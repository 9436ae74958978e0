package ecsapi_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// call signs params for action in cn-hangzhou (unless params say otherwise), sends them
// as the SDK does and returns the status and body.
func (f *fixture) call(t *testing.T, action string, params url.Values) (int, []byte) {
	t.Helper()
	p := url.Values{"Action": {action}, "RegionId": {"cn-hangzhou"}, "Format": {"JSON"}, "Version": {ecsapi.APIVersion}}
	for k, v := range params {
		p[k] = v
	}
	ecsapi.SignParams(http.MethodPost, p, testKeyID, testSecret, time.Now(), nextNonce())
	req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+"/?"+p.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// ok decodes a 200 reply into v.
func (f *fixture) ok(t *testing.T, action string, params url.Values, v any) {
	t.Helper()
	status, body := f.call(t, action, params)
	if status != 200 {
		t.Fatalf("%s %v: %d %s", action, params, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v: %s", action, err, body)
	}
}

// refusal checks a 400 with code whose message names param.
func (f *fixture) refusal(t *testing.T, action string, params url.Values, code, param string) {
	t.Helper()
	status, body := f.call(t, action, params)
	var e errorReply
	json.Unmarshal(body, &e)
	if status != 400 || e.Code != code || (param != "" && !strings.Contains(e.Message, param)) {
		t.Errorf("%s %v: %d %s %q; want 400 %s naming %s", action, params, status, e.Code, e.Message, code, param)
	}
}

func with(params url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range params {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// instances pages through DescribeInstances with params by NextToken.
func (f *fixture) instances(t *testing.T, params url.Values) []ecs.Instance {
	t.Helper()
	var out []ecs.Instance
	token := ""
	for calls := 0; ; calls++ {
		if calls > 100 {
			t.Fatal("NextToken never runs out")
		}
		var page ecs.DescribeInstancesResponse
		f.ok(t, "DescribeInstances", with(params, "MaxResults", "100", "NextToken", token), &page)
		out = append(out, page.Instances.Instance...)
		if token = page.NextToken; token == "" {
			return out
		}
	}
}

var allCycleStatuses = url.Values{}

func init() {
	for i, s := range []string{"Inquiring", "Scheduled", "Executing", "Avoided", "Executed", "Canceled", "Failed"} {
		allCycleStatuses.Set("InstanceEventCycleStatus."+string(rune('1'+i)), s)
	}
}

// events pages through DescribeInstanceHistoryEvents with params by NextToken.
func (f *fixture) events(t *testing.T, params url.Values) []ecs.InstanceSystemEventType {
	t.Helper()
	var out []ecs.InstanceSystemEventType
	token := ""
	for calls := 0; ; calls++ {
		if calls > 100 {
			t.Fatal("NextToken never runs out")
		}
		var page ecs.DescribeInstanceHistoryEventsResponse
		f.ok(t, "DescribeInstanceHistoryEvents", with(params, "MaxResults", "100", "NextToken", token), &page)
		out = append(out, page.InstanceSystemEventSet.InstanceSystemEventType...)
		if token = page.NextToken; token == "" {
			return out
		}
	}
}

func instanceIDs(ins []ecs.Instance) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.InstanceId
	}
	return out
}

func sdkEventIDs(evs []ecs.InstanceSystemEventType) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.EventId
	}
	return out
}

// repeated turns Name.N into Name.1.
func repeated(name string) string { return strings.ReplaceAll(name, ".N", ".1") }

// TestParamRules walks the parameter table: a refused parameter is answered 400
// InvalidParameter naming it; an applied one has a case here that shows its effect, often
// with an example from issue 12.
func TestParamRules(t *testing.T) {
	f := newFixture(t, 800, sim.Options{Seed: 11})
	all := f.instances(t, nil)
	if len(all) < 100 {
		t.Fatalf("%d instances in cn-hangzhou; the test needs more", len(all))
	}
	// filtered checks that DescribeInstances with params answers exactly the instances of
	// the unfiltered listing that keep says, and that the filter is not trivial.
	filtered := func(t *testing.T, params url.Values, keep func(*ecs.Instance) bool, wantSome bool) {
		t.Helper()
		var want []string
		for i := range all {
			if keep(&all[i]) {
				want = append(want, all[i].InstanceId)
			}
		}
		got := instanceIDs(f.instances(t, params))
		if !slices.Equal(got, want) {
			t.Errorf("%v: %d instances, want %d", params, len(got), len(want))
		}
		if wantSome && (len(want) == 0 || len(want) == len(all)) {
			t.Errorf("%v: the case selects %d of %d instances; pick a value that divides them", params, len(want), len(all))
		}
	}
	first := all[0]
	tagged := func(in *ecs.Instance, key, value string) bool {
		for _, tg := range in.Tags.Tag {
			if tg.TagKey == key && (value == "" || tg.TagValue == value) {
				return true
			}
		}
		return false
	}
	none := func(*ecs.Instance) bool { return false }
	every := func(*ecs.Instance) bool { return true }

	allEvents := f.events(t, allCycleStatuses)
	tagsOf := map[string]*ecs.Instance{}
	for i := range all {
		tagsOf[all[i].InstanceId] = &all[i]
	}
	eventsFiltered := func(t *testing.T, params url.Values, keep func(*ecs.InstanceSystemEventType) bool, wantSome bool) {
		t.Helper()
		var want []string
		for i := range allEvents {
			if keep(&allEvents[i]) {
				want = append(want, allEvents[i].EventId)
			}
		}
		got := sdkEventIDs(f.events(t, with(allCycleStatuses, flatten(params)...)))
		if !slices.Equal(got, want) {
			t.Errorf("%v: %d events, want %d", params, len(got), len(want))
		}
		if wantSome && (len(want) == 0 || len(want) == len(allEvents)) {
			t.Errorf("%v: the case selects %d of %d events; pick a value that divides them", params, len(want), len(allEvents))
		}
	}
	ev0 := allEvents[len(allEvents)/2]
	noEvents := func(*ecs.InstanceSystemEventType) bool { return false }
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	mid := at(ev0.NotBefore)

	regions := func(t *testing.T, params url.Values) ecs.DescribeRegionsResponse {
		var out ecs.DescribeRegionsResponse
		f.ok(t, "DescribeRegions", params, &out)
		if len(out.Regions.Region) != len(sim.AllRegions()) {
			t.Errorf("%v: %d regions, want %d", params, len(out.Regions.Region), len(sim.AllRegions()))
		}
		return out
	}

	cases := map[string]func(t *testing.T){
		"DescribeRegions InstanceChargeType": func(t *testing.T) {
			regions(t, url.Values{"InstanceChargeType": {"PrePaid"}})
			f.refusal(t, "DescribeRegions", url.Values{"InstanceChargeType": {"Monthly"}}, "InvalidParameter", "InstanceChargeType")
		},
		"DescribeRegions ResourceType": func(t *testing.T) {
			regions(t, url.Values{"ResourceType": {"instance"}})
			f.refusal(t, "DescribeRegions", url.Values{"ResourceType": {"scu"}}, "InvalidParameter", "ResourceType")
		},
		"DescribeRegions AcceptLanguage": func(t *testing.T) {
			out := regions(t, url.Values{"AcceptLanguage": {"en-US"}})
			if i := slices.IndexFunc(out.Regions.Region, func(r ecs.Region) bool { return r.RegionId == "cn-hangzhou" }); i < 0 ||
				out.Regions.Region[i].LocalName != "China (Hangzhou)" {
				t.Errorf("en-US: %+v", out.Regions.Region)
			}
			f.refusal(t, "DescribeRegions", url.Values{"AcceptLanguage": {"fr-FR"}}, "InvalidParameter", "AcceptLanguage")
		},

		"DescribeInstances InstanceIds": func(t *testing.T) {
			other := f.eng.Instances("cn-beijing", nil)[0].ID
			filtered(t, url.Values{"InstanceIds": {`["` + other + `","` + all[3].InstanceId + `","` + first.InstanceId + `"]`}},
				func(in *ecs.Instance) bool {
					return in.InstanceId == first.InstanceId || in.InstanceId == all[3].InstanceId
				}, true)
		},
		"DescribeInstances InstanceName": func(t *testing.T) {
			filtered(t, url.Values{"InstanceName": {"no-such-name"}}, none, false)
			filtered(t, url.Values{"InstanceName": {first.InstanceName}}, func(in *ecs.Instance) bool { return in.InstanceName == first.InstanceName }, true)
			filtered(t, url.Values{"InstanceName": {"*-prod-0*"}}, func(in *ecs.Instance) bool {
				_, num, ok := strings.Cut(in.InstanceName, "-prod-")
				return ok && strings.HasPrefix(num, "0")
			}, true)
		},
		"DescribeInstances Status": func(t *testing.T) {
			filtered(t, url.Values{"Status": {"Stopped"}}, func(in *ecs.Instance) bool { return in.Status == "Stopped" }, true)
		},
		"DescribeInstances ZoneId": func(t *testing.T) {
			filtered(t, url.Values{"ZoneId": {first.ZoneId}}, func(in *ecs.Instance) bool { return in.ZoneId == first.ZoneId }, true)
		},
		"DescribeInstances InstanceType": func(t *testing.T) {
			filtered(t, url.Values{"InstanceType": {first.InstanceType}}, func(in *ecs.Instance) bool { return in.InstanceType == first.InstanceType }, true)
		},
		"DescribeInstances InstanceTypeFamily": func(t *testing.T) {
			filtered(t, url.Values{"InstanceTypeFamily": {first.InstanceTypeFamily}}, func(in *ecs.Instance) bool { return in.InstanceTypeFamily == first.InstanceTypeFamily }, true)
		},
		"DescribeInstances LockReason": func(t *testing.T) {
			filtered(t, url.Values{"LockReason": {"security"}}, func(in *ecs.Instance) bool {
				return slices.ContainsFunc(in.OperationLocks.LockReason, func(l ecs.LockReason) bool { return l.LockReason == "security" })
			}, true)
		},
		"DescribeInstances InstanceChargeType": func(t *testing.T) {
			filtered(t, url.Values{"InstanceChargeType": {"PrePaid"}}, func(in *ecs.Instance) bool { return in.InstanceChargeType == "PrePaid" }, true)
		},
		"DescribeInstances InternetChargeType": func(t *testing.T) {
			filtered(t, url.Values{"InternetChargeType": {"PayByBandwidth"}}, none, false)
			filtered(t, url.Values{"InternetChargeType": {"PayByTraffic"}}, every, false)
		},
		"DescribeInstances InstanceNetworkType": func(t *testing.T) {
			filtered(t, url.Values{"InstanceNetworkType": {"classic"}}, none, false)
			filtered(t, url.Values{"InstanceNetworkType": {"vpc"}}, every, false)
		},
		"DescribeInstances VpcId": func(t *testing.T) {
			filtered(t, url.Values{"VpcId": {first.VpcAttributes.VpcId}}, func(in *ecs.Instance) bool { return in.VpcAttributes.VpcId == first.VpcAttributes.VpcId }, true)
			filtered(t, url.Values{"VpcId": {"vpc-nosuch"}}, none, false)
		},
		"DescribeInstances VSwitchId": func(t *testing.T) {
			filtered(t, url.Values{"VSwitchId": {first.VpcAttributes.VSwitchId}}, func(in *ecs.Instance) bool { return in.VpcAttributes.VSwitchId == first.VpcAttributes.VSwitchId }, true)
		},
		"DescribeInstances IoOptimized": func(t *testing.T) {
			filtered(t, url.Values{"IoOptimized": {"false"}}, none, false)
			filtered(t, url.Values{"IoOptimized": {"true"}}, every, false)
		},
		"DescribeInstances Tag.N.Key": func(t *testing.T) {
			filtered(t, url.Values{"Tag.1.Key": {"cluster"}}, func(in *ecs.Instance) bool { return tagged(in, "cluster", "") }, true)
			filtered(t, url.Values{"Tag.1.Key": {"no-such-key"}}, none, false)
		},
		"DescribeInstances Tag.N.Value": func(t *testing.T) {
			filtered(t, url.Values{"Tag.1.Key": {"env"}, "Tag.1.Value": {"staging"}, "Tag.2.Key": {"team"}, "Tag.2.Value": {"kafka"}},
				func(in *ecs.Instance) bool { return tagged(in, "env", "staging") && tagged(in, "team", "kafka") }, true)
			f.refusal(t, "DescribeInstances", url.Values{"Tag.1.Value": {"staging"}}, "InvalidParameter", "Tag.1.Key")
		},
		"DescribeInstances DryRun": func(t *testing.T) {
			f.refusal(t, "DescribeInstances", url.Values{"DryRun": {"true"}}, "DryRunOperation", "")
			filtered(t, url.Values{"DryRun": {"false"}}, every, false)
		},
		"DescribeInstances PageNumber": func(t *testing.T) {
			var page ecs.DescribeInstancesResponse
			f.ok(t, "DescribeInstances", url.Values{"PageNumber": {"3"}, "PageSize": {"7"}}, &page)
			if got := instanceIDs(page.Instances.Instance); !slices.Equal(got, instanceIDs(all[14:21])) || page.TotalCount != len(all) || page.PageNumber != 3 {
				t.Errorf("page 3 of 7: %v (TotalCount %d)", got, page.TotalCount)
			}
		},
		"DescribeInstances PageSize": func(t *testing.T) {
			var page ecs.DescribeInstancesResponse
			f.ok(t, "DescribeInstances", url.Values{"PageSize": {"7"}}, &page)
			if got := instanceIDs(page.Instances.Instance); !slices.Equal(got, instanceIDs(all[:7])) || page.PageSize != 7 {
				t.Errorf("PageSize 7: %v", got)
			}
			f.refusal(t, "DescribeInstances", url.Values{"PageSize": {"101"}}, "InvalidParameter", "PageSize")
		},
		"DescribeInstances MaxResults": func(t *testing.T) {
			var page ecs.DescribeInstancesResponse
			f.ok(t, "DescribeInstances", url.Values{"MaxResults": {"7"}}, &page)
			if got := instanceIDs(page.Instances.Instance); !slices.Equal(got, instanceIDs(all[:7])) || page.NextToken == "" {
				t.Errorf("MaxResults 7: %v, NextToken %q", got, page.NextToken)
			}
		},
		"DescribeInstances NextToken": func(t *testing.T) {
			var one, two ecs.DescribeInstancesResponse
			f.ok(t, "DescribeInstances", url.Values{"MaxResults": {"7"}}, &one)
			f.ok(t, "DescribeInstances", url.Values{"MaxResults": {"7"}, "NextToken": {one.NextToken}}, &two)
			if got := instanceIDs(two.Instances.Instance); !slices.Equal(got, instanceIDs(all[7:14])) {
				t.Errorf("second page: %v", got)
			}
			// A filtered listing paged by NextToken is the filtered listing.
			filtered(t, url.Values{"Status": {"Running"}}, func(in *ecs.Instance) bool { return in.Status == "Running" }, true)
			f.refusal(t, "DescribeInstances", url.Values{"NextToken": {"e12"}}, "InvalidNextToken.Malformed", "")
		},

		"DescribeInstanceHistoryEvents InstanceId": func(t *testing.T) {
			eventsFiltered(t, url.Values{"InstanceId": {ev0.InstanceId}}, func(ev *ecs.InstanceSystemEventType) bool { return ev.InstanceId == ev0.InstanceId }, true)
		},
		"DescribeInstanceHistoryEvents ResourceId.N": func(t *testing.T) {
			ids := []string{allEvents[0].InstanceId, ev0.InstanceId}
			eventsFiltered(t, url.Values{"ResourceId.1": {ids[1]}, "ResourceId.2": {ids[0]}},
				func(ev *ecs.InstanceSystemEventType) bool { return slices.Contains(ids, ev.InstanceId) }, true)
		},
		"DescribeInstanceHistoryEvents EventId.N": func(t *testing.T) {
			eventsFiltered(t, url.Values{"EventId.1": {ev0.EventId}}, func(ev *ecs.InstanceSystemEventType) bool { return ev.EventId == ev0.EventId }, true)
		},
		"DescribeInstanceHistoryEvents InstanceEventCycleStatus.N": func(t *testing.T) {
			got := f.events(t, url.Values{"InstanceEventCycleStatus.1": {"Scheduled"}, "InstanceEventCycleStatus.2": {"Inquiring"}})
			want := slices.DeleteFunc(slices.Clone(allEvents), func(ev ecs.InstanceSystemEventType) bool {
				return ev.EventCycleStatus.Name != "Scheduled" && ev.EventCycleStatus.Name != "Inquiring"
			})
			if !slices.Equal(sdkEventIDs(got), sdkEventIDs(want)) || len(want) == 0 {
				t.Errorf("Scheduled+Inquiring: %d events, want %d", len(got), len(want))
			}
		},
		"DescribeInstanceHistoryEvents EventCycleStatus": func(t *testing.T) {
			got := f.events(t, url.Values{"EventCycleStatus": {"Executing"}})
			want := slices.DeleteFunc(slices.Clone(allEvents), func(ev ecs.InstanceSystemEventType) bool { return ev.EventCycleStatus.Name != "Executing" })
			if !slices.Equal(sdkEventIDs(got), sdkEventIDs(want)) || len(want) == 0 {
				t.Errorf("Executing: %d events, want %d", len(got), len(want))
			}
		},
		"DescribeInstanceHistoryEvents InstanceEventType.N": func(t *testing.T) {
			eventsFiltered(t, url.Values{"InstanceEventType.1": {"SystemMaintenance.Reboot"}},
				func(ev *ecs.InstanceSystemEventType) bool { return ev.EventType.Name == "SystemMaintenance.Reboot" }, true)
		},
		"DescribeInstanceHistoryEvents EventType": func(t *testing.T) {
			eventsFiltered(t, url.Values{"EventType": {"InstanceExpiration.Stop"}},
				func(ev *ecs.InstanceSystemEventType) bool { return ev.EventType.Name == "InstanceExpiration.Stop" }, true)
		},
		"DescribeInstanceHistoryEvents NotBefore.Start": func(t *testing.T) {
			eventsFiltered(t, url.Values{"NotBefore.Start": {"2099-01-01T00:00:00Z"}}, noEvents, false)
			eventsFiltered(t, url.Values{"NotBefore.Start": {ev0.NotBefore}},
				func(ev *ecs.InstanceSystemEventType) bool { return !at(ev.NotBefore).Before(mid) }, true)
			f.refusal(t, "DescribeInstanceHistoryEvents", url.Values{"NotBefore.Start": {"tomorrow"}}, "InvalidParameter", "NotBefore.Start")
		},
		"DescribeInstanceHistoryEvents NotBefore.End": func(t *testing.T) {
			eventsFiltered(t, url.Values{"NotBefore.End": {ev0.NotBefore}},
				func(ev *ecs.InstanceSystemEventType) bool { return !at(ev.NotBefore).After(mid) }, true)
		},
		"DescribeInstanceHistoryEvents EventPublishTime.Start": func(t *testing.T) {
			eventsFiltered(t, url.Values{"EventPublishTime.Start": {ev0.EventPublishTime}},
				func(ev *ecs.InstanceSystemEventType) bool {
					return !at(ev.EventPublishTime).Before(at(ev0.EventPublishTime))
				}, true)
		},
		"DescribeInstanceHistoryEvents EventPublishTime.End": func(t *testing.T) {
			eventsFiltered(t, url.Values{"EventPublishTime.End": {ev0.EventPublishTime}},
				func(ev *ecs.InstanceSystemEventType) bool {
					return !at(ev.EventPublishTime).After(at(ev0.EventPublishTime))
				}, true)
		},
		"DescribeInstanceHistoryEvents ImpactLevel": func(t *testing.T) {
			eventsFiltered(t, url.Values{"ImpactLevel": {"2"}}, func(ev *ecs.InstanceSystemEventType) bool { return ev.ImpactLevel == "2" }, true)
		},
		"DescribeInstanceHistoryEvents ResourceType": func(t *testing.T) {
			eventsFiltered(t, url.Values{"ResourceType": {"ddh"}}, noEvents, false)
			eventsFiltered(t, url.Values{"ResourceType": {"instance"}}, func(*ecs.InstanceSystemEventType) bool { return true }, false)
			f.refusal(t, "DescribeInstanceHistoryEvents", url.Values{"ResourceType": {"disk"}}, "InvalidParameter", "ResourceType")
		},
		"DescribeInstanceHistoryEvents Tag.N.Key": func(t *testing.T) {
			eventsFiltered(t, url.Values{"Tag.1.Key": {"cluster"}},
				func(ev *ecs.InstanceSystemEventType) bool { return tagged(tagsOf[ev.InstanceId], "cluster", "") }, true)
		},
		"DescribeInstanceHistoryEvents Tag.N.Value": func(t *testing.T) {
			eventsFiltered(t, url.Values{"Tag.1.Key": {"env"}, "Tag.1.Value": {"dev"}},
				func(ev *ecs.InstanceSystemEventType) bool { return tagged(tagsOf[ev.InstanceId], "env", "dev") }, true)
		},
		"DescribeInstanceHistoryEvents PageNumber": func(t *testing.T) {
			var page ecs.DescribeInstanceHistoryEventsResponse
			f.ok(t, "DescribeInstanceHistoryEvents", with(allCycleStatuses, "PageNumber", "3", "PageSize", "7"), &page)
			if got := sdkEventIDs(page.InstanceSystemEventSet.InstanceSystemEventType); !slices.Equal(got, sdkEventIDs(allEvents[14:21])) ||
				page.TotalCount != len(allEvents) {
				t.Errorf("page 3 of 7: %v (TotalCount %d)", got, page.TotalCount)
			}
		},
		"DescribeInstanceHistoryEvents PageSize": func(t *testing.T) {
			var page ecs.DescribeInstanceHistoryEventsResponse
			f.ok(t, "DescribeInstanceHistoryEvents", with(allCycleStatuses, "PageSize", "7"), &page)
			if got := sdkEventIDs(page.InstanceSystemEventSet.InstanceSystemEventType); !slices.Equal(got, sdkEventIDs(allEvents[:7])) {
				t.Errorf("PageSize 7: %v", got)
			}
		},
		"DescribeInstanceHistoryEvents MaxResults": func(t *testing.T) {
			var page ecs.DescribeInstanceHistoryEventsResponse
			f.ok(t, "DescribeInstanceHistoryEvents", with(allCycleStatuses, "MaxResults", "10"), &page)
			if got := sdkEventIDs(page.InstanceSystemEventSet.InstanceSystemEventType); !slices.Equal(got, sdkEventIDs(allEvents[:10])) ||
				page.NextToken == "" || page.TotalCount != len(allEvents) {
				t.Errorf("MaxResults 10: %v, NextToken %q, TotalCount %d", got, page.NextToken, page.TotalCount)
			}
		},
		"DescribeInstanceHistoryEvents NextToken": func(t *testing.T) {
			var one, two ecs.DescribeInstanceHistoryEventsResponse
			f.ok(t, "DescribeInstanceHistoryEvents", with(allCycleStatuses, "MaxResults", "10"), &one)
			f.ok(t, "DescribeInstanceHistoryEvents", with(allCycleStatuses, "MaxResults", "10", "NextToken", one.NextToken), &two)
			if got := sdkEventIDs(two.InstanceSystemEventSet.InstanceSystemEventType); !slices.Equal(got, sdkEventIDs(allEvents[10:20])) {
				t.Errorf("second page: %v", got)
			}
			// A filtered listing paged by NextToken: tags make the engine scan, the status
			// alone does not; both page the same way.
			eventsFiltered(t, url.Values{"Tag.1.Key": {"env"}, "Tag.1.Value": {"prod"}},
				func(ev *ecs.InstanceSystemEventType) bool { return tagged(tagsOf[ev.InstanceId], "env", "prod") }, true)
		},
	}

	maps.Copy(cases, maintenanceParamCases(f))
	for name, c := range todaysCases(f) {
		cases[name] = c
	}
	for _, rule := range ecsapi.ParamRules {
		name := rule.Action + " " + rule.Name
		t.Run(name, func(t *testing.T) {
			if rule.Applied {
				c, ok := cases[name]
				if !ok {
					t.Fatalf("the table applies %s but no case here shows it", name)
				}
				c(t)
				return
			}
			f.refusal(t, rule.Action, url.Values{repeated(rule.Name): {"x"}}, "InvalidParameter", repeated(rule.Name))
		})
		delete(cases, name)
	}
	for name := range cases {
		t.Errorf("case %q is not a row of ecsapi.ParamRules", name)
	}

	t.Run("undocumented parameter", func(t *testing.T) {
		for _, action := range []string{"DescribeRegions", "DescribeInstances", "DescribeInstanceHistoryEvents"} {
			f.refusal(t, action, url.Values{"Colour": {"blue"}}, "InvalidParameter", "Colour")
		}
	})
}

func flatten(v url.Values) []string {
	var out []string
	for k, vs := range v {
		out = append(out, k, vs[0])
	}
	return out
}

// TestParamRulesInREADME: the table in docs/simulator.md (the README's until issue 22 cut
// it down) lists every row of ecsapi.ParamRules, as the simulator applies or refuses it.
func TestParamRulesInREADME(t *testing.T) {
	b, err := os.ReadFile("../../../docs/simulator.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, r := range ecsapi.ParamRules {
		if row := ReadmeRow(r); !strings.Contains(readme, row) {
			t.Errorf("docs/simulator.md lacks the row\n%s", row)
		}
	}
}

// ReadmeRow is how docs/simulator.md shows one rule.
func ReadmeRow(r ecsapi.ParamRule) string {
	what := "applied"
	if !r.Applied {
		what = "refused"
	}
	return "| " + r.Action + " | `" + r.Name + "` | " + what + " | " + strings.TrimPrefix(r.Does, "refused: ") + " |"
}
