package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// wideScenario has a CJK name, an emoji name and an instance with two pending events.
const wideScenario = `regions: [cn-hangzhou]
instances:
  - id: i-bp1cjk00000000000001
    name: 数据库-主-01
    region: cn-hangzhou
    zone: cn-hangzhou-h
    status: Running
    tags: {team: kafka}
    events:
      - type: SystemMaintenance.Redeploy
        not_before: "+1h"
      - type: SystemMaintenance.Reboot
        not_before: "+5h"
  - id: i-bp1emoji000000000002
    name: web-🚀-02
    region: cn-hangzhou
    zone: cn-hangzhou-h
    status: Running
    events:
      - type: SystemMaintenance.Reboot
        not_before: "+2h"
  - id: i-bp1ascii000000000003
    name: plain-ascii-name-003
    region: cn-hangzhou
    zone: cn-hangzhou-h
    status: Running
    events:
      - type: SystemMaintenance.Reboot
        not_before: "+3h"
`

func writeScenario(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 13: columns line up in terminal cells whatever the names are written in, and a
// second pending event is marked as the console marks it.
func TestEventsTableAlignsInCells(t *testing.T) {
	out, err := run(t, "events", "--demo", "--scenario", writeScenario(t, wideScenario))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(out, "\n")
	col := func(line, word string) int { return ansi.StringWidth(line[:strings.Index(line, word)]) }
	want := col(lines[0], "ZONE")
	for _, l := range lines[1:4] {
		if got := col(l, "cn-hangzhou-h"); got != want {
			t.Errorf("ZONE at cell %d, want %d:\n%s", got, want, out)
		}
	}
	if !strings.Contains(lines[1], "SystemMaintenance.Redeploy +1") {
		t.Errorf("the second pending event is not marked:\n%s", out)
	}
}

// Issue 13: DescribeInstances' top-level fields, under the API's names, beside the
// documented LocalStorage object.
func TestEventsJSONHasTheAPIsTopLevelFields(t *testing.T) {
	out, err := run(t, "events", "--demo", "--scenario", scenario, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"LocalStorageAmount", "LocalStorageCapacity", "DeploymentSetId", "InstanceChargeType", "ExpiredTime", "Tags", "LocalStorage"} {
		if _, ok := rows[1][key]; !ok {
			t.Errorf("row lacks %s: %v", key, rows[1])
		}
	}
	if rows[1]["LocalStorageAmount"] != float64(1) || rows[1]["LocalStorageCapacity"] != float64(1788) {
		t.Errorf("kafka-prod-002: LocalStorageAmount %v, LocalStorageCapacity %v", rows[1]["LocalStorageAmount"], rows[1]["LocalStorageCapacity"])
	}
}

// Issue 13: an instance whose event a redeploy does not answer is not "blocked".
func TestEventsTableSetsNoRedeployApartFromBlocked(t *testing.T) {
	sc := writeScenario(t, `regions: [cn-hangzhou]
instances:
  - id: i-bp1expstop0000000001
    name: exp-stop
    region: cn-hangzhou
    status: Running
    events:
      - type: InstanceExpiration.Stop
        not_before: "+1h"
  - id: i-bp1locked00000000002
    name: locked
    region: cn-hangzhou
    status: Running
    locks: [security]
    events:
      - type: SystemMaintenance.Reboot
        not_before: "+2h"
`)
	out, err := run(t, "events", "--demo", "--scenario", sc)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"no redeploy: event not answered", "no: InstanceLockedForSecurity",
		"2 instances with pending events, 0 can be redeployed, 1 blocked, 1 with no event a redeploy answers."} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
