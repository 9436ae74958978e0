package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// simServer serves a generated fleet on 127.0.0.1 through ecsapi, as sim-server does, and
// points the CLI's environment at it. The engine is returned so a test can count what
// really happened there.
func simServer(t *testing.T, seed int64, n int) (*sim.Engine, string) {
	t.Helper()
	cloudEnv(t, "")
	if !strings.HasPrefix(os.Getenv("XDG_STATE_HOME"), os.TempDir()) {
		stateDir(t) // the send locks of the redeploys it serves: never the user's own
	}
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	eng := sim.New(sim.Generate(seed, n, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: seed})
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "clitest", AccessKeySecret: "clisecret"})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	t.Setenv(aliyun.EnvAccessKeyID, "clitest")
	t.Setenv(aliyun.EnvAccessKeySecret, "clisecret")
	return eng, ep.Addr
}

// taskCount is how many redeploy tasks the engine holds in every region.
func taskCount(eng *sim.Engine) int {
	n := 0
	for _, r := range eng.Regions() {
		n += len(eng.Tasks(r.RegionID, sim.TaskFilter{}))
	}
	return n
}

// Issue 8, kind 1: an empty id reached the API as no filter, and the first instance of the
// answer was redeployed.
func TestRedeployOfNoInstanceIDRedeploysNothing(t *testing.T) {
	for _, id := range []string{"", " ", "i-", "I-BP1ABC", "i-bp1 i-bp2", "bp1abc", "i-bp1abc,i-bp1def", `["i-bp1abc"]`} {
		t.Run(id, func(t *testing.T) {
			eng, addr := simServer(t, 3, 200) // seed 3: the most urgent instance of cn-hangzhou is redeployable
			out, err := run(t, "redeploy", id, "--endpoint", addr, "--region", "cn-hangzhou", "--yes")
			if err == nil {
				t.Fatalf("redeploy %q succeeded:\n%s", id, out)
			}
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "instance id") {
				t.Errorf("error %v; want a usage error about the instance id", err)
			}
			if n := taskCount(eng); n != 0 {
				t.Fatalf("%d redeploy tasks started for id %q", n, id)
			}
		})
	}
}

// noWait gives the real backend a clock that only sleeps move, so retries and the
// reconcile budget run without waiting; it returns the total slept.
func noWait(t *testing.T) *time.Duration {
	t.Helper()
	var mu sync.Mutex
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var slept time.Duration
	adjustCloudOptions = func(o *aliyun.Options) {
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			now = now.Add(d)
			slept += d
			mu.Unlock()
			return ctx.Err()
		}
	}
	t.Cleanup(func() { adjustCloudOptions = nil })
	return &slept
}

// redeployable is an instance of cn-hangzhou that RedeployInstance accepts now.
func redeployable(t *testing.T, eng *sim.Engine) model.Instance {
	t.Helper()
	for _, in := range eng.PendingInstances([]string{"cn-hangzhou"}, nil) {
		if in.Status == model.StatusRunning && model.Evaluate(&in, eng.Now(), false).Allowed {
			return in
		}
	}
	t.Fatal("fixture: no redeployable instance in cn-hangzhou")
	return model.Instance{}
}

// Issue 8, kind 4: a reply to RedeployInstance that proves nothing (200 {}, an empty 200,
// a gateway's 502 page) was taken as a task with no id. The call was applied, so the
// task is found through DescribeTasks and named; nothing is started twice.
func TestRedeployReplyThatProvesNothingIsReconciled(t *testing.T) {
	for _, kind := range []sim.BadReply{sim.BadReplyEmptyJSON, sim.BadReplyEmpty, sim.BadReplyGateway} {
		t.Run(string(kind), func(t *testing.T) {
			eng, addr := simServer(t, 3, 200)
			noWait(t)
			in := redeployable(t, eng)
			eng.SetFaults(sim.Faults{BadReplyRate: 1, BadReply: kind, Actions: []string{"RedeployInstance"}})
			out, err := run(t, "redeploy", in.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			tasks := eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{in.ID}})
			if len(tasks) != 1 || taskCount(eng) != 1 {
				t.Fatalf("engine has %d tasks for the instance, %d in all; want 1", len(tasks), taskCount(eng))
			}
			if !strings.Contains(out, "started task "+tasks[0].ID+" (") || strings.Contains(out, "RequestId )") || !strings.Contains(out, "found the task through DescribeTasks") {
				t.Errorf("output does not name the engine's task %s as found after a lost reply:\n%s", tasks[0].ID, out)
			}
			// Trying again, as a user would after a doubtful reply, starts nothing more.
			eng.SetFaults(sim.Faults{})
			// Issue 21, kind 4: the refusal names the task in progress, as the batch path does,
			// not the instance's status that the task caused.
			_, err = run(t, "redeploy", in.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes")
			who := (&globalOptions{}).localIdentity().String()
			if !errors.Is(err, fleet.ErrInProgress) || !strings.Contains(err.Error(), "task "+tasks[0].ID) || !strings.Contains(err.Error(), "started by "+who) || strings.Contains(err.Error(), "IncorrectInstanceStatus") {
				t.Errorf("second redeploy: %v; want a refusal that names task %s and who started it (%s)", err, tasks[0].ID, who)
			}
			if n := taskCount(eng); n != 1 {
				t.Fatalf("engine has %d tasks after trying again; want 1", n)
			}
		})
	}
}

