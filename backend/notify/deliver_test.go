package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/notify"
	"ecs-redeploy/backend/sim"
)

// stepTimer is a backoff.Timer the test fires: each wait the back-off asks for arrives
// on waits, and the retry goes on when the test sends on fire. Nothing sleeps.
type stepTimer struct {
	waits chan time.Duration
	fire  chan time.Time
}

func newStepTimer() *stepTimer {
	return &stepTimer{waits: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (s *stepTimer) Start(d time.Duration) { s.waits <- d }
func (s *stepTimer) Stop()                 {}
func (s *stepTimer) C() <-chan time.Time   { return s.fire }
func (s *stepTimer) timer() backoff.Timer  { return s }
func (s *stepTimer) wait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-s.waits:
		return d
	case <-time.After(20 * time.Second):
		t.Fatal("the notifier never waited to retry")
		return 0
	}
}

// start runs n until the test ends.
func start(t *testing.T, n *notify.Notifier) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ctx
}

func TestA503IsRetriedWithBackOffThenDeliveredOnce(t *testing.T) {
	wh := newWebhook(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return false
		}
		return true
	})
	timer := newStepTimer()
	n, err := notify.New(notify.Options{URL: wh.srv.URL, Source: "ops-1", NewTimer: timer.timer})
	if err != nil {
		t.Fatal(err)
	}
	ctx := start(t, n)
	n.Post(notify.Notice{Kind: notify.KindEventNew, Key: "k1", Text: "one", Time: sim.Epoch})

	// Exponential from 1 s, doubling, ±50 %: the first wait is in [0.5 s, 1.5 s], the
	// second in [1 s, 3 s].
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		d := timer.wait(t)
		if d < want/2 || d > want*3/2 {
			t.Fatalf("wait %d: %s, want %s ±50%%", i+1, d, want)
		}
		timer.fire <- time.Time{}
	}
	body := wh.next(t)
	var nt notify.Notice
	if err := json.Unmarshal(body, &nt); err != nil || nt.Key != "k1" || nt.Text != "one" || nt.Source != "ops-1" || nt.Version != 1 {
		t.Fatalf("delivered %s (%v)", body, err)
	}
	if err := n.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := wh.n.Load(); got != 3 {
		t.Fatalf("%d attempts, want 3", got)
	}
	if st := n.Stats(); st.Sent != 1 || st.Retried != 2 || st.Failed != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestOnlyNetworkErrors429And5xxAreRetried: an answer that would be the same again is
// given up at once, and counted.
func TestOnlyNetworkErrors429And5xxAreRetried(t *testing.T) {
	for _, tc := range []struct {
		status   int
		header   string
		retried  bool
		minWait  time.Duration
		location string
	}{
		{status: 500, retried: true},
		{status: 502, retried: true},
		{status: 429, retried: true},
		{status: 429, header: "30", retried: true, minWait: 30 * time.Second}, // Retry-After honoured
		{status: 400},
		{status: 401},
		{status: 404},
		{status: 302, location: "https://elsewhere.example/hook"}, // a POST turned GET would lose its body
	} {
		t.Run(fmt.Sprintf("%d%s", tc.status, tc.header), func(t *testing.T) {
			wh := newWebhook(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
				if n > 1 {
					return true
				}
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				if tc.location != "" {
					w.Header().Set("Location", tc.location)
				}
				w.WriteHeader(tc.status)
				return false
			})
			timer := newStepTimer()
			n, err := notify.New(notify.Options{URL: wh.srv.URL, NewTimer: timer.timer})
			if err != nil {
				t.Fatal(err)
			}
			ctx := start(t, n)
			n.Post(notify.Notice{Kind: notify.KindEventNew, Key: "k"})
			if tc.retried {
				if d := timer.wait(t); d < tc.minWait {
					t.Fatalf("waited %s, want at least %s", d, tc.minWait)
				}
				timer.fire <- time.Time{}
				wh.next(t)
			}
			if err := n.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			st := n.Stats()
			if tc.retried && (st.Sent != 1 || st.Retried != 1 || st.Failed != 0) {
				t.Fatalf("stats %+v, want one retry then sent", st)
			}
			if !tc.retried && (st.Sent != 0 || st.Retried != 0 || st.Failed != 1 || wh.n.Load() != 1) {
				t.Fatalf("stats %+v after %d attempts, want one attempt, failed", st, wh.n.Load())
			}
		})
	}
}

