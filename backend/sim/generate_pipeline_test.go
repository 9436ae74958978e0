package sim

import (
	"reflect"
	"runtime"
	"testing"
)

// Generate is the same fleet on one CPU as on several and from run to run, and every
// instance has played today's platform, its events packed and capped (the engine keeps
// them as they are drawn: NewGenerated). (The fleets before and after the pipeline of
// issue 20 were compared byte for byte as JSON for seeds 1, 2 and 42 at 20,000 instances.)
func TestGenerateIsTheSameFleetOnAnyNumberOfCPUs(t *testing.T) {
	n := 12*1024 + 17 // the first region holds more than one arena of events
	a := Generate(11, n, Epoch)
	prev := runtime.GOMAXPROCS(1)
	b := Generate(11, n, Epoch)
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate made another fleet on one CPU")
	}
	for i := range a.Instances {
		if evs := a.Instances[i].Events; cap(evs) != len(evs) {
			t.Fatalf("instance %d: %d events with room for %d: an append would run into the next instance's", i, len(evs), cap(evs))
		}
		for _, ev := range a.Instances[i].Events {
			if hostEvent(ev.Type) && ev.ExtendedAttribute == nil {
				t.Fatalf("instance %d of %d never played today's platform", i, n)
			}
		}
	}
}

// BenchmarkGenerate100k is the demo's fleet of 100,000 instances generated: the first
// thing its first screen waits for.
func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		Generate(1, 100_000, Epoch)
	}
}
