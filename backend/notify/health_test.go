package notify_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"

	"ecs-redeploy/backend/notify"
)

// healths collects what OnHealth hears.
type healths struct {
	mu  sync.Mutex
	got []notify.Health
	c   chan struct{}
}

func newHealths() *healths { return &healths{c: make(chan struct{}, 64)} }

func (h *healths) on(x notify.Health) {
	h.mu.Lock()
	h.got = append(h.got, x)
	h.mu.Unlock()
	h.c <- struct{}{}
}

func (h *healths) list() []notify.Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]notify.Health(nil), h.got...)
}

// oneRetry is a back-off of one immediate retry: a notice is given up after two attempts.
func oneRetry() backoff.BackOff { return backoff.WithMaxRetries(&backoff.ZeroBackOff{}, 1) }

// TestADeadWebhookIsToldOnceNotPerNotice: the console has no server log, so how the
// webhook answers reaches it through OnHealth: the start of a spell of failures once, each
// notice given up (only the first marked First, for the notice line), and the recovery
// once. The tester's `--notify http://127.0.0.1:1/x` showed `Log: 0 entries` after 4
// minutes.
func TestADeadWebhookIsToldOnceNotPerNotice(t *testing.T) {
	wh := newWebhook(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusBadGateway)
		return false
	})
	hs := newHealths()
	n, err := notify.New(notify.Options{URL: wh.srv.URL + "/T0/SECRET", NewBackOff: oneRetry, OnHealth: hs.on})
	if err != nil {
		t.Fatal(err)
	}
	ctx := start(t, n)
	for _, k := range []string{"a", "b", "c"} {
		n.Post(notify.Notice{Kind: notify.KindEventNew, Key: k})
	}
	for range 4 { // failing, then three given up
		select {
		case <-hs.c:
		case <-time.After(20 * time.Second):
			t.Fatalf("heard only %+v", hs.list())
		}
	}
	if err := n.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := hs.list()
	want := []struct {
		kind  notify.HealthKind
		first bool
	}{{notify.HealthFailing, true}, {notify.HealthGaveUp, true}, {notify.HealthGaveUp, false}, {notify.HealthGaveUp, false}}
	if st := n.Stats(); st.Failed != 3 || st.Retried != 3 {
		t.Fatalf("stats %+v: want 3 notices given up after a retry each", st)
	}
	if len(got) != 4 {
		t.Fatalf("heard %+v, want one failing and 3 given up", got)
	}
	for i, h := range got {
		if h.Kind != want[i].kind || h.First != want[i].first {
			t.Errorf("%d: %+v, want kind %d first %v", i, h, want[i].kind, want[i].first)
		}
		if strings.Contains(h.Text, "SECRET") || strings.Contains(h.Text, "\n") {
			t.Errorf("%d: %q shows the path or is not one line", i, h.Text)
		}
	}
	if !strings.Contains(got[0].Text, "502") || !strings.Contains(got[0].Text, wh.srv.URL) {
		t.Errorf("the failing line %q names neither the webhook nor its answer", got[0].Text)
	}
	if s := n.Summary(); !strings.Contains(s, "of 3 notice(s)") || !strings.Contains(s, "0 delivered") {
		t.Errorf("summary %q", s)
	}
}

