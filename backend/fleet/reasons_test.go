package fleet

import (
	"strings"
	"testing"
)

// A failed redeploy's reason says once that the instance is back on its original host,
// whether the platform's reason said it or not (tester2 #21): the plan's items and
// `redeploy --wait` both say it through BackOnItsHost.
func TestBackOnItsHostSaidOnce(t *testing.T) {
	for _, r := range []string{"The target host could not accept the instance", "rolled back; it was returned to its Original Host"} {
		if got := BackOnItsHost(r); strings.Count(strings.ToLower(got), "original host") != 1 {
			t.Errorf("BackOnItsHost(%q) = %q", r, got)
		}
	}
}
