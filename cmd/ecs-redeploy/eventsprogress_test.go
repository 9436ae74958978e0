package main

import (
	"encoding/json"
	"strings"
	"testing"

	"ecs-redeploy/model"
	"ecs-redeploy/model/eventsjson"
)

// An instance being redeployed (a Processing RedeployInstance task; Stopping) is IN
// PROGRESS in `events` and `events --json`, as the console shows it, not refused with
// IncorrectInstanceStatus / WRONG STATUS (tester2 #8).
func TestEventsShowsARedeployUnderWayAsInProgress(t *testing.T) {
	eng, addr := simServer(t, 3, 200)
	const region = "cn-hangzhou"
	var id string
	for _, in := range eng.Instances(region, nil) {
		if model.Evaluate(&in, eng.Now(), false).Allowed {
			id = in.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no redeployable instance in the fleet")
	}
	task, err := eng.Redeploy(region, id, false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "events", "--endpoint", addr, "--region", region)
	if err != nil {
		t.Fatalf("events: %v\n%s", err, out)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, id) {
			line = l
		}
	}
	if !strings.Contains(line, "in progress: "+task.ID) || strings.Contains(line, "IncorrectInstanceStatus") || strings.Contains(line, "WRONG STATUS") {
		t.Errorf("events row of %s (task %s):\n%s", id, task.ID, line)
	}
	if !strings.Contains(out, "1 being redeployed") {
		t.Errorf("events summary does not count the redeploy under way:\n%s", out)
	}
	js, err := run(t, "events", "--json", "--endpoint", addr, "--region", region)
	if err != nil {
		t.Fatalf("events --json: %v\n%s", err, js)
	}
	var rows []eventsjson.Row
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r.InstanceID != id {
			continue
		}
		found = true
		if len(r.Badges) == 0 || r.Badges[0] != model.BadgeInProgress {
			t.Errorf("events --json badges of %s: %v, want IN PROGRESS first", id, r.Badges)
		}
		for _, b := range r.Badges {
			if b == model.BadgeWrongStatus {
				t.Errorf("events --json badges of %s: %v: WRONG STATUS for a redeploy under way", id, r.Badges)
			}
		}
	}
	if !found {
		t.Errorf("events --json has no row for %s", id)
	}
}
