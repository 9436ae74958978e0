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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model"
)

func TestReadTargets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ids.txt")
	os.WriteFile(file, []byte("# kafka\ni-bp1aaa, i-bp1bbb\n\ni-bp1aaa  # again\n\ti-bp1ccc\n"), 0o600)
	ids, err := readTargets([]string{"i-bp1zzz"}, file, nil)
	if err != nil || strings.Join(ids, " ") != "i-bp1zzz i-bp1aaa i-bp1bbb i-bp1ccc" {
		t.Fatalf("%v, %v", ids, err)
	}
	ids, err = readTargets([]string{"-"}, "", strings.NewReader("i-bp1aaa\ni-bp1bbb\n"))
	if err != nil || len(ids) != 2 {
		t.Fatalf("stdin: %v, %v", ids, err)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("i-bp1aaa\nI-BP1BBB\n"), 0o600)
	for _, tc := range []struct {
		args []string
		file string
		want string
	}{
		{nil, bad, "bad.txt line 2"},
		{[]string{"i-bp1aaa", "nope"}, "", `"nope"`},
		{nil, filepath.Join(dir, "missing"), "--from-file"},
		{[]string{"-"}, "", "no instance id given"},
	} {
		_, err := readTargets(tc.args, tc.file, strings.NewReader("# nothing\n"))
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %s: %v, want a usage error with %q", tc.args, tc.file, err, tc.want)
		}
	}
}

// stateDir points the state directory at a fresh temporary one.
func stateDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	t.Setenv("XDG_STATE_HOME", d)
	return filepath.Join(d, "ecs-redeploy")
}

// serveSim serves eng's ECS API on 127.0.0.1, as sim-server does, until the test ends,
// and gives the commands the access key it checks; it returns the address.
func serveSim(t *testing.T, eng *sim.Engine) string {
	t.Helper()
	ep, err := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "clitest", AccessKeySecret: "clisecret"}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "clitest")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "clisecret")
	return ep.Addr
}

// scenarioServer serves the on-call scenario on 127.0.0.1, as sim-server does.
func scenarioServer(t *testing.T) (*sim.Engine, string) {
	t.Helper()
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	f, err := sim.LoadScenario(scenario, time.Now().UTC().Truncate(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.New(f, sim.NewStepClock(time.Now()), sim.Options{})
	return eng, serveSim(t, eng)
}

func TestBatchWithDataLossNeedsYesAndSavesNothingWithout(t *testing.T) {
	dir := stateDir(t)
	eng, addr := scenarioServer(t)
	out, err := run(t, "redeploy", "--endpoint", addr, "--region", "cn-hangzhou,cn-shanghai",
		"i-bp1webprod0000000001", "i-bp1kafka000000000002", "i-uf6locked00000000004")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "re-run with --yes") {
		t.Fatalf("err %v\n%s", err, out)
	}
	// Targets, then skipped with reasons, then the consequences, DATA LOSS before downtime.
	iTargets, iSkipped := strings.Index(out, "targets, in the order"), strings.Index(out, "skipped:\n")
	iLoss, iDown := strings.Index(out, "DATA LOSS:"), strings.Index(out, "downtime:")
	if iTargets < 0 || iSkipped < iTargets || iLoss < iSkipped || iDown < iLoss ||
		!strings.Contains(out, "i-uf6locked00000000004   pg-replica-prod-004  blocked: InstanceLockedForSecurity") {
		t.Fatalf("the plan as shown:\n%s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused batch left %d files in the state directory", len(entries))
	}
	if n := taskCount(eng); n != 0 {
		t.Fatalf("a refused batch started %d tasks", n)
	}
}

// A plan is resumed only against the account it was made for, and a --demo plan (gone
// with its simulator) is not kept at all.
func TestResumeOnlyAgainstThePlansAccount(t *testing.T) {
	dir := stateDir(t)
	if _, err := run(t, "redeploy", "--demo", "--scenario", scenario, "--sim-speed", "100000", "--poll", "100ms",
		"i-bp1webprod0000000001", "i-bp1batch000000000003"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a --demo plan was kept: %v", entries)
	}
	var ue usageError
	if _, err := run(t, "redeploy", "--demo", "--resume"); !errors.As(err, &ue) {
		t.Fatalf("--demo --resume: %v", err)
	}
	store := &fleet.PlanStore{Dir: dir}
	eng, addr := scenarioServer(t)
	elsewhere := fleet.PlanRecord{Version: 1, ID: "p-other", Where: "10.0.0.1:80", Phase: fleet.PhaseRunning,
		Items: []fleet.PlanItem{{InstanceID: "i-bp1webprod0000000001", RegionID: "cn-hangzhou", Status: fleet.ItemQueued}}}
	if err := writePlan(store, elsewhere); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "redeploy", "--endpoint", addr, "--region", "cn-hangzhou", "--resume")
	if err != nil || !strings.Contains(out, "plan p-other was made against 10.0.0.1:80") || !strings.Contains(out, "no unfinished plan for "+addr) {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := taskCount(eng); n != 0 {
		t.Fatalf("another account's plan sent %d redeploys here", n)
	}
}

// writePlan saves rec as a plan file, as a process that stopped would have left it.
func writePlan(store *fleet.PlanStore, rec fleet.PlanRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(store.Dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(store.Dir, "plan-"+rec.ID+".json"), data, 0o600)
}

func TestBatchJSONOneLinePerTransition(t *testing.T) {
	stateDir(t)
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"redeploy", "--demo", "--scenario", scenario, "--sim-speed", "100000", "--poll", "100ms",
		"i-bp1webprod0000000001", "i-bp1batch000000000003", "--wait", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errOut.String())
	}
	seen := map[string][]fleet.ItemStatus{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var tr map[string]any
		if err := json.Unmarshal([]byte(line), &tr); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		for _, k := range []string{"time", "plan", "instance", "status"} {
			if tr[k] == nil {
				t.Fatalf("line %q lacks %s", line, k)
			}
		}
		if tr["status"] != "submitting" && tr["task"] == nil {
			t.Fatalf("line %q names no task", line)
		}
		id := tr["instance"].(string)
		seen[id] = append(seen[id], fleet.ItemStatus(tr["status"].(string)))
	}
	for _, id := range []string{"i-bp1webprod0000000001", "i-bp1batch000000000003"} {
		if got := fmt.Sprint(seen[id]); got != "[submitting running finished]" {
			t.Errorf("%s went %s", id, got)
		}
	}
	if !strings.Contains(errOut.String(), "targets, in the order") || !strings.Contains(errOut.String(), "done: 2 redeployed, 0 failed, 0 skipped") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}

