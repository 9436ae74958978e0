package backend_test

import (
	"context"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

func TestGuardRefusesEveryoneButOperators(t *testing.T) {
	f := sim.Generate(1, 50, sim.Epoch)
	e := sim.New(f, sim.NewStepClock(sim.Epoch), sim.Options{})
	g := backend.Guard(sim.NewBackend(e))
	ctx := context.Background()
	ins, err := g.Instances(ctx, backend.Query{})
	if err != nil || len(ins) != 50 {
		t.Fatalf("reads must pass through: %d, %v", len(ins), err)
	}
	var target *model.Instance
	for i := range ins {
		if model.Evaluate(&ins[i], e.Now(), false).Allowed {
			target = &ins[i]
			break
		}
	}
	if target == nil {
		t.Fatal("the generated fleet has no eligible instance")
	}
	for _, id := range []backend.Identity{
		{Name: "alice", KeyFingerprint: "SHA256:abc", Role: backend.RoleViewer},
		{Name: "nobody"}, // no role at all is not an operator
		{Name: "mallory", Role: "admin"},
	} {
		_, err := g.Redeploy(ctx, backend.RedeployRequest{RegionID: target.RegionID, InstanceID: target.ID, Identity: id})
		if backend.Code(err) != backend.CodeForbiddenRole {
			t.Fatalf("%v: redeploy through the guard: %v", id, err)
		}
	}
	for _, r := range e.Regions() {
		if n := len(e.Tasks(r.RegionID, sim.TaskFilter{})); n != 0 {
			t.Fatalf("%d tasks reached the simulator in %s", n, r.RegionID)
		}
	}
	op := backend.Identity{Name: "bob", Role: backend.RoleOperator}
	if _, err := g.Redeploy(ctx, backend.RedeployRequest{RegionID: target.RegionID, InstanceID: target.ID, Identity: op}); err != nil {
		t.Fatalf("an operator is let through: %v", err)
	}
}
