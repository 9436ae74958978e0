package sim

import (
	"testing"
	"time"

	"ecs-redeploy/model"
)

// A rate below one call a second still lets a call through now and then: one, then the
// next only once the clock has given the bucket a whole token.
func TestRegionQPSBelowOneLetsACallThroughNowAndThen(t *testing.T) {
	e, clock := newTestEngine(t, Options{Faults: Faults{RegionQPS: 0.5}}, model.Instance{ID: "i-1"})
	got := []Fault{e.Fault("DescribeTasks", "cn-hangzhou"), e.Fault("DescribeTasks", "cn-hangzhou")}
	clock.Advance(time.Second)
	got = append(got, e.Fault("DescribeTasks", "cn-hangzhou"))
	clock.Advance(time.Second)
	got = append(got, e.Fault("DescribeTasks", "cn-hangzhou"))
	want := []Fault{FaultNone, FaultThrottle, FaultThrottle, FaultNone}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("faults = %v, want %v (one call per 2s)", got, want)
		}
	}
}

// Limits are per region and per action, as ECS counts them.
func TestRegionQPSIsPerAction(t *testing.T) {
	e, _ := newTestEngine(t, Options{Faults: Faults{RegionQPS: 1}}, model.Instance{ID: "i-1"})
	if e.Fault("DescribeTasks", "cn-hangzhou") != FaultNone || e.Fault("DescribeTasks", "cn-hangzhou") != FaultThrottle {
		t.Fatal("DescribeTasks: want one call through, the second throttled")
	}
	if e.Fault("DescribeInstances", "cn-hangzhou") != FaultNone {
		t.Fatal("DescribeInstances shares DescribeTasks' bucket")
	}
}

// A new rate set mid-run applies at once, with a full bucket at that rate.
func TestSetFaultsChangesTheRate(t *testing.T) {
	e, _ := newTestEngine(t, Options{Faults: Faults{RegionQPS: 1}}, model.Instance{ID: "i-1"})
	e.Fault("DescribeTasks", "cn-hangzhou")
	if e.Fault("DescribeTasks", "cn-hangzhou") != FaultThrottle {
		t.Fatal("at 1 QPS the second call passed")
	}
	e.SetFaults(Faults{RegionQPS: 3})
	for i := range 3 {
		if f := e.Fault("DescribeTasks", "cn-hangzhou"); f != FaultNone {
			t.Fatalf("call %d at 3 QPS: %v", i+1, f)
		}
	}
	if e.Fault("DescribeTasks", "cn-hangzhou") != FaultThrottle {
		t.Fatal("the fourth call at 3 QPS passed")
	}
}
