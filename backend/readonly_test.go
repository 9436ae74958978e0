package backend_test

import (
	"context"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func TestReadOnlyNeverReachesTheBackend(t *testing.T) {
	f := sim.Generate(1, 50, sim.Epoch)
	e := sim.New(f, sim.NewStepClock(sim.Epoch), sim.Options{})
	ro := backend.ReadOnly(sim.NewBackend(e))
	if !backend.IsReadOnly(ro) || backend.IsReadOnly(sim.NewBackend(e)) {
		t.Fatal("IsReadOnly does not tell the guard apart")
	}
	ctx := context.Background()
	ins, err := ro.Instances(ctx, backend.Query{})
	if err != nil || len(ins) != 50 {
		t.Fatalf("reads must pass through: %d, %v", len(ins), err)
	}
	for i := range ins {
		if !model.Evaluate(&ins[i], e.Now(), false).Allowed {
			continue
		}
		_, err := ro.Redeploy(ctx, backend.RedeployRequest{RegionID: ins[i].RegionID, InstanceID: ins[i].ID})
		if backend.Code(err) != backend.CodeReadOnly {
			t.Fatalf("redeploy through the guard: %v", err)
		}
	}
	for _, r := range e.Regions() {
		if n := len(e.Tasks(r.RegionID, sim.TaskFilter{})); n != 0 {
			t.Fatalf("%d tasks reached the simulator in %s", n, r.RegionID)
		}
	}
}
