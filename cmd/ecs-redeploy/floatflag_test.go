package main

import (
	"strings"
	"testing"
)

// --api-budget takes calls a minute from 10 to 1,000,000: 0, negatives, NaN, Inf and junk
// are one line naming the flag and what it accepts, exit 2 (tester2 #7); every other
// float flag refuses NaN and Inf the same way.
func TestFloatFlagsRefuseNonsense(t *testing.T) {
	for _, v := range []string{"0", "-5", "5", "NaN", "nan", "Inf", "-Inf", "+Inf", "abc", "1e7"} {
		out, err := run(t, "events", "--demo", "--api-budget", v)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), `--api-budget "`+v+`": expected calls a minute, a number from 10 to 1000000`) {
			t.Errorf("--api-budget %s: exit %d, %v\n%s", v, exitCode(err), err, out)
		}
	}
	if out, err := run(t, "events", "--demo", "--api-budget", "10"); err != nil {
		t.Errorf("--api-budget 10: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"events", "--demo", "--sim-speed", "NaN"},
		{"events", "--demo", "--sim-failure-rate", "NaN"},
		{"events", "--demo", "--sim-speed", "Inf"},
		{"sim-server", "--hang-rate", "NaN"},
		{"sim-server", "--throttle-rate", "NaN"},
		{"sim-server", "--region-qps", "Inf"},
	} {
		_, err := run(t, args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "expected a finite number") {
			t.Errorf("%v: exit %d, %v", args, exitCode(err), err)
		}
	}
}
