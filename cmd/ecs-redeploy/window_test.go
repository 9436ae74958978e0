package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// windowScenario: the server starts at 11:00 UTC+8. web-1 and web-2 (tag app web) are
// inside their window now; db-1's window opens at 13:00, in two hours; late's opens at
// 02:00, after its deadline; none has no window.
const windowScenario = `
regions: [cn-hangzhou]
instances:
  - {id: i-bp1web1000000000000001, name: web-1, region: cn-hangzhou, zone: cn-hangzhou-h, status: Running, tags: {app: web},
     maintenance: {windows: [{start: "10:00:00", end: "14:00:00"}]},
     events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+10h", host: h-1, rack: r-1}]}
  - {id: i-bp1web2000000000000002, name: web-2, region: cn-hangzhou, zone: cn-hangzhou-i, status: Running, tags: {app: web},
     maintenance: {windows: [{start: "10:00:00", end: "14:00:00"}]},
     events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+11h", host: h-2, rack: r-1}]}
  - {id: i-bp1db10000000000000003, name: db-1, region: cn-hangzhou, zone: cn-hangzhou-j, status: Running, tags: {app: db},
     maintenance: {windows: [{start: "13:00:00", end: "15:00:00"}]},
     events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+10h"}]}
  - {id: i-bp1late000000000000004, name: late, region: cn-hangzhou, zone: cn-hangzhou-h, status: Running, tags: {app: db},
     maintenance: {windows: [{start: "02:00:00", end: "04:00:00"}]},
     events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+5h"}]}
  - {id: i-bp1none000000000000005, name: none, region: cn-hangzhou, zone: cn-hangzhou-h, status: Running,
     maintenance: {action: AutoRecover},
     events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+5h"}]}
`

// windowServer serves windowScenario on 127.0.0.1 behind a checkpoint that records, at
// every RedeployInstance, the server's clock and whether the instance was inside its
// window, and after it, from the server's own DescribeTasks, how many of app web are
// Processing; it counts DescribeInstanceMaintenanceAttributes calls. The batch's hub
// moves the server's stepped clock instead of sleeping.
type windowServer struct {
	addr  string
	start time.Time

	mu         sync.Mutex
	sent       map[string]time.Time
	violations []string
	maintReads int
}

