package sim

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

func TestGeneratedMaintenanceIsTheSeeds(t *testing.T) {
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	a := New(Generate(7, 300, now), NewStepClock(now), Options{Seed: 7})
	b := New(Generate(7, 300, now), NewStepClock(now), Options{Seed: 7})
	var windows, none, actions int
	seen := map[model.MaintenanceAction]bool{}
	for _, r := range a.Regions() {
		got, want := a.MaintenanceAttributes(r.RegionID, nil), b.MaintenanceAttributes(r.RegionID, nil)
		if len(got) != len(want) {
			t.Fatalf("%s: %d and %d attributes from one seed", r.RegionID, len(got), len(want))
		}
		for i := range got {
			if got[i].InstanceID != want[i].InstanceID || len(got[i].Windows) != len(want[i].Windows) ||
				(len(got[i].Windows) == 1 && got[i].Windows[0] != want[i].Windows[0]) || got[i].Action != want[i].Action {
				t.Fatalf("one seed, two answers: %+v and %+v", got[i], want[i])
			}
			for _, w := range got[i].Windows {
				if err := w.CheckSettable(); err != nil {
					t.Errorf("%s: a generated window the API would refuse: %v", got[i].InstanceID, err)
				}
			}
			if len(got[i].Windows) == 0 {
				none++
			} else {
				windows++
			}
			seen[got[i].Action] = true
			actions++
		}
	}
	if actions != 300 || windows == 0 || none == 0 || len(seen) != 3 {
		t.Errorf("%d attributes, %d with a window, %d without, actions %v: the fleet should show every case", actions, windows, none, seen)
	}
}

func TestModifyMaintenanceAttributesIsAllOrNothing(t *testing.T) {
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	f, err := ParseScenario("m.yaml", []byte(`
instances:
  - id: i-bp1aaaaaaaaaaaaaaaaa
    region: cn-hangzhou
    maintenance: {windows: [{start: "02:00:00", end: "06:00:00"}], action: Stop, notify: true}
  - id: i-bp1bbbbbbbbbbbbbbbbb
    region: cn-hangzhou
    maintenance: {}
  - id: i-uf6ccccccccccccccccc
    region: cn-shanghai
`), now)
	if err != nil {
		t.Fatal(err)
	}
	e := New(f, NewStepClock(now), Options{})
	got := e.MaintenanceAttributes("cn-hangzhou", []string{"i-bp1aaaaaaaaaaaaaaaaa", "i-uf6ccccccccccccccccc", "i-bp1bbbbbbbbbbbbbbbbb"})
	if len(got) != 2 || got[0].Action != model.MaintenanceStop || !got[0].NotifyOnMaintenance || got[0].Windows[0].String() != "02:00:00–06:00:00 UTC+8" ||
		got[1].Action != model.MaintenanceAutoRecover || len(got[1].Windows) != 0 {
		t.Fatalf("scenario attributes: %+v", got)
	}
	// One unknown id refuses the whole call: nothing changes.
	err = e.ModifyMaintenanceAttributes("cn-hangzhou", []string{"i-bp1bbbbbbbbbbbbbbbbb", "i-uf6ccccccccccccccccc"}, MaintenanceChange{Action: model.MaintenanceAutoRedeploy})
	if ae, ok := backend.AsAPIError(err); !ok || ae.Code != "InvalidInstanceId.NotFound" || ae.HTTPStatus != 404 || !strings.Contains(ae.Message, "i-uf6ccccccccccccccccc") {
		t.Fatalf("unknown id: %v", err)
	}
	if a := e.MaintenanceAttributes("cn-hangzhou", []string{"i-bp1bbbbbbbbbbbbbbbbb"}); a[0].Action != model.MaintenanceAutoRecover {
		t.Fatalf("a refused call changed %+v", a[0])
	}
	no := false
	w := model.MaintenanceWindow{Start: 22 * time.Hour, End: 1 * time.Hour, Zone: model.MaintenanceWindowZone}
	if err := e.ModifyMaintenanceAttributes("cn-hangzhou", []string{"i-bp1aaaaaaaaaaaaaaaaa"}, MaintenanceChange{Windows: []model.MaintenanceWindow{w}, Notify: &no}); err != nil {
		t.Fatal(err)
	}
	a := e.MaintenanceAttributes("cn-hangzhou", []string{"i-bp1aaaaaaaaaaaaaaaaa"})[0]
	if a.Windows[0] != w || a.NotifyOnMaintenance || a.Action != model.MaintenanceStop {
		t.Fatalf("after modify: %+v", a)
	}
}

func TestScenarioMaintenanceRefusals(t *testing.T) {
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	for _, c := range []struct{ maint, want string }{
		{`{action: Reboot}`, `m.yaml:4: instance i-bp1aaaaaaaaaaaaaaaaa: maintenance: action "Reboot" is not one of Stop, AutoRecover, AutoRedeploy`},
		{`{windows: [{start: "02:30:00", end: "06:00:00"}]}`, "must be on the hour"},
		{`{windows: [{start: "02:00:00", end: "02:00:00"}]}`, "a window lasts 1 to 23 hours"},
		{`{windows: [{start: "02:00:00", end: "03:00:00"}, {start: "05:00:00", end: "06:00:00"}]}`, "at most one"},
		{`{windows: [{start: "2am", end: "03:00:00"}]}`, `"2am" is not a time of day`},
	} {
		_, err := ParseScenario("m.yaml", []byte("instances:\n  - id: i-bp1aaaaaaaaaaaaaaaaa\n    region: cn-hangzhou\n    maintenance: "+c.maint+"\n"), now)
		var se *ScenarioError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a ScenarioError with %q", c.maint, err, c.want)
		}
	}
}
