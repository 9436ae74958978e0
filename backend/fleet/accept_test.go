package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// inquiringFleet has one instance with an Inquiring event that may be accepted, and one
// whose event's platform said CanAccept=false.
func inquiringFleet() *sim.Fleet {
	mk := func(id, ev, can string) model.Instance {
		return model.Instance{ID: id, Name: id[2:8], RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", Status: model.StatusRunning,
			Events: []model.Event{{ID: ev, InstanceID: id, Type: model.EventMaintenanceReboot, CycleStatus: model.CycleInquiring,
				NotBefore: sim.Epoch.Add(3 * time.Hour), PublishTime: sim.Epoch.Add(-time.Hour),
				ExtendedAttribute: &model.ExtendedAttribute{CanAccept: can}}}}
	}
	return &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}, Instances: []model.Instance{
		mk("i-bp1ask00000000000000001", "e-bp1ask0000000000001", "true"),
		mk("i-bp1never000000000000001", "e-bp1never000000000001", "false"),
	}}
}

// An accept through the hub: the guard refuses a viewer (nothing sent, one audit pair),
// an operator's accept is audited intent-then-result and every session sees the event
// Executing at once; a second accept, an event the platform will not have accepted, and
// an id that is no event are refused before any call.
func TestAcceptThroughTheHub(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(inquiringFleet(), clock, sim.Options{})
	var log bytes.Buffer
	b := backend.Guard(backend.Audit(sim.NewBackend(eng), &log, clock.Now))
	h := New(b, Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	sub := h.Subscribe(context.Background())
	defer sub.Close()
	<-sub.C()
	ctx := context.Background()
	viewer := backend.Identity{Name: "v", Role: backend.RoleViewer}
	operator := backend.Identity{Name: "o", Role: backend.RoleOperator}

	if _, err := h.Accept(ctx, backend.AcceptRequest{EventID: "e-bp1ask0000000000001", Identity: viewer}); backend.Code(err) != backend.CodeForbiddenRole {
		t.Fatalf("viewer: %v", err)
	}
	if log.Len() != 0 {
		t.Fatalf("the guard is outside the audit: a viewer's refusal writes nothing, got %s", log.String())
	}
	ref, err := h.Accept(ctx, backend.AcceptRequest{EventID: "e-bp1ask0000000000001", Identity: operator})
	if err != nil || ref.RequestID == "" || ref.RegionID != "cn-hangzhou" {
		t.Fatalf("operator: %+v %v", ref, err)
	}
	s := <-sub.C()
	if got := row(t, s, "i-bp1ask00000000000000001").Inst.Events[0].CycleStatus; got != model.CycleExecuting {
		t.Fatalf("the accepted event shows %s, want Executing", got)
	}
	var recs []backend.AuditRecord
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var r backend.AuditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0].Phase != backend.AuditIntent || recs[1].Phase != backend.AuditResult ||
		recs[0].ID != recs[1].ID || recs[0].EventID != "e-bp1ask0000000000001" || recs[0].InstanceID != "i-bp1ask00000000000000001" ||
		recs[0].Action != "AcceptInquiredSystemEvent" || recs[1].Outcome != "accepted" || recs[1].RequestID != ref.RequestID {
		t.Fatalf("audit: %+v", recs)
	}

	for _, c := range []struct {
		name, id string
		want     error
	}{
		{"accepted already", "e-bp1ask0000000000001", ErrNotAcceptable},
		{"CanAccept=false", "e-bp1never000000000001", ErrNotAcceptable},
		{"not listed", "e-bp1nosuch00000000001", ErrNotListed},
		{"not an event id", "i-bp1ask00000000000000001", backend.ErrInvalidEventID},
	} {
		if _, err := h.Accept(ctx, backend.AcceptRequest{EventID: c.id, Identity: operator}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if n := strings.Count(log.String(), "\n"); n != 2 {
		t.Errorf("refusals before the call wrote %d audit lines in all, want the 2 of the accept", n)
	}
}

// The API's own refusal comes back with its Code and RequestId, and the result line says
// failed with them.
func TestAcceptRefusedByTheAPI(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(inquiringFleet(), clock, sim.Options{})
	var log bytes.Buffer
	h := New(backend.Guard(backend.Audit(sim.NewBackend(eng), &log, clock.Now)), Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Accepted elsewhere (another console) since the hub's listing: the API answers 404.
	if err := eng.Accept("cn-hangzhou", "e-bp1ask0000000000001"); err != nil {
		t.Fatal(err)
	}
	_, err := h.Accept(context.Background(), backend.AcceptRequest{EventID: "e-bp1ask0000000000001",
		Identity: backend.Identity{Name: "o", Role: backend.RoleOperator}})
	ae, ok := backend.AsAPIError(err)
	if !ok || ae.Code != sim.CodeNoInquiringEvent || ae.HTTPStatus != 404 || ae.RequestID == "" {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(log.String(), `"outcome":"failed"`) || !strings.Contains(log.String(), `"code":"`+sim.CodeNoInquiringEvent+`"`) {
		t.Fatalf("audit: %s", log.String())
	}
}

// Every session learns who accepted an event, and when, while it is listed pending; once
// the platform has acted (the listing no longer has it pending) the snapshot drops it
// (tester2's defect 9: other sessions saw "Executing" and nobody's name).
func TestAcceptedEventsSayWhoAccepted(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(inquiringFleet(), clock, sim.Options{})
	h := New(backend.Guard(sim.NewBackend(eng)), Options{Now: clock.Now, Wall: clock.Now})
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if a := h.Snapshot().Accepted; len(a) != 0 {
		t.Fatalf("nothing accepted yet: %+v", a)
	}
	alice := backend.Identity{Name: "alice", Role: backend.RoleOperator}
	if _, err := h.Accept(ctx, backend.AcceptRequest{EventID: "e-bp1ask0000000000001", Identity: alice}); err != nil {
		t.Fatal(err)
	}
	a, ok := h.Snapshot().Accepted["e-bp1ask0000000000001"]
	if !ok || a.By != alice || a.InstanceID != "i-bp1ask00000000000000001" || !a.At.Equal(sim.Epoch) {
		t.Fatalf("accepted: %+v (%v)", a, ok)
	}
	// Listed again while the platform acts: still said.
	clock.Advance(time.Minute)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Snapshot().Accepted["e-bp1ask0000000000001"]; !ok {
		t.Fatal("the acceptance was dropped while the event is still Executing")
	}
	// The platform acted: the event is Executed, the instance no longer listed.
	clock.Advance(sim.AcceptDuration)
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if a := h.Snapshot().Accepted; len(a) != 0 {
		t.Fatalf("an event no longer pending is still said accepted: %+v", a)
	}
}
