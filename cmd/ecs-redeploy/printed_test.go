package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// printedCommand is the command out printed for a person to paste: from the first
// `start` to the end of its line or to `end`, as the arguments a POSIX shell would make
// of it (single quotes only: shellQuote writes no other), without the program's name.
func printedCommand(t *testing.T, out, start, end string) []string {
	t.Helper()
	i := strings.Index(out, start)
	if i < 0 {
		t.Fatalf("no %q printed in:\n%s", start, out)
	}
	line := out[i:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	if j := strings.Index(line, end); end != "" && j >= 0 {
		line = line[:j]
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "`"), ")")
	var args []string
	var word strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		args = append(args, word.String())
	}
	if len(args) == 0 || args[0] != "ecs-redeploy" {
		t.Fatalf("printed command %q does not start with ecs-redeploy", line)
	}
	return args[1:]
}

// Tester2's defect 12: a refusal's follow hint (`redeploy ID` of an instance a redeploy
// already moves) dropped the --endpoint the command was given, so pasted it asked another
// account. It runs as printed, against the sim-server on loopback, and follows the task.
func TestInProgressFollowHintRunsAsPrinted(t *testing.T) {
	cloudEnv(t, "")
	stateDir(t)
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(3, 50, sim.Epoch), clock, sim.Options{Seed: 3})
	epAddr := serveSim(t, eng)
	noWait(t)
	in := redeployable(t, eng)
	task, err := eng.Redeploy(in.RegionID, in.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "redeploy", in.ID, "--endpoint", epAddr, "--region", in.RegionID, "--yes")
	if !errors.Is(err, backend.ErrAlreadyInProgress) {
		t.Fatalf("error %v; want ErrAlreadyInProgress", err)
	}
	follow := printedCommand(t, err.Error(), "ecs-redeploy redeploy --follow", "`")
	if !slices.Contains(follow, epAddr) || !slices.Contains(follow, task.ID) {
		t.Fatalf("the follow hint %q has no --endpoint %s", follow, epAddr)
	}
	clock.Advance(10 * time.Minute) // the redeploy has ended by the first poll
	out, err := run(t, follow...)
	if err != nil || !strings.Contains(out, "redeployed: "+in.ID) {
		t.Fatalf("the follow hint as printed (%q): %v\n%s", follow, err, out)
	}
}
