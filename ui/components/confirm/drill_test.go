package confirm

import (
	"strings"
	"testing"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

// Tester, issue 23: a second pending event that is a drill (model.Event.Simulated) was
// named as ordinary maintenance, "also has SystemMaintenance.Redeploy pending", with its
// deadline; every other screen says DRILL.
func TestDialogNamesADrillEventDrill(t *testing.T) {
	r := *uitest.Rows(t)[uitest.IDTwoEvents]
	if len(r.OtherEvents) == 0 && r.Event == r.Eligibility.Event {
		t.Fatal("the scenario's two-event instance has one event")
	}
	other := r.Event
	if other == r.Eligibility.Event {
		other = r.OtherEvents[0]
	}
	drill := *other
	drill.Simulated = true
	if r.Event == other {
		r.Event = &drill
	} else {
		r.OtherEvents = append([]*model.Event{&drill}, r.OtherEvents[1:]...)
	}
	d, settle := New(uitest.Common(sim.Epoch, 120, 37), []*fleet.Row{&r}, nil, nil)
	d.SetSize(120, 37)
	d.Update(settle())
	d.SetReread(sim.Epoch, nil)
	v := strings.Join(strings.Fields(strings.ReplaceAll(d.View(), "│", " ")), " ")
	want := "the instance also has a DRILL " + string(drill.Type) + " pending"
	if !strings.Contains(v, want) || !strings.Contains(v, "a rehearsal, nothing happens at its deadline") {
		t.Fatalf("the dialog lacks %q:\n%s", want, d.View())
	}
}
