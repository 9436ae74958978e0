package aliyun_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The real backend's accept, through the SDK against sim-server: the event's
// ExtendedAttribute is listed, the accept goes through, and the API's refusals come back
// with their code, HTTP status and RequestId; a malformed id is never sent.
func TestAcceptInquiredSystemEventThroughTheSDK(t *testing.T) {
	mk := func(id, ev, can string, st model.EventCycleStatus) model.Instance {
		return model.Instance{ID: id, Name: "x", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", Status: model.StatusRunning,
			LocalStorageAmount: 1, LocalStorageCapacity: 894,
			Events: []model.Event{{ID: ev, InstanceID: id, Type: model.EventMaintenanceIsolateOnly, CycleStatus: st,
				NotBefore: sim.Epoch.Add(3 * time.Hour), PublishTime: sim.Epoch.Add(-time.Hour), ReasonCode: "DiskError",
				ExtendedAttribute: &model.ExtendedAttribute{CanAccept: can, DiskID: "d-bp1disk0000000001", Device: "/dev/vdb",
					HostID: "h-1", Rack: "R01", InitialNotBefore: sim.Epoch.Add(time.Hour)}}}}
	}
	fleet := &sim.Fleet{Regions: sim.AllRegions(), Instances: []model.Instance{
		mk("i-bp1ask00000000000000001", "e-bp1ask0000000000001", "true", model.CycleInquiring),
		mk("i-bp1never000000000000001", "e-bp1never000000000001", "false", model.CycleInquiring),
		mk("i-bp1sched000000000000001", "e-bp1sched000000000001", "", model.CycleScheduled),
	}}
	f := newFixture(t, fleet, sim.Options{}, nil)
	ctx := context.Background()

	ins, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil || len(ins) != 3 {
		t.Fatalf("listing: %v %d", err, len(ins))
	}
	ev := ins[0].Events[0]
	if a := ev.Attr(); a.DiskID != "d-bp1disk0000000001" || a.Device != "/dev/vdb" || a.Rack != "R01" || !ev.DeadlineMoved() || ev.ReasonCode != "DiskError" {
		t.Fatalf("listed event: %+v %+v", ev, a)
	}

	ref, err := f.b.AcceptInquiredSystemEvent(ctx, backend.AcceptRequest{RegionID: "cn-hangzhou", EventID: "e-bp1ask0000000000001"})
	if err != nil || ref.RequestID == "" {
		t.Fatalf("accept: %+v %v", ref, err)
	}
	for _, c := range []struct {
		id     string
		status int
		code   string
	}{
		{"e-bp1ask0000000000001", 404, sim.CodeNoInquiringEvent},
		{"e-bp1sched000000000001", 404, sim.CodeNoInquiringEvent},
		{"e-bp1never000000000001", 403, sim.CodeAcceptNotSupported},
	} {
		_, err := f.b.AcceptInquiredSystemEvent(ctx, backend.AcceptRequest{RegionID: "cn-hangzhou", EventID: c.id})
		ae, ok := backend.AsAPIError(err)
		if !ok || ae.HTTPStatus != c.status || ae.Code != c.code || ae.RequestID == "" {
			t.Errorf("%s: %v, want %d %s with a RequestId", c.id, err, c.status, c.code)
		}
	}
	if _, err := f.b.AcceptInquiredSystemEvent(ctx, backend.AcceptRequest{RegionID: "cn-hangzhou", EventID: "e-a,e-b"}); !errors.Is(err, backend.ErrInvalidEventID) {
		t.Errorf("malformed id: %v", err)
	}
}