func newWindowServer(t *testing.T) *windowServer {
	t.Helper()
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	ws := &windowServer{start: sim.Epoch, sent: map[string]time.Time{}} // 11:00 UTC+8
	f, err := sim.ParseScenario("windows.yaml", []byte(windowScenario), ws.start)
	if err != nil {
		t.Fatal(err)
	}
	clock := sim.NewStepClock(ws.start)
	eng := sim.New(f, clock, sim.Options{Seed: 1})
	epAddr := serveSim(t, eng)
	noWait(t)
	checker, _, err := openCloudBackend(&globalOptions{Endpoint: epAddr, Regions: []string{"cn-hangzhou"}, APITimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	app := map[string]string{}
	for _, in := range f.Instances {
		app[in.ID] = in.Tags["app"]
	}
	u, _ := url.Parse("http://" + epAddr)
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		switch r.URL.Query().Get("Action") {
		case "DescribeInstanceMaintenanceAttributes":
			ws.maintReads++
		case "RedeployInstance":
			id := r.URL.Query().Get("InstanceId")
			now := clock.Now()
			ws.sent[id] = now
			a := eng.MaintenanceAttributes("cn-hangzhou", []string{id})
			if len(a) != 1 || !a[0].InWindow(now) {
				ws.violations = append(ws.violations, fmt.Sprintf("%s sent at %s, outside its window", id, now.Format(time.RFC3339)))
			}
			proxy.ServeHTTP(w, r)
			tasks, err := checker.ListTasks(context.Background(), backend.TaskQuery{RegionID: "cn-hangzhou", Status: model.TaskProcessing})
			if err != nil {
				ws.violations = append(ws.violations, "DescribeTasks: "+err.Error())
			}
			web := 0
			for _, tk := range tasks {
				if app[tk.ResourceID] == "web" {
					web++
				}
			}
			if web > 1 {
				ws.violations = append(ws.violations, fmt.Sprintf("%d of app web Processing at once after %s", web, id))
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	ws.addr = strings.TrimPrefix(front.URL, "http://")
	type timer struct {
		at time.Time
		c  chan time.Time
	}
	var timers []timer
	adjustHubOptions = func(o *fleet.Options) {
		o.Now = clock.Now
		o.Interval = 30 * time.Second
		o.NewEvery = -1
		// The refresh and task loops' short waits move the server's clock instead of
		// sleeping; a longer wait (the plan's for db-1's window) is a timer that fires
		// once their waits have moved the clock past it, while the tasks go on.
		o.After = func(d time.Duration) <-chan time.Time {
			ws.mu.Lock()
			defer ws.mu.Unlock()
			c := make(chan time.Time, 1)
			if d > 30*time.Second {
				timers = append(timers, timer{at: clock.Now().Add(d), c: c})
				return c
			}
			clock.Advance(d)
			now := clock.Now()
			timers = slices.DeleteFunc(timers, func(tm timer) bool {
				if now.Before(tm.at) {
					return false
				}
				tm.c <- now
				return true
			})
			c <- now
			return c
		}
	}
	t.Cleanup(func() { adjustHubOptions = nil })
	return ws
}

var windowIDs = []string{"i-bp1web1000000000000001", "i-bp1web2000000000000002", "i-bp1db10000000000000003", "i-bp1late000000000000004", "i-bp1none000000000000005"}

func (ws *windowServer) args(extra ...string) []string {
	args := []string{"redeploy", "--endpoint", ws.addr, "--region", "cn-hangzhou", "--poll", "30s", "--in-window", "--max-per", "app=1", "--wait"}
	return append(append(args, extra...), windowIDs...)
}

// check asserts what the server saw: web-1, web-2 and db-1 each sent once inside its
// window (db-1 at its start or after), never two of app web Processing at once, late and
// none never sent, and the windows read once.
func (ws *windowServer) check(t *testing.T, out string) {
	t.Helper()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if len(ws.violations) > 0 {
		t.Fatalf("the server saw: %v\n%s", ws.violations, out)
	}
	if len(ws.sent) != 3 || !ws.sent["i-bp1late000000000000004"].IsZero() || !ws.sent["i-bp1none000000000000005"].IsZero() {
		t.Fatalf("sent %v", ws.sent)
	}
	if db := ws.sent["i-bp1db10000000000000003"]; db.Before(ws.start.Add(2 * time.Hour)) {
		t.Fatalf("db-1 sent at %s, before its window opened at %s", db, ws.start.Add(2*time.Hour))
	}
	if ws.maintReads != 1 {
		t.Fatalf("%d DescribeInstanceMaintenanceAttributes calls, want 1: a plan waiting for a window asks nothing", ws.maintReads)
	}
}

// Issue 23: `redeploy --in-window --max-per app=1` over real HTTP against sim-server with
// a scenario of windows: each instance is sent inside its window and before its deadline
// (checked at the server, on its clock, at every RedeployInstance), never two of app web
// Processing at once (the server's own DescribeTasks), the one whose window opens later
// goes at its start, and the two no window fits are left for a person with the reason,
// listed before anything is sent with when each target is due.
func TestRedeployInWindowAgainstSimServer(t *testing.T) {
	stateDir(t)
	ws := newWindowServer(t)
	out, err := run(t, ws.args()...)
	// Two left for a person: the batch did not do all it was given (exit 1, not 2).
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "3 redeployed, 0 failed, 2 skipped") {
		t.Fatalf("err %v\n%s", err, out)
	}
	for _, want := range []string{
		"at most 1 per tag app, inside each instance's maintenance window, 30m before its deadline at the latest",
		"i-bp1web1000000000000001", "due now (window 10:00:00–14:00:00 UTC+8)",
		"due 2026-11-25T05:00:00Z, in 2h (window 13:00:00–15:00:00 UTC+8)",
		"i-bp1late000000000000004 late                 no maintenance window before 2026-11-25T07:30:00Z, 30m before the deadline 2026-11-25T08:00:00Z (the next, 02:00:00–04:00:00 UTC+8, starts 2026-11-25T18:00:00Z); left for a person",
		"i-bp1none000000000000005 none                 no maintenance window is set",
		"in window: 2 due now, 1 wait for their window (the first opens 2026-11-25T05:00:00Z, in 2h), 2 left for a person (no window fits before the deadline − 30m; see skipped)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "in window: "), strings.Index(out, "submitting"); i < 0 || j < i {
		t.Errorf("the schedule is not shown before the first send:\n%s", out)
	}
	ws.check(t, out)
}

// With --json, the schedule is in the JSON lines too: before anything is sent, each
// target queued with when it is due and its window, each one no window fits skipped with
// the reason.
func TestRedeployInWindowJSON(t *testing.T) {
	stateDir(t)
	ws := newWindowServer(t)
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(ws.args("--json"))
	if err := cmd.Execute(); err == nil {
		t.Fatalf("two left for a person, yet exit 0\n%s", out.String())
	}
	type line struct {
		Instance, Status, Reason, Window string
		Due                              time.Time
	}
	var lines []line
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		lines = append(lines, x)
	}
	first := slices.IndexFunc(lines, func(x line) bool { return x.Status == "submitting" })
	due := map[string]line{}
	for _, x := range lines[:max(first, 0)] {
		due[x.Instance] = x
	}
	if x := due["i-bp1db10000000000000003"]; x.Status != "queued" || !x.Due.Equal(ws.start.Add(2*time.Hour)) || x.Window != "13:00:00–15:00:00 UTC+8" {
		t.Errorf("db-1 before the first send: %+v", x)
	}
	if x := due["i-bp1web1000000000000001"]; x.Status != "queued" || x.Due.After(ws.start) {
		t.Errorf("web-1 before the first send: %+v", x)
	}
	if x := due["i-bp1late000000000000004"]; x.Status != "skipped" || !strings.HasPrefix(x.Reason, "no maintenance window before 2026-11-25T07:30:00Z, 30m before the deadline 2026-11-25T08:00:00Z") {
		t.Errorf("late before the first send: %+v", x)
	}
	if !strings.Contains(errOut.String(), "in window: 2 due now") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	ws.check(t, out.String())
}

// A bad --max-per is one line naming the flag and what to write, exit 2, before anything
// is opened.
func TestRedeployMaxPerBadValue(t *testing.T) {
	for _, v := range []string{"app", "app=0", "=1", "tag:=2", "host=many"} {
		_, err := run(t, "redeploy", "--demo", "--max-per", v, "i-bp1webprod0000000001", "i-bp1batch000000000003")
		var ue usageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "--max-per ") || !strings.Contains(err.Error(), "app=1") ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("--max-per %s: %v", v, err)
		}
	}
	if _, err := run(t, "redeploy", "--resume", "--in-window"); err == nil || !strings.Contains(err.Error(), "keep the rules a plan was saved with") {
		t.Errorf("--resume --in-window: %v", err)
	}
}

