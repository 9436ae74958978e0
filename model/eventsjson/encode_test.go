package eventsjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// rowEncoder writes what encoding/json writes for an Row, value for value, for rows
// whose every field is set and for strings encoding/json escapes (HTML, U+2028, control
// characters, invalid UTF-8): decoded, the two are the same. Comparing the decoded values
// also compares the field sets, so a field added to Row but not to rowEncoder fails.
func TestRowEncoderMatchesEncodingJSON(t *testing.T) {
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	expires := now.Add(40 * time.Hour)
	full := model.Instance{
		ID: "i-bp1full", Name: `db <primary> & "replica"` + "\u2028\\\t\x01", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
		InstanceType: "ecs.i2.xlarge", Family: "ecs.i2", Status: model.StatusRunning, ChargeType: model.PrePaid,
		ExpiredTime: expires, LocalStorageAmount: 2, LocalStorageCapacity: 1788, DedicatedHostID: "dh-1",
		DeploymentSetID: "ds-1", OperationLocks: []model.LockReason{model.LockSecurity},
		Tags: map[string]string{"team": "数据库", "env": "prod", "z": "\xff\xfe"},
		Events: []model.Event{
			{ID: "e-1", InstanceID: "i-bp1full", Type: model.EventMaintenanceRedeploy, CycleStatus: model.CycleScheduled,
				PublishTime: now.Add(-time.Hour), NotBefore: now.Add(30 * time.Minute), Reason: "power <supply>", ImpactLevel: "1"},
			{ID: "e-2", InstanceID: "i-bp1full", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleScheduled,
				PublishTime: now.Add(-2 * time.Hour), NotBefore: now.Add(90*time.Minute + 123*time.Millisecond),
				FinishTime: now.Add(time.Hour), ReasonCode: "SystemMaintenance", Simulated: true,
				ExtendedAttribute: &model.ExtendedAttribute{Device: "/dev/vdb", DiskID: "d-bp1x", HostID: "h-1", HostType: "ddh",
					Rack: "R<1>", Code: "c", CanAccept: "true", InitialNotBefore: now.Add(time.Hour),
					InactiveDisks:    []model.InactiveDisk{{CreationTime: "a", ReleaseTime: "b", DeviceCategory: "c", DeviceSize: "d", DeviceType: "e"}},
					MigrationOptions: []string{"MigrationPlan", "x"}, OnlineRepairPolicy: "p", ResponseResult: "r",
					PunishType: "t", PunishDomain: "d", PunishURL: "u"}},
			{ID: "e-4", InstanceID: "i-bp1full", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleInquiring,
				NotBefore: now.Add(time.Hour), ExtendedAttribute: &model.ExtendedAttribute{}},
		},
	}
	bare := model.Instance{ID: "i-bp1bare", Status: model.StatusStopped}
	passed := full
	passed.Events = []model.Event{{ID: "e-3", CycleStatus: model.CycleScheduled, Type: model.EventMaintenanceReboot, NotBefore: now.Add(-time.Minute)}}
	passed.DedicatedHostID, passed.OperationLocks, passed.Tags = "", nil, nil
	for _, in := range []model.Instance{full, bare, passed} {
		r := FromInstance(&in, now)
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		e := rowEncoder{}
		e.row(&r, true)
		if !json.Valid(e.b) {
			t.Fatalf("%s: not JSON:\n%s", in.ID, e.b)
		}
		var g, w any
		if err := json.Unmarshal(e.b, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s:\n got %s\nwant %s", in.ID, e.b, want)
		}
	}

	// Laid out as json.Encoder with SetIndent lays out an element of the array, for strings
	// it writes unescaped (it escapes U+2028 and, by default, HTML).
	passed.Name = "plain"
	r := FromInstance(&passed, now)
	var ind bytes.Buffer
	enc := json.NewEncoder(&ind)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	e := rowEncoder{}
	e.row(&r, true)
	if got, want := string(e.b), "\n  "+strings.TrimSuffix(ind.String(), "\n"); got != want {
		t.Fatalf("layout:\n got %q\nwant %q", got, want)
	}
}

// BenchmarkWrite is the encoding half of `events --json` at 10,000 instances
// of the generated fleet (about 17.8 MB of JSON), on every CPU as events does it.
//
//	go test -run '^$' -bench Write -benchmem -count 5 ./model/eventsjson
func BenchmarkWrite(b *testing.B) {
	eng := sim.New(sim.Generate(1, 10_000, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1})
	ins := eng.PendingInstances(nil, nil)
	model.SortByDeadline(ins)
	now := eng.Now()
	var out byteCounter
	b.ReportAllocs()
	for range b.N {
		if err := writeInstances(&out, ins, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out)/float64(b.N)/1e6, "MB/op")
}

// byteCounter counts what is written to it and keeps nothing.
type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// One encoder writes each row's tags as encoding/json does (keys sorted, each with its
// own value), whichever key sets the rows before it had: the same keys, the same number
// of other keys, one more or one fewer, none, and more sets than it keeps sorted.
func TestRowEncoderTagsFollowEachRow(t *testing.T) {
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	sets := []map[string]string{
		{"env": "prod", "app": "web"},
		{"env": "dev", "app": "db"},
		{"env": "prod", "team": "web"}, // as many keys, one other
		{"env": "prod", "app": "web", "cluster": "a"},
		{"env": "prod"},
		nil,
		{},
		{"a": "1", "b": "2"},
		{"c": "3", "d": "4"},
		{"e": "5", "f": "6"},
		{"g": "7", "h": "8"},
		{"app": "web", "env": "prod"}, // the first set's keys, after more sets than are kept
		{"env": "prod", "team": "web"},
	}
	e := rowEncoder{}
	for i, tags := range sets {
		in := model.Instance{ID: "i-bp1tags", Status: model.StatusRunning, Tags: tags}
		r := FromInstance(&in, now)
		want, err := json.Marshal(r.Tags)
		if err != nil {
			t.Fatal(err)
		}
		e.b = e.b[:0]
		e.row(&r, true)
		var got struct{ Tags json.RawMessage }
		if err := json.Unmarshal(e.b, &got); err != nil {
			t.Fatalf("row %d: %v\n%s", i, err, e.b)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, got.Tags); err != nil {
			t.Fatal(err)
		}
		if compact.String() != string(want) {
			t.Errorf("row %d: tags %s, want %s", i, compact.String(), want)
		}
	}
}
