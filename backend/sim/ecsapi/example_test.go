package ecsapi_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// The official SDK against the simulator on a free loopback port: list pending events,
// redeploy one instance, and follow its task while a test steps the simulator's clock.
func Example() {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(42, 100, sim.Epoch), clock, sim.Options{Seed: 42})
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "LTAIexample", AccessKeySecret: "example-secret"})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ep.Close()

	// (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true is set in TestMain.)
	client, err := ecs.NewClientWithAccessKey("cn-hangzhou", "LTAIexample", "example-secret")
	if err != nil {
		panic(err)
	}
	client.Domain = ep.Addr // plain HTTP is the SDK's default scheme

	req := ecs.CreateDescribeInstanceHistoryEventsRequest()
	req.InstanceEventCycleStatus = &[]string{"Scheduled", "Executing", "Inquiring"}
	req.InstanceEventType = &[]string{"SystemMaintenance.Redeploy"}
	req.MaxResults = requests.NewInteger(10)
	events, err := client.DescribeInstanceHistoryEvents(req)
	if err != nil {
		panic(err)
	}
	fmt.Println("pending SystemMaintenance.Redeploy events in cn-hangzhou:", events.TotalCount)
	ev := events.InstanceSystemEventSet.InstanceSystemEventType[0]
	fmt.Println(ev.InstanceId, ev.EventType.Name, ev.EventCycleStatus.Name, "NotBefore", ev.NotBefore)

	redeploy := ecs.CreateRedeployInstanceRequest()
	redeploy.InstanceId = ev.InstanceId
	started, err := client.RedeployInstance(redeploy)
	if err != nil {
		panic(err)
	}
	for {
		tasks := ecs.CreateDescribeTasksRequest()
		tasks.TaskIds = started.TaskId
		tasks.TaskAction = "RedeployInstance"
		resp, err := client.DescribeTasks(tasks)
		if err != nil {
			panic(err)
		}
		task := resp.TaskSet.Task[0]
		inst := ecs.CreateDescribeInstancesRequest()
		inst.InstanceIds = `["` + ev.InstanceId + `"]`
		instances, err := client.DescribeInstances(inst)
		if err != nil {
			panic(err)
		}
		line := fmt.Sprintln(clock.Now().Format("15:04"), task.TaskId == started.TaskId, task.TaskStatus,
			"instance", instances.Instances.Instance[0].Status, task.FinishedTime)
		fmt.Println(strings.TrimSpace(line))
		if task.TaskStatus != "Processing" {
			break
		}
		clock.Advance(3 * time.Minute)
	}

	final := ecs.CreateDescribeInstanceHistoryEventsRequest()
	final.EventId = &[]string{ev.EventId}
	after, err := client.DescribeInstanceHistoryEvents(final)
	if err != nil {
		panic(err)
	}
	done := after.InstanceSystemEventSet.InstanceSystemEventType[0]
	fmt.Println(done.EventId == ev.EventId, done.EventCycleStatus.Name, done.EventFinishTime)
	// Output:
	// pending SystemMaintenance.Redeploy events in cn-hangzhou: 8
	// i-bp1p5jfgktiq2jjrm8li SystemMaintenance.Redeploy Scheduled NotBefore 2026-11-25T03:58:00Z
	// 03:00 true Processing instance Stopping
	// 03:03 true Processing instance Stopped
	// 03:06 true Processing instance Starting
	// 03:09 true Finished instance Running 2026-11-25T03:06Z
	// true Avoided 2026-11-25T03:06:10Z
}
