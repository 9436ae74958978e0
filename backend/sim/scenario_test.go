package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/model"
)

func TestLoadScenarioExample(t *testing.T) {
	f, err := LoadScenario("scenarios/oncall.yaml", Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Instances) != 7 || len(f.Regions) != 2 {
		t.Fatalf("%d instances in %d regions", len(f.Instances), len(f.Regions))
	}
	verdict := map[string]string{}
	for i := range f.Instances {
		in := &f.Instances[i]
		el := model.Evaluate(in, Epoch, false)
		v := "allowed"
		if b := el.FirstBlock(); b != nil {
			v = b.Code
		} else if el.Destructive() {
			v = "destructive"
		}
		verdict[in.Name] = v
	}
	want := map[string]string{
		"web-prod-001":        "allowed",
		"kafka-prod-002":      "destructive",
		"batch-dev-003":       "allowed",
		"pg-replica-prod-004": model.CodeInstanceLockedForSecurity,
		"clickhouse-prod-005": model.CodeInvalidOperation,
		"api-staging-006":     model.CodeInstanceExpiredOrInArrears,
		"hdfs-dn-prod-007":    "destructive",
	}
	for name, v := range want {
		if verdict[name] != v {
			t.Errorf("%s: %s, want %s", name, verdict[name], v)
		}
	}
	kafka := f.Instances[1]
	if got := kafka.Events[0].NotBefore; !got.Equal(Epoch.Add(40 * time.Minute)) {
		t.Errorf("relative deadline = %s", got)
	}
	if kafka.ZoneID != "cn-hangzhou-i" || kafka.Status != model.StatusRunning || kafka.ChargeType != model.PostPaid {
		t.Errorf("defaults not applied: %+v", kafka)
	}
}

