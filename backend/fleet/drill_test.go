package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// unmarked answers as the real API does: DescribeInstanceHistoryEvents says nothing of a
// drill, so no event is Simulated.
type unmarked struct{ backend.Backend }

func (u unmarked) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	ins, err := u.Backend.Instances(ctx, q)
	for i := range ins {
		for j := range ins[i].Events {
			ins[i].Events[j].Simulated = false
		}
	}
	return ins, err
}

func (u unmarked) PendingEvents(ctx context.Context, q backend.EventQuery) ([]model.Event, error) {
	evs, err := u.Backend.PendingEvents(ctx, q)
	for i := range evs {
		evs[i].Simulated = false
	}
	return evs, err
}

// Issue 23: the drills a hub made are kept in the state directory and marked in every
// hub's listing that reads it (another process's too), though the API does not say; a
// drill canceled is forgotten.
func TestDrillBookMarksWhatTheAPIDoesNot(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(inquiringFleet(), clock, sim.Options{})
	dir := t.TempDir()
	b := backend.Guard(unmarked{sim.NewBackend(eng)})
	op := backend.Identity{Name: "alice", Role: backend.RoleOperator}
	const id = "i-bp1never000000000000001"
	ctx := context.Background()

	maker := New(b, Options{Now: clock.Now, Drills: NewDrillBook(dir), Where: "acct"})
	ref, err := maker.Drill(ctx, backend.DrillRequest{RegionID: "cn-hangzhou", InstanceIDs: []string{id},
		EventType: model.EventFailureRedeploy, NotBefore: clock.Now().Add(time.Hour), Identity: op})
	if err != nil || len(ref.EventIDs) != 1 {
		t.Fatalf("drill: %+v %v", ref, err)
	}
	drill := ref.EventIDs[0]

	// Another process: its own book over the same directory, its own hub.
	other := New(b, Options{Now: clock.Now, Drills: NewDrillBook(dir), Where: "acct"})
	plain := New(b, Options{Now: clock.Now})
	for name, h := range map[string]*Hub{"another hub": other, "a hub without the book": plain} {
		if err := h.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		var got *model.Event
		for _, r := range h.Snapshot().Rows {
			if ev := findEvent(r.Inst, drill); ev != nil {
				got = ev
			}
		}
		if got == nil {
			t.Fatalf("%s does not list drill %s", name, drill)
		}
		if want := h == other; got.Simulated != want {
			t.Errorf("%s: Simulated %v, want %v", name, got.Simulated, want)
		}
	}
	kept, err := other.KeptDrills()
	if err != nil || len(kept) != 1 || kept[0].EventID != drill || kept[0].CreatedBy != op.String() || kept[0].RegionID != "cn-hangzhou" {
		t.Fatalf("kept %+v, %v", kept, err)
	}
	if k, _ := New(b, Options{Drills: NewDrillBook(dir), Where: "another account"}).KeptDrills(); len(k) != 0 {
		t.Errorf("another account's hub keeps %+v", k)
	}

	// A viewer is refused at the guard; nothing changes.
	if _, err := other.CancelDrills(ctx, backend.CancelDrillRequest{RegionID: "cn-hangzhou", EventIDs: []string{drill},
		Identity: backend.Identity{Name: "bob", Role: backend.RoleViewer}}); err != backend.ErrForbiddenDrill {
		t.Fatalf("a viewer's cancel: %v", err)
	}
	if _, err := other.CancelDrills(ctx, backend.CancelDrillRequest{RegionID: "cn-hangzhou", EventIDs: []string{drill}, Identity: op}); err != nil {
		t.Fatal(err)
	}
	if k, _ := maker.KeptDrills(); len(k) != 0 {
		t.Errorf("a canceled drill is still kept: %+v", k)
	}
}

// A state file that does not parse is named, with what to do.
func TestDrillBookNamesABadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "drills.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewDrillBook(dir).Records()
	if err == nil || !strings.Contains(err.Error(), "drills.json") || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("%v", err)
	}
}

// Bad requests are refused before any call.
func TestDrillRequestsCheckedFirst(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(inquiringFleet(), clock, sim.Options{})
	sb := sim.NewBackend(eng)
	h := New(sb, Options{Now: clock.Now})
	op := backend.Identity{Name: "alice", Role: backend.RoleOperator}
	nb := clock.Now().Add(time.Hour)
	for _, req := range []backend.DrillRequest{
		{InstanceIDs: []string{"i-bp1ask00000000000000001"}, EventType: model.EventMaintenanceReboot, NotBefore: nb, Identity: op},
		{RegionID: "cn-hangzhou", EventType: model.EventMaintenanceReboot, NotBefore: nb, Identity: op},
		{RegionID: "cn-hangzhou", InstanceIDs: []string{""}, EventType: model.EventMaintenanceReboot, NotBefore: nb, Identity: op},
		{RegionID: "cn-hangzhou", InstanceIDs: []string{"i-bp1ask00000000000000001"}, EventType: "SystemFailure.Delete", NotBefore: nb, Identity: op},
		{RegionID: "cn-hangzhou", InstanceIDs: []string{"i-bp1ask00000000000000001"}, EventType: model.EventMaintenanceReboot, Identity: op},
	} {
		if _, err := h.Drill(context.Background(), req); err == nil {
			t.Errorf("%+v: taken", req)
		}
	}
	for _, ids := range [][]string{nil, {"i-bp1ask00000000000000001"}, {""}} {
		if _, err := h.CancelDrills(context.Background(), backend.CancelDrillRequest{RegionID: "cn-hangzhou", EventIDs: ids, Identity: op}); err == nil {
			t.Errorf("cancel %q: taken", ids)
		}
	}
	if n := sb.Spent().Calls; n != 0 {
		t.Fatalf("%d calls sent for refused requests", n)
	}
}

// fixedListing answers every Instances with the same instances, as a backend that costs
// nothing: what is left is the drill marks' own cost.
type fixedListing struct {
	backend.Backend
	ins []model.Instance
}

func (f fixedListing) Instances(context.Context, backend.Query) ([]model.Instance, error) {
	return f.ins, nil
}

// BenchmarkDrillMarks is what marking drills adds to one listing of 100,000 instances:
// one look at the state file, and a map lookup an event when drills are kept.
func BenchmarkDrillMarks(b *testing.B) {
	ins := make([]model.Instance, 100_000)
	for i := range ins {
		ins[i].Events = []model.Event{{ID: "e-bp1" + strings.Repeat("x", 10) + string(rune('a'+i%26)), CycleStatus: model.CycleScheduled}}
	}
	for _, kept := range []int{0, 10} {
		b.Run(fmt.Sprintf("%d-kept", kept), func(b *testing.B) {
			dir := b.TempDir()
			book := NewDrillBook(dir)
			if kept > 0 {
				if err := book.change(func(recs []DrillRecord) []DrillRecord {
					for i := range kept {
						recs = append(recs, DrillRecord{EventID: "e-bp1drill" + string(rune('a'+i))})
					}
					return recs
				}); err != nil {
					b.Fatal(err)
				}
			}
			d := drillMarks{Backend: fixedListing{ins: ins}, book: book}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Instances(context.Background(), backend.Query{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