// --margin is how long before the deadline a plan that keeps to windows stops sending:
// alone, negative, or with --resume it is one line naming it, exit 2.
func TestRedeployMarginGoesWithInWindow(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--margin", "10m", "i-bp1webprod0000000001", "i-bp1batch000000000003"}, "give it with --in-window"},
		{[]string{"--in-window", "--margin", "-5m", "i-bp1webprod0000000001", "i-bp1batch000000000003"}, "--margin must not be negative"},
		{[]string{"--resume", "--margin", "10m"}, "keep the rules a plan was saved with"},
	} {
		_, err := run(t, append([]string{"redeploy", "--demo"}, tc.args...)...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error saying %q", tc.args, err, tc.want)
		}
	}
}

// A plan that keeps to windows with --margin 0 sends up to the deadline, as before the
// margin: late's reason names the deadline alone.
func TestRedeployMarginZeroKeepsToTheDeadline(t *testing.T) {
	stateDir(t)
	ws := newWindowServer(t)
	out, _ := run(t, ws.args("--margin", "0")...)
	for _, want := range []string{
		"inside each instance's maintenance window, before its deadline, on failure abort",
		"late                 no maintenance window before the deadline 2026-11-25T08:00:00Z (the next",
		"2 left for a person (no window fits before the deadline; see skipped)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A target whose chance the margin ends before its window does says until when.
func TestDueWordsSayTheCut(t *testing.T) {
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	deadline := now.Add(2*time.Hour + 45*time.Minute)
	it := fleet.PlanItem{Deadline: deadline, Due: now.Add(2 * time.Hour), DueUntil: deadline.Add(-30 * time.Minute), Window: "13:00:00–15:00:00 UTC+8"}
	want := "due 2026-11-25T05:00:00Z, in 2h (window 13:00:00–15:00:00 UTC+8; not after 2026-11-25T05:15:00Z, deadline − 30m)"
	if got := dueWords(it, 30*time.Minute, now); got != want {
		t.Errorf("%q, want %q", got, want)
	}
	it.DueUntil = now.Add(4 * time.Hour) // the window ends first
	it.Deadline = now.Add(10 * time.Hour)
	if got := dueWords(it, 30*time.Minute, now); got != "due 2026-11-25T05:00:00Z, in 2h (window 13:00:00–15:00:00 UTC+8)" {
		t.Errorf("window first: %q", got)
	}
}

// The batch flags are checked for one id as for several: `--on-failure retry ID` was
// taken silently and the redeploy sent (a tester's find), while two ids were refused.
func TestRedeployOneIDChecksTheBatchFlags(t *testing.T) {
	for _, args := range [][]string{{"--on-failure", "retry"}, {"--max-in-flight", "0"}} {
		out, err := run(t, append(append([]string{"redeploy", "--demo", "--scenario", scenario, "--yes"}, args...), "i-bp1webprod0000000001")...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), args[0]) || strings.Contains(out, "started task") {
			t.Errorf("%v on one id: %v; printed %q", args, err, out)
		}
	}
}