func TestScenarioJSON(t *testing.T) {
	data := `{"instances": [{"id": "i-1", "region": "cn-beijing", "events": [
		{"type": "SystemMaintenance.Reboot", "not_before": "2026-11-25T06:00:00Z"}]}]}`
	f, err := ParseScenario("s.json", []byte(data), Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Instances[0].Events[0].NotBefore; !got.Equal(Epoch.Add(3 * time.Hour)) {
		t.Fatalf("NotBefore = %s", got)
	}
}

func TestScenarioErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		line       int
		want       string
	}{
		{"syntax", "instances:\n  - id: i-1\n    region: x: y\n", 3, "mapping values are not allowed"},
		{"unknown key", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    colour: red\n", 4, `unknown key "colour"`},
		{"wrong type", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    local_disks: two\n", 4, `expected a whole number, got "two"`},
		{"bad status", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    status: Runing\n", 4, `status "Runing"`},
		{"bad lock", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    locks: [securty]\n", 4, `lock "securty"`},
		{"bad event type", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    events:\n      - type: Reboot\n        not_before: +1h\n", 5, `type "Reboot"`},
		{"bad deadline", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    events:\n      - type: SystemMaintenance.Reboot\n        not_before: tomorrow\n", 5, `"tomorrow" is neither`},
		{"missing deadline", "instances:\n  - id: i-1\n    region: cn-hangzhou\n    events:\n      - type: SystemMaintenance.Reboot\n", 5, "not_before"},
		{"duplicate id", "instances:\n  - id: i-1\n    region: cn-hangzhou\n  - id: i-1\n    region: cn-hangzhou\n", 4, "listed twice (first on line 2)"},
		{"no region", "instances:\n  - id: i-1\n", 2, "has no `region`"},
		{"no instances", "regions: [cn-hangzhou]\n", 1, "no instances"},
		{"top-level key", "instance:\n  - id: i-1\n", 1, `unknown key "instance"`},
		{"empty", "", 0, "file is empty"},
		// Issue 13: yaml.v3 leaves out the line of a syntax error on line 1.
		{"tab on line 1", "\tregions: [cn-hangzhou]\n", 1, "cannot start any token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario("night.yaml", []byte(tc.data), Epoch)
			var se *ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *ScenarioError", err)
			}
			if se.File != "night.yaml" || se.Line != tc.line || !strings.Contains(se.Msg, tc.want) {
				t.Fatalf("err = %q (line %d), want line %d containing %q", err, se.Line, tc.line, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

func TestLoadScenarioUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadScenario(filepath.Join(dir, "missing.yaml"), Epoch)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("err = %v", err)
	}
	if os.Geteuid() != 0 { // root reads anything
		p := filepath.Join(dir, "secret.yaml")
		if err := os.WriteFile(p, []byte("instances: []"), 0o000); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadScenario(p, Epoch); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("err = %v", err)
		}
	}
}

// A scenario says what an event tells (ExtendedAttribute, ReasonCode); a can_accept that is
// neither true nor false is an error naming the line.
func TestScenarioExtendedAttribute(t *testing.T) {
	data := `instances:
  - id: i-bp1disk01
    region: cn-hangzhou
    local_disks: 2
    events:
      - type: SystemMaintenance.RebootAndReInitErrorDisk
        status: Inquiring
        not_before: "+3h"
        first_not_before: "+1h"
        reason_code: DiskError
        disk: d-bp1bad01
        device: /dev/vdc
        host: h-bp1host01
        rack: cn-hangzhou-h-R07
        can_accept: "true"
`
	f, err := ParseScenario("s.yaml", []byte(data), Epoch)
	if err != nil {
		t.Fatal(err)
	}
	ev := f.Instances[0].Events[0]
	a := ev.Attr()
	if a.DiskID != "d-bp1bad01" || a.Device != "/dev/vdc" || a.HostID != "h-bp1host01" || a.Rack != "cn-hangzhou-h-R07" ||
		a.CanAccept != "true" || !ev.DeadlineMoved() || ev.ReasonCode != "DiskError" {
		t.Fatalf("event %+v, attribute %+v", ev, a)
	}
	bad := strings.Replace(data, `can_accept: "true"`, `can_accept: "maybe"`, 1)
	if _, err := ParseScenario("s.yaml", []byte(bad), Epoch); err == nil || !strings.Contains(err.Error(), "can_accept") || !strings.Contains(err.Error(), "s.yaml:") {
		t.Fatalf("bad can_accept: %v", err)
	}
	plain, err := ParseScenario("s.json", []byte(`{"instances": [{"id": "i-1", "region": "cn-beijing", "events": [
		{"type": "SystemMaintenance.Reboot", "not_before": "+1h"}]}]}`), Epoch)
	if err != nil || plain.Instances[0].Events[0].ExtendedAttribute != nil {
		t.Fatalf("an event that tells nothing more has no attribute: %v", err)
	}
}

// An event a scenario gives no id gets one shaped as the platform's (e- and letters and
// digits), distinct from every other, so that `accept` and every command that checks an
// event id take it (tester2's defect 17: e-bp1sfr00000000000005-1 was refused).
func TestScenarioDefaultEventIDsArePlatformShaped(t *testing.T) {
	data := `instances:
  - id: i-bp1sfr00000000000005
    region: cn-hangzhou
    events:
      - {type: SystemFailure.Delete, status: Inquiring, not_before: "+2h"}
      - {type: SystemMaintenance.Reboot, status: Inquiring, not_before: "+3h"}
  - id: i-bp1sfr00000000000005e1
    region: cn-hangzhou
    events:
      - {id: e-bp1sfr00000000000005e2, type: SystemMaintenance.Reboot, not_before: "+3h"}
      - {type: SystemMaintenance.Reboot, not_before: "+3h"}
  - id: i-Odd_name.1
    region: cn-hangzhou
    events:
      - {type: SystemMaintenance.Reboot, not_before: "+3h"}
`
	f, err := ParseScenario("ids.yaml", []byte(data), Epoch)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, in := range f.Instances {
		for _, ev := range in.Events {
			if !model.ValidEventID(ev.ID) {
				t.Errorf("%s: event id %q is not shaped as the platform's", in.ID, ev.ID)
			}
			if seen[ev.ID] {
				t.Errorf("event id %q given twice", ev.ID)
			}
			seen[ev.ID] = true
		}
	}
	if got := f.Instances[0].Events[0].ID; got != "e-bp1sfr00000000000005e1" {
		t.Errorf("first derived id %q, want e-bp1sfr00000000000005e1", got)
	}
}
