package main

import (
	"errors"
	"strings"
	"testing"

	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// simServer serves a generated fleet on 127.0.0.1 through ecsapi, as sim-server does, and
// points the CLI's environment at it. The engine is returned so a test can count what
// really happened there.
func simServer(t *testing.T, seed int64, n int) (*sim.Engine, string) {
	t.Helper()
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	eng := sim.New(sim.Generate(seed, n, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: seed})
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "clitest", AccessKeySecret: "clisecret"})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	t.Setenv(aliyun.EnvAccessKeyID, "clitest")
	t.Setenv(aliyun.EnvAccessKeySecret, "clisecret")
	return eng, ep.Addr
}

// taskCount is how many redeploy tasks the engine holds in every region.
func taskCount(eng *sim.Engine) int {
	n := 0
	for _, r := range eng.Regions() {
		n += len(eng.Tasks(r.RegionID, sim.TaskFilter{}))
	}
	return n
}

// Issue 8, kind 1: an empty id reached the API as no filter, and the first instance of the
// answer was redeployed.
func TestRedeployOfNoInstanceIDRedeploysNothing(t *testing.T) {
	for _, id := range []string{"", " ", "i-", "I-BP1ABC", "i-bp1 i-bp2", "bp1abc", "i-bp1abc,i-bp1def", `["i-bp1abc"]`} {
		t.Run(id, func(t *testing.T) {
			eng, addr := simServer(t, 3, 200) // seed 3: the most urgent instance of cn-hangzhou is redeployable
			out, err := run(t, "redeploy", id, "--endpoint", addr, "--region", "cn-hangzhou", "--yes")
			if err == nil {
				t.Fatalf("redeploy %q succeeded:\n%s", id, out)
			}
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "instance id") {
				t.Errorf("error %v; want a usage error about the instance id", err)
			}
			if n := taskCount(eng); n != 0 {
				t.Fatalf("%d redeploy tasks started for id %q", n, id)
			}
		})
	}
}
