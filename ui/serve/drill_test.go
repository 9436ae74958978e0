package serve

import (
	"context"
	"testing"

	"ecs-redeploy/ui/serve/sshtest"
)

// Issue 23 over SSH: an operator's :drill is made through the hub, audited and logged
// with who asked, and every session sees the row DRILL; a viewer's is refused at the guard.
func TestDrillFromASessionEverySessionSees(t *testing.T) {
	e := newEnv(t)
	o := e.connect("oscar", e.operator, 120, 30)
	v := e.connect("vera", e.viewer, 120, 30)
	o.Out.WaitFor(t, "operator's screen", idFirst)
	v.Out.WaitFor(t, "viewer's screen", idFirst)

	command(t, o, "drill "+idFirst+" SystemFailure.Stop 20m")
	o.Out.WaitFor(t, "operator's drill made", "drill made: e-")
	e.audit.WaitFor(t, "audit names the SSH user", `"action":"CreateSimulatedSystemEvents"`, `"name":"oscar"`, `"outcome":"created"`)
	e.logs.WaitFor(t, "server log names who drilled", "drill done", "user=oscar", idFirst)
	if err := e.hub.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	v.Out.WaitFor(t, "viewer sees the drill", "DRILL")

	command(t, v, "drill cancel")
	v.Out.WaitFor(t, "viewer refused", "drill cancel: Forbidden.Role", "a viewer cannot create or cancel drill")
	e.logs.WaitFor(t, "server log names the refusal", "drill cancel refused or failed", "user=vera")
}

// command opens the command line, types line into it and runs it, a key at a time as a
// person would: a burst is a paste, never a key.
func command(t *testing.T, c *sshtest.Client, line string) {
	t.Helper()
	c.Type(":")
	c.Out.WaitFor(t, "the command line", "tab completes")
	c.Type(line)
	c.Out.WaitFor(t, "the line typed", line)
	c.Type("\r")
}
