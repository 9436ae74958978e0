// Package notify tells the humans what the fleet hub sees and cannot settle alone (a new
// pending event, a deadline near with nothing planned, a plan paused or aborted, a
// redeploy whose outcome is unknown, the autopilot paused) by POSTing one JSON notice per
// fact to a webhook (--notify URL), without ever making the hub wait.
package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"ecs-redeploy/model/safetext"
)

// Kind says what a notice is about; receivers route on it. The set is stable: a kind is
// never renamed, and new kinds may be added.
type Kind string

// The kinds of notice (docs/notify.md says what each means and what to do).
const (
	// KindWatching is the one notice at start: what was already pending then (those
	// events get no notice of their own), the deadlines already inside the lead time with
	// nothing planned, the plans already paused.
	KindWatching Kind = "watching"
	// KindEventNew: a pending system event the hub had not seen before.
	KindEventNew Kind = "event.new"
	// KindDeadlineNear: a pending event's deadline (NotBefore) is inside the lead time and
	// nothing is planned for its instance: no redeploy under way, no running plan holding it.
	KindDeadlineNear Kind = "deadline.near"
	// KindPlanPaused: a plan stopped sending after a failure and waits for an operator to
	// continue or abort it.
	KindPlanPaused Kind = "plan.paused"
	// KindPlanAborted: a plan will send nothing more (a failure under on-failure abort, an
	// operator's abort, a plan that could not be saved).
	KindPlanAborted Kind = "plan.aborted"
	// KindPlanFailed: a plan ended (nothing queued, nothing in flight) with at least one
	// failed redeploy: the failed instances still have their events.
	KindPlanFailed Kind = "plan.failed"
	// KindOutcomeUnknown: a RedeployInstance call got no answer that says whether it
	// started; the hub holds the instance and reconciles through DescribeTasks.
	KindOutcomeUnknown Kind = "outcome.unknown"
	// KindAutopilotPaused: the autopilot stopped starting redeploys (a failure under its
	// policy's on-failure pause, or an operator's pause).
	KindAutopilotPaused Kind = "autopilot.paused"
)

// Severity is how soon a human should look: info (for the record), warning (today),
// critical (now: something waits for an answer or may be moving unseen).
type Severity string

// Severities.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Version is the body's format version (Notice.Version): it changes only if a field
// changes meaning or goes away.
const Version = 1

// Notice is one fact for the humans, and the JSON body of one POST. Times are RFC 3339 in
// UTC, on the backend's clock (the simulator's on --demo). Fields that do not apply to a
// kind are left out. Every string is made safe at the border (safetext.Terminal) when the
// body is encoded: text from the API shows its control and bidi characters as escapes.
type Notice struct {
	Version int  `json:"version"`
	Kind    Kind `json:"kind"`
	// Key names the fact: the same key is never sent twice by one process, and a receiver
	// may deduplicate on it (a retry after a lost answer delivers the same key again).
	Key      string    `json:"key"`
	Time     time.Time `json:"time"`
	Severity Severity  `json:"severity"`
	// Text is one line for a person (and for chat webhooks that read "text").
	Text string `json:"text"`
	// Source is the host that sent it (the host name, or --notify-source).
	Source       string    `json:"source"`
	Instance     string    `json:"instance,omitempty"`
	InstanceName string    `json:"instance_name,omitempty"`
	Region       string    `json:"region,omitempty"`
	Event        string    `json:"event,omitempty"`
	EventType    string    `json:"event_type,omitempty"`
	EventStatus  string    `json:"event_status,omitempty"`
	Deadline     time.Time `json:"deadline,omitzero"`
	// Drill marks an event made by CreateSimulatedSystemEvents: a rehearsal.
	Drill bool   `json:"drill,omitempty"`
	Plan  string `json:"plan,omitempty"`
	Task  string `json:"task,omitempty"`
	// Count is what a watching notice counts: the pending events at start.
	Count int `json:"count,omitempty"`
}

// safe is n with every string passed through safetext.Terminal: the one place text from
// outside (names, reasons, error messages, a policy's words) is made safe for a body that
// ends on a chat screen, in a pager or in a terminal.
func (n Notice) safe() Notice {
	for _, s := range []*string{&n.Key, &n.Text, &n.Source, &n.Instance, &n.InstanceName, &n.Region,
		&n.Event, &n.EventType, &n.EventStatus, &n.Plan, &n.Task} {
		*s = safetext.Terminal(*s)
	}
	n.Kind, n.Severity = Kind(safetext.Terminal(string(n.Kind))), Severity(safetext.Terminal(string(n.Severity)))
	return n
}

