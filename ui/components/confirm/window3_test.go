package confirm

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

var targetsRange = regexp.MustCompile(`targets (\d+)–(\d+) of (\d+)`)

// Tester, issue 23: at 80x24 with in window on, the list showed "targets 1–1 of 2";
// docs/console.md promises at least three at a time. Every scrolled window, at every
// scroll position, shows three targets or all that are left; a batch whose three do not
// fit asks for a larger terminal rather than show fewer.
func TestAScrolledListShowsAtLeastThreeTargets(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 21}, {120, 37}} {
		for _, n := range []int{4, 5, 9, 40} {
			for _, window := range []bool{false, true} {
				t.Run(fmt.Sprintf("%dx%d/%d/window=%v", size.w, size.h+3, n, window), func(t *testing.T) {
					d := skippedBatch(t, n, size.w, size.h, skipNoRedeploy)
					if window {
						windowOn(t, d)
					}
					if !d.Fits() {
						t.Fatalf("does not fit:\n%s", d.View())
					}
					for step := 0; step < n; step++ {
						v := flatView(d)
						if m := targetsRange.FindStringSubmatch(v); m != nil {
							lo, _ := strconv.Atoi(m[1])
							hi, _ := strconv.Atoi(m[2])
							if shown := hi - lo + 1; shown < min(minWindow, n-lo+1) {
								t.Fatalf("%s: %d targets shown:\n%s", m[0], shown, d.View())
							}
						}
						said(d, keyDown)
					}
					if !d.AllShown() {
						t.Fatalf("↓ did not show every target")
					}
				})
			}
		}
	}
}
