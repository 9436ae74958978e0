package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/model/policy"
)

// The instances of backend/sim/scenarios/autopilot.yaml, by name.
const (
	apWeb01   = "i-bp1apweb000000000001"
	apWeb02   = "i-bp1apweb000000000002"
	apWeb03   = "i-bp1apweb000000000003"
	apWeb04   = "i-bp1apweb000000000004"
	apWeb05   = "i-bp1apweb000000000005" // refused by the front: the failure
	apWeb06   = "i-bp1apweb000000000006"
	apWeb07   = "i-bp1apweb000000000007"
	apWeb08   = "i-bp1apweb000000000008"
	apWeb09   = "i-bp1apweb000000000009"
	apCache01 = "i-bp1apcache0000000001"
	apDB01    = "i-bp1apdb0000000000001"
	apBatch01 = "i-bp1apbatch0000000001"
)

// apServer is sim-server's ECS API on 127.0.0.1 behind a front that logs every
// RedeployInstance on the server's clock, refuses web-05's, and checks the rules' bounds
// from the server's own DescribeTasks at every call.
type apServer struct {
	t       *testing.T
	clock   *sim.StepClock
	eng     *sim.Engine
	addr    string
	checker backend.Backend
	insts   map[string]model.Instance

	mu         sync.Mutex
	sent       []apSend
	violations []string
}

type apSend struct {
	at       time.Time
	instance string
	refused  bool
}

