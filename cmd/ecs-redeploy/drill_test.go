package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// drillTarget is a redeployable instance of cn-hangzhou whose own events have ended, so
// the drill is the only event it has pending.
func drillTarget(t *testing.T, eng *sim.Engine) model.Instance {
	t.Helper()
	in := redeployable(t, eng)
	for _, ev := range in.Events {
		if err := eng.EndEvent(ev.ID, model.CycleExecuted); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

// eventsRow is the row of id in `events --json`, if listed.
func eventsRow(t *testing.T, args ...string) map[string]json.RawMessage {
	t.Helper()
	id := args[0]
	out, err := run(t, append([]string{"events", "--json"}, args[1:]...)...)
	if err != nil {
		t.Fatalf("events: %v\n%s", err, out)
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if string(r["InstanceId"]) == `"`+id+`"` {
			return r
		}
	}
	return nil
}

// Issue 23, the fire drill, end to end through the SDK against sim-server on 127.0.0.1:
// drill made → listed and marked DRILL (from the state directory: the API's events do not
// say so) → a redeploy refused, nothing sent → drill --cancel → gone.
func TestDrillAgainstSimServer(t *testing.T) {
	eng, addr := simServer(t, 5, 200)
	dir := stateDir(t)
	in := drillTarget(t, eng)
	where := []string{"--endpoint", addr, "--region", "cn-hangzhou"}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")

	if row := eventsRow(t, append([]string{in.ID}, where...)...); row != nil {
		t.Fatalf("fixture: %s is listed before the drill", in.ID)
	}
	out, err := run(t, append([]string{"drill", "--instances", in.ID, "--event-type", "SystemMaintenance.Redeploy", "--in", "30m",
		"--json", "--audit-log", audit}, where...)...)
	if err != nil {
		t.Fatalf("drill: %v\n%s", err, out)
	}
	var made drillCreated
	err = json.Unmarshal([]byte(out), &made)
	// NotBefore is the wall clock's now + --in on the real API, to the second.
	nb, perr := time.Parse(model.DrillTimeLayout, made.NotBefore)
	if err != nil || perr != nil || len(made.EventIDs) != 1 || made.RequestID == "" || made.RegionID != "cn-hangzhou" ||
		time.Until(nb) > 30*time.Minute || time.Until(nb) < 29*time.Minute {
		t.Fatalf("drill --json: %v %v\n%s", err, perr, out)
	}
	drill := made.EventIDs[0]
	if evs := eng.Events(sim.EventFilter{InstanceIDs: []string{in.ID}}); !slices.ContainsFunc(evs, func(ev model.Event) bool {
		return ev.ID == drill && ev.Simulated && ev.CycleStatus == model.CycleScheduled
	}) {
		t.Fatalf("the simulator has no Scheduled drill %s on %s: %+v", drill, in.ID, evs)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "drills.json")); err != nil || !strings.Contains(string(data), drill) {
		t.Fatalf("the state directory does not keep %s: %v\n%s", drill, err, data)
	}

	// Listed, marked: the badge, the event's Simulated, and no redeploy offered.
	row := eventsRow(t, append([]string{in.ID}, where...)...)
	if row == nil {
		t.Fatalf("%s with a drill is not listed", in.ID)
	}
	var badges []string
	var events []model.Event
	var el model.Eligibility
	_ = json.Unmarshal(row["Badges"], &badges)
	_ = json.Unmarshal(row["Events"], &events)
	_ = json.Unmarshal(row["Eligibility"], &el)
	if !slices.Contains(badges, "DRILL") || len(events) != 1 || events[0].ID != drill || !events[0].Simulated || el.Allowed {
		t.Fatalf("the drill's row: badges %v, events %+v, eligibility %+v", badges, events, el)
	}
	out, _ = run(t, append([]string{"events"}, where...)...)
	if line := lineWith(out, in.ID); !strings.Contains(line, "DRILL") {
		t.Errorf("events table: %q lacks DRILL", line)
	}

	// A redeploy is refused before anything is sent.
	out, err = run(t, append([]string{"redeploy", in.ID, "--yes"}, where...)...)
	if err == nil || exitCode(err) != 1 || taskCount(eng) != 0 {
		t.Fatalf("redeploy of a drill: %v (exit %d), %d tasks\n%s", err, exitCode(err), taskCount(eng), out)
	}

	// A viewer can neither make one nor cancel one; nothing reaches the simulator.
	before := len(eng.Events(sim.EventFilter{InstanceIDs: []string{in.ID}}))
	for _, args := range [][]string{
		{"drill", "--read-only", "--instances", in.ID, "--event-type", "SystemFailure.Reboot", "--in", "1h"},
		{"drill", "--read-only", "--cancel", drill},
	} {
		out, err := run(t, append(args, where...)...)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "viewer cannot create or cancel drill events") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	if evs := eng.Events(sim.EventFilter{InstanceIDs: []string{in.ID}}); len(evs) != before ||
		!slices.ContainsFunc(evs, func(ev model.Event) bool { return ev.ID == drill && ev.CycleStatus == model.CycleScheduled }) {
		t.Fatalf("a viewer changed the drills: %+v", evs)
	}

	// A second drill, made as a person would: the command it prints to remove them runs as
	// printed (it named no region, and every real-API command needs one).
	out, err = run(t, append([]string{"drill", "--instances", in.ID, "--event-type", "SystemFailure.Reboot", "--in", "1h"}, where...)...)
	_, hint, ok := strings.Cut(out, "remove them with: ")
	if err != nil || !ok {
		t.Fatalf("a second drill: %v\n%s", err, out)
	}
	args := strings.Fields(hint)
	if args[0] != "ecs-redeploy" {
		t.Fatalf("the hint: %q", hint)
	}
	// Canceled, then gone from the listing and from the state directory.
	out, err = run(t, append(args[1:], "--audit-log", audit)...)
	if err != nil || !strings.Contains(out, drill+": canceled (RequestId ") {
		t.Fatalf("drill --cancel --all: %v\n%s", err, out)
	}
	if row := eventsRow(t, append([]string{in.ID}, where...)...); row != nil {
		t.Fatalf("%s is still listed after its drill was canceled", in.ID)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "drills.json")); strings.Contains(string(data), drill) {
		t.Errorf("the state directory still keeps %s:\n%s", drill, data)
	}
	out, err = run(t, append([]string{"drill", "--cancel", "--all"}, where...)...)
	if err != nil || !strings.Contains(out, "nothing to cancel") {
		t.Errorf("a second --cancel --all: %v\n%s", err, out)
	}

	// Both calls audited: an intent and a result each, the ids in them.
	data, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	var recs []backend.AuditRecord
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		var r backend.AuditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 4 || recs[0].Action != "CreateSimulatedSystemEvents" || recs[1].Outcome != "created" ||
		!slices.Equal(recs[1].Events, []string{drill}) || recs[3].Action != "CancelSimulatedSystemEvents" || recs[3].Outcome != "canceled" {
		t.Errorf("audit log:\n%s", data)
	}
}

