package aliyun_test

import (
	"context"
	"fmt"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// The backend as the CLI builds it, here against a sim-server on 127.0.0.1 instead of the
// real endpoints; credentials come from the environment and files as in Resolve.
func ExampleNew() {
	eng := sim.New(sim.Generate(1, 250, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1})
	ep, err := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "LTAIexample", AccessKeySecret: "example-secret"}).Start("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = ep.Close() }() // the output is printed by then; a shutdown error cannot change it

	creds, err := aliyun.Resolve(aliyun.Lookup{Getenv: func(k string) string {
		return map[string]string{aliyun.EnvAccessKeyID: "LTAIexample", aliyun.EnvAccessKeySecret: "example-secret"}[k]
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := aliyun.New(aliyun.Options{Credentials: creds, Region: "cn-hangzhou", Endpoint: ep.Addr})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.CloseIdleConnections()

	ins, err := b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou", "cn-beijing"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ins) > 0, ins[0].Events[0].CycleStatus.Pending(), b.Stats().Calls)
	// Output: true true 4
}