// AutopilotPaused is the notice for the autopilot's pause: policy names the policy (the
// autopilot's identity), why is what paused it, at is when on the backend's clock. Each
// pause is its own notice: at is in the key.
func AutopilotPaused(policy, why string, at time.Time) Notice {
	return Notice{Kind: KindAutopilotPaused, Key: "autopilot.paused/" + policy + "/" + at.UTC().Format(time.RFC3339Nano),
		Time: at, Severity: SeverityCritical,
		Text: "autopilot " + policy + " paused: " + why + "; it starts nothing until an operator resumes it in the console"}
}

// Defaults of Options.
const (
	// DefaultLead is how close a deadline must be, with nothing planned, for a
	// deadline.near notice: time to page someone, who then has time to act.
	DefaultLead = 2 * time.Hour
	// DefaultQueue is how many notices may wait for the webhook; the oldest is dropped
	// beyond it.
	DefaultQueue = 256
	// DefaultTimeout bounds one POST (connection, request and answer).
	DefaultTimeout = 10 * time.Second
	// MaxRetries is how many times one notice is sent again after the first attempt.
	MaxRetries = 8
	// maxRetryAfter caps a webhook's Retry-After: one notice must not hold the queue for
	// longer than this between two attempts.
	maxRetryAfter = 2 * time.Minute
	// keepKeys bounds the keys remembered to send each fact once.
	keepKeys = 8192
)

// Options configure a Notifier. Only URL is required.
type Options struct {
	// URL is the webhook: http or https.
	URL string
	// Source names this host in every notice; os.Hostname by default.
	Source string
	// Lead is DefaultLead when zero.
	Lead time.Duration
	// Queue is DefaultQueue when zero.
	Queue int
	// Client sends the POSTs; by default one with DefaultTimeout that follows no redirect
	// (a POST redirected by 301 or 302 would arrive as a GET without its body).
	Client *http.Client
	// Now stamps a posted notice that has no Time; time.Now by default.
	Now func() time.Time
	// NewBackOff is the wait between attempts of one notice; by default exponential from
	// 1 s, doubling, ±50 % jitter, at most 1 min between attempts, MaxRetries retries.
	NewBackOff func() backoff.BackOff
	// NewTimer makes the timer the waits run on; tests step it instead of sleeping.
	NewTimer func() backoff.Timer
	// Logger receives drops and failed deliveries; discarded by default.
	Logger *slog.Logger
	// OnHealth hears how the webhook answers, for a screen with no server log (the
	// console): called on the sender goroutine, it must not block. See Health.
	OnHealth func(Health)
}

// HealthKind is what changed in how the webhook answers.
type HealthKind int

// Health kinds.
const (
	// HealthFailing: an attempt failed after deliveries went through (or at the first
	// attempt): the start of a spell of failures, told once.
	HealthFailing HealthKind = iota + 1
	// HealthGaveUp: a notice was given up (its retries spent, or an answer that would be
	// the same again). Told for each notice; First marks the first of the spell.
	HealthGaveUp
	// HealthRecovered: a notice went through after a spell of failures, told once.
	HealthRecovered
)

// Health is one change in how the webhook answers, in one line for a person (Text names
// the webhook by scheme and host only). First says it is the first of its kind in this
// spell of failures: a screen shows those where a person looks, and keeps the others in
// its log, so a dead webhook is said once and not once per notice.
type Health struct {
	Kind  HealthKind
	First bool
	Text  string
}

// ErrURL is wrapped when --notify is not a usable webhook URL.
var ErrURL = errors.New("--notify needs an http:// or https:// URL with a host, e.g. https://hooks.example.com/ecs")

// urlError is a refused --notify that says more than ErrURL; it is ErrURL all the same.
type urlError string

func (e urlError) Error() string        { return string(e) }
func (e urlError) Is(target error) bool { return target == ErrURL }

// Stats are a Notifier's counters since it was made.
type Stats struct {
	// Queued are waiting now (the one being sent included).
	Queued int
	// Sent were answered 2xx; Retried counts attempts after a first (429, 5xx, a network
	// error); Failed were given up (a 4xx or a 3xx answer, or every retry spent); Dropped
	// were pushed out of a full queue unsent; Unsent were left unsent at exit (Drain)
	// because the webhook was failing: an exit does not wait out the back-off.
	Sent, Retried, Failed, Dropped, Unsent uint64
}

