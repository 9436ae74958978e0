package main

import (
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

	"ecs-redeploy/ui/serve/sshtest"
)

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
	op, ops := sshtest.KeyFile(t, dir, "operators")
	addr, logs, stop := startServe(t, "--endpoint", strings.TrimPrefix(gate.URL, "http://"), "--region", "cn-hangzhou",
		"--host-key", filepath.Join(dir, "host_key"), "--operator-keys", ops, "--keepalive", "0")

	term := sshtest.Terminal{Term: "xterm-256color", Width: 120, Height: 40}
	alice := sshtest.Connect(t, addr, "alice", op, term)
	out, in := alice.Out, alice.Stdin
	out.WaitMatch(t, regexp.MustCompile(`kafka0`))
	for n := 1; n <= 7; n++ {
		out.PressUntil(t, in, " ", regexp.MustCompile(`\b`+strconv.Itoa(n)+` selected`))
	}
	out.PressUntil(t, in, "R", regexp.MustCompile(`Type the number of instances \(7\)`))
	// The dialog takes keys once it has settled: the count armed, then Redeploy focused.
	out.PressUntil(t, in, "7", regexp.MustCompile(`Redeploy 7 {2}`))
	// Under load the renderer may draw no frame between two keys: the frame with Redeploy
	// focused can be skipped when a second enter has already confirmed (it flaked so).
	started := regexp.MustCompile(`batch of 7 started`)
	out.PressUntil(t, in, "\r", regexp.MustCompile(`> Redeploy 7 <|batch of 7 started`))
	if !out.Within(started, 0) {
		// Redeploy has the focus; the dialog drops a key that comes too soon after the
		// last one (a paste guard), so enter is pressed until the batch starts.
		out.PressUntil(t, in, "\r", started)
	}
	out.WaitMatch(t, regexp.MustCompile(`batch: \d in flight · \d queued`)) // the hub moves the clock: a wave may end at once

	// The laptop's connection drops: no quit, no goodbye.
	_ = alice.Conn.Close()
	logs.WaitMatch(t, regexp.MustCompile(`session end user=alice`))
	out2 := sshtest.Connect(t, addr, "bob", op, term).Out
	out2.WaitMatch(t, regexp.MustCompile(`batch: \d in flight · \d queued`))
	close(gone)

	out2.WaitMatch(t, regexp.MustCompile(`last batch: 7 redeployed, 0 failed, 0 skipped`))
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
	logs.WaitMatch(t, regexp.MustCompile(`plan done plan=p-\S+ started_by=alice`))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
