package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Tester's defect 10: `redeploy --scenario oncall.yaml i-uf6locked00000000004 --json`
// printed nothing on stdout, though docs/cli.md promises `skipped` lines with reasons. A
// batch whose every target is skipped prints them, one per target, and exits 1; the human
// output says why in the error line too.
func TestEveryTargetSkippedStillPrintsTheSkippedLines(t *testing.T) {
	stateDir(t)
	for _, ids := range [][]string{
		{"i-uf6locked00000000004"},
		{"i-uf6locked00000000004", "i-uf6expired000000006", "i-bp1nosuch00000000009"},
	} {
		cmd := newRootCmd()
		var out, errOut bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetArgs(append([]string{"redeploy", "--scenario", scenario, "--json"}, ids...))
		err := cmd.Execute()
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "nothing to redeploy") {
			t.Fatalf("%v: err %v (exit %d)", ids, err, exitCode(err))
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != len(ids) {
			t.Fatalf("%v: stdout %q, want one skipped line per target", ids, out.String())
		}
		for i, line := range lines {
			var tr map[string]any
			if err := json.Unmarshal([]byte(line), &tr); err != nil {
				t.Fatalf("not a JSON line: %q", line)
			}
			if tr["status"] != "skipped" || tr["instance"] != ids[i] || tr["reason"] == nil || tr["plan"] == nil || tr["time"] == nil {
				t.Errorf("line %q", line)
			}
		}
		if !strings.Contains(errOut.String(), "skipped:") {
			t.Errorf("the plan is not on stderr:\n%s", errOut.String())
		}
	}
	// One id, no --json: the error line itself says why.
	_, err := run(t, "redeploy", "--scenario", scenario, "i-uf6locked00000000004", "i-bp1nosuch00000000009")
	if err == nil || !strings.Contains(err.Error(), "all 2 instances are skipped") {
		t.Errorf("human: %v", err)
	}
}
