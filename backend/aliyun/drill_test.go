package aliyun_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The real backend's drills, through the SDK against sim-server: made (one id per
// instance, the NotBefore to the second), listed, canceled; the API's refusals come back
// with code, HTTP status and RequestId; a reply without its EventIdSet proves nothing, and
// the drills it may have made are said to be unknown, never made again.
func TestDrillsThroughTheSDK(t *testing.T) {
	ids := []string{"i-bp1drill0000000000001", "i-bp1drill0000000000002"}
	var ins []model.Instance
	for _, id := range ids {
		ins = append(ins, model.Instance{ID: id, Name: "x", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", Status: model.StatusRunning})
	}
	fleet := &sim.Fleet{Regions: sim.AllRegions(), Instances: ins}
	f := newFixture(t, fleet, sim.Options{}, nil)
	ctx := context.Background()
	nb := sim.Epoch.Add(90*time.Minute + 500*time.Millisecond)

	ref, err := f.b.CreateSimulatedSystemEvents(ctx, backend.DrillRequest{RegionID: "cn-hangzhou", InstanceIDs: ids,
		EventType: model.EventMaintenanceStop, NotBefore: nb})
	if err != nil || len(ref.EventIDs) != 2 || ref.RequestID == "" {
		t.Fatalf("create: %+v %v", ref, err)
	}
	evs := f.eng.Events(sim.EventFilter{EventIDs: ref.EventIDs})
	if len(evs) != 2 || !evs[0].Simulated || !evs[0].NotBefore.Equal(nb.Truncate(time.Second)) || evs[0].Type != model.EventMaintenanceStop {
		t.Fatalf("the simulator holds %+v", evs)
	}
	listed, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil || len(listed) != 2 {
		t.Fatalf("listing: %v %d", err, len(listed))
	}

	for _, c := range []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"an instance of no region", func() error {
			_, err := f.b.CreateSimulatedSystemEvents(ctx, backend.DrillRequest{RegionID: "cn-hangzhou", InstanceIDs: []string{"i-bp1nosuch000000000001"},
				EventType: model.EventMaintenanceReboot, NotBefore: nb})
			return err
		}, 404, model.CodeInstanceNotFound},
		{"an event of no region", func() error {
			_, err := f.b.CancelSimulatedSystemEvents(ctx, backend.CancelDrillRequest{RegionID: "cn-hangzhou", EventIDs: []string{"e-bp1nosuch0000000001"}})
			return err
		}, 403, sim.CodeEventNotFound},
	} {
		ae, ok := backend.AsAPIError(c.call())
		if !ok || ae.HTTPStatus != c.status || ae.Code != c.code || ae.RequestID == "" {
			t.Errorf("%s: %+v, want %d %s with a RequestId", c.name, ae, c.status, c.code)
		}
	}

	cref, err := f.b.CancelSimulatedSystemEvents(ctx, backend.CancelDrillRequest{RegionID: "cn-hangzhou", EventIDs: ref.EventIDs})
	if err != nil || cref.RequestID == "" || !slices.Equal(cref.EventIDs, ref.EventIDs) {
		t.Fatalf("cancel: %+v %v", cref, err)
	}
	for _, ev := range f.eng.Events(sim.EventFilter{EventIDs: ref.EventIDs}) {
		if ev.CycleStatus != model.CycleCanceled {
			t.Errorf("%s is %s after the cancel", ev.ID, ev.CycleStatus)
		}
	}

	// Checked before anything is sent.
	before := f.b.Spent().Calls
	if _, err := f.b.CreateSimulatedSystemEvents(ctx, backend.DrillRequest{RegionID: "cn-hangzhou", InstanceIDs: []string{"web-1"},
		EventType: model.EventMaintenanceReboot, NotBefore: nb}); !errors.Is(err, backend.ErrInvalidInstanceID) {
		t.Errorf("a malformed id: %v", err)
	}
	if n := f.b.Spent().Calls; n != before {
		t.Errorf("%d calls sent for a malformed request", n-before)
	}

	// A 200 that does not carry the ids made.
	g := newFixture(t, fleet, sim.Options{}, rewriting("CreateSimulatedSystemEvents", func(int, []byte) (int, []byte) {
		return 200, []byte(`{"RequestId":"R-1"}`)
	}))
	_, err = g.b.CreateSimulatedSystemEvents(ctx, backend.DrillRequest{RegionID: "cn-hangzhou", InstanceIDs: ids[:1],
		EventType: model.EventMaintenanceReboot, NotBefore: nb})
	if !errors.Is(err, backend.ErrOutcomeUnknown) || !errors.Is(err, backend.ErrUnprovenReply) {
		t.Fatalf("a reply without EventIdSet: %v", err)
	}
	if n := len(g.eng.Events(sim.EventFilter{InstanceIDs: ids[:1]})); n != 1 {
		t.Errorf("%d drills made for one call: never sent twice", n)
	}
}
