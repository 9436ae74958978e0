package sim

import (
	"slices"
	"testing"

	"ecs-redeploy/model"
)

// A generated fleet plays today's platform: every row of RedeployInstance's table in each
// of its statuses, Failed and Canceled finals, the local-disk note's state; a local-disk
// event names a disk its instance has; instances on one host share its rack; the same seed
// gives the same attributes.
func TestGenerateTodaysPlatform(t *testing.T) {
	f := Generate(3, 3000, Epoch)
	type key struct {
		t model.EventType
		s model.EventCycleStatus
	}
	seen := map[key]bool{}
	rackOf := map[string]string{}
	shared, note, moved, noAccept := 0, 0, 0, 0
	for i := range f.Instances {
		in := &f.Instances[i]
		if model.IsolatedAwaitingReInit(in) != nil {
			note++
		}
		for _, ev := range in.Events {
			seen[key{ev.Type, ev.CycleStatus}] = true
			a := ev.Attr()
			if ev.Type.LocalDiskEvent() && !slices.Contains(LocalDisks(in), a.DiskID) {
				t.Fatalf("%s: %s names disk %q, not one of %v", in.ID, ev.Type, a.DiskID, LocalDisks(in))
			}
			if a.HostID != "" {
				if r, ok := rackOf[a.HostID]; ok && r != a.Rack {
					t.Fatalf("host %s in racks %s and %s", a.HostID, r, a.Rack)
				} else if ok {
					shared++
				}
				rackOf[a.HostID] = a.Rack
			}
			if ev.DeadlineMoved() {
				moved++
			}
			if ev.CycleStatus == model.CycleInquiring && !ev.Acceptable() {
				noAccept++
			}
		}
	}
	for _, r := range model.AnswerRules {
		for _, s := range r.Statuses {
			if !seen[key{r.Type, s}] {
				t.Errorf("no %s in %s", r.Type, s)
			}
		}
	}
	for _, s := range []model.EventCycleStatus{model.CycleFailed, model.CycleCanceled, model.CycleExecuted, model.CycleAvoided} {
		found := false
		for k := range seen {
			found = found || k.s == s
		}
		if !found {
			t.Errorf("no final %s event", s)
		}
	}
	if shared == 0 || note == 0 || moved == 0 || noAccept == 0 {
		t.Errorf("shared hosts %d, isolated awaiting ReInit %d, moved deadlines %d, CanAccept=false %d: want some of each", shared, note, moved, noAccept)
	}
	again := Generate(3, 3000, Epoch)
	for i := range f.Instances {
		for j := range f.Instances[i].Events {
			if !f.Instances[i].Events[j].ExtendedAttribute.Equal(again.Instances[i].Events[j].ExtendedAttribute) {
				t.Fatalf("seed 3 gave two attributes for %s", f.Instances[i].Events[j].ID)
			}
		}
	}
}