// lineWith is the first line of out that contains s.
func lineWith(out, s string) string {
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// The API's refusal of one id of a --cancel names that id; the others are canceled, and
// an id the API does not know is forgotten from the state directory.
func TestDrillCancelNamesTheIdRefused(t *testing.T) {
	eng, addr := simServer(t, 5, 200)
	stateDir(t)
	in := drillTarget(t, eng)
	where := []string{"--endpoint", addr, "--region", "cn-hangzhou"}
	out, err := run(t, append([]string{"drill", "--instances", in.ID, "--event-type", "SystemFailure.Reboot", "--in", "10m", "--json"}, where...)...)
	var made drillCreated
	if err != nil || json.Unmarshal([]byte(out), &made) != nil || len(made.EventIDs) != 1 {
		t.Fatalf("drill: %v\n%s", err, out)
	}
	out, err = run(t, append([]string{"drill", "--cancel", "e-bp1nosuchdrill00000", made.EventIDs[0]}, where...)...)
	if err == nil || exitCode(err) != 1 ||
		!strings.Contains(out, "e-bp1nosuchdrill00000: not canceled: InvalidEventId.NotFound") ||
		!strings.Contains(out, made.EventIDs[0]+": canceled") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// Bad input: one line naming the flag, exit 2, nothing made.
func TestDrillBadFlags(t *testing.T) {
	stateDir(t)
	const id = "i-bp1azkttqpldxgtedxxx"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "drill needs --instances"},
		{[]string{"--instances", "web-1", "--event-type", "SystemFailure.Reboot", "--in", "1h"}, "--instances: not an ECS instance id"},
		{[]string{"--instances", id + "," + id, "--event-type", "SystemFailure.Reboot", "--in", "1h"}, "--instances names " + id + " twice"},
		{[]string{"--instances", id, "--in", "1h"}, "--event-type is required"},
		{[]string{"--instances", id, "--event-type", "SystemMaintenance.Reboot.Now", "--in", "1h"}, `--event-type "SystemMaintenance.Reboot.Now": not a type`},
		{[]string{"--instances", id, "--event-type", "InstanceExpiration.Stop", "--in", "1h"}, "--event-type"},
		{[]string{"--instances", id, "--event-type", "SystemFailure.Reboot"}, "--in is required"},
		{[]string{"--instances", id, "--event-type", "SystemFailure.Reboot", "--in", "-5m"}, "--in -5m0s: the drill must be due in the future"},
		{[]string{"--instances", id, "--event-type", "SystemFailure.Reboot", "--in", "soon"}, `--in "soon": expected a duration`},
		{[]string{"--instances", id, "--event-type", "SystemFailure.Reboot", "--in", "1h", "--all"}, "--all goes with --cancel"},
		{[]string{"--cancel"}, "--cancel needs EVENT_ID"},
		{[]string{"--cancel", "--all", "e-bp1abc"}, "--cancel --all cancels every drill"},
		{[]string{"--cancel", id}, "--cancel: not a system event id"},
		{[]string{"--cancel", "e-bp1abc", "--instances", id}, "--cancel goes without --instances"},
	} {
		out, err := run(t, append([]string{"drill", "--demo"}, c.args...)...)
		if exitCode(err) != 2 || !strings.Contains(errorLine(err), c.want) || strings.Contains(errorLine(err), "\n") || out != "" {
			t.Errorf("drill %v: exit %d, %v; want one line with %q\n%s", c.args, exitCode(err), err, c.want, out)
		}
	}
	var many []string
	for range model.MaxDrillIDs + 1 {
		many = append(many, id)
	}
	if _, err := run(t, "drill", "--demo", "--instances", strings.Join(many, ","), "--event-type", "SystemFailure.Reboot", "--in", "1h"); exitCode(err) != 2 ||
		!strings.Contains(err.Error(), "at most 100") {
		t.Errorf("101 instances: %v", err)
	}
}

