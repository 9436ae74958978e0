package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/notify"
	"ecs-redeploy/backend/sim"
)

var alice = backend.Identity{Name: "alice", Role: backend.RoleOperator}

// webhook is a loopback receiver: every body it is POSTed arrives on got, answered by
// answer (200 when nil).
type webhook struct {
	srv    *httptest.Server
	got    chan []byte
	answer func(n int, w http.ResponseWriter, r *http.Request) bool
	n      atomic.Int64
}

func newWebhook(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request) bool) *webhook {
	t.Helper()
	wh := &webhook{got: make(chan []byte, 64), answer: answer}
	wh.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(wh.n.Add(1))
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with %q, want a POST of application/json", r.Method, r.Header.Get("Content-Type"))
		}
		if wh.answer != nil && !wh.answer(n, w, r) {
			return
		}
		wh.got <- body
	}))
	t.Cleanup(wh.srv.Close)
	return wh
}

// next is the next body the webhook took, or a failure after a generous bound (a
// deadlock guard, not a wait: every step of the test has already happened).
func (wh *webhook) next(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-wh.got:
		return b
	case <-time.After(20 * time.Second):
		t.Fatal("no notice reached the webhook")
		return nil
	}
}

// loseReply answers RedeployInstance with an unknown outcome when lose is set, after
// the engine applied it: what the real backend says when a reply is lost and
// DescribeTasks cannot tell yet.
type loseReply struct {
	backend.Backend
	lose atomic.Bool
}

func (l *loseReply) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	ref, err := l.Backend.Redeploy(ctx, req)
	if l.lose.Load() {
		return backend.TaskRef{}, fmt.Errorf("RedeployInstance %s: %w: no reply within 10s", req.InstanceID, backend.ErrOutcomeUnknown)
	}
	return ref, err
}

const scenario = `
instances:
  # Near its deadline at start: counted in the watching notice, not told again.
  - id: i-bp1aaaaaaaaaaaaaaaaa
    name: web-1
    region: cn-hangzhou
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+30m"}]
  # Enters the lead time (2h) later, with nothing planned.
  - id: i-bp1bbbbbbbbbbbbbbbbb
    name: web-2
    region: cn-hangzhou
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+3h"}]
  # Published 10 minutes in, with hostile text in its name and reason.
  - id: i-bp1ccccccccccccccccc
    name: "db\e[2J"
    region: cn-hangzhou
    events:
      - type: SystemMaintenance.Reboot
        status: Inquiring
        not_before: "+2d"
        published: "+10m"
        reason: "\e]52;c;cm0gLXJmIC8=\a\e[31mhost reboot\u202e"
  # A plan's first redeploy fails and pauses it before the second.
  - id: i-uf6ddddddddddddddddd
    region: cn-shanghai
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+2d"}]
  - id: i-uf6fffffffffffffffff
    region: cn-shanghai
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+2d"}]
  # A redeploy whose reply is lost.
  - id: i-uf6eeeeeeeeeeeeeeeee
    region: cn-shanghai
    events: [{type: SystemMaintenance.Redeploy, status: Scheduled, not_before: "+2d"}]
`

// TestHubNoticesReachTheWebhook runs a hub over the simulator on a stepped clock and
// golden-tests every body a loopback webhook receives, in order: the watching notice, a
// new event (its hostile text made safe), a paused plan and its abort, an unknown outcome, a deadline
// entering the lead time, and the autopilot's pause; refreshes in between tell nothing
// twice.
func TestHubNoticesReachTheWebhook(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	f, err := sim.ParseScenario("notify.yaml", []byte(scenario), sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.New(f, clock, sim.Options{FailureRate: 1})
	lb := &loseReply{Backend: sim.NewBackend(eng)}
	hub := fleet.New(lb, fleet.Options{Now: clock.Now, Wall: clock.Now})
	wh := newWebhook(t, nil)
	n, err := notify.New(notify.Options{URL: wh.srv.URL + "/hook", Source: "ops-1", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { n.Run(ctx); done <- struct{}{} }()
	go func() { n.Watch(ctx, hub); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })

	var bodies [][]byte
	expect := func(kind notify.Kind) []byte {
		t.Helper()
		b := wh.next(t)
		var nt notify.Notice
		if err := json.Unmarshal(b, &nt); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if nt.Kind != kind {
			t.Fatalf("got a %s notice, want %s: %s", nt.Kind, kind, b)
		}
		bodies = append(bodies, b)
		return b
	}

	if err := hub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	expect(notify.KindWatching)

	clock.Advance(10 * time.Minute)
	if err := hub.CheckNew(ctx); err != nil {
		t.Fatal(err)
	}
	hostile := expect(notify.KindEventNew)
	for _, c := range hostile {
		if c < 0x20 && c != '\n' {
			t.Fatalf("a control byte %#x in the body: %q", c, hostile)
		}
	}
	var nt notify.Notice
	_ = json.Unmarshal(hostile, &nt)
	for _, s := range []string{nt.Text, nt.InstanceName} {
		if strings.ContainsAny(s, "\x1b\x07\u202e") || !strings.Contains(s, `\x1b`) {
			t.Fatalf("hostile text not made safe: %q", s)
		}
	}

	plan, err := hub.StartPlan([]string{"i-uf6ddddddddddddddddd", "i-uf6fffffffffffffffff"}, fleet.PlanOptions{MaxInFlight: 1, OnFailure: fleet.FailurePause, Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Minute) // the redeploy fails and rolls back after 4.5 min
	hub.PollTasks(ctx)
	hub.StepPlans()
	expect(notify.KindPlanPaused)
	if err := hub.AnswerPlan(alice, plan.ID, false); err != nil {
		t.Fatal(err)
	}
	expect(notify.KindPlanAborted)

	lb.lose.Store(true)
	if _, err := hub.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-shanghai", InstanceID: "i-uf6eeeeeeeeeeeeeeeee", Identity: alice}); err == nil {
		t.Fatal("the lost reply was not an error")
	}
	lb.lose.Store(false)
	expect(notify.KindOutcomeUnknown)

	clock.Advance(55 * time.Minute) // web-2's deadline is 1h50m away
	if err := hub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	expect(notify.KindDeadlineNear)

	// Nothing is told twice: after more refreshes and task polls, the next body is the
	// autopilot's pause.
	for range 3 {
		clock.Advance(time.Minute)
		hub.PollTasks(ctx)
		hub.StepPlans()
		if err := hub.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n.Post(notify.AutopilotPaused("night-shift", "i-uf6ddddddddddddddddd failed", clock.Now()))
	expect(notify.KindAutopilotPaused)

	var all bytes.Buffer
	for _, b := range bodies {
		all.Write(b)
	}
	// Plan ids are random (fleet.newPlanID).
	golden.RequireEqual(t, bytes.ReplaceAll(all.Bytes(), []byte(plan.ID), []byte("p-PLAN")))
	if err := n.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); st.Sent != uint64(len(bodies)) || st.Dropped != 0 || st.Failed != 0 || st.Retried != 0 {
		t.Fatalf("stats %+v, want %d sent and nothing else", st, len(bodies))
	}
}
