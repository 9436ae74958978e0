package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tester's defect 17: usage mistakes and bad input files exit 2 everywhere (docs/cli.md,
// "Exit status"): a junk scenario exited 1 while a junk policy exited 2, and a FIFO for
// --from-file 2 while the same FIFO for --audit-log exited 1.
func TestBadInputFilesAreUsageMistakesEverywhere(t *testing.T) {
	stateDir(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.yaml")
	if err := os.WriteFile(junk, []byte("junk: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	const id = "i-bp1webprod0000000001"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"junk scenario", []string{"events", "--scenario", junk}, "junk.yaml"},
		{"missing scenario", []string{"events", "--scenario", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"junk policy", []string{"autopilot", "--demo", "--policy", junk, "--dry-run"}, "junk.yaml"},
		{"FIFO for --from-file", []string{"redeploy", "--demo", "--from-file", fifo}, "--from-file"},
		{"FIFO for --audit-log", []string{"redeploy", "--demo", "--audit-log", fifo, id}, "--audit-log"},
		{"directory for --audit-log", []string{"events", "--demo", "--audit-log", dir}, "--audit-log"},
		{"an argument events does not take", []string{"events", "--demo", "extra"}, "extra"},
		{"completion for tcsh", []string{"completion", "tcsh"}, `"tcsh" is not supported`},
		{"completion without a shell", []string{"completion"}, "bash, zsh, fish, powershell"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, tc.args...)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v (exit %d), want one line with %q, exit 2", err, exitCode(err), tc.want)
			}
			if strings.Contains(out, "Usage:") {
				t.Errorf("printed help as if nothing were wrong:\n%s", out)
			}
		})
	}
}

// Tester's defect 16: `--audit-log /tmp` was advised to "remove it" and told "nothing would
// ever be read from it", of a directory given for a file that is written.
func TestAuditLogOnADirectorySaysWhatToGive(t *testing.T) {
	dir := t.TempDir()
	_, err := run(t, "events", "--demo", "--audit-log", dir)
	if err == nil || strings.Contains(err.Error(), "remove it") || strings.Contains(err.Error(), "read from it") ||
		!strings.Contains(err.Error(), "is a directory") || !strings.Contains(err.Error(), "a file to write") {
		t.Fatalf("%v", err)
	}
}

// Tester's defect 16: `--max-per app=99999999999999999999` said it "is not a whole
// number of at least 1"; an int flag out of range said it expected a whole number.
func TestANumberTooLargeIsCalledSo(t *testing.T) {
	_, err := run(t, "redeploy", "--demo", "--max-per", "app=99999999999999999999", "i-bp1webprod0000000001")
	if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "not a whole number") || !strings.Contains(err.Error(), "too large") {
		t.Errorf("--max-per: %v", err)
	}
	_, err = run(t, "redeploy", "--demo", "--max-in-flight", "99999999999999999999", "i-bp1webprod0000000001")
	if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "expected a whole number") || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("--max-in-flight: %v", err)
	}
}

// Tester's defect 17: `--horizon 2d` was refused though a policy takes `2d`: every
// duration flag reads whole days with the policy's parser.
func TestDurationFlagsReadDaysAsPoliciesDo(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	out, err := run(t, "autopilot", "--scenario", apScenario, "--policy", apPolicy, "--dry-run", "--json", "--horizon", "2d")
	if err != nil {
		t.Fatal(err, out)
	}
	var tl struct{ From, Until time.Time }
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &tl); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := tl.Until.Sub(tl.From); got != 48*time.Hour {
		t.Errorf("--horizon 2d: the timeline spans %s", got)
	}
	for _, bad := range []string{"0d", "-1d", "2x"} {
		_, err := run(t, "autopilot", "--demo", "--policy", apPolicy, "--dry-run", "--horizon", bad)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "2d") {
			t.Errorf("--horizon %s: %v", bad, err)
		}
	}
	// Another command's duration flag reads days the same way.
	cmd := newRootCmd()
	if err := cmd.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	rd, _, err := cmd.Find([]string{"redeploy"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Flags().Set("wait-timeout", "1d"); err != nil {
		t.Errorf("--wait-timeout 1d: %v", err)
	} else if v := rd.Flags().Lookup("wait-timeout").Value.String(); v != "24h0m0s" {
		t.Errorf("--wait-timeout 1d is %s", v)
	}
}
