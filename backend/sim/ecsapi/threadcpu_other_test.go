//go:build !linux

package ecsapi_test

import "time"

// threadCPU is measured on Linux only; elsewhere benchmarks report wall time alone.
func threadCPU() (time.Duration, bool) { return 0, false }
