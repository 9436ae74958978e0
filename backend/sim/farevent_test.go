package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
)

// Tester's defect 12: a scenario event with `not_before: "+3d"` or later silently did not
// appear (`No instance has a pending system event.`): its default publish time, two days
// before the deadline, was in the future. ECS publishes planned events days ahead; a
// scenario lists what is pending when it loads, so the default is never later than then.
func TestAScenarioEventFarAheadIsPendingAtOnce(t *testing.T) {
	data := `instances:
  - {id: i-bp1far0000000000001, region: cn-hangzhou, events: [{type: SystemMaintenance.Redeploy, not_before: "+3d"}]}
  - {id: i-bp1far0000000000002, region: cn-hangzhou, events: [{type: SystemMaintenance.Reboot, not_before: "+30d"}]}
  - {id: i-bp1far0000000000003, region: cn-hangzhou, events: [{type: SystemMaintenance.Reboot, not_before: "+40m"}]}
  - {id: i-bp1far0000000000004, region: cn-hangzhou, events: [{type: SystemMaintenance.Reboot, not_before: "+3d", published: "+5m"}]}
`
	f, err := ParseScenario("far.yaml", []byte(data), Epoch)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []time.Time{Epoch, Epoch, Epoch.Add(40*time.Minute - 48*time.Hour), Epoch.Add(5 * time.Minute)} {
		if got := f.Instances[i].Events[0].PublishTime; !got.Equal(want) {
			t.Errorf("%s published %s, want %s", f.Instances[i].ID, got, want)
		}
	}
	clock := NewStepClock(Epoch)
	b := NewBackend(New(f, clock, Options{}))
	ins, err := b.Instances(context.Background(), backend.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	if got := strings.Join(ids, " "); len(ins) != 3 || strings.Contains(got, "0004") {
		t.Fatalf("listed %s, want the first three (the fourth is published in 5m)", got)
	}
	clock.Advance(5 * time.Minute)
	if ins, err = b.Instances(context.Background(), backend.Query{}); err != nil || len(ins) != 4 {
		t.Fatalf("after 5m: %d listed (%v)", len(ins), err)
	}
}

func TestAScenarioEventPublishedAfterItsDeadlineIsRefused(t *testing.T) {
	data := `instances:
  - {id: i-bp1far0000000000001, region: cn-hangzhou, events: [{type: SystemMaintenance.Redeploy, not_before: "+1h", published: "+2h"}]}
`
	_, err := ParseScenario("late.yaml", []byte(data), Epoch)
	if err == nil || !strings.Contains(err.Error(), "late.yaml") || !strings.Contains(err.Error(), "after not_before") {
		t.Fatalf("%v", err)
	}
}
