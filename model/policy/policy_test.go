package policy_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/model"
	"ecs-redeploy/model/policy"
)

func TestParseExample(t *testing.T) {
	p, err := policy.Load("testdata/oncall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Identity() != "autopilot:web-oncall" || len(p.Rules) != 2 {
		t.Fatalf("got %s with %d rules", p.Identity(), len(p.Rules))
	}
	web, cache := p.Rules[0], p.Rules[1]
	if web.When.LeadTime != 24*time.Hour || !web.When.InWindow || web.When.Zone.String() != "Asia/Shanghai" ||
		len(web.When.Avoid) != 1 || web.When.Avoid[0].String() != "08:00-20:00" || web.When.Margin != 30*time.Minute {
		t.Errorf("web's when: %+v", web.When)
	}
	if web.How.MaxInFlight != 2 || len(web.How.Limits) != 2 || web.How.Limits[0].String() != "tag:app=1" ||
		web.How.LocalDisks != policy.LocalDisksLeave || web.How.ForceStop != policy.ForceStopNever {
		t.Errorf("web's how: %+v", web.How)
	}
	// Defaults: inside the window, one at a time, a 30 min margin, nothing destructive.
	if cache.When.LeadTime != 48*time.Hour || !cache.When.InWindow || cache.How.MaxInFlight != 1 || cache.How.LocalDisks != policy.LocalDisksWipe {
		t.Errorf("cache: %+v %+v", cache.When, cache.How)
	}
}

// Every mistake of the file is reported, each on its own line with the file and line.
func TestParseReportsEveryMistake(t *testing.T) {
	data, err := os.ReadFile("testdata/mistakes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = policy.Parse("testdata/mistakes.yaml", data)
	if !errors.Is(err, policy.ErrPolicy) {
		t.Fatalf("got %v", err)
	}
	want := []string{
		`mistakes.yaml:1: name "Web Oncall": use lower-case letters`,
		`mistakes.yaml:5: regions: "Hangzhou" is not a region id`,
		`mistakes.yaml:6: event_types: "Maintenance.Reboot" is not an event type: write one of SystemMaintenance.Reboot`,
		`mistakes.yaml:7: event_statuses: "Executed": write Inquiring, Scheduled or Executing`,
		`mistakes.yaml:9: lead_time "2x": write a duration like 6h`,
		`mistakes.yaml:10: avoid_hours "8-20": write HH:MM-HH:MM`,
		`mistakes.yaml:11: time_zone "Mars/Olympus": write UTC, an offset like UTC+8`,
		`mistakes.yaml:12: in_maintenance_window "maybe": write true or false`,
		`mistakes.yaml:14: max_in_flight "0": write a whole number, at least 1`,
		`mistakes.yaml:15: max_per: "app": group by "tag:KEY", host or rack`,
		`mistakes.yaml:15: max_per: tag:app "none": write a whole number`,
		`mistakes.yaml:16: on_failure "continue": write pause`,
		`mistakes.yaml:17: local_disks "true": write leave (left to humans) or wipe (redeploy re-initializes the local disks: ALL THEIR DATA IS LOST)`,
		`mistakes.yaml:18: force_stop "yes": write never, or lose-unwritten-data`,
		`mistakes.yaml:19: how: unknown key "retries": the keys are max_in_flight, max_per, on_failure, local_disks, force_stop`,
		`mistakes.yaml:20: rule "web": a rule of that name is already on line 3`,
		`mistakes.yaml:21: rule "web": match: empty`,
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

func TestParseOneLineMistakes(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"syntax", "name: a\nrules:\n\t- x\n", "p.yaml:3: not valid YAML: a tab; indent with spaces"},
		{"empty", "", "p.yaml:1: the file is empty"},
		{"no rules", "name: a\n", "p.yaml:1: rules: missing"},
		{"no name", "rules:\n  - name: r\n    match: {regions: [cn-hangzhou]}\n", "p.yaml:1: name: missing"},
		{"rules not a list", "name: a\nrules: web\n", "p.yaml:2: rules: write a list"},
		{"unknown top key", "name: a\nrule: x\nrules:\n  - name: r\n    match: {regions: [cn-hangzhou]}\n", `p.yaml:2: the policy: unknown key "rule"`},
		{"twice", "name: a\nname: b\nrules:\n  - name: r\n    match: {regions: [cn-hangzhou]}\n", "p.yaml:2: the policy: name is given twice (first on line 1)"},
		{"no match", "name: a\nrules:\n  - name: r\n", `p.yaml:3: rule "r": match: missing`},
		{"local disks yes", "name: a\nrules:\n  - name: r\n    match: {regions: [cn-hangzhou]}\n    how: {local_disks: yes}\n", `p.yaml:5: local_disks "yes": write leave`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.Parse("dir/p.yaml", []byte(tc.yaml))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Count(err.Error(), "\n") != 0 {
				t.Fatalf("got %v, want one line starting %q", err, tc.want)
			}
		})
	}
}

