package fleet

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// HoldItem is asked before each send, with the instance's row and the clock at the send:
// an item it holds is skipped as Deferred with its answer, the rest are sent, and the
// record saved says so (a restart does not send it).
func TestHoldItemDefersAnItemAtItsSend(t *testing.T) {
	r := newRig(t, waveFleet(), sim.Options{}, false)
	ctx := context.Background()
	store := &PlanStore{Dir: t.TempDir()}
	var asked []string
	var at time.Time
	hold := func(it PlanItem, row *Row, now time.Time) string {
		if row == nil || row.Inst.ID != it.InstanceID {
			t.Errorf("HoldItem of %s got row %+v", it.InstanceID, row)
		}
		asked = append(asked, it.InstanceID)
		at = now
		if it.InstanceID == wid("k1") {
			return "inside the avoided hours"
		}
		return ""
	}
	p, err := NewPlan(r.h, ids("k1", "z1"), PlanOptions{MaxInFlight: 2, Identity: operator, Store: store, HoldItem: hold})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || !at.Equal(r.clock.Now()) {
		t.Fatalf("asked for %v at %s, want both at %s", asked, at, r.clock.Now())
	}
	st := statuses(p)
	if st[wid("k1")] != ItemSkipped || st[wid("z1")] != ItemRunning {
		t.Fatalf("k1 %s, z1 %s", st[wid("k1")], st[wid("z1")])
	}
	recs, err := store.Load()
	if err != nil || len(recs) != 1 {
		t.Fatalf("saved %d plans: %v", len(recs), err)
	}
	for _, it := range recs[0].Items {
		if it.InstanceID == wid("k1") && (!it.Deferred || it.Status != ItemSkipped || !strings.Contains(it.Reason, "inside the avoided hours")) {
			t.Fatalf("saved k1: %+v", it)
		}
	}
	if got := r.w.calls[wid("k1")]; got != 0 {
		t.Fatalf("k1 sent %d times", got)
	}
}