// TestANetworkErrorIsRetriedUntilTheRetriesAreSpent, and the log names the webhook's host
// only: its path and query often hold its secret.
func TestANetworkErrorIsRetriedUntilTheRetriesAreSpent(t *testing.T) {
	url := hangUp(t) + "/services/T0/B0/SECRET1?token=SECRET2"
	timer := newStepTimer()
	var logs bytes.Buffer
	n, err := notify.New(notify.Options{URL: url, NewTimer: timer.timer,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := start(t, n)
	n.Post(notify.Notice{Kind: notify.KindEventNew, Key: "k"})
	for range notify.MaxRetries {
		timer.wait(t)
		timer.fire <- time.Time{}
	}
	if err := n.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); st.Retried != notify.MaxRetries || st.Failed != 1 || st.Sent != 0 {
		t.Fatalf("stats %+v, want %d retries, then failed", st, notify.MaxRetries)
	}
	if !strings.Contains(logs.String(), "not delivered") || strings.Contains(logs.String(), "SECRET") {
		t.Fatalf("the log: %s", logs.String())
	}
}

// drops is a slog handler that reports each record on a channel: the notifier logs each
// drop, so the test knows when one happened without polling.
type drops struct{ c chan string }

func (d drops) Enabled(context.Context, slog.Level) bool { return true }
func (d drops) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "dropped") {
		select {
		case d.c <- r.Message:
		default: // the burst at the end is counted, not waited for
		}
	}
	return nil
}
func (d drops) WithAttrs([]slog.Attr) slog.Handler { return d }
func (d drops) WithGroup(string) slog.Handler      { return d }

