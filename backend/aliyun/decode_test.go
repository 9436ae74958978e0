package aliyun

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model"
)

// sdkDecode decodes body as the SDK decodes a reply into its own typed response: the same
// function DoAction ends in, with its lenient JSON configuration.
func sdkDecode(t testing.TB, body []byte, into responses.AcsResponse) {
	t.Helper()
	hr := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
	if err := responses.Unmarshal(into, hr, "JSON"); err != nil {
		t.Fatalf("the SDK cannot decode the reply: %v", err)
	}
}

// simPages are a DescribeInstances and a DescribeInstanceHistoryEvents page from sim-server,
// as sent on the wire.
func simPages(t testing.TB) (instances, events []byte) {
	t.Helper()
	eng := sim.New(sim.Generate(7, 400, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 7})
	ep, err := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "k", AccessKeySecret: "s"}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	c, err := ecs.NewClientWithAccessKey("cn-hangzhou", "k", "s")
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = ep.Addr
	ireq := ecs.CreateDescribeInstancesRequest()
	ireq.RegionId = "cn-hangzhou"
	ireq.PageSize = "100"
	ir := responses.NewCommonResponse()
	if err := c.DoAction(ireq, ir); err != nil {
		t.Fatal(err)
	}
	ereq := ecs.CreateDescribeInstanceHistoryEventsRequest()
	ereq.RegionId = "cn-hangzhou"
	ereq.MaxResults = "100"
	st := []string{"Scheduled", "Executing", "Inquiring"}
	ereq.InstanceEventCycleStatus = &st
	er := responses.NewCommonResponse()
	if err := c.DoAction(ereq, er); err != nil {
		t.Fatal(err)
	}
	return ir.GetHttpContentBytes(), er.GetHttpContentBytes()
}

