package main

import (
	"runtime"
	"testing"
)

// Consoles and listings run one after another in one process (tests; serve's consoles
// share its process) while gctuner tunes the collector from a finalizer after every
// collection: starting and stopping the tuning must not race that finalizer. Setting the
// floor on the way in and out of each console failed CI under -race; so did the listing's
// tuner started without the floor, then a console's first write of it (the order here).
func TestTuningTheCollectorDoesNotRaceIt(t *testing.T) {
	listing := startTuning(listingHeapTarget, listingMinGCPercent)
	runtime.GC()
	runtime.GC()
	listing()
	for range 50 {
		stop := tuneCollector()
		runtime.GC()
		runtime.GC()
		stop()
	}
}
