package main

import (
	"context"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// A --read-only console must leave an operator's unfinished plan as it is (a reviewer's
// find): resumed under a viewer, its first send was refused with Forbidden.Role and the plan
// was saved aborted. It says in one line that the plan waits for an operator.
func TestReadOnlyConsoleLeavesUnfinishedPlansToAnOperator(t *testing.T) {
	stateDir(t)
	ctx := context.Background()
	clock := sim.NewStepClock(sim.Epoch)
	b := sim.NewBackend(sim.New(sim.Generate(1, 20, sim.Epoch), clock, sim.Options{Seed: 1}))
	h := fleet.New(b, fleet.Options{Now: clock.Now})
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range h.Snapshot().Rows {
		if r.Eligibility.Allowed && !r.InProgress && len(ids) < 2 {
			ids = append(ids, r.Inst.ID)
		}
	}
	g := &globalOptions{ReadOnly: true}
	dir, err := fleet.StateDir()
	if err != nil {
		t.Fatal(err)
	}
	store := &fleet.PlanStore{Dir: dir}
	op := backend.Identity{Name: "op@host", Role: backend.RoleOperator}
	p, err := h.NewPlan(ids, fleet.PlanOptions{Identity: op, Store: store, Where: g.planWhere(),
		OnFailure: fleet.FailureAbort, MaxInFlight: 1, Submit: h.Redeploy})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	p.Close() // the operator's console stopped before sending anything

	var out strings.Builder
	notes, err := resumeConsolePlans(ctx, h, store, g.planWhere(), g.localIdentity(), "ecs-redeploy redeploy --resume --wait", &out)
	if err != nil {
		t.Fatal(err)
	}
	// Tester2's defect 6: the screen says it too, not only stderr at exit.
	if len(notes) != 1 || !notes[0].Notice || !strings.Contains(notes[0].Text, "read-only: a saved batch waits for an operator, 2 of 2 not done: "+p.Record().ID+" started by op@host (operator)") {
		t.Fatalf("notes for the screen: %+v", notes)
	}
	if n := len(h.Plans()); n != 0 {
		t.Fatalf("a read-only console resumed %d plan(s)", n)
	}
	want := "1 unfinished plan(s) left for an operator: ecs-redeploy redeploy --resume"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("it should say %q, said %q", want, out.String())
	}
	recs, err := store.Unfinished()
	if err != nil || len(recs) != 1 || recs[0].Phase != fleet.PhaseRunning {
		t.Fatalf("the saved plan must stay as the operator left it: %v %+v", err, recs)
	}

	// Tester2's defect 6: an operator's console that resumes it says so at start, on the
	// notice line and in L: which batch, how many are left, who started it.
	// A hub that is not run: it resumes the plan and sends nothing.
	oh := fleet.New(b, fleet.Options{Now: clock.Now, Plans: store, Where: g.planWhere()})
	notes, err = resumeConsolePlans(ctx, oh, store, g.planWhere(), op, "", &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !notes[0].Notice || !strings.Contains(notes[0].Text, "resumed a saved batch, 2 of 2 not done (0 in flight, 2 queued): "+p.Record().ID+" started by op@host (operator)") {
		t.Fatalf("notes of the resumed batch: %+v", notes)
	}
}

// Issue 22: the console's exit hints carry the flags that chose the account, from the
// flags or the environment, quoted for the shell they are pasted into.
func TestAccountFlagsForExitHints(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv(aliyun.EnvEndpoint, "127.0.0.1:9090")
	t.Setenv(aliyun.EnvProfile, "")
	g := &globalOptions{Profile: "prod team"}
	if got, want := g.accountFlags(), "--endpoint 127.0.0.1:9090 --profile 'prod team'"; got != want {
		t.Errorf("accountFlags %q, want %q", got, want)
	}
	g.Regions = []string{"cn-hangzhou", "cn-shanghai"}
	if got, want := g.scopeFlags(), "--endpoint 127.0.0.1:9090 --profile 'prod team' --region cn-hangzhou,cn-shanghai"; got != want {
		t.Errorf("scopeFlags %q, want %q", got, want)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote: %s", got)
	}
}
