package sim

import (
	"reflect"
	"runtime"
	"testing"
)

// Generate hands its instances to today's platform on another goroutine, in batches
// (issue 20): the fleet is the same on one CPU as on several, and from run to run, and
// the race detector sees the hand-over. (The fleets before and after the change were
// compared byte for byte as JSON for seeds 1, 2 and 42 at 20,000 instances.)
func TestGenerateIsTheSameFleetOnAnyNumberOfCPUs(t *testing.T) {
	n := 12*platformBatch + 17 // the first region holds two batches and more
	a := Generate(11, n, Epoch)
	prev := runtime.GOMAXPROCS(1)
	b := Generate(11, n, Epoch)
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate made another fleet on one CPU")
	}
	for i := range a.Instances {
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