// clusterFleet: two deployment sets (kafka of 5, es of 4) over three zones, and three
// single instances, all Running and redeployable, the set members' deadlines first.
func clusterFleet(start time.Time) (*sim.Fleet, []string, map[string]model.Instance) {
	f := &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}}}
	meta := map[string]model.Instance{}
	var ids []string
	add := func(name, set, zone string, due time.Duration) {
		id := "i-bp1" + name + strings.Repeat("0", 18-len(name))
		in := model.Instance{ID: id, Name: name, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-" + zone, InstanceType: "ecs.g7.xlarge",
			Status: model.StatusRunning, DeploymentSetID: set,
			Events: []model.Event{{ID: "e-" + name, InstanceID: id, Type: model.EventMaintenanceReboot, CycleStatus: model.CycleScheduled,
				NotBefore: start.Add(due), PublishTime: start.Add(-time.Hour)}}}
		f.Instances = append(f.Instances, in)
		meta[id] = in
		ids = append(ids, id)
	}
	for i, z := range []string{"h", "i", "j", "h", "i"} {
		add(fmt.Sprintf("kafka%d", i), "ds-bp1kafka", z, time.Duration(60+i)*time.Minute)
	}
	for i, z := range []string{"j", "h", "i", "j"} {
		add(fmt.Sprintf("es%d", i), "ds-bp1es", z, time.Duration(70+i)*time.Minute)
	}
	for i, z := range []string{"h", "i", "j"} {
		add(fmt.Sprintf("web%d", i), "", z, time.Duration(3+i)*time.Hour)
	}
	return f, ids, meta
}

// clusterServer serves clusterFleet on 127.0.0.1 behind a checkpoint: every
// RedeployInstance passes it with the clock held, and right after each one the server's
// own DescribeTasks (TaskStatus=Processing) is asked which instances are being
// redeployed. Processing tasks only appear at a RedeployInstance and only end when the
// clock moves, which waits for the checkpoint, so these counts see every instant. The
// batch's hub moves the stepped clock instead of sleeping.
type clusterServer struct {
	eng   *sim.Engine
	clock *sim.StepClock
	addr  string
	ids   []string

	mu         sync.Mutex
	calls      map[string]int
	peak       int
	violations []string
	// afterCall, when set, runs after each RedeployInstance (with the count of calls).
	afterCall func(n int)
}