func newAPServer(t *testing.T, start time.Time) *apServer {
	t.Helper()
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "backend", "sim", "scenarios", "autopilot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := sim.ParseScenario("autopilot.yaml", data, start)
	if err != nil {
		t.Fatal(err)
	}
	s := &apServer{t: t, clock: sim.NewStepClock(start), insts: map[string]model.Instance{}}
	for _, in := range f.Instances {
		s.insts[in.ID] = in
	}
	s.eng = sim.New(f, s.clock, sim.Options{Seed: 1})
	epAddr := serveSim(t, s.eng)
	noWait(t)
	s.checker, _, err = openCloudBackend(&globalOptions{Endpoint: epAddr, Regions: []string{"cn-hangzhou"}, APITimeout: 10 * time.Second})
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
		id := r.URL.Query().Get("InstanceId")
		s.mu.Lock()
		s.sent = append(s.sent, apSend{at: s.clock.Now(), instance: id, refused: id == apWeb05})
		s.mu.Unlock()
		if id == apWeb05 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"RequestId":"7A3C-REFUSED","HostId":"ecs.aliyuncs.com","Code":"IncorrectInstanceStatus","Message":"The current status of the resource does not support this operation.","Recommend":""}`)
			return
		}
		s.check("at RedeployInstance " + id)
		proxy.ServeHTTP(w, r)
		s.check("after RedeployInstance " + id)
	}))
	t.Cleanup(front.Close)
	s.addr = strings.TrimPrefix(front.URL, "http://")
	return s
}

// check asks the server which redeploys are Processing and records every bound of
// docs/autopilot-policy.yaml they break: rule web at most 2 (and 2 per tag app), one per
// host, one per deployment set; rule cache at most 1.
func (s *apServer) check(when string) {
	tasks, err := s.checker.ListTasks(context.Background(), backend.TaskQuery{RegionID: "cn-hangzhou", Status: model.TaskProcessing})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.violations = append(s.violations, when+": DescribeTasks: "+err.Error())
		return
	}
	web, cache := 0, 0
	hosts, sets := map[string]int{}, map[string]int{}
	for _, tk := range tasks {
		in := s.insts[tk.ResourceID]
		switch in.Tags["app"] {
		case "web":
			web++
			if ea := in.Events[0].ExtendedAttribute; ea != nil && ea.HostID != "" {
				hosts[ea.HostID]++
			}
		case "cache":
			cache++
		}
		if in.DeploymentSetID != "" {
			sets[in.DeploymentSetID]++
		}
	}
	bad := web > 2 || cache > 1
	for _, n := range hosts {
		bad = bad || n > 1
	}
	for _, n := range sets {
		bad = bad || n > 1
	}
	if bad {
		s.violations = append(s.violations, fmt.Sprintf("%s at %s: web %d, cache %d, hosts %v, sets %v", when, s.clock.Now().Format("15:04:05"), web, cache, hosts, sets))
	}
}

func (s *apServer) sends() []apSend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Issue 23, done when: on sim-server over real HTTP, on a stepped clock, the autopilot of
// docs/autopilot-policy.yaml redeploys exactly the instances its rules take, each inside
// its window and before its deadline, never over a bound at any instant (the server's own
// DescribeTasks, at every call and every minute), pauses at the failure and says so, an
// operator resumes it (a viewer cannot), and it leaves the local-disk database and the
// rest to humans with the reason; the dry run made before predicted what it did.
func TestAutopilotOnSimServer(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) // 18:00 in Shanghai
	s := newAPServer(t, start)
	ctx := context.Background()
	b, _, err := openCloudBackend(&globalOptions{Endpoint: s.addr, Regions: []string{"cn-hangzhou"}, APITimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	auditFile, err := os.OpenFile(auditPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auditFile.Close() })
	b = backend.Guard(backend.Audit(b, auditFile, s.clock.Now))
	h := fleet.New(b, fleet.Options{Regions: []string{"cn-hangzhou"}, Now: s.clock.Now, Wall: s.clock.Now, NewEvery: -1})
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Load(filepath.Join("..", "..", "docs", "autopilot-policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const assume = 7 * time.Minute // the simulator's redeploy of a Running instance: 6m10s
	tl := autopilot.DryRun(ctx, h, pol, 14*time.Hour, assume)

	var noticeMu sync.Mutex
	var notices []string
	ap, err := autopilot.New(h, autopilot.Options{Policy: pol, OnNotice: func(kind, text string) {
		noticeMu.Lock()
		notices = append(notices, kind+" "+text)
		noticeMu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	alice := backend.Identity{Name: "alice", KeyFingerprint: "SHA256:alice", Role: backend.RoleOperator}
	eve := backend.Identity{Name: "eve", Role: backend.RoleViewer}
	resumeAt := time.Date(2026, 12, 7, 16, 30, 0, 0, time.UTC)
	var pausedSeen bool
	for s.clock.Now().Before(time.Date(2026, 12, 7, 22, 30, 0, 0, time.UTC)) {
		if err := h.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		h.PollTasks(ctx)
		h.StepPlans()
		if st := h.Snapshot().Autopilot; st != nil && st.Paused && !pausedSeen {
			pausedSeen = true
			if !strings.Contains(st.Why, apWeb05) {
				t.Errorf("paused, but not for web-05's failure: %q", st.Why)
			}
		}
		if s.clock.Now().Equal(resumeAt) {
			if err := h.ResumeAutopilot(eve); err == nil {
				t.Fatal("a viewer resumed the autopilot")
			}
			if err := h.ResumeAutopilot(alice); err != nil {
				t.Fatal(err)
			}
		}
		ap.Tick(ctx)
		s.check("every minute")
		s.clock.Advance(time.Minute)
	}

	sent := s.sends()
	// Exactly the instances its rules take, each once.
	var got []string
	for _, x := range sent {
		got = append(got, x.instance)
	}
	slices.Sort(got)
	want := []string{apCache01, apWeb01, apWeb02, apWeb03, apWeb04, apWeb05, apWeb06, apWeb07}
	if !slices.Equal(got, want) {
		t.Fatalf("RedeployInstance was sent for %v, want each of %v once", got, want)
	}
	// Each inside its window and before its deadline less the rule's margin.
	for _, x := range sent {
		in := s.insts[x.instance]
		attr := s.eng.MaintenanceAttributes("cn-hangzhou", []string{x.instance})[0]
		if !attr.InWindow(x.at) {
			t.Errorf("%s sent at %s, outside its window %v", in.Name, x.at.Format("15:04"), attr.Windows)
		}
		if !x.at.Before(in.Events[0].NotBefore.Add(-30 * time.Minute)) {
			t.Errorf("%s sent at %s, within 30m of its deadline %s", in.Name, x.at.Format("15:04"), in.Events[0].NotBefore.Format("15:04"))
		}
	}
	// Never over a bound at any instant.
	for _, v := range s.violations {
		t.Error(v)
	}
	// Paused at the failure, said so, and sent nothing while paused: web-06, due at 16:00,
	// went when alice resumed it.
	if !pausedSeen {
		t.Error("the autopilot did not pause at web-05's failure")
	}
	for _, x := range sent {
		if x.at.After(time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)) && x.at.Before(resumeAt) {
			t.Errorf("%s sent at %s while the autopilot was paused", x.instance, x.at.Format("15:04"))
		}
	}
	noticeMu.Lock()
	told := strings.Join(notices, "\n")
	noticeMu.Unlock()
	for _, w := range []string{autopilot.NoticePaused + " autopilot:night-shift paused by the failure", autopilot.NoticeResumed + " autopilot:night-shift resumed by alice",
		autopilot.NoticeLeftToHumans + " " + apDB01} {
		if !strings.Contains(told, w) {
			t.Errorf("no notice %q in:\n%s", w, told)
		}
	}
	// Left to humans, with the reason.
	left := map[string]string{}
	for _, l := range h.Snapshot().Autopilot.Left {
		left[l.InstanceID] = l.Reason
	}
	for id, why := range map[string]string{
		apDB01:    "local disks: a redeploy wipes them",
		apWeb05:   "IncorrectInstanceStatus",
		apWeb08:   "deadline",
		apWeb09:   "no maintenance window before the deadline",
		apBatch01: "no rule matches it",
	} {
		if !strings.Contains(left[id], why) {
			t.Errorf("%s left to humans with %q, want %q", id, left[id], why)
		}
	}
	// Every plan was the autopilot's, audited under its name.
	for _, st := range h.Plans() {
		if st.Identity.Name != "autopilot:night-shift" || st.Identity.Role != backend.RoleOperator {
			t.Errorf("plan %s run by %v", st.ID, st.Identity)
		}
	}
	audit, _ := os.ReadFile(auditPath)
	if n := strings.Count(string(audit), `"phase":"intent","identity":{"name":"autopilot:night-shift","role":"operator"}`); n != len(want) {
		t.Errorf("%d intent lines under autopilot:night-shift, want %d:\n%s", n, len(want), audit)
	}

	// The dry run made at 10:00 predicted what it did: the same instances under the same
	// rules, each at the minute it went, but web-06, which the pause held inside the same
	// window.
	predicted := map[string]time.Time{}
	for _, st := range tl.Redeploys {
		predicted[st.InstanceID] = st.At
	}
	if len(predicted) != len(want) {
		t.Errorf("the dry run predicted %d redeploys, the run sent %d: %+v", len(predicted), len(want), tl.Redeploys)
	}
	for _, x := range sent {
		p, ok := predicted[x.instance]
		switch {
		case !ok:
			t.Errorf("%s was sent but not predicted", x.instance)
		case x.instance == apWeb06:
			if !x.at.Equal(resumeAt) || p.Format("15") != "16" {
				t.Errorf("web-06 predicted at %s, sent at %s: want the resume (16:30) in the same window", p.Format("15:04"), x.at.Format("15:04"))
			}
		case !x.at.Equal(p):
			t.Errorf("%s predicted at %s, sent at %s", x.instance, p.Format("15:04"), x.at.Format("15:04"))
		}
	}
	leftPredicted := map[string]bool{}
	for _, l := range tl.Left {
		leftPredicted[l.InstanceID] = true
	}
	for _, id := range []string{apDB01, apWeb08, apWeb09, apBatch01} {
		if !leftPredicted[id] {
			t.Errorf("the dry run did not leave %s to humans: %+v", id, tl.Left)
		}
	}
	if t.Failed() {
		for _, x := range sent {
			t.Logf("sent %s %s", x.at.Format("15:04:05"), x.instance)
		}
		for _, st := range tl.Redeploys {
			t.Logf("predicted %s %s %s", st.At.Format("15:04:05"), st.InstanceID, st.Rule)
		}
	}
}
