package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// Tester's report, 7: a drill 30 minutes away was posted as deadline.near (severity
// warning) in words that did not say "drill". A drill's deadline is rehearsal (docs/cli.md,
// drill): it is new, said as a drill, and never near; the instance's real event still is.
func TestADrillIsNeverADeadlineNear(t *testing.T) {
	w := newWatcher(2 * time.Hour)
	w.notices(snap(nil), t0) // the baseline
	r := row("i-a", 9*time.Hour, fleet.StateIdle)
	r.Inst.Events = append(r.Inst.Events, model.Event{ID: "e-drill", InstanceID: "i-a", Type: model.EventMaintenanceReboot,
		CycleStatus: model.CycleScheduled, NotBefore: t0.Add(30 * time.Minute), Simulated: true})
	r.Event = &r.Inst.Events[0]
	got := w.notices(snap([]*fleet.Row{r}), t0)
	if k := kinds(got); !slices.Equal(k, []string{"event.new event.new/e-i-a", "event.new event.new/e-drill"}) {
		t.Fatalf("notices: %v, want two event.new and no deadline.near", k)
	}
	if n := got[1]; !n.Drill || !strings.Contains(n.Text, "drill") {
		t.Fatalf("the drill's notice: %+v, want drill:true and a text that says drill", n)
	}
	// Its deadline passes, nothing planned: still nothing; the real one nears: told.
	if k := kinds(w.notices(snap([]*fleet.Row{r}), t0.Add(time.Hour))); k != nil {
		t.Fatalf("past the drill's time: %v, want nothing", k)
	}
	if k := kinds(w.notices(snap([]*fleet.Row{r}), t0.Add(8*time.Hour))); !slices.Equal(k, []string{"deadline.near deadline.near/e-i-a"}) {
		t.Fatalf("the real event inside the lead time: %v", k)
	}
}
