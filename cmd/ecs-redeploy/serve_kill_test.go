package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/ui/serve/sshtest"
)

// Issue 19: plans outlive the process under serve too. A serve that runs a plan is killed
// with SIGKILL while a RedeployInstance is out (the call reached ECS; its answer never
// came back), with the rest of the plan queued. Started again, it resumes the plan from
// the state directory, reconciles the call through DescribeTasks, and finishes the plan
// without sending anything twice (counted at the server).
func TestServeKilledMidPlanResumesWithoutSendingTwice(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	dir := stateDir(t)
	cs := newClusterServer(t)
	// The first serve is a process of its own (this test binary running main, see
	// listingChild), so that SIGKILL ends it as it would end serve.
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	// The gate kills the first serve once its third RedeployInstance has reached the server.
	var mu sync.Mutex
	sent := 0
	var victim *exec.Cmd
	killed := make(chan struct{})
	// started is closed once the first serve's process is known (victim): its calls wait.
	started := make(chan struct{})
	u, _ := url.Parse("http://" + cs.addr)
	proxy := httputil.NewSingleHostReverseProxy(u)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == "RedeployInstance" {
			<-started
			mu.Lock()
			sent++
			n, v := sent, victim
			mu.Unlock()
			if n == 3 && v != nil {
				proxy.ServeHTTP(httptest.NewRecorder(), r) // applied; the answer is lost
				_ = v.Process.Kill()
				_ = v.Wait()
				close(killed)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	endpoint := strings.TrimPrefix(gate.URL, "http://")

	// An unfinished plan, as a console that quit before sending anything leaves it:
	// kafka0 and es0 first (deadline), then the web tier, at most 3 at once.
	g := &globalOptions{Endpoint: endpoint, Regions: []string{"cn-hangzhou"}, APITimeout: 10 * time.Second}
	b, _, err := openCloudBackend(g)
	if err != nil {
		t.Fatal(err)
	}
	store := &fleet.PlanStore{Dir: dir}
	h := fleet.New(b, fleet.Options{Regions: []string{"cn-hangzhou"}, Plans: store, Where: g.planWhere()})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	targets := []string{cs.ids[0], cs.ids[5], cs.ids[9], cs.ids[10], cs.ids[11]} // kafka0, es0, web0-2
	p, err := h.NewPlan(targets, fleet.PlanOptions{MaxInFlight: 3, OnFailure: fleet.FailurePause,
		Identity: backend.Identity{Name: "alice", Role: backend.RoleOperator}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	p.Close()

	keys := t.TempDir()
	_, ops := sshtest.KeyFile(t, keys, "operators")
	args := []string{"serve", "--endpoint", endpoint, "--region", "cn-hangzhou", "--listen", "127.0.0.1:0",
		"--host-key", filepath.Join(keys, "host_key"), "--operator-keys", ops}
	first := exec.Command(bin, args...)
	first.Env = append(os.Environ(), listingChild+"=main")
	logs := sshtest.NewBuffer()
	first.Stderr = logs
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	victim = first
	mu.Unlock()
	close(started)
	t.Cleanup(func() { _ = first.Process.Kill() })
	logs.WaitMatch(t, regexp.MustCompile(`plans resumed plans=1`))
	select {
	case <-killed:
	case <-time.After(30 * time.Second): // a backstop: a passing run never waits here
		t.Fatalf("the first serve never sent its third redeploy:\n%s", logs.String())
	}
	recs, err := store.Unfinished()
	if err != nil || len(recs) != 1 {
		t.Fatalf("after the kill: %d unfinished plans, %v", len(recs), err)
	}
	out, queued := 0, 0
	for _, it := range recs[0].Items {
		switch {
		case it.Status == fleet.ItemSubmitting && it.TaskID == "":
			out++
		case it.Status == fleet.ItemQueued:
			queued++
		}
	}
	if out != 1 || queued != 2 {
		t.Fatalf("the plan as the kill left it: %d calls out, %d queued; want 1 and 2: %+v", out, queued, recs[0].Items)
	}

	// Started again (in-process, its hub moving the server's clock): it resumes the plan.
	_, logs2, stop := startServe(t, args[1:]...)
	logs2.WaitMatch(t, regexp.MustCompile(`plan done plan=`+recs[0].ID))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, id := range targets {
		if cs.calls[id] != 1 {
			t.Errorf("%s: %d RedeployInstance calls, want 1", id, cs.calls[id])
		}
	}
	if left, _ := store.Unfinished(); len(left) != 0 {
		t.Fatalf("%d plans left unfinished", len(left))
	}
}
