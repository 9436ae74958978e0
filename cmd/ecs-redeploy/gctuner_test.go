package main

import (
	"runtime"
	"testing"
)

// Consoles run one after another in one process (tests; serve's consoles share its
// process) while gctuner tunes the collector from a finalizer after every collection:
// starting and stopping the tuning must not race that finalizer. Before tuneCollector set
// the floor once, this failed under -race (and once failed CI).
func TestTuningTheCollectorDoesNotRaceIt(t *testing.T) {
	for range 50 {
		stop := tuneCollector()
		runtime.GC()
		runtime.GC()
		stop()
	}
}