// --demo runs a drill in its own simulator: made, and listed as a drill there.
func TestDrillOnTheDemo(t *testing.T) {
	stateDir(t)
	out, err := run(t, "events", "--demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct{ InstanceId string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) == 0 {
		t.Fatal(err)
	}
	out, err = run(t, "drill", "--demo", "--instances", rows[0].InstanceId, "--event-type", "SystemMaintenance.Stop", "--in", "2h")
	if err != nil || !strings.Contains(out, "1 drill event(s) of SystemMaintenance.Stop in ") || !strings.Contains(out, "\ne-") {
		t.Fatalf("drill --demo: %v\n%s", err, out)
	}
}

// A drill whose reply was lost (applied, then a 503) is said to be unknown, never sent
// again: one drill on the instance, and the line says how to find it.
func TestDrillWhoseReplyWasLostIsNotSentAgain(t *testing.T) {
	eng, addr := simServer(t, 5, 200)
	stateDir(t)
	noWait(t)
	in := drillTarget(t, eng)
	eng.SetFaults(sim.Faults{LostReplyRate: 1, Actions: []string{"CreateSimulatedSystemEvents"}})
	out, err := run(t, "drill", "--endpoint", addr, "--region", "cn-hangzhou", "--instances", in.ID, "--event-type", "SystemFailure.Stop", "--in", "1h")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "whether the drills were made is unknown") {
		t.Fatalf("%v\n%s", err, out)
	}
	n := 0
	for _, ev := range eng.Events(sim.EventFilter{InstanceIDs: []string{in.ID}}) {
		if ev.Simulated {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d drills on %s; want the one call's", n, in.ID)
	}
}

// The help names every event type the API takes, as model.DrillEventTypes lists them.
func TestDrillHelpNamesEveryType(t *testing.T) {
	out, err := run(t, "drill", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range model.DrillEventTypes {
		if !strings.Contains(out, string(typ)+",") && !strings.Contains(out, string(typ)+" (") {
			t.Errorf("drill --help does not name %s", typ)
		}
	}
}

// Tester's report, 13: `drill --instances` naming instances of two regions advised
// `--region cn-hangzhou`, which then failed with InvalidInstanceId.NotFound for the other.
// The refusal says which instance is where and gives one command a region; each runs as
// printed.
func TestDrillInTwoRegionsAdvisesCommandsThatWork(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	stateDir(t)
	out, err := run(t, "drill", "--scenario", scenario, "--instances", "i-bp1webprod0000000001,i-uf6locked00000000004",
		"--event-type", "SystemMaintenance.Reboot", "--in", "30m")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("err %v, want a usage error\n%s", err, out)
	}
	msg := err.Error()
	_, cmds, ok := strings.Cut(msg, "run one drill a region: ")
	if !ok || !strings.Contains(msg, "cn-hangzhou: i-bp1webprod0000000001") || !strings.Contains(msg, "cn-shanghai: i-uf6locked00000000004") {
		t.Fatalf("the refusal: %s", msg)
	}
	n := 0
	for _, c := range strings.Split(cmds, " ; ") {
		args := strings.Fields(c)
		if len(args) < 2 || args[0] != "ecs-redeploy" {
			t.Fatalf("not a command: %q", c)
		}
		if out, err := run(t, args[1:]...); err != nil || !strings.Contains(out, "1 drill event(s)") {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d commands, want one a region: %s", n, cmds)
	}
	// A --region that holds none of them: said before the call, with the command that works.
	_, err = run(t, "drill", "--scenario", scenario, "--region", "cn-hangzhou", "--instances", "i-uf6locked00000000004",
		"--event-type", "SystemMaintenance.Reboot", "--in", "30m")
	_, cmd, ok := strings.Cut(fmt.Sprint(err), "run: ")
	if !errors.As(err, &ue) || !ok || !strings.Contains(err.Error(), "they are in cn-shanghai, not in --region cn-hangzhou") {
		t.Fatalf("err %v", err)
	}
	if out, err := run(t, strings.Fields(cmd)[1:]...); err != nil || !strings.Contains(out, "1 drill event(s)") {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}
