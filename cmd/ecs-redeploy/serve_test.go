package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// lockedBuffer is written by the server and read by the test.
type lockedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{changed: make(chan struct{})} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.b.Write(p)
}

// waitMatch waits until re matches the text (escape sequences stripped) and returns the
// first submatch, or the whole match.
func (l *lockedBuffer) waitMatch(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	return l.wait(t, re, ansi.Strip)
}

// pressUntil sends key until the screen matches re: the dialog ignores keys until it has
// settled (300 ms on the server's real clock), as it ignores the rest of a burst.
func (l *lockedBuffer) pressUntil(t *testing.T, in io.Writer, key string, re *regexp.Regexp) {
	t.Helper()
	for range 30 {
		_, _ = io.WriteString(in, key)
		if l.within(re, 500*time.Millisecond) {
			return
		}
	}
	t.Fatalf("%q never brought %s", key, re)
}

// within reports whether the screen matches re before d has passed.
func (l *lockedBuffer) within(re *regexp.Regexp, d time.Duration) bool {
	deadline := time.After(d)
	for {
		l.mu.Lock()
		text, ch := ansi.Strip(l.b.String()), l.changed
		l.mu.Unlock()
		if re.MatchString(text) {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

func (l *lockedBuffer) wait(t *testing.T, re *regexp.Regexp, clean func(string) string) string {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		l.mu.Lock()
		text, ch := clean(l.b.String()), l.changed
		l.mu.Unlock()
		if m := re.FindStringSubmatch(text); m != nil {
			return m[len(m)-1]
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("never matched %s in:\n%s", re, text)
		}
	}
}

func sshKey(t *testing.T, dir, name string) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, gossh.MarshalAuthorizedKey(s.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, path
}

// startServe runs `ecs-redeploy serve ARGS…` in-process until the returned stop is called,
// and returns the address it listens on.
func startServe(t *testing.T, args ...string) (addr string, logs *lockedBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = newLockedBuffer()
	cmd := newRootCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(logs)
	cmd.SetArgs(append([]string{"serve", "--listen", "127.0.0.1:0"}, args...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	addr = logs.waitMatch(t, regexp.MustCompile(`listen addr=(127\.0\.0\.1:\d+)`))
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
	viewer, viewers := sshKey(t, dir, "viewers")
	operator, operators := sshKey(t, dir, "operators")
	hostKey, audit := filepath.Join(dir, "host_key"), filepath.Join(dir, "audit.jsonl")
	addr, logs, stop := startServe(t, "--demo", "--scenario", scenario, "--host-key", hostKey,
		"--authorized-keys", viewers, "--operator-keys", operators, "--audit-log", audit)

	connect := func(user string, key gossh.Signer) (*gossh.Session, *lockedBuffer, *lockedBuffer, io.Writer) {
		conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 15 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out, errOut := newLockedBuffer(), newLockedBuffer()
		sess.Stdout, sess.Stderr = out, errOut
		in, err := sess.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		out.wait(t, regexp.MustCompile(`\x1b\]11;\?`), func(s string) string { return s }) // the renderer asks; a terminal answers
		_, _ = io.WriteString(in, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
		return sess, out, errOut, in
	}
	// SIGHUP re-reads the key files (and does not end the process).
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	logs.waitMatch(t, regexp.MustCompile(`reload key files`))

	_, vOut, vErr, _ := connect("vera", viewer)
	vOut.waitMatch(t, regexp.MustCompile(`i-uf6hdfs000000000007`))
	vOut.waitMatch(t, regexp.MustCompile(`READ-ONLY`))

	// The operator finds the web instance (no local disks: no id to type) with the filter.
	_, oOut, _, oIn := connect("oscar", operator)
	oOut.waitMatch(t, regexp.MustCompile(`i-uf6hdfs000000000007`))
	// Typed, not pasted: a burst outside a text field is never a key.
	_, _ = io.WriteString(oIn, "/")
	oOut.waitMatch(t, regexp.MustCompile(`(?m)^/`))
	_, _ = io.WriteString(oIn, "web-prod-001")
	oOut.waitMatch(t, regexp.MustCompile(`1 of 7`))
	_, _ = io.WriteString(oIn, "\r")
	// R on its own, not in the same burst as the enter: a burst is pasted text.
	oOut.pressUntil(t, oIn, "R", regexp.MustCompile(`ForceStop:`))
	oOut.pressUntil(t, oIn, "\t", regexp.MustCompile(`> Redeploy <`))
	_, _ = io.WriteString(oIn, "\r")
	task := oOut.waitMatch(t, regexp.MustCompile(`started: task (t-[0-9a-z]+)`))
	vOut.waitMatch(t, regexp.MustCompile(`IN PROGRESS`))

	if err := stop(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	vErr.waitMatch(t, regexp.MustCompile(`shutting down`))
	data, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"oscar"`, gossh.FingerprintSHA256(operator.PublicKey()), task} {
		if !strings.Contains(string(data), want) {
			t.Errorf("audit lacks %s:\n%s", want, data)
		}
	}
	logs.waitMatch(t, regexp.MustCompile(`session end user=vera .*reason=shutdown`))
	logs.waitMatch(t, regexp.MustCompile(`redeploy started user=oscar fingerprint=SHA256:\S+ role=operator`))

	// A restart keeps the host key: clients do not see it change.
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", fi, err)
	}
	fp := logs.waitMatch(t, regexp.MustCompile(`host_key=(SHA256:\S+)`))
	_, logs2, _ := startServe(t, "--demo", "--host-key", hostKey, "--authorized-keys", viewers)
	if fp2 := logs2.waitMatch(t, regexp.MustCompile(`host_key=(SHA256:\S+)`)); fp2 != fp {
		t.Errorf("host key changed across restarts: %s then %s", fp, fp2)
	}
}

func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	_, viewers := sshKey(t, dir, "viewers")
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"no key files", []string{"serve", "--demo"}, "--authorized-keys", true},
		{"negative max sessions", []string{"serve", "--demo", "--authorized-keys", viewers, "--max-sessions", "-1"}, "--max-sessions", true},
		{"bad log format", []string{"serve", "--demo", "--authorized-keys", viewers, "--log-format", "xml"}, "--log-format", true},
		{"missing key file", []string{"serve", "--demo", "--host-key", filepath.Join(dir, "hk"), "--authorized-keys", filepath.Join(dir, "nope")}, "nope", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, tc.args...)
			var ue usageError
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
				t.Fatalf("err = %v (usage %v), want %q (usage %v)", err, errors.As(err, &ue), tc.want, tc.usage)
			}
		})
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
