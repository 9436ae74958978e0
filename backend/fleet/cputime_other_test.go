//go:build !unix

package fleet

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
