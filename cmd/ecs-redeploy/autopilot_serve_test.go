package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/ui/serve/sshtest"
)

const apServeScenario = `regions: [cn-hangzhou]
instances:
  - {id: i-bp1apssh00000000001, name: web-a, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Redeploy, not_before: "+6h"}]}
  - {id: i-bp1apssh00000000002, name: web-b, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Redeploy, not_before: "+6h"}]}
  - {id: i-bp1apssh00000000003, name: web-c, region: cn-hangzhou, tags: {app: web}, events: [{type: SystemMaintenance.Redeploy, not_before: "+6h"}]}
`

const apServePolicy = `name: ssh-test
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: false}
    how: {max_in_flight: 1}
`

// Issue 23: serve --policy runs the autopilot, and an operator's `:autopilot pause` from a
// console over SSH stops further sends at once: once paused, what comes due is held (the
// header counts it) and nothing more is sent, counted in the audit log; a viewer cannot
// resume it; the operator's resume lets the next one go. SIGHUP with a policy that does
// not parse keeps the last good one and says so, in the log and on every console.
func TestServeAutopilotPausedFromTheConsole(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	dir := t.TempDir()
	scenarioFile, policyFile, audit := filepath.Join(dir, "s.yaml"), filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "audit.jsonl")
	for f, s := range map[string]string{scenarioFile: apServeScenario, policyFile: apServePolicy} {
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// No adjustment: at --sim-speed 100 the autopilot looks every 300 ms (30 s of
	// simulated time), and the hub's first listing wakes its first look.
	viewer, viewers := sshtest.KeyFile(t, dir, "viewers")
	op, ops := sshtest.KeyFile(t, dir, "operators")
	// The team's webhook, on loopback: the pause is told there.
	hooked := sshtest.NewBuffer()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooked.Write(append(body, '\n'))
	}))
	t.Cleanup(hook.Close)
	// At 100× a redeploy of a Running instance takes about 4 s.
	addr, logs, stop := startServe(t, "--demo", "--scenario", scenarioFile, "--sim-speed", "100", "--policy", policyFile, "--notify", hook.URL,
		"--host-key", filepath.Join(dir, "host_key"), "--authorized-keys", viewers, "--operator-keys", ops,
		"--audit-log", audit, "--keepalive", "0")
	intents := func() int {
		data, _ := os.ReadFile(audit)
		return strings.Count(string(data), `"phase":"intent","identity":{"name":"autopilot:ssh-test"`)
	}

	term := sshtest.Terminal{Term: "xterm-256color", Width: 120, Height: 30}
	alice := sshtest.Connect(t, addr, "alice", op, term)
	alice.Out.WaitMatch(t, regexp.MustCompile(`autopilot:ssh-test on · 1 in flight`))
	alice.Type(":")
	alice.Out.WaitMatch(t, regexp.MustCompile(`(?m)^:`))
	alice.Type("autopilot pause")
	alice.Out.WaitMatch(t, regexp.MustCompile(`(?m)^:autopilot pause`))
	alice.Type("\r")
	alice.Out.WaitMatch(t, regexp.MustCompile(`autopilot:ssh-test PAUSED`))
	sent := intents()
	if sent < 1 {
		t.Fatalf("%d redeploys sent before the pause", sent)
	}
	logs.WaitMatch(t, regexp.MustCompile(`autopilot pause user=alice fingerprint=SHA256:\S+ role=operator`))
	hooked.WaitMatch(t, regexp.MustCompile(`"kind":"autopilot.paused".*"text":"autopilot ssh-test paused: by alice \(operator\); it starts nothing until an operator resumes it`))
	// Held: the first redeploy ended and the next came due (max_in_flight 1: one at a
	// time), and the pause alone holds it.
	alice.Out.WaitMatch(t, regexp.MustCompile(`PAUSED · 1 held`))
	if got := intents(); got != sent {
		t.Fatalf("paused after %d sends: %d sent since", sent, got-sent)
	}

	vera := sshtest.Connect(t, addr, "vera", viewer, term)
	vera.Out.WaitMatch(t, regexp.MustCompile(`autopilot:ssh-test PAUSED`))
	vera.Type(":")
	vera.Out.WaitMatch(t, regexp.MustCompile(`(?m)^:`))
	vera.Type("autopilot resume")
	vera.Out.WaitMatch(t, regexp.MustCompile(`(?m)^:autopilot resume`))
	vera.Type("\r")
	// Refused for what it is, with what to do over SSH (--read-only is a local flag).
	vera.Out.WaitMatch(t, regexp.MustCompile(`:autopilot resume refused: a viewer cannot resume the autopilot; ask for an operator key`))
	logs.WaitMatch(t, regexp.MustCompile(`autopilot resume refused user=vera .*a viewer cannot resume the autopilot`))
	if got := intents(); got != sent {
		t.Fatalf("a viewer's resume sent %d", got-sent)
	}

	// A policy that does not parse: the last good one stays, and every console says so.
	// Each of its mistakes is a line of the serve log, and every console's log has them all.
	if err := os.WriteFile(policyFile, []byte("name: ssh-test\nrules:\n  - name: web\n    match: {tags: {app: web}}\n    how: {max_in_flight: lots}\n  - name: db\n    match: {tags: {app: db}}\n    how: {max_in_flight: many}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	logs.WaitMatch(t, regexp.MustCompile(`autopilot policy not reloaded`))
	logs.WaitMatch(t, regexp.MustCompile(`(?m)autopilot policy mistake n=1 of=2 mistake=\S*policy.yaml:5:.*\n.*autopilot policy mistake n=2 of=2 mistake=\S*policy.yaml:8:`))
	vera.Out.WaitMatch(t, regexp.MustCompile(`kept its last good policy`))
	vera.Type("L")
	vera.Out.WaitMatch(t, regexp.MustCompile(`(?s)2 mistakes: .*policy.yaml:5:.*policy.yaml:8:`))
	vera.Type("L")
	// A good one again: the refusal on every console gives way to the reload, logged.
	if err := os.WriteFile(policyFile, []byte(apServePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	logs.WaitMatch(t, regexp.MustCompile(`autopilot policy reloaded`))
	vera.Out.WaitMatch(t, regexp.MustCompile(`autopilot:ssh-test reloaded its policy`))

	colons := len(regexp.MustCompile(`(?m)^:`).FindAllString(ansi.Strip(alice.Out.String()), -1))
	alice.Type(":")
	alice.Out.WaitMatch(t, regexp.MustCompile(`(?s)(?:(?m:^:).*){`+strconv.Itoa(colons+1)+`}`))
	alice.Type("autopilot resume")
	alice.Out.WaitMatch(t, regexp.MustCompile(`(?m)^:autopilot resume`))
	alice.Type("\r")
	alice.Out.WaitMatch(t, regexp.MustCompile(`autopilot:ssh-test resumed`))
	logs.WaitMatch(t, regexp.MustCompile(`autopilot resume user=alice`))
	logs.WaitMatch(t, regexp.MustCompile(`(?s)autopilot resumed.*autopilot started a plan`))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := intents(); got != sent+1 && got != sent+2 {
		t.Fatalf("after the resume: %d sent, want %d or %d", got, sent+1, sent+2)
	}
}