// Notifier queues notices and POSTs them one at a time, in order, to one webhook. Post
// never blocks: the queue is bounded, and when it is full the oldest notice is dropped
// and counted. Its methods are safe for concurrent use.
type Notifier struct {
	opt Options
	url string
	// where is the URL as logs and errors name it: scheme and host only, since a
	// webhook's path or query often holds its secret (a chat's incoming-webhook token).
	where string
	log   *slog.Logger
	wake  chan struct{}

	mu    sync.Mutex
	queue []Notice
	// sending is set while the sender holds a notice it took from the queue.
	sending bool
	idle    chan struct{} // closed and replaced when the queue empties
	keys    map[string]struct{}
	order   []string // keys in the order they were seen, to forget the oldest
	stats   Stats
	// failing is set from a failed attempt until a delivery goes through; gaveUp is set
	// once a notice was given up in that spell. lastErr is the last attempt's failure.
	failing, gaveUp bool
	lastErr         string
	// hurry is closed by Drain: the process is ending, and nothing is retried any more.
	hurry     chan struct{}
	hurryOnce sync.Once
}

// New checks the options and makes a Notifier. Nothing is sent until Run.
func New(opt Options) (*Notifier, error) {
	u, err := url.Parse(opt.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		// Only the scheme and host are echoed: a webhook's path and query often hold its
		// secret, and this line reaches terminals and logs.
		got := "a URL that does not parse"
		if err == nil {
			got = fmt.Sprintf("scheme %q, host %q", u.Scheme, u.Host)
		}
		return nil, fmt.Errorf("%w; got %s", ErrURL, safetext.Terminal(got))
	}
	// A port the dialer would refuse at the first notice (http://host:99999/) is refused
	// here, before anything starts.
	if p := u.Port(); p != "" {
		if v, err := strconv.Atoi(p); err != nil || v < 1 || v > 65535 {
			return nil, urlError("--notify: the port must be 1 to 65535; got " + safetext.Terminal(strconv.Quote(p)) + " in " + safetext.Terminal(u.Scheme+"://"+u.Host))
		}
	}
	if opt.Lead < 0 {
		return nil, fmt.Errorf("--notify-lead must not be negative, got %s", opt.Lead)
	}
	if opt.Queue < 0 {
		return nil, fmt.Errorf("--notify-queue must not be negative, got %d", opt.Queue)
	}
	if opt.Lead == 0 {
		opt.Lead = DefaultLead
	}
	if opt.Queue == 0 {
		opt.Queue = DefaultQueue
	}
	if opt.Source == "" {
		opt.Source, _ = os.Hostname()
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.NewBackOff == nil {
		opt.NewBackOff = defaultBackOff
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Notifier{opt: opt, url: u.String(), where: u.Scheme + "://" + u.Host, log: opt.Logger, wake: make(chan struct{}, 1),
		idle: make(chan struct{}), keys: map[string]struct{}{}, hurry: make(chan struct{})}, nil
}

// Where is the webhook as logs name it: scheme and host, never its path or query.
func (n *Notifier) Where() string { return n.where }

// Post queues one notice and returns at once: it never waits for the webhook. A notice
// whose Key was posted before is not queued again. It fills in Version, Source and, when
// zero, Time. With the queue full, the oldest waiting notice is dropped (Stats.Dropped).
func (n *Notifier) Post(nt Notice) {
	nt.Version = Version
	if nt.Source == "" {
		nt.Source = n.opt.Source
	}
	if nt.Time.IsZero() {
		nt.Time = n.opt.Now()
	}
	nt.Time = nt.Time.UTC()
	n.mu.Lock()
	if nt.Key != "" {
		if _, dup := n.keys[nt.Key]; dup {
			n.mu.Unlock()
			return
		}
		n.keys[nt.Key] = struct{}{}
		n.order = append(n.order, nt.Key)
		if len(n.order) > keepKeys {
			delete(n.keys, n.order[0])
			n.order = n.order[1:]
		}
	}
	var dropped *Notice
	if len(n.queue) >= n.opt.Queue {
		d := n.queue[0]
		dropped = &d
		n.queue = n.queue[1:]
		n.stats.Dropped++
	}
	n.queue = append(n.queue, nt)
	total := n.stats.Dropped
	n.mu.Unlock()
	if dropped != nil {
		n.log.Warn("notify: queue full, oldest notice dropped", "kind", dropped.Kind, "key", safetext.Log(dropped.Key), "dropped", total)
	}
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters now.
func (n *Notifier) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.stats
	s.Queued = len(n.queue)
	if n.sending {
		s.Queued++
	}
	return s
}

// next takes the oldest notice, or reports that there is none.
func (n *Notifier) next() (Notice, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.queue) == 0 {
		n.sending = false
		close(n.idle)
		n.idle = make(chan struct{})
		return Notice{}, false
	}
	nt := n.queue[0]
	n.queue[0] = Notice{}
	n.queue = n.queue[1:]
	n.sending = true
	return nt, true
}