func newClusterServer(t *testing.T) *clusterServer {
	t.Helper()
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	// The server's clock starts at the wall clock's time, as ECS's does (the resume matches
	// a call to its task by creation time), and only the batch's hub moves it on.
	start := time.Now().UTC().Truncate(time.Second)
	f, ids, meta := clusterFleet(start)
	cs := &clusterServer{clock: sim.NewStepClock(start), ids: ids, calls: map[string]int{}}
	cs.eng = sim.New(f, cs.clock, sim.Options{Seed: 1})
	epAddr := serveSim(t, cs.eng)
	noWait(t)
	// The checker asks the server itself, through the real SDK.
	checker, _, err := openCloudBackend(&globalOptions{Endpoint: epAddr, Regions: []string{"cn-hangzhou"}, APITimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://" + epAddr)
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") != "RedeployInstance" {
			proxy.ServeHTTP(w, r)
			return
		}
		cs.mu.Lock()
		proxy.ServeHTTP(w, r)
		cs.calls[r.URL.Query().Get("InstanceId")]++
		n := 0
		for _, c := range cs.calls {
			n += c
		}
		tasks, err := checker.ListTasks(context.Background(), backend.TaskQuery{RegionID: "cn-hangzhou", Status: model.TaskProcessing})
		if err != nil {
			cs.violations = append(cs.violations, "DescribeTasks: "+err.Error())
		}
		cs.peak = max(cs.peak, len(tasks))
		sets := map[string]string{}
		for _, tk := range tasks {
			in := meta[tk.ResourceID]
			if other := sets[in.DeploymentSetID]; other != "" && in.DeploymentSetID != "" {
				cs.violations = append(cs.violations, fmt.Sprintf("%s and %s of %s Processing at once", other, in.Name, in.DeploymentSetID))
			}
			sets[in.DeploymentSetID] = in.Name
		}
		after := cs.afterCall
		cs.mu.Unlock()
		if after != nil {
			after(n)
		}
	}))
	t.Cleanup(front.Close)
	cs.addr = strings.TrimPrefix(front.URL, "http://")
	adjustHubOptions = func(o *fleet.Options) {
		o.Interval = 30 * time.Second
		// No looks for new events: this clock is moved by the plan's waits, the full
		// listing's and the task tracker's only.
		o.NewEvery = -1
		o.After = func(d time.Duration) <-chan time.Time {
			cs.mu.Lock()
			cs.clock.Advance(d)
			cs.mu.Unlock()
			c := make(chan time.Time, 1)
			c <- cs.clock.Now()
			return c
		}
	}
	t.Cleanup(func() { adjustHubOptions = nil })
	return cs
}

func (cs *clusterServer) args(extra ...string) []string {
	return append([]string{"redeploy", "--endpoint", cs.addr, "--region", "cn-hangzhou", "--poll", "30s"}, extra...)
}

