package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// sshConsole opens a console session on serve at addr as user, answering the renderer's
// terminal queries; the connection is returned so a test can drop it.
func sshConsole(t *testing.T, addr, user string, key gossh.Signer) (*gossh.Client, *lockedBuffer, io.Writer) {
	t.Helper()
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
	out := newLockedBuffer()
	sess.Stdout, sess.Stderr = out, out
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	out.wait(t, regexp.MustCompile(`\x1b\]11;\?`), func(s string) string { return s })
	_, _ = io.WriteString(in, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
	return conn, out, in
}

// Issue 19: a batch belongs to the team, not to the session that started it. Over SSH an
// operator starts a batch of 7 (at most 3 in flight) and their connection drops after the
// first sends: the hub sends the other ones all the same, each exactly once (counted at
// the API), and a second session follows the plan to its summary.
func TestServeBatchOutlivesTheSessionThatStartedIt(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	stateDir(t)
	cs := newClusterServer(t)
	// A gate in front of the server: the third RedeployInstance waits until the session
	// that started the batch is gone.
	gone := make(chan struct{})
	var mu sync.Mutex
	sent := 0
	u, _ := url.Parse("http://" + cs.addr)
	proxy := httputil.NewSingleHostReverseProxy(u)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == "RedeployInstance" {
			mu.Lock()
			sent++
			n := sent
			mu.Unlock()
			if n == 3 {
				<-gone
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)

	dir := t.TempDir()
	op, ops := sshKey(t, dir, "operators")
	addr, logs, stop := startServe(t, "--endpoint", strings.TrimPrefix(gate.URL, "http://"), "--region", "cn-hangzhou",
		"--host-key", filepath.Join(dir, "host_key"), "--operator-keys", ops, "--keepalive", "0")

	conn, out, in := sshConsole(t, addr, "alice", op)
	out.waitMatch(t, regexp.MustCompile(`kafka0`))
	for n := 1; n <= 7; n++ {
		out.pressUntil(t, in, " ", regexp.MustCompile(`\b`+strconv.Itoa(n)+` selected`))
	}
	out.pressUntil(t, in, "R", regexp.MustCompile(`Type the number of instances \(7\)`))
	// The dialog takes keys once it has settled: the count armed, then Redeploy focused.
	out.pressUntil(t, in, "7", regexp.MustCompile(`Redeploy 7 {2}`))
	out.pressUntil(t, in, "\r", regexp.MustCompile(`> Redeploy 7 <`))
	out.pressUntil(t, in, "\r", regexp.MustCompile(`batch of 7 started`))
	out.waitMatch(t, regexp.MustCompile(`batch: 2 in flight · 5 queued`))

	// The laptop's connection drops: no quit, no goodbye.
	_ = conn.Close()
	logs.waitMatch(t, regexp.MustCompile(`session end user=alice`))
	_, out2, _ := sshConsole(t, addr, "bob", op)
	out2.waitMatch(t, regexp.MustCompile(`batch: \d in flight · \d queued`))
	close(gone)

	out2.waitMatch(t, regexp.MustCompile(`last batch: 7 redeployed, 0 failed, 0 skipped`))
	cs.mu.Lock()
	calls := 0
	for id, n := range cs.calls {
		calls += n
		if n != 1 {
			t.Errorf("%s: %d RedeployInstance calls", id, n)
		}
	}
	cs.mu.Unlock()
	if calls != 7 {
		t.Fatalf("%d RedeployInstance calls, want the 7 of the batch", calls)
	}
	logs.waitMatch(t, regexp.MustCompile(`plan done plan=p-\S+ started_by=alice`))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