// The decoders read what the SDK's own decoder reads from the same bytes, field by field,
// on real sim-server pages (locks, tags, dedicated hosts and local disks included).
func TestDecodersReadWhatTheSDKReads(t *testing.T) {
	ins, evs := simPages(t)

	var want ecs.DescribeInstancesResponse
	want.BaseResponse = &responses.BaseResponse{}
	sdkDecode(t, ins, &want)
	got, err := decodeInstances(ins)
	if err != nil {
		t.Fatal(err)
	}
	if got.RequestId != want.RequestId || got.TotalCount == nil || *got.TotalCount != want.TotalCount || got.Instances == nil {
		t.Fatalf("header: %q %v, want %q %d", got.RequestId, got.TotalCount, want.RequestId, want.TotalCount)
	}
	if len(got.Instances.Instance) != len(want.Instances.Instance) || len(got.Instances.Instance) == 0 {
		t.Fatalf("%d instances, the SDK reads %d", len(got.Instances.Instance), len(want.Instances.Instance))
	}
	var locks, tags, hosts, disks int
	for i, w := range want.Instances.Instance {
		g := got.Instances.Instance[i]
		var wl []string
		for _, l := range w.OperationLocks.LockReason {
			wl = append(wl, l.LockReason)
		}
		var wt []listedTag
		for _, tg := range w.Tags.Tag {
			wt = append(wt, listedTag{TagKey: tg.TagKey, TagValue: tg.TagValue, Key: tg.Key, Value: tg.Value})
		}
		same := g.InstanceId == w.InstanceId && g.InstanceName == w.InstanceName && g.RegionId == w.RegionId &&
			g.ZoneId == w.ZoneId && g.InstanceType == w.InstanceType && g.InstanceTypeFamily == w.InstanceTypeFamily &&
			g.Status == w.Status && g.InstanceChargeType == w.InstanceChargeType && g.ExpiredTime == w.ExpiredTime &&
			g.DeploymentSetId == w.DeploymentSetId && g.LocalStorageAmount == w.LocalStorageAmount &&
			g.LocalStorageCapacity == w.LocalStorageCapacity && g.DedicatedHostId == w.DedicatedHostAttribute.DedicatedHostId &&
			strings.Join(g.LockReasons, ",") == strings.Join(wl, ",") && len(g.Tags) == len(wt)
		for j := range wt {
			same = same && g.Tags[j] == wt[j]
		}
		if !same {
			t.Fatalf("instance %d:\n got %+v\nwant %+v", i, g, w)
		}
		locks += len(wl)
		tags += len(wt)
		if g.DedicatedHostId != "" {
			hosts++
		}
		if g.LocalStorageAmount > 0 {
			disks++
		}
	}
	if locks == 0 || tags == 0 || hosts == 0 || disks == 0 {
		t.Fatalf("the page has %d locks, %d tags, %d dedicated hosts, %d with local disks: the comparison misses a kind", locks, tags, hosts, disks)
	}

	var wantEv ecs.DescribeInstanceHistoryEventsResponse
	wantEv.BaseResponse = &responses.BaseResponse{}
	sdkDecode(t, evs, &wantEv)
	gotEv, err := decodeEvents(evs)
	if err != nil {
		t.Fatal(err)
	}
	if gotEv.RequestId != wantEv.RequestId || *gotEv.TotalCount != wantEv.TotalCount || gotEv.NextToken != wantEv.NextToken {
		t.Fatalf("header: %q %d %q, want %q %d %q", gotEv.RequestId, *gotEv.TotalCount, gotEv.NextToken, wantEv.RequestId, wantEv.TotalCount, wantEv.NextToken)
	}
	wl := wantEv.InstanceSystemEventSet.InstanceSystemEventType
	gl := gotEv.InstanceSystemEventSet.InstanceSystemEventType
	if len(gl) != len(wl) || len(gl) == 0 {
		t.Fatalf("%d events, the SDK reads %d", len(gl), len(wl))
	}
	var attrs, disks2, accept, options int
	for i, w := range wl {
		g := gl[i]
		a := g.ExtendedAttribute
		g.ExtendedAttribute = nil
		if g != (listedEvent{EventId: w.EventId, InstanceId: w.InstanceId, EventPublishTime: w.EventPublishTime,
			EventFinishTime: w.EventFinishTime, NotBefore: w.NotBefore, Reason: w.Reason, ImpactLevel: w.ImpactLevel,
			EventType: w.EventType.Name, EventCycleStatus: w.EventCycleStatus.Name, ReasonCode: w.ReasonCode}) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
		wa := w.ExtendedAttribute
		if a == nil {
			a = &model.ExtendedAttribute{}
		} else {
			attrs++
		}
		if a.Device != wa.Device || a.DiskID != wa.DiskId || a.HostID != wa.HostId || a.HostType != wa.HostType ||
			a.Rack != wa.Rack || a.Code != wa.Code || a.CanAccept != wa.CanAccept || a.OnlineRepairPolicy != wa.OnlineRepairPolicy ||
			a.PunishType != wa.PunishType || strings.Join(a.MigrationOptions, ",") != strings.Join(wa.MigrationOptions.MigrationOption, ",") ||
			len(a.InactiveDisks) != len(wa.InactiveDisks.InactiveDisk) {
			t.Fatalf("event %d ExtendedAttribute:\n got %+v\nwant %+v", i, a, wa)
		}
		if a.DiskID != "" {
			disks2++
		}
		if a.CanAccept != "" {
			accept++
		}
		if len(a.MigrationOptions) > 0 {
			options++
		}
	}
	if attrs == 0 || disks2 == 0 || accept == 0 || options == 0 {
		t.Fatalf("the page has %d attributes, %d disks, %d CanAccept, %d migration options: the comparison misses a kind", attrs, disks2, accept, options)
	}
}

