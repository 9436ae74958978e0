package fleet

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The hub's very first listing keeps the listing's instances (the first screen waits for
// it): each record's events are clipped, so that an append to one instance's events never
// writes over the next one's in the listing's shared array; a later listing copies.
func TestFirstListingKeepsItsInstancesClipped(t *testing.T) {
	ctx := context.Background()
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.NewGenerated(3, 2*maxKeptDirty, sim.Epoch, clock, sim.Options{Seed: 3})
	kept := &keptListing{Backend: sim.NewBackend(eng)}
	h := New(kept, Options{Now: clock.Now, Wall: clock.Now})
	regions, err := h.newsRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.list(ctx, regions[:1]); err != nil {
		t.Fatal(err)
	}
	first := h.listedScope[regions[0]]
	if len(first) == 0 || first[0].inst != &kept.last[0] {
		t.Fatal("the first listing's first record does not keep the listed instance")
	}
	if len(first) == 0 {
		t.Fatal("the first listing listed nothing")
	}
	for _, rec := range first {
		if n := len(rec.inst.Events); n == 0 || cap(rec.inst.Events) != n {
			t.Fatalf("%s: %d events in room for %d: an append would write over the next instance's", rec.inst.ID, n, cap(rec.inst.Events))
		}
		if n := len(rec.inst.OperationLocks); cap(rec.inst.OperationLocks) != n {
			t.Fatalf("%s: %d locks in room for %d", rec.inst.ID, n, cap(rec.inst.OperationLocks))
		}
	}
	// The second region's first listing, and the first region's next, are copied: the
	// instances a record keeps are its own, not the listing's.
	for _, scope := range [][]string{regions[1:2], regions[:1]} {
		if err := h.list(ctx, scope); err != nil {
			t.Fatal(err)
		}
		insts := kept.last
		if len(insts) == 0 {
			t.Fatalf("%s listed nothing", scope[0])
		}
		h.mu.Lock()
		for _, rec := range h.listedScope[scope[0]] {
			if p := rec.inst; p == &insts[0] || (len(p.Events) > 0 && len(insts[0].Events) > 0 && &p.Events[0] == &insts[0].Events[0]) {
				t.Errorf("%s: a later listing's instance kept, not copied", p.ID)
			}
		}
		h.mu.Unlock()
	}
}

// keptListing is a backend that keeps the last listing it answered.
type keptListing struct {
	backend.Backend
	last []model.Instance
}

func (k *keptListing) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	insts, err := k.Backend.Instances(ctx, q)
	k.last = insts
	return insts, err
}

// A region's first listing publishes its rows before their search text is made, then
// makes it once the lock is free: by the time the listing returns every row has it, and it
// says what a row derived at once says.
func TestFirstListingMakesSearchTextAfterThePublish(t *testing.T) {
	ctx := context.Background()
	n := 3 * parallelDerive
	clock := sim.NewStepClock(sim.Epoch)
	h := New(sim.NewBackend(sim.NewGenerated(5, n, sim.Epoch, clock, sim.Options{Seed: 5})), Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	rows := h.Snapshot().Rows
	if len(rows) < parallelDerive {
		t.Fatalf("%d rows: too few to be derived by the thousand", len(rows))
	}
	for _, r := range rows {
		if atomic.LoadPointer(&r.search) == nil {
			t.Fatalf("%s: no search text after the listing returned", r.Inst.ID)
		}
		want := deriveRow(r.Inst, clock.Now(), r.State, r.StartedBy, r.Task, false).SearchText()
		if r.SearchText() != want {
			t.Fatalf("%s: search text %q, derived at once %q", r.Inst.ID, r.SearchText(), want)
		}
	}
	h.mu.Lock()
	left := len(h.unsearched)
	h.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d rows left to fill", left)
	}
	// A row derived lazily makes its text when first asked, the same text.
	lazy := deriveRow(rows[0].Inst, clock.Now(), rows[0].State, rows[0].StartedBy, rows[0].Task, true)
	if atomic.LoadPointer(&lazy.search) != nil || lazy.SearchText() != rows[0].SearchText() {
		t.Fatalf("a lazy row's text: %q, want %q", lazy.SearchText(), rows[0].SearchText())
	}
	if !slices.IsSortedFunc(rows, compareRows) {
		t.Fatal("rows out of order")
	}
}
