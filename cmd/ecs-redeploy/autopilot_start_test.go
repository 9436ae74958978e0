package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"ecs-redeploy/ui/serve/sshtest"
)

// Tester's report, 9: restarted paused, or with its state file overwritten with junk,
// serve's log said only "autopilot name=… policy=… rules=3", while every console said it
// was paused. The log says how it starts: running (INFO), or paused (WARN), why, and what
// resumes it.
func TestServeLogSaysHowTheAutopilotStarts(t *testing.T) {
	for _, c := range []struct {
		name, state string
		want        *regexp.Regexp
	}{
		{"running", "", regexp.MustCompile(`INFO serve: autopilot starts running name=autopilot:night policy=\S+ rules=1`)},
		{"junk", "\x00junk{", regexp.MustCompile(`WARN serve: autopilot starts paused: it sends nothing until it is resumed name=autopilot:night policy=\S+ rules=1 because="its state file could not be read" why="paused: its state file could not be read.*" resume="an operator resumes it from any console \(:autopilot resume\)"`)},
		{"paused", `{"paused": true, "why": "paused by alice (operator)"}`, regexp.MustCompile(`WARN serve: autopilot starts paused: .* because="it was paused before the restart" why="paused by alice \(operator\)"`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := stateDir(t)
			_, addr := scenarioServer(t)
			dir := t.TempDir()
			pol := filepath.Join(dir, "night.yaml")
			if err := os.WriteFile(pol, []byte("name: night\nrules:\n  - name: web\n    match: {tags: {app: nobody}}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if c.state != "" {
				if err := os.MkdirAll(state, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(state, "autopilot-night.json"), []byte(c.state), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, keys := sshtest.KeyFile(t, dir, "viewers")
			_, logs, stop := startServe(t, "--endpoint", addr, "--region", "cn-hangzhou", "--policy", pol,
				"--host-key", filepath.Join(dir, "host_key"), "--authorized-keys", keys, "--keepalive", "0")
			logs.WaitMatch(t, c.want)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Headless, the same line, with what resumes an autopilot that has no console.
func TestHeadlessAutopilotLogSaysItStartsPaused(t *testing.T) {
	state := stateDir(t)
	_, addr := scenarioServer(t)
	dir := t.TempDir()
	pol := filepath.Join(dir, "night.yaml")
	if err := os.WriteFile(pol, []byte("name: night\nrules:\n  - name: web\n    match: {tags: {app: nobody}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "autopilot-night.json"), []byte(`{"paused": true, "why": "paused by alice (operator)"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := sshtest.NewBuffer()
	cmd := newRootCmd()
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs([]string{"autopilot", "--endpoint", addr, "--region", "cn-hangzhou", "--policy", pol})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	out.WaitMatch(t, regexp.MustCompile(`level=WARN msg="autopilot starts paused: it sends nothing until it is resumed" name=autopilot:night .* because="it was paused before the restart" why="paused by alice \(operator\)" resume="this headless run has no console: resume it in .ecs-redeploy serve --policy \S+night.yaml --endpoint `+regexp.QuoteMeta(addr)+` --region cn-hangzhou. on the same state directory`))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("stopped: %v\n%s", err, out.String())
	}
}