// Issue 11: a headless batch of instances sharing deployment sets never has two of one
// set Processing at once, counted from the server's own DescribeTasks.
func TestHeadlessBatchAgainstSimServerKeepsDeploymentSetsApart(t *testing.T) {
	stateDir(t)
	cs := newClusterServer(t)
	out, err := run(t, cs.args(append(cs.ids, "--max-in-flight", "4", "--wait")...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(cs.violations) > 0 {
		t.Fatalf("the server saw: %v", cs.violations)
	}
	// The hub's loops move the clock while the plan submits, so a wave's first redeploy
	// may end before its last is sent: the peak is at most the 4 allowed, and waves did
	// overlap.
	if cs.peak > 4 || cs.peak < 2 {
		t.Errorf("peak Processing %d, want 2 to 4", cs.peak)
	}
	for _, id := range cs.ids {
		if cs.calls[id] != 1 {
			t.Errorf("%s: %d RedeployInstance calls", id, cs.calls[id])
		}
	}
	if !strings.Contains(out, "done: 12 redeployed, 0 failed, 0 skipped") {
		t.Errorf("output:\n%s", out)
	}
}

// Issue 11: interrupted mid-plan, `redeploy --resume` reconciles through DescribeTasks and
// finishes the plan without sending any redeploy twice.
func TestHeadlessBatchResumesWithoutSendingTwice(t *testing.T) {
	dir := stateDir(t)
	cs := newClusterServer(t)
	ctx, interrupt := context.WithCancel(context.Background())
	cs.afterCall = func(n int) {
		if n == 4 { // the second wave is going out: ctrl+c
			interrupt()
		}
	}
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(cs.args(append(cs.ids, "--max-in-flight", "3", "--one-per-zone", "--wait")...))
	// The line says what became of the plan, not the context's words (a tester's find).
	if err := cmd.ExecuteContext(ctx); !errors.Is(err, context.Canceled) || strings.Contains(errorLine(err), "context canceled") ||
		!strings.Contains(errorLine(err), "interrupted: nothing more is sent; the rest is kept for redeploy --resume") {
		t.Fatalf("interrupted run: %v\n%s", err, out.String())
	}
	// Tester2's defect 4: the command printed to go on runs as printed (it lacked
	// --region, and exited 2 "no region: pass --region").
	resume := printedCommand(t, out.String(), "ecs-redeploy redeploy --resume --wait", " (plan")
	recs, err := (&fleet.PlanStore{Dir: dir}).Unfinished()
	if err != nil || len(recs) != 1 {
		t.Fatalf("unfinished plans: %d, %v", len(recs), err)
	}
	sent, queued := 0, 0
	for _, it := range recs[0].Items {
		switch {
		case it.Status.InFlight() || it.Status == fleet.ItemFinished:
			sent++
		case it.Status == fleet.ItemQueued:
			queued++
		}
	}
	// The fourth call went out when the run stopped, and its answer was waited for and
	// saved (the hub drains); the rest of the plan waits.
	if sent != 4 || queued != 8 {
		t.Fatalf("saved at the interruption: %d sent, %d queued; want 4 sent and 8 queued", sent, queued)
	}
	cs.afterCall = nil
	out2, err := run(t, resume...)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out2)
	}
	if len(cs.violations) > 0 {
		t.Fatalf("the server saw: %v", cs.violations)
	}
	for _, id := range cs.ids {
		if n := len(cs.eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{id}})); n != 1 || cs.calls[id] != 1 {
			t.Errorf("%s: %d tasks, %d calls", id, n, cs.calls[id])
		}
	}
	if !strings.Contains(out2, "done: 12 redeployed, 0 failed, 0 skipped") {
		t.Errorf("resume output:\n%s", out2)
	}
	// Tester2's defect 10: the header comes first, and the elapsed column is on one
	// clock: what ended before this run says "earlier", the rest never goes backwards
	// (submits were on the hub's clock, ends on ECS's: "38s submitting", then "23m
	// finished").
	lines := strings.Split(strings.TrimSpace(out2), "\n")
	if !strings.HasPrefix(lines[0], "resuming plan ") {
		t.Fatalf("the resume output does not start with its header:\n%s", out2)
	}
	last, live := time.Duration(0), false
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 2 || !strings.HasPrefix(f[1], "i-") {
			continue
		}
		if f[0] == "earlier" {
			if live {
				t.Fatalf("an earlier line after this run's:\n%s", out2)
			}
			continue
		}
		live = true
		d, err := time.ParseDuration(f[0])
		if err != nil || d < last {
			t.Fatalf("elapsed %q after %s (%v):\n%s", f[0], last, err, out2)
		}
		last = d
	}
	out3, err := run(t, cs.args("--resume")...)
	if err != nil || !strings.Contains(out3, "no unfinished plan") {
		t.Errorf("a second resume: %v\n%s", err, out3)
	}
}

// `redeploy --follow TASK` follows a task this command did not start (one a console that
// quit left running) to its end; only a task id is accepted.
func TestFollowATaskStartedElsewhere(t *testing.T) {
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(3, 50, sim.Epoch), clock, sim.Options{Seed: 3})
	addr := serveSim(t, eng)
	noWait(t)
	in := redeployable(t, eng)
	task, err := eng.Redeploy("cn-hangzhou", in.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	// The server's clock is stepped: the redeploy has ended by the first poll.
	clock.Advance(10 * time.Minute)
	out, err := run(t, "redeploy", "--follow", task.ID, "--endpoint", addr, "--region", "cn-hangzhou", "--poll", "100ms")
	if err != nil || !strings.Contains(out, "task "+task.ID+": RedeployInstance of "+in.ID) || !strings.Contains(out, "redeployed: "+in.ID) {
		t.Fatalf("%v\n%s", err, out)
	}
	var ue usageError
	if _, err := run(t, "redeploy", "--follow", "t-bp1 x", "--endpoint", addr, "--region", "cn-hangzhou"); !errors.As(err, &ue) {
		t.Errorf("a malformed task id: %v", err)
	}
	if _, err := run(t, "redeploy", "--follow", "t-bp1nosuchtask", "--endpoint", addr, "--region", "cn-hangzhou"); err == nil || !strings.Contains(err.Error(), "is not in") {
		t.Errorf("an unknown task: %v", err)
	}
	if n := taskCount(eng); n != 1 {
		t.Fatalf("following sent redeploys: %d tasks", n)
	}
}