// TestAHangingWebhookNeverBlocksTheHub: the webhook takes the first notice and never
// answers. The hub keeps refreshing and publishing; the watcher keeps posting; the queue
// holds its bound, and every notice pushed out of it is counted.
func TestAHangingWebhookNeverBlocksTheHub(t *testing.T) {
	release := make(chan struct{})
	taken := make(chan struct{}, 1)
	wh := newWebhook(t, func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		taken <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return false
	})
	t.Cleanup(func() { close(release) }) // before the server's Close, which waits for it

	// One instance pending at start, then one new event a minute for twelve minutes.
	var sc strings.Builder
	sc.WriteString("instances:\n")
	for i := range 13 {
		fmt.Fprintf(&sc, "  - {id: i-bp1hang%013d, region: cn-hangzhou, events: [{type: SystemMaintenance.Redeploy, not_before: \"+3d\", published: \"+%dm\"}]}\n", i, i)
	}
	clock := sim.NewStepClock(sim.Epoch)
	f, err := sim.ParseScenario("hang.yaml", []byte(sc.String()), sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	hub := fleet.New(sim.NewBackend(sim.New(f, clock, sim.Options{})), fleet.Options{Now: clock.Now, Wall: clock.Now})
	logged := drops{c: make(chan string, 64)}
	const queue = 3
	n, err := notify.New(notify.Options{URL: wh.srv.URL, Queue: queue, Logger: slog.New(logged)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := start(t, n)
	wctx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { n.Watch(wctx, hub); close(watched) }()
	t.Cleanup(func() { stop(); <-watched })

	if err := hub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	<-taken // the watching notice is out, and hangs
	for i := 1; i <= 12; i++ {
		clock.Advance(time.Minute)
		before := hub.Snapshot().Version
		if err := hub.CheckNew(ctx); err != nil {
			t.Fatal(err)
		}
		if hub.Snapshot().Version == before {
			t.Fatalf("minute %d: the hub published nothing", i)
		}
		if i > queue { // the queue is full: each new notice pushes the oldest out
			select {
			case <-logged.c:
			case <-time.After(20 * time.Second):
				t.Fatalf("minute %d: no drop", i)
			}
		}
	}
	st := n.Stats()
	if st.Dropped != 12-queue || st.Queued != queue+1 || st.Sent != 0 {
		t.Fatalf("stats %+v, want %d dropped, %d queued (one of them hanging)", st, 12-queue, queue+1)
	}
	// Post itself never waits, however many come.
	for i := range 1000 {
		n.Post(notify.Notice{Kind: notify.KindAutopilotPaused, Key: fmt.Sprint("burst", i)})
	}
	if st := n.Stats(); st.Dropped != 12-queue+1000 {
		t.Fatalf("after a burst: %+v", st)
	}
}

func TestHostileTextArrivesSanitized(t *testing.T) {
	wh := newWebhook(t, nil)
	n, err := notify.New(notify.Options{URL: wh.srv.URL, Source: "ops\x1b[2J-1"})
	if err != nil {
		t.Fatal(err)
	}
	start(t, n)
	n.Post(notify.Notice{Kind: notify.KindAutopilotPaused, Key: "k\u202e",
		Text:         "paused: \x1b]52;c;cm0gLXJmIC8=\x07\x1b[2J\r\nFAKE: all clear\u2066\u009b31m",
		InstanceName: "web\u200b-1\xff", Plan: "p\x1b[0m"})
	body := wh.next(t)
	for i, c := range string(body) {
		if c < 0x20 && !(c == '\n' && i == len(body)-1) || c == 0x7f || c >= 0x80 && c <= 0x9f || c == '\u202e' || c == '\u2066' || c == '\u200b' {
			t.Fatalf("%U at %d in the body: %q", c, i, body)
		}
	}
	var nt notify.Notice
	if err := json.Unmarshal(body, &nt); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want string }{
		{nt.Text, `paused: \x1b]52;c;cm0gLXJmIC8=\x07\x1b[2J\r\nFAKE: all clear<U+2066><U+009B>31m`},
		{nt.InstanceName, `web<U+200B>-1\xff`},
		{nt.Plan, `p\x1b[0m`},
		{nt.Key, `k<U+202E>`},
		{nt.Source, `ops\x1b[2J-1`},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestEachKeyIsPostedOnce(t *testing.T) {
	wh := newWebhook(t, nil)
	n, err := notify.New(notify.Options{URL: wh.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := start(t, n)
	for range 3 {
		n.Post(notify.AutopilotPaused("night", "a failure", sim.Epoch))
	}
	n.Post(notify.AutopilotPaused("night", "a failure", sim.Epoch.Add(time.Hour))) // another pause
	if err := n.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := wh.n.Load(); got != 2 {
		t.Fatalf("%d deliveries, want 2", got)
	}
}

func TestNewRefusesABadURLInOneLine(t *testing.T) {
	for _, u := range []string{"", "hooks.example.com/x", "ftp://hooks.example.com/", "http://", "https://%zz", "/relative"} {
		_, err := notify.New(notify.Options{URL: u})
		if !errors.Is(err, notify.ErrURL) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v", u, err)
		}
	}
	// A refused URL's path and query (where a webhook keeps its secret) never reach the
	// line, whether or not it parses.
	for _, u := range []string{"ftp://hooks.example.com/T000/B000/s3cr3t?token=s3cr3t", "https://%zz/s3cr3t", "hooks.example.com/s3cr3t"} {
		if _, err := notify.New(notify.Options{URL: u}); err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%q: the refusal shows the secret: %v", u, err)
		}
	}
	if _, err := notify.New(notify.Options{URL: "http://127.0.0.1:1/x", Lead: -time.Minute}); err == nil {
		t.Error("a negative lead was taken")
	}
}
