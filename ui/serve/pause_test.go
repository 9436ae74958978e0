package serve

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Tester2's defect 3: a batch that is running could not be stopped (x answered "no batch
// is paused"). Over SSH Alice starts a batch of two; while its first RedeployInstance is
// out, a viewer's p is refused by the hub, and Carol, another operator, pauses Alice's
// batch with p: the call out goes on, nothing more is sent (counted at the backend),
// every session sees the pause, the audit log has it, and c sends the rest.
func TestAnotherOperatorPausesARunningBatch(t *testing.T) {
	e := newEnv(t)
	entered, release := e.backend.holdRedeploys()
	released := false
	defer func() {
		if !released {
			release()
		}
	}()
	alice := e.connect("alice", e.operator, 120, 40)
	carol := e.connect("carol", e.operator, 120, 40)
	vera := e.connect("vera", e.viewer, 120, 40)
	alice.Out.WaitFor(t, "alice's screen", idFirst, idSecond)
	carol.Out.WaitFor(t, "carol's screen", idFirst)
	vera.Out.WaitFor(t, "vera's screen", idFirst)

	// Before any batch runs, p says so and asks nothing of the hub.
	carol.Type("p")
	carol.Out.WaitFor(t, "p with no batch", "p: no batch is running")

	out, in := alice.Out, alice.Stdin
	for n := 1; n <= 2; n++ {
		out.PressUntil(t, in, " ", regexp.MustCompile(`\b`+string(rune('0'+n))+` selected`))
	}
	out.PressUntil(t, in, "R", regexp.MustCompile(`Type the number of instances \(2\)`))
	out.PressUntil(t, in, "2", regexp.MustCompile(`Redeploy 2 {2}`))
	out.PressUntil(t, in, "\t", regexp.MustCompile(`> Redeploy 2 <`))
	out.Choose(t, in, regexp.MustCompile(`batch of 2: saving the plan`))
	select {
	case <-entered: // the first RedeployInstance of the batch is out, and held there
	case <-time.After(wait):
		t.Fatal("the batch sent nothing")
	}

	vera.Out.WaitMatch(t, regexp.MustCompile(`batch: \d in flight · \d queued`))
	vera.Type("p")
	vera.Out.WaitFor(t, "the hub refuses a viewer's pause", "batch pause refused: a viewer cannot pause a batch")

	carol.Out.WaitMatch(t, regexp.MustCompile(`p pause a running batch`))
	carol.Type("p")
	// The hub audits the pause before it waits for the step that holds the call out.
	e.audit.WaitFor(t, "the audit log says who paused", `"action":"PlanPause"`, `"name":"carol"`)
	release()
	released = true
	carol.Out.WaitFor(t, "carol's answer", "batch paused: nothing more is sent; what is in flight goes on")
	alice.Out.WaitFor(t, "alice sees her batch paused", "BATCH PAUSED", "paused by carol", "started by alice")

	// The first call finished; the runner steps the plan again and again: nothing more.
	e.clock.Advance(time.Hour)
	e.hub.PollTasks(context.Background())
	e.hub.StepPlans()
	e.hub.StepPlans()
	if n := e.backend.redeploys.Load(); n != 1 {
		t.Fatalf("%d RedeployInstance calls after the pause, want the 1 that was out", n)
	}
	if audit := e.audit.String(); strings.Contains(audit, `"name":"vera"`) {
		t.Fatalf("the audit log has a line of the viewer's refused pause:\n%s", audit)
	}

	// c answers a pause by p as it answers a pause on a failure: the rest goes.
	carol.Out.PressUntil(t, carol.Stdin, "c", regexp.MustCompile(`batch continued by carol`))
	if n := e.backend.redeploys.Load(); n != 2 {
		t.Fatalf("%d RedeployInstance calls after c, want 2", n)
	}
}