// Issue 8, kind 4: a gateway's 502 page when the call may not have reached ECS is not
// "did not start, safe to try again": it is outcome unknown, checked for the whole
// reconcile budget, and one sentence says to check before trying again.
func TestRedeployGateway502IsOutcomeUnknown(t *testing.T) {
	eng, addr := simServer(t, 3, 200)
	slept := noWait(t)
	in := redeployable(t, eng)
	gw := gateway(t, addr, "RedeployInstance")
	out, err := run(t, "redeploy", in.ID, "--endpoint", gw, "--region", "cn-hangzhou", "--yes")
	if !errors.Is(err, backend.ErrOutcomeUnknown) {
		t.Fatalf("error %v; want outcome unknown\n%s", err, out)
	}
	msg := safetext.Terminal(err.Error())
	if strings.Contains(msg, "safe to try again") || strings.Contains(msg, "try again later") || !strings.HasSuffix(msg, "before trying again") || !strings.Contains(msg, "502") {
		t.Errorf("message %q", msg)
	}
	if *slept < 30*time.Second {
		t.Errorf("reconciled for %v; want the 30s budget", *slept)
	}
	if n := taskCount(eng); n != 0 {
		t.Fatalf("engine has %d tasks", n)
	}
}

// gateway is an HTTP server on 127.0.0.1 in front of the simulator at target. It forwards
// every call but those of action, which it answers itself with a 502 page, as a gateway
// that could not reach ECS — or did, and lost the answer — does.
func gateway(t *testing.T, target, action string) string {
	t.Helper()
	u, _ := url.Parse("http://" + target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == action {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Issue 8, kind 4: a 200 {} to DescribeInstanceHistoryEvents is not "no pending event".
func TestEventsReplyThatProvesNothingIsAnError(t *testing.T) {
	for _, kind := range []sim.BadReply{sim.BadReplyEmptyJSON, sim.BadReplyEmpty, sim.BadReplyGateway} {
		t.Run(string(kind), func(t *testing.T) {
			eng, addr := simServer(t, 3, 200)
			noWait(t)
			eng.SetFaults(sim.Faults{BadReplyRate: 1, BadReply: kind, Actions: []string{"DescribeInstanceHistoryEvents"}})
			out, err := run(t, "events", "--endpoint", addr, "--region", "cn-hangzhou")
			if err == nil || strings.Contains(out, "No instance has a pending system event") {
				t.Fatalf("events: %v\n%s", err, out)
			}
			if !errors.Is(err, backend.ErrUnprovenReply) || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q; want one line naming %s", err, addr)
			}
		})
	}
}

// Issue 8, kind 5: with an audit log that cannot be written, nothing is sent. /dev/full
// is refused as it is opened (issue 21: the audit log must be a regular file), before
// anything is sent; a regular file whose write fails is backend.Audit's test.
func TestRedeployWithUnwritableAuditLogSendsNothing(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	eng, addr := simServer(t, 3, 200)
	in := redeployable(t, eng)
	out, err := run(t, "redeploy", in.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes", "--audit-log", "/dev/full")
	if !errors.Is(err, localfile.ErrNotRegular) || !strings.Contains(err.Error(), "--audit-log: /dev/full is a device") {
		t.Fatalf("error %v; want the audit log refused\n%s", err, out)
	}
	if n := taskCount(eng); n != 0 {
		t.Fatalf("engine has %d tasks: the redeploy went ahead without its audit intent", n)
	}
}

// The audit log of a real-API redeploy: intent then result, linked, with the identity and
// the RedeployInstance RequestId, and never the secret.
func TestRedeployAuditLogThroughTheAPI(t *testing.T) {
	eng, addr := simServer(t, 3, 200)
	in := redeployable(t, eng)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	out, err := run(t, "redeploy", in.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--yes", "--audit-log", path)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "clisecret") {
		t.Fatalf("the audit log holds the secret:\n%s", raw)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), raw)
	}
	var intent, result backend.AuditRecord
	if json.Unmarshal([]byte(lines[0]), &intent) != nil || json.Unmarshal([]byte(lines[1]), &result) != nil {
		t.Fatalf("not JSON lines:\n%s", raw)
	}
	tasks := eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{in.ID}})
	if intent.Phase != backend.AuditIntent || result.Phase != backend.AuditResult || intent.ID == "" || intent.ID != result.ID ||
		intent.Identity.Role != backend.RoleOperator || intent.Identity.Name == "" || result.TaskID != tasks[0].ID ||
		result.RequestID == "" || !strings.Contains(out, result.RequestID) {
		t.Errorf("intent %+v\nresult %+v", intent, result)
	}
}

func TestSimServerBadReplyFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--bad-reply-rate", "1.5"},
		{"--bad-reply", "503"},
	} {
		_, err := run(t, append([]string{"sim-server", "--listen", "127.0.0.1:0"}, args...)...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v; want a usage error", args, err)
		}
	}
}
