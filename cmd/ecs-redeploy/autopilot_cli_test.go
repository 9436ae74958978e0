package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ecs-redeploy/model/policy"
	"ecs-redeploy/ui/serve/sshtest"
)

var apScenario = filepath.Join("..", "..", "backend", "sim", "scenarios", "autopilot.yaml")
var apPolicy = filepath.Join("..", "..", "docs", "autopilot-policy.yaml")

// The dry run's JSON has the documented shape (docs/autopilot.md), and the text says the
// same: what it leaves to humans and why, whatever the hour it runs at.
func TestAutopilotDryRunOutputs(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	out, err := run(t, "autopilot", "--scenario", apScenario, "--policy", apPolicy, "--dry-run", "--json", "--horizon", "48h")
	if err != nil {
		t.Fatal(err, out)
	}
	var tl struct {
		Autopilot     string `json:"autopilot"`
		Policy        string `json:"policy"`
		From, Until   string
		AssumeSeconds int `json:"assume_seconds"`
		Redeploys     []struct {
			At, Instance, Name, Region, Rule, Deadline string
			EventType                                  string `json:"event_type"`
			Window, Waited                             string
		} `json:"redeploys"`
		Later []json.RawMessage `json:"later"`
		Left  []struct {
			InstanceID string `json:"instance"`
			Rule       string `json:"rule"`
			Reason     string `json:"reason"`
		} `json:"left_to_humans"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tl); err != nil {
		t.Fatalf("not the documented shape: %v\n%s", err, out)
	}
	if tl.Autopilot != "autopilot:night-shift" || tl.AssumeSeconds != 600 || tl.Later == nil || tl.Redeploys == nil {
		t.Fatalf("%+v", tl)
	}
	left := map[string]string{}
	for _, l := range tl.Left {
		left[l.InstanceID] = l.Rule + ": " + l.Reason
	}
	if !strings.Contains(left[apDB01], "db: local disks: a redeploy wipes them") || !strings.Contains(left[apBatch01], "no rule matches it") {
		t.Fatalf("left to humans: %v", left)
	}
	for _, r := range tl.Redeploys {
		if r.Instance == apDB01 || r.Instance == apBatch01 {
			t.Fatalf("%s in the timeline", r.Instance)
		}
	}

	text, err := run(t, "autopilot", "--scenario", apScenario, "--policy", apPolicy, "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"autopilot:night-shift (", "left to humans (", apDB01 + "   rule db: local disks: a redeploy wipes them"} {
		if !strings.Contains(text, w) {
			t.Errorf("no %q in:\n%s", w, text)
		}
	}
}

// A policy with mistakes is refused before anything is read from the account: every
// mistake, one line each with file and line, exit status 2.
func TestAutopilotRefusesABadPolicy(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(bad, []byte("name: x\nrules:\n  - name: web\n    match: {regions: [Hangzhou]}\n    when: {lead_time: 2x}\n"), 0o600)
	out, err := run(t, "autopilot", "--demo", "--policy", bad, "--dry-run")
	var ue usageError
	if !errors.As(err, &ue) || exitCode(err) != 2 {
		t.Fatalf("%v, want a usage error", err)
	}
	want := "policy.yaml:4: regions: \"Hangzhou\" is not a region id: write ids like cn-hangzhou\npolicy.yaml:5: lead_time \"2x\": write a duration like 6h, 90m or 2d\n"
	if out != want || !strings.Contains(err.Error(), "policy.yaml: 2 mistake(s), each on a line above") {
		t.Fatalf("got:\n%s%v\nwant:\n%s", out, err, want)
	}
	// A file of two hundred mistakes prints a screenful of them and how many more.
	var many strings.Builder
	many.WriteString("name: x\nrules:\n")
	for i := range 100 {
		fmt.Fprintf(&many, "  - name: r%d\n    when: {lead_time: 2x}\n", i)
	}
	os.WriteFile(bad, []byte(many.String()), 0o600)
	out, err = run(t, "autopilot", "--demo", "--policy", bad, "--dry-run")
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != maxPolicyLines+1 || lines[maxPolicyLines] != "… and 180 more" ||
		!strings.Contains(fmt.Sprint(err), "200 mistake(s)") {
		t.Fatalf("a hundred mistakes: %d lines, last %q; %v", len(lines), lines[len(lines)-1], err)
	}
	if _, err := run(t, "autopilot", "--demo", "--policy", apPolicy, "--read-only"); err == nil || !strings.Contains(err.Error(), "--dry-run") {
		t.Fatalf("--read-only without --dry-run: %v", err)
	}
	// A dry run's flags without --dry-run ran the autopilot for real (a tester's --json).
	for _, flag := range [][]string{{"--json"}, {"--horizon", "48h"}, {"--assume", "5m"}} {
		args := append([]string{"autopilot", "--demo", "--policy", apPolicy}, flag...)
		var ue usageError
		if _, err := run(t, args...); !errors.As(err, &ue) || !strings.Contains(err.Error(), flag[0]+" goes with --dry-run") {
			t.Fatalf("%s without --dry-run: %v", flag[0], err)
		}
	}
	if _, err := run(t, "autopilot", "--demo"); err == nil || !strings.Contains(err.Error(), "--policy FILE is required") {
		t.Fatalf("no --policy: %v", err)
	}
}

// Headless, the autopilot runs until SIGINT or SIGTERM (the command's context), printing
// what it does; then it drains: the call in flight answers, and the command ends cleanly.
func TestAutopilotHeadlessRunsUntilStopped(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	stateDir(t)
	dir := t.TempDir()
	scenarioFile, policyFile := filepath.Join(dir, "s.yaml"), filepath.Join(dir, "policy.yaml")
	os.WriteFile(scenarioFile, []byte(apServeScenario), 0o600)
	os.WriteFile(policyFile, []byte(apServePolicy), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := sshtest.NewBuffer()
	cmd := newRootCmd()
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs([]string{"autopilot", "--scenario", scenarioFile, "--policy", policyFile, "--sim-speed", "100"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	out.WaitMatch(t, regexp.MustCompile(`autopilot\.plan_started\s+autopilot:ssh-test started plan p-\S+ under rule "web": \[i-bp1apssh00000000001\]`))
	out.WaitMatch(t, regexp.MustCompile(`i-bp1apssh00000000001\s+running t-`))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("stopped: %v\n%s", err, out.String())
	}
}

// A reload refused for many mistakes tells every console a few of them and how many more,
// on one line (the notice named them all, however many).
func TestPolicyMistakesNoticeNamesAFew(t *testing.T) {
	var ps []string
	for i := range 8 {
		ps = append(ps, fmt.Sprintf("p.yaml:%d: wrong", i+1))
	}
	got := policyMistakes{&policy.Error{Problems: ps}}.Error()
	want := "8 mistakes: p.yaml:1: wrong; p.yaml:2: wrong; p.yaml:3: wrong; p.yaml:4: wrong; p.yaml:5: wrong; … and 3 more (the server log has the first 20)"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
