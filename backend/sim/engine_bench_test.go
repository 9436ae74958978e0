package sim

import "testing"

// BenchmarkNew100k is the engine's start on a generated fleet of 100,000 instances: each
// instance's state, sorted tags and events made from the fleet (issue 20: a fifth of the
// demo's CPU before its first row).
func BenchmarkNew100k(b *testing.B) {
	f := Generate(1, 100_000, Epoch)
	for b.Loop() {
		New(f, NewStepClock(Epoch), Options{Seed: 1})
	}
}