// TestAFailingSpellEndsWithOneRecoveredNote: failures while running, then the webhook
// answers again: told once, and the next failure starts a new spell.
func TestAFailingSpellEndsWithOneRecoveredNote(t *testing.T) {
	wh := newWebhook(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n <= 2 { // the first notice: both attempts fail
			w.WriteHeader(http.StatusServiceUnavailable)
			return false
		}
		return true
	})
	hs := newHealths()
	n, err := notify.New(notify.Options{URL: wh.srv.URL, NewBackOff: oneRetry, OnHealth: hs.on})
	if err != nil {
		t.Fatal(err)
	}
	start(t, n)
	n.Post(notify.Notice{Kind: notify.KindEventNew, Key: "a"})
	n.Post(notify.Notice{Kind: notify.KindEventNew, Key: "b"})
	n.Post(notify.Notice{Kind: notify.KindEventNew, Key: "c"})
	wh.next(t)
	wh.next(t)
	for range 3 { // failing, gave up, recovered
		select {
		case <-hs.c:
		case <-time.After(20 * time.Second):
			t.Fatalf("heard only %+v", hs.list())
		}
	}
	if err := n.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := hs.list()
	if len(got) != 3 || got[0].Kind != notify.HealthFailing || got[1].Kind != notify.HealthGaveUp || got[2].Kind != notify.HealthRecovered || !got[2].First {
		t.Fatalf("heard %+v", got)
	}
	if s := n.Summary(); !strings.Contains(s, "2 delivered, 1 given up") {
		t.Errorf("summary %q", s)
	}
}

// TestDrainDoesNotWaitOutTheBackOff: `--notify http://127.0.0.1:1/x`, then q: the screen
// stayed blank for 5.2 s while the notifier waited to retry. Drain ends the wait at once,
// tries nothing more on a failing webhook, and counts what it left.
func TestDrainDoesNotWaitOutTheBackOff(t *testing.T) {
	timer := newStepTimer()
	n, err := notify.New(notify.Options{URL: hangUp(t) + "/hook", NewTimer: timer.timer})
	if err != nil {
		t.Fatal(err)
	}
	start(t, n)
	for _, k := range []string{"a", "b", "c"} {
		n.Post(notify.Notice{Kind: notify.KindEventNew, Key: k})
	}
	timer.wait(t) // the first notice failed and waits to retry: the timer never fires
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Drain(ctx); err != nil {
		t.Fatalf("Drain waited for the back-off: %v", err)
	}
	st := n.Stats()
	if st.Unsent != 3 || st.Failed != 0 || st.Sent != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v, want 3 left unsent at exit", st)
	}
	if s := n.Summary(); !strings.Contains(s, "3 not sent at exit") || !strings.Contains(s, "; the last failure: ") {
		t.Errorf("summary %q", s)
	}
}

// TestDrainStillSendsToAWorkingWebhook: a webhook that answers gets what is queued at
// exit, one attempt each, and the summary is empty.
func TestDrainStillSendsToAWorkingWebhook(t *testing.T) {
	wh := newWebhook(t, nil)
	n, err := notify.New(notify.Options{URL: wh.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	start(t, n)
	for _, k := range []string{"a", "b", "c"} {
		n.Post(notify.Notice{Kind: notify.KindEventNew, Key: k})
	}
	if err := n.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); st.Sent != 3 {
		t.Fatalf("stats %+v", st)
	}
	if s := n.Summary(); s != "" {
		t.Errorf("summary %q, want none", s)
	}
}

func TestNewRefusesAPortOutOfRangeOrNoHost(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:99999/x", "http://127.0.0.1:0/x", "https://hooks.example.com:65536/", "http://:80/x", "http://h:abc/"} {
		_, err := notify.New(notify.Options{URL: u})
		if !errors.Is(err, notify.ErrURL) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "/x") {
			t.Errorf("%q: %v", u, err)
		}
	}
	if _, err := notify.New(notify.Options{URL: "http://127.0.0.1:99999/x"}); err == nil || !strings.Contains(err.Error(), "1 to 65535") {
		t.Errorf("the refusal does not say the range: %v", err)
	}
	if _, err := notify.New(notify.Options{URL: "http://127.0.0.1:65535/x"}); err != nil {
		t.Error(err)
	}
}

// hangUp is the base URL of a webhook that hangs up on every connection: each attempt
// fails at once with a network error. Its port stays the test's (a closed one may be taken
// by another process before the notifier posts, and answer).
func hangUp(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return "http://" + l.Addr().String()
}
