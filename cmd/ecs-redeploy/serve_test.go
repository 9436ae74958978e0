package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/ui/serve/sshtest"
)

// startServe runs `ecs-redeploy serve ARGS…` in-process until the returned stop is called,
// and returns the address it listens on.
func startServe(t *testing.T, args ...string) (addr string, logs *sshtest.Buffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = sshtest.NewBuffer()
	cmd := newRootCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(logs)
	cmd.SetArgs(append([]string{"serve", "--listen", "127.0.0.1:0"}, args...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	addr = logs.WaitMatch(t, regexp.MustCompile(`listen addr=(127\.0\.0\.1:\d+)`))
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return addr, logs, stop
}

func TestServeCommandServesTheDemoAndShutsDownOnSignal(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	dir := t.TempDir()
	viewer, viewers := sshtest.KeyFile(t, dir, "viewers")
	operator, operators := sshtest.KeyFile(t, dir, "operators")
	hostKey, audit := filepath.Join(dir, "host_key"), filepath.Join(dir, "audit.jsonl")
	addr, logs, stop := startServe(t, "--demo", "--scenario", scenario, "--host-key", hostKey,
		"--authorized-keys", viewers, "--operator-keys", operators, "--audit-log", audit)

	connect := func(user string, key gossh.Signer) *sshtest.Client {
		return sshtest.Connect(t, addr, user, key, sshtest.Terminal{Term: "xterm-256color", Width: 120, Height: 30})
	}
	// SIGHUP re-reads the key files (and does not end the process).
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	logs.WaitMatch(t, regexp.MustCompile(`reload key files`))

	v := connect("vera", viewer)
	vOut, vErr := v.Out, v.ErrOut
	vOut.WaitMatch(t, regexp.MustCompile(`i-uf6hdfs000000000007`))
	vOut.WaitMatch(t, regexp.MustCompile(`READ-ONLY`))

	// The operator finds the web instance (no local disks: no id to type) with the filter.
	o := connect("oscar", operator)
	oOut, oIn := o.Out, o.Stdin
	oOut.WaitMatch(t, regexp.MustCompile(`i-uf6hdfs000000000007`))
	// Typed, not pasted: a burst outside a text field is never a key.
	_, _ = io.WriteString(oIn, "/")
	oOut.WaitMatch(t, regexp.MustCompile(`(?m)^/`))
	_, _ = io.WriteString(oIn, "web-prod-001")
	oOut.WaitMatch(t, regexp.MustCompile(`1 of 7`))
	_, _ = io.WriteString(oIn, "\r")
	// R on its own, not in the same burst as the enter: a burst is pasted text.
	oOut.PressUntil(t, oIn, "R", regexp.MustCompile(`ForceStop:`))
	oOut.PressUntil(t, oIn, "\t", regexp.MustCompile(`> Redeploy <`))
	oOut.Choose(t, oIn, regexp.MustCompile(`redeploy submitted|started: task`))
	task := oOut.WaitMatch(t, regexp.MustCompile(`started: task (t-[0-9a-z]+)`))
	vOut.WaitMatch(t, regexp.MustCompile(`IN PROGRESS`))

	if err := stop(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	vErr.WaitMatch(t, regexp.MustCompile(`shutting down`))
	data, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"oscar"`, gossh.FingerprintSHA256(operator.PublicKey()), task} {
		if !strings.Contains(string(data), want) {
			t.Errorf("audit lacks %s:\n%s", want, data)
		}
	}
	logs.WaitMatch(t, regexp.MustCompile(`session end user=vera .*reason=shutdown`))
	logs.WaitMatch(t, regexp.MustCompile(`redeploy started user=oscar fingerprint=SHA256:\S+ role=operator`))

	// A restart keeps the host key: clients do not see it change.
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", fi, err)
	}
	fp := logs.WaitMatch(t, regexp.MustCompile(`host_key=(SHA256:\S+)`))
	_, logs2, _ := startServe(t, "--demo", "--host-key", hostKey, "--authorized-keys", viewers)
	if fp2 := logs2.WaitMatch(t, regexp.MustCompile(`host_key=(SHA256:\S+)`)); fp2 != fp {
		t.Errorf("host key changed across restarts: %s then %s", fp, fp2)
	}
}

func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	_, viewers := sshtest.KeyFile(t, dir, "viewers")
	privateKey, junk := filepath.Join(dir, "alice"), filepath.Join(dir, "junk")
	if err := os.WriteFile(privateKey, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("\x00\xff\x13 random\nbytes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"no key files", []string{"serve", "--demo"}, "--authorized-keys", true},
		{"negative max sessions", []string{"serve", "--demo", "--authorized-keys", viewers, "--max-sessions", "-1"}, "--max-sessions", true},
		{"bad log format", []string{"serve", "--demo", "--authorized-keys", viewers, "--log-format", "xml"}, "--log-format", true},
		{"max startups not start:rate:full", []string{"serve", "--demo", "--authorized-keys", viewers, "--max-startups", "10:30"}, "--max-startups", true},
		{"max startups start above full", []string{"serve", "--demo", "--authorized-keys", viewers, "--max-startups", "100:30:10"}, "above full", true},
		{"negative login grace time", []string{"serve", "--demo", "--authorized-keys", viewers, "--login-grace-time", "-1s"}, "--login-grace-time", true},
		{"negative per-source cap", []string{"serve", "--demo", "--authorized-keys", viewers, "--per-source-max-startups", "-1"}, "--per-source-max-startups", true},
		{"missing key file", []string{"serve", "--demo", "--host-key", filepath.Join(dir, "hk"), "--authorized-keys", filepath.Join(dir, "nope")}, "nope", true},
		// Tester's defect 8: a private key given for its .pub, or junk, started a server
		// that refused every login.
		{"a private key as operator keys", []string{"serve", "--demo", "--host-key", filepath.Join(dir, "hk"), "--authorized-keys", viewers, "--operator-keys", privateKey}, "--operator-keys " + privateKey + " holds no public key: it holds a private key", true},
		{"junk as viewer keys", []string{"serve", "--demo", "--host-key", filepath.Join(dir, "hk"), "--authorized-keys", junk}, "--authorized-keys " + junk + " holds no public key", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, tc.args...)
			var ue usageError
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
				t.Fatalf("err = %v (usage %v), want %q (usage %v)", err, errors.As(err, &ue), tc.want, tc.usage)
			}
		})
	}
	// A refused key file leaves no private host key behind (it was generated first, by
	// default into the working directory: a clone, where it could be committed).
	if _, err := os.Stat(filepath.Join(dir, "hk")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused --authorized-keys left a host key: %v", err)
	}
	hk := filepath.Join(dir, "host_key")
	if err := os.WriteFile(hk, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, "serve", "--demo", "--listen", "127.0.0.1:0", "--host-key", hk, "--authorized-keys", viewers)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("host key with mode 0644: %v", err)
	}
}