func TestMatchFirstRuleWins(t *testing.T) {
	p := mustParse(t, `
name: t
rules:
  - name: web
    match: {tags: {app: web}, event_types: [SystemMaintenance.Redeploy], regions: [cn-hangzhou]}
  - name: any-tagged
    match: {tags: {team: "*"}, event_statuses: [Scheduled]}
`)
	ev := func(typ model.EventType, st model.EventCycleStatus) *model.Event {
		return &model.Event{Type: typ, CycleStatus: st}
	}
	for _, tc := range []struct {
		name string
		in   model.Instance
		ev   *model.Event
		want string
	}{
		{"web", model.Instance{RegionID: "cn-hangzhou", Tags: map[string]string{"app": "web"}}, ev(model.EventMaintenanceRedeploy, model.CycleScheduled), "web"},
		{"web other region", model.Instance{RegionID: "cn-beijing", Tags: map[string]string{"app": "web"}}, ev(model.EventMaintenanceRedeploy, model.CycleScheduled), ""},
		{"web wrong type", model.Instance{RegionID: "cn-hangzhou", Tags: map[string]string{"app": "web", "team": "x"}}, ev(model.EventMaintenanceReboot, model.CycleScheduled), "any-tagged"},
		{"any team value", model.Instance{RegionID: "cn-beijing", Tags: map[string]string{"team": "db"}}, ev(model.EventMaintenanceReboot, model.CycleScheduled), "any-tagged"},
		{"inquiring not matched", model.Instance{RegionID: "cn-beijing", Tags: map[string]string{"team": "db"}}, ev(model.EventMaintenanceReboot, model.CycleInquiring), ""},
		{"untagged", model.Instance{RegionID: "cn-hangzhou"}, ev(model.EventMaintenanceRedeploy, model.CycleScheduled), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if r := p.Match(&tc.in, tc.ev); r != nil {
				got = r.Name
			}
			if got != tc.want {
				t.Errorf("got rule %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLocalDisksNeedWipe(t *testing.T) {
	p := mustParse(t, `
name: t
rules:
  - name: plain
    match: {regions: [cn-hangzhou]}
  - name: wipe
    match: {regions: [cn-beijing]}
    how: {local_disks: wipe}
`)
	disk := &model.Instance{LocalStorageAmount: 2}
	if why := p.Rules[0].Refusal(disk); !strings.Contains(why, "local_disks: wipe") {
		t.Errorf("a rule without local_disks: wipe took a local-disk instance: %q", why)
	}
	if why := p.Rules[1].Refusal(disk); why != "" {
		t.Errorf("local_disks: wipe refused: %q", why)
	}
	if why := p.Rules[0].Refusal(&model.Instance{}); why != "" {
		t.Errorf("no local disks refused: %q", why)
	}
}

func TestStart(t *testing.T) {
	utc8 := model.MaintenanceWindowZone
	at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, time.UTC) }
	// A window 02:00–04:00 UTC+8 is 18:00–20:00 UTC.
	win := &model.MaintenanceAttribute{Windows: []model.MaintenanceWindow{{Start: 2 * time.Hour, End: 4 * time.Hour, Zone: utc8}}}
	rule := func(when policy.When) *policy.Rule {
		if when.Zone == nil {
			when.Zone = time.UTC
		}
		return &policy.Rule{Name: "r", When: when}
	}
	avoid := []policy.Hours{{Start: 17 * time.Hour, End: 19 * time.Hour}}
	for _, tc := range []struct {
		name     string
		r        *policy.Rule
		now      time.Time
		deadline time.Time
		maint    *model.MaintenanceAttribute
		want     time.Time
		why      string
	}{
		{"any time: now", rule(policy.When{Margin: 30 * time.Minute}), at(9, 0), at(12, 0), nil, at(9, 0), ""},
		{"lead time", rule(policy.When{LeadTime: 2 * time.Hour, Margin: 30 * time.Minute}), at(9, 0), at(12, 0), nil, at(10, 0), ""},
		{"margin passed", rule(policy.When{Margin: 30 * time.Minute}), at(11, 40), at(12, 0), nil, time.Time{}, "less than 30m away"},
		{"next window", rule(policy.When{InWindow: true, Margin: 30 * time.Minute}), at(9, 0), at(23, 0), win, at(18, 0), ""},
		{"inside window", rule(policy.When{InWindow: true}), at(18, 30), at(23, 0), win, at(18, 30), ""},
		{"no window before deadline", rule(policy.When{InWindow: true, Margin: 30 * time.Minute}), at(9, 0), at(17, 0), win, time.Time{}, "no maintenance window before the deadline"},
		{"window but deadline inside the margin", rule(policy.When{InWindow: true, Margin: 30 * time.Minute}), at(9, 0), at(18, 20), win, time.Time{}, "no maintenance window before the deadline"},
		{"no window set", rule(policy.When{InWindow: true}), at(9, 0), at(23, 0), &model.MaintenanceAttribute{}, time.Time{}, "no maintenance window is set"},
		{"avoid then window", rule(policy.When{InWindow: true, Avoid: avoid}), at(9, 0), at(23, 0), win, at(19, 0), ""},
		{"avoid past midnight", rule(policy.When{Avoid: []policy.Hours{{Start: 22 * time.Hour, End: 6 * time.Hour}}}), at(23, 0), at(23, 0).Add(24 * time.Hour), nil, at(6, 0).Add(24 * time.Hour), ""},
		{"avoid in a zone", rule(policy.When{Avoid: []policy.Hours{{Start: 17 * time.Hour, End: 19 * time.Hour}}, Zone: utc8}), at(9, 30), at(20, 0), nil, at(11, 0), ""},
		{"avoided until the deadline", rule(policy.When{Avoid: avoid}), at(17, 0), at(19, 0), nil, time.Time{}, "no hour outside the avoided ones"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, why := tc.r.Start(tc.now, tc.deadline, tc.maint)
			if !got.Equal(tc.want) || ok != !tc.want.IsZero() || !strings.Contains(why, tc.why) {
				t.Errorf("got %v %v %q, want %v %q", got, ok, why, tc.want, tc.why)
			}
			if tc.r.Due(tc.now, tc.deadline, tc.maint) != (ok && got.Equal(tc.now)) {
				t.Errorf("Due disagrees with Start")
			}
		})
	}
}

func TestParseHoursAndZone(t *testing.T) {
	for _, s := range []string{"8-20", "25:00-01:00", "08:00-08:00", "08:60-09:00"} {
		if _, err := policy.ParseHours(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if h, err := policy.ParseHours("22:00-24:00"); err != nil || h.End != 0 {
		t.Errorf("22:00-24:00: %v %v", h, err)
	}
	for s, off := range map[string]int{"UTC": 0, "UTC+8": 8 * 3600, "UTC-05:30": -(5*3600 + 1800)} {
		z, err := policy.Zone(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, o := time.Date(2026, 1, 1, 0, 0, 0, 0, z).Zone(); o != off {
			t.Errorf("%s: offset %d", s, o)
		}
	}
	for _, s := range []string{"", "Local", "UTC+99", "utc"} {
		if _, err := policy.Zone(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func mustParse(t *testing.T, s string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("t.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