// InitialNotBefore, which the SDK's struct lacks, and the lists of ExtendedAttribute are
// read; a member given twice inside it is refused like any other the backend reads.
func TestDecodeExtendedAttribute(t *testing.T) {
	body := `{"RequestId":"r","TotalCount":1,"InstanceSystemEventSet":{"InstanceSystemEventType":[{"EventId":"e-1","InstanceId":"i-1",
		"ReasonCode":"Maintenance","ExtendedAttribute":{"InitialNotBefore":"2026-11-25T01:00:00Z","DiskId":"d-1","Device":"/dev/vdb",
		"InactiveDisks":{"InactiveDisk":[{"DeviceType":"disk","DeviceSize":"40"}]},"MigrationOptions":{"MigrationOption":["a","b"]},"Unknown":{}}}]}}`
	r, err := decodeEvents([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	e := r.InstanceSystemEventSet.InstanceSystemEventType[0]
	a := e.ExtendedAttribute
	if e.ReasonCode != "Maintenance" || a == nil || a.InitialNotBefore.IsZero() || a.InitialNotBefore.Hour() != 1 || a.DiskID != "d-1" ||
		len(a.InactiveDisks) != 1 || a.InactiveDisks[0].DeviceSize != "40" || strings.Join(a.MigrationOptions, ",") != "a,b" {
		t.Fatalf("read %+v %+v", e, a)
	}
	empty := strings.Replace(body, `"ExtendedAttribute":{`, `"ExtendedAttribute":{"Nothing":1},"X":{`, 1)
	if r, err := decodeEvents([]byte(empty)); err != nil || r.InstanceSystemEventSet.InstanceSystemEventType[0].ExtendedAttribute != nil {
		t.Fatalf("an attribute with nothing the console reads: %v, want nil", err)
	}
	twice := strings.Replace(body, `"DiskId":"d-1"`, `"DiskId":"d-1","DiskId":"d-2"`, 1)
	if _, err := decodeEvents([]byte(twice)); err == nil || !strings.Contains(err.Error(), "duplicate object member") {
		t.Fatalf("DiskId twice: %v", err)
	}
}

// What the SDK's lenient decoder accepts and a reply may carry, the decoders read the same
// way: numbers and strings standing in for each other, nulls, unknown members (even one
// given twice: it is not read), escapes.
func TestDecodersAreAsLenientAsTheSDK(t *testing.T) {
	body := `{"RequestId":"r-1","Extra":{"a":[1,{"b":null}]},"TotalCount":"2","Instances":{"Instance":[
		{"InstanceId":"i-1","InstanceName":"a\u00e9\"b","LocalStorageAmount":"2","LocalStorageCapacity":null,
		 "Status":"Running","ZoneId":123,"Tags":{"Tag":[{"Key":"k","Value":"v"}]},
		 "OperationLocks":{"LockReason":null},"DedicatedHostAttribute":null,"Unknown":[true,false],"Unknown":1},
		{"\u0049nstanceId":"i-2","Tags":null,"OperationLocks":{"LockReason":[{"LockReason":"security"}]},
		 "DedicatedHostAttribute":{"DedicatedHostId":"dh-1","DedicatedHostName":"x"},"LocalStorageAmount":""}]}}`
	var want ecs.DescribeInstancesResponse
	want.BaseResponse = &responses.BaseResponse{}
	sdkDecode(t, []byte(body), &want)
	got, err := decodeInstances([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if *got.TotalCount != want.TotalCount || want.TotalCount != 2 {
		t.Errorf("TotalCount %d, the SDK reads %d", *got.TotalCount, want.TotalCount)
	}
	a, b := got.Instances.Instance[0], got.Instances.Instance[1]
	wa, wb := want.Instances.Instance[0], want.Instances.Instance[1]
	for _, c := range []struct{ what, got, want string }{
		{"name with escapes", a.InstanceName, wa.InstanceName},
		{"Status", a.Status, wa.Status},
		{"a number for ZoneId", a.ZoneId, wa.ZoneId},
		{"an escaped member name", b.InstanceId, wb.InstanceId},
		{"dedicated host", b.DedicatedHostId, wb.DedicatedHostAttribute.DedicatedHostId},
		{"tag", a.Tags[0].Key + "=" + a.Tags[0].Value, wa.Tags.Tag[0].Key + "=" + wa.Tags.Tag[0].Value},
		{"lock", strings.Join(b.LockReasons, ","), wb.OperationLocks.LockReason[0].LockReason},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, the SDK reads %q", c.what, c.got, c.want)
		}
	}
	if a.LocalStorageAmount != wa.LocalStorageAmount || a.LocalStorageAmount != 2 || b.LocalStorageAmount != 0 || a.LocalStorageCapacity != 0 {
		t.Errorf("local storage %d/%d and %d; the SDK reads %d", a.LocalStorageAmount, a.LocalStorageCapacity, b.LocalStorageAmount, wa.LocalStorageAmount)
	}
	if a.Status != "Running" || a.ZoneId != "123" || b.InstanceId != "i-2" || a.InstanceName != "aé\"b" {
		t.Errorf("read %q %q %q %q", a.Status, a.ZoneId, b.InstanceId, a.InstanceName)
	}
}

// What no reply of the action can be is an error that says where it went wrong, never a
// partial listing, as the SDK's decoder refused them too (save the fractional count, which
// it read as 1).
func TestDecodersRefuseWhatIsNotAReply(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"an object where a string belongs", `{"RequestId":"r","TotalCount":1,"Instances":{"Instance":[{"InstanceId":{"x":1}}]}}`, "/Instances/Instance/0/InstanceId"},
		{"an array for the instance set", `{"RequestId":"r","TotalCount":1,"Instances":[]}`, "an array where an object belongs"},
		{"a string for an instance", `{"RequestId":"r","TotalCount":1,"Instances":{"Instance":["i-1"]}}`, "a string where an object belongs"},
		{"a fraction for a count", `{"RequestId":"r","TotalCount":1.5,"Instances":{"Instance":[]}}`, "TotalCount"},
		{"bytes after the reply", `{"RequestId":"r","TotalCount":0,"Instances":{"Instance":[]}} {}`, "more after the reply"},
		{"a truncated reply", `{"RequestId":"r","TotalCount":1,"Instances":{"Instance":[{"InstanceId":"i-1"`, "EOF"},
		{"not JSON", `<html>502 Bad Gateway</html>`, "invalid character"},
		// A name given twice: the SDK's decoder would keep the second list, or merge the two
		// objects, and read a page other than the one sent.
		{"a list given twice", `{"RequestId":"r","TotalCount":2,"Instances":{"Instance":[{"InstanceId":"i-1"}],"Instance":[{"InstanceId":"i-2"}]}}`, "duplicate object member"},
		{"a set given twice", `{"RequestId":"r","TotalCount":1,"Instances":{"Instance":[{"InstanceId":"i-1"}]},"Instances":{}}`, "duplicate object member"},
		{"a member given twice", `{"RequestId":"r","TotalCount":1,"Instances":{"Instance":[{"InstanceId":"i-1","InstanceId":"i-2"}]}}`, "duplicate object member"},
		{"null", `null`, "null where the reply object belongs"},
		{"an array", `[]`, "an array where an object belongs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeInstances([]byte(c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v; want one mentioning %q", err, c.want)
			}
			if strings.HasPrefix(c.body, `{"RequestId"`) {
				evBody := strings.NewReplacer(`"Instances"`, `"InstanceSystemEventSet"`, `"Instance"`, `"InstanceSystemEventType"`, "InstanceId", "EventId").Replace(c.body)
				if _, err := decodeEvents([]byte(evBody)); err == nil {
					t.Fatalf("events: %s read without error", evBody)
				}
			}
		})
	}
}

