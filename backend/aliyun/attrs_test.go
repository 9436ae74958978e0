package aliyun_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Over pages of events whose ExtendedAttributes differ, each listed event has its own
// attribute, as the server sent it, and no other event's: the decoder's scratch, read into
// again page after page and listing after listing, is never what an event points to.
func TestListedAttributesAreEachEventsOwn(t *testing.T) {
	const n = 250 // three pages of events
	var ins []model.Instance
	for i := range n {
		id := fmt.Sprintf("i-bp1attr%016d", i)
		in := model.Instance{ID: id, Name: "x", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", Status: model.StatusRunning,
			Events: []model.Event{{ID: fmt.Sprintf("e-bp1attr%012d", i), InstanceID: id, Type: model.EventMaintenanceReboot,
				CycleStatus: model.CycleScheduled, NotBefore: sim.Epoch.Add(time.Duration(i+1) * time.Minute), PublishTime: sim.Epoch.Add(-time.Hour)}}}
		if i%3 != 0 { // and some with none
			in.Events[0].ExtendedAttribute = &model.ExtendedAttribute{HostID: fmt.Sprintf("h-%d", i), Rack: fmt.Sprintf("R%02d", i%7),
				MigrationOptions: []string{fmt.Sprintf("m-%d", i)}}
		}
		ins = append(ins, in)
	}
	want := map[string]*model.ExtendedAttribute{}
	for _, in := range ins {
		want[in.Events[0].ID] = in.Events[0].ExtendedAttribute
	}
	f := newFixture(t, &sim.Fleet{Regions: sim.AllRegions(), Instances: ins}, sim.Options{}, nil)
	ctx := context.Background()
	first, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil || len(first) != n {
		t.Fatalf("listing: %v, %d instances", err, len(first))
	}
	if _, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}}); err != nil { // reads into the same scratch
		t.Fatal(err)
	}
	for _, in := range first {
		ev := in.Events[0]
		if w := want[ev.ID]; !reflect.DeepEqual(ev.ExtendedAttribute, w) {
			t.Fatalf("%s: attribute %+v, want %+v", ev.ID, ev.ExtendedAttribute, w)
		}
	}
	seen := map[*model.ExtendedAttribute]bool{}
	for _, in := range first {
		if a := in.Events[0].ExtendedAttribute; a != nil {
			if seen[a] {
				t.Fatalf("two events share one attribute")
			}
			seen[a] = true
		}
	}
}
