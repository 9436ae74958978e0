package main

import (
	"testing"
)

// Issue 20: `events` is one listing, like the aliyun CLI loop it replaces; the console's
// default budget (600 calls a minute) made it wait for every call past the bucket's
// burst, and at 100,000 instances took almost four minutes. It waits for no budget
// unless --api-budget is given, which it then keeps.
func TestEventsWaitsForTheBudgetOnlyWhenOneIsGiven(t *testing.T) {
	// 3,000 instances over 10 regions: about 70 calls, more than the default budget's
	// burst of 20.
	_, addr := simServer(t, 1, 3000)
	slept := noWait(t)
	if out, err := run(t, "events", "--json", "--region", "all", "--endpoint", addr); err != nil {
		t.Fatalf("events: %v\n%s", err, out)
	}
	if *slept != 0 {
		t.Errorf("events without --api-budget waited %s for its calls; want no wait", *slept)
	}
	if out, err := run(t, "events", "--json", "--region", "all", "--endpoint", addr, "--api-budget", "60"); err != nil {
		t.Fatalf("events --api-budget 60: %v\n%s", err, out)
	}
	// 60 a minute less a burst of 2 is about one call a second: 70 calls wait a minute.
	if *slept < 30e9 {
		t.Errorf("events --api-budget 60 waited %s for about 70 calls; want the budget kept (about a minute)", *slept)
	}
}
