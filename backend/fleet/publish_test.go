package fleet

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"ecs-redeploy/backend/sim"
)

// A first listing large enough to be derived on every CPU gives the rows one at a time
// would, in the same order.
func TestManyRowsDerivedAtOnceAreTheRowsDerivedOneByOne(t *testing.T) {
	n := 3 * parallelDerive
	clock := sim.NewStepClock(sim.Epoch)
	h := New(sim.NewBackend(sim.New(sim.Generate(5, n, sim.Epoch), clock, sim.Options{Seed: 5})), Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := h.Snapshot()
	if len(s.Rows) != n || !slices.IsSortedFunc(s.Rows, compareRows) {
		t.Fatalf("%d rows, sorted %v", len(s.Rows), slices.IsSortedFunc(s.Rows, compareRows))
	}
	for _, r := range s.Rows {
		want := deriveRow(r.Inst, clock.Now(), r.State, r.StartedBy, r.Task, false)
		if r.SearchText() != want.SearchText() {
			t.Fatalf("%s search text derived at once %q, one by one %q", r.Inst.ID, r.SearchText(), want.SearchText())
		}
		got, one := *r, *want
		got.search, one.search = nil, nil // the same text (above) in two places
		if !reflect.DeepEqual(got, one) {
			t.Fatalf("%s derived at once:\n%+v\none by one:\n%+v", r.Inst.ID, got, one)
		}
	}
}
