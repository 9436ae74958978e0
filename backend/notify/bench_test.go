package notify

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// BenchmarkWatcherSnapshot is what the watcher spends on one snapshot of a fleet with
// nothing to tell, at 10,000 and 100,000 listed instances: "same" is a snapshot with the
// same rows (a look that found nothing: the common case), "patched" one with a row
// replaced in place (a task's progress), "full" one laid out anew (a listing that
// re-sorted the rows: a pass over every row).
func BenchmarkWatcherSnapshot(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		clock := sim.NewStepClock(sim.Epoch)
		eng := sim.New(sim.Generate(1, n, sim.Epoch), clock, sim.Options{Seed: 1})
		hub := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
		if err := hub.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
		s := hub.Snapshot()
		// s2 is s with its middle row replaced by an equal copy.
		s2 := *s
		s2.Rows = slices.Clone(s.Rows)
		r := *s.Rows[n/2]
		s2.Rows[n/2] = &r
		for _, kind := range []string{"same", "patched", "full"} {
			b.Run(fmt.Sprintf("%dk/%s", n/1000, kind), func(b *testing.B) {
				w := newWatcher(2 * time.Hour)
				w.notices(s, clock.Now())
				b.ReportAllocs()
				next := s
				for b.Loop() {
					switch kind {
					case "patched":
						if next == s {
							next = &s2
						} else {
							next = s
						}
					case "full":
						w.rows = nil
					}
					if got := w.notices(next, clock.Now()); len(got) != 0 {
						b.Fatal(len(got))
					}
				}
			})
		}
	}
}
