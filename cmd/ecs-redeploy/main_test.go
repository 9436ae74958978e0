package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

const scenario = "../../backend/sim/scenarios/oncall.yaml"

// run executes the CLI in-process, as a user would call it.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestEventsJSONSchema(t *testing.T) {
	out, err := run(t, "events", "--demo", "--scenario", scenario, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	for _, key := range []string{"InstanceId", "InstanceName", "RegionId", "ZoneId", "Status", "InstanceType",
		"EventId", "EventType", "EventCycleStatus", "NotBefore", "Badges", "Events", "Eligibility", "LocalStorage", "OperationLocks"} {
		if _, ok := rows[0][key]; !ok {
			t.Errorf("row lacks %s", key)
		}
	}
	// Deadline order: the overdue hdfs failure first, the kafka reboot in 40m next.
	if rows[0]["InstanceName"] != "hdfs-dn-prod-007" || rows[1]["InstanceName"] != "kafka-prod-002" {
		t.Errorf("order: %v, %v", rows[0]["InstanceName"], rows[1]["InstanceName"])
	}
	el := rows[1]["Eligibility"].(map[string]any)
	if el["Allowed"] != true || len(el["Warnings"].([]any)) == 0 {
		t.Errorf("kafka eligibility = %v", el)
	}
}

func TestEventsTable(t *testing.T) {
	out, err := run(t, "events", "--demo", "--scenario", scenario)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DEADLINE", "SECURITY LOCK", "no: InstanceLockedForSecurity", "DEDICATED HOST", "EXPIRED", "LOCAL DISK",
		"7 instances with pending events, 4 can be redeployed, 3 blocked."} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRedeployRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"security lock", []string{"i-uf6locked00000000004"}, "refused: InstanceLockedForSecurity", false},
		{"expired", []string{"i-uf6expired000000006"}, "refused: InstanceExpiredOrInArrears", false},
		// Refusals, not usage mistakes: exit 1 as the README says (issue 13).
		{"local disks need --yes", []string{"i-bp1kafka000000000002"}, "re-run with --yes", false},
		{"force stop needs --yes", []string{"i-bp1webprod0000000001", "--force-stop"}, "re-run with --yes", false},
		{"unknown instance", []string{"i-nope"}, "has no pending system event", false},
		{"no id", nil, "redeploy needs an INSTANCE_ID", true},
		{"bad region", []string{"i-nope", "--region", "mars-1"}, "no such region", true},
		{"bad flag", []string{"--frobnicate"}, "unknown flag", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"redeploy", "--demo", "--scenario", scenario}, tc.args...)
			_, err := run(t, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("usage error = %v, want %v", !tc.usage, tc.usage)
			}
		})
	}
}

func TestRedeployStartsTask(t *testing.T) {
	out, err := run(t, "redeploy", "--demo", "--scenario", scenario, "i-bp1kafka000000000002", "--yes")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DATA LOSS:", "ALL DATA ON THEM IS WIPED", "started task t-bp1", "RequestId"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadSimFlags(t *testing.T) {
	for _, args := range [][]string{
		{"events", "--demo", "--sim-speed", "0"},
		{"events", "--demo", "--instances", "-1"},
		{"events", "--demo", "--sim-failure-rate", "2"},
		{"events", "--demo", "--scenario", "/nonexistent/x.yaml"},
	} {
		if _, err := run(t, args...); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v, want one line", args, err)
		}
	}
}

// --demo and the real API read --region by the same rule: `all` mixed with names is a
// usage error on both (--demo used to take all,cn-hangzhou and list every region).
func TestRegionFlagIsOneRuleOnBothPaths(t *testing.T) {
	for _, regions := range []string{"all,cn-hangzhou", "cn-hangzhou,all"} {
		_, err := run(t, "events", "--demo", "--scenario", scenario, "--region", regions)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--region all cannot be combined") {
			t.Errorf("--demo --region %s: err = %v; want the usage error", regions, err)
		}
		cloudEnv(t, "")
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI")
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s")
		_, _, err = openCloudBackend(cloudOptionsWith(regions))
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--region all cannot be combined") {
			t.Errorf("cloud --region %s: err = %v; want the usage error", regions, err)
		}
	}
	// Empty items are ignored on --demo too.
	out, err := run(t, "events", "--demo", "--scenario", scenario, "--region", "cn-hangzhou,,cn-shanghai")
	if err != nil || !strings.Contains(out, "7 instances with pending events") {
		t.Errorf("--region cn-hangzhou,,cn-shanghai: %v\n%s", err, out)
	}
}

// A command whose stdout is gone (a closed pipe, a full disk) exits non-zero: nobody saw
// its answer. A redeploy whose consequences could not be shown is not sent.
func TestAnUnwritableStdoutIsAFailure(t *testing.T) {
	eng, addr := simServer(t, 3, 50)
	target := redeployable(t, eng)
	for _, args := range [][]string{
		{"events", "--demo", "--scenario", scenario},
		{"events", "--demo", "--scenario", scenario, "--json"},
		{"events", "--endpoint", addr, "--region", "cn-hangzhou"},
		{"redeploy", target.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes"},
	} {
		cmd := newRootCmd()
		cmd.SetOut(brokenWriter{})
		cmd.SetErr(io.Discard)
		cmd.SetArgs(args)
		if err := cmd.Execute(); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("%v: err = %v, want the write error", args, err)
		}
	}
	if n := taskCount(eng); n != 0 {
		t.Fatalf("a redeploy whose consequences nobody saw was sent (%d tasks)", n)
	}
}

// Issue 13: every refusal exits 1, every usage mistake 2, and the words say what was
// meant or expected.
func TestExitCodes(t *testing.T) {
	tab := writeScenario(t, "\tregions: [cn-hangzhou]\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"events", []string{"events", "--demo", "--scenario", scenario}, 0, ""},
		{"a command's near miss", []string{"event"}, 2, `unknown command "event"; did you mean events?`},
		{"not a number", []string{"events", "--demo", "--instances", "abc"}, 2, `--instances "abc": expected a whole number, e.g. --instances 60`},
		{"not a duration", []string{"redeploy", "--demo", "--poll", "soon", "i-x"}, 2, "expected a duration"},
		{"unknown flag", []string{"events", "--frobnicate"}, 2, "unknown flag"},
		{"bad region", []string{"events", "--demo", "--region", "Mars"}, 2, "not a region id"},
		{"no instance id", []string{"redeploy", "--demo"}, 2, "needs an INSTANCE_ID"},
		{"scenario tab on line 1", []string{"events", "--scenario", tab}, 2, tab + ":1:"}, // a bad input file, as a bad --policy
		{"blocked", []string{"redeploy", "--demo", "--scenario", scenario, "i-uf6locked00000000004"}, 1, "refused: InstanceLockedForSecurity"},
		{"data loss without --yes", []string{"redeploy", "--demo", "--scenario", scenario, "i-bp1kafka000000000002"}, 1, "re-run with --yes"},
		{"read-only", []string{"redeploy", "--demo", "--scenario", scenario, "--read-only", "--yes", "i-bp1webprod0000000001"}, 1, "read-only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, tc.args...)
			if got := exitCode(err); got != tc.code {
				t.Errorf("exit %d, want %d (err %v)", got, tc.code, err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