// FuzzDecoders: no body makes a decoder panic, and where a decoder and the SDK's both
// accept a body, they read as many instances or events from it.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(`{"RequestId":"r","TotalCount":1,"Instances":{"Instance":[{"InstanceId":"i-1","Tags":{"Tag":[{"TagKey":"a","TagValue":"b"}]}}]}}`))
	f.Add([]byte(`{"RequestId":"r","TotalCount":1,"NextToken":"n","InstanceSystemEventSet":{"InstanceSystemEventType":[{"EventId":"e-1","EventType":{"Name":"SystemMaintenance.Reboot"}}]}}`))
	f.Add([]byte(`{"RequestId":"r","TotalCount":"0","Instances":null}`))
	f.Add([]byte(`{"RequestId":"r","TotalCount":2,"InstanceSystemEventSet":{"InstanceSystemEventType":[{"EventId":"e1","InstanceId":"i-1"}],"InstanceSystemEventType":[{"EventId":"e2","InstanceId":"i-2"}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if r, err := decodeInstances(body); err == nil && r.Instances != nil {
			var want ecs.DescribeInstancesResponse
			want.BaseResponse = &responses.BaseResponse{}
			hr := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
			if responses.Unmarshal(&want, hr, "JSON") == nil && len(want.Instances.Instance) != len(r.Instances.Instance) {
				t.Fatalf("%d instances; the SDK reads %d", len(r.Instances.Instance), len(want.Instances.Instance))
			}
		}
		if r, err := decodeEvents(body); err == nil && r.InstanceSystemEventSet != nil {
			var want ecs.DescribeInstanceHistoryEventsResponse
			want.BaseResponse = &responses.BaseResponse{}
			hr := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
			if responses.Unmarshal(&want, hr, "JSON") == nil && len(want.InstanceSystemEventSet.InstanceSystemEventType) != len(r.InstanceSystemEventSet.InstanceSystemEventType) {
				t.Fatalf("%d events; the SDK reads %d", len(r.InstanceSystemEventSet.InstanceSystemEventType), len(want.InstanceSystemEventSet.InstanceSystemEventType))
			}
		}
	})
}

// BenchmarkDecode reads a sim-server page of 100 instances and one of 100 events, as the
// listing does for each of its calls.
//
//	go test -run '^$' -bench Decode -benchmem -count 5 ./backend/aliyun/
func BenchmarkDecode(b *testing.B) {
	ins, evs := simPages(b)
	b.Run("instances", func(b *testing.B) {
		b.SetBytes(int64(len(ins)))
		b.ReportAllocs()
		for range b.N {
			r, err := decodeInstances(ins)
			if err != nil || len(r.Instances.Instance) == 0 {
				b.Fatal(err)
			}
			r.release() // as the listing does once the page is read
		}
	})
	b.Run("events", func(b *testing.B) {
		b.SetBytes(int64(len(evs)))
		b.ReportAllocs()
		for range b.N {
			r, err := decodeEvents(evs)
			if err != nil || len(r.InstanceSystemEventSet.InstanceSystemEventType) == 0 {
				b.Fatal(err)
			}
			r.release()
		}
	})
}
