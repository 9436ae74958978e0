// Package aliyun is the real Alibaba Cloud ECS backend, on the official Go SDK, with the
// credentials, rate limiting, retries and redeploy reconciliation a careful operator needs.
package aliyun

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
)

// Options configure a Backend. Only Credentials is required.
type Options struct {
	Credentials *Credentials
	// Region is where region-less calls (DescribeRegions) go; default cn-hangzhou.
	Region string
	// Endpoint, HOST:PORT, sends every call there over plain HTTP (a sim-server). Empty
	// means the real regional endpoints over HTTPS.
	Endpoint string

	// Timeout bounds one attempt of one call, reply included (default 10s).
	Timeout time.Duration
	// ConnectTimeout bounds establishing a connection (default 5s).
	ConnectTimeout time.Duration
	// ReconcileTimeout is the budget for finding out what a RedeployInstance with a lost
	// reply did (default 30s): DescribeTasks and the instance status are polled, through
	// transient failures, until the call's task shows or it is spent (measured on Now, and
	// bounding the real time too). It runs even when the caller's context is already
	// cancelled: the answer is what the user needs most then.
	ReconcileTimeout time.Duration
	// Retries is how many times a read is retried after a 5xx, a timeout or a transport
	// error (default 2, negative for none). RedeployInstance is never retried after those.
	Retries int
	// ThrottleRetries is how many Throttling replies a call survives (default 6, negative
	// for none).
	ThrottleRetries int
	// BaseBackoff is the first backoff; it doubles per retry up to MaxBackoff (defaults
	// 200ms and 20s). A Throttling reply's x-acs-retry-after replaces it when longer.
	BaseBackoff, MaxBackoff time.Duration
	// RegionQPS is where each region's pace starts, in calls a second, and the most it
	// ever allows; RegionBurst is how many calls may go at once (defaults 1,000 and 1,000:
	// in practice unpaced until ECS answers Throttling). A Throttling cuts the region's
	// pace to 70 % of its measured rate and the pace grows back slowly (limiter: the AWS
	// SDKs' adaptive mode). A negative RegionQPS turns pacing off: a Throttling then only
	// holds the region for its back-off.
	RegionQPS   float64
	RegionBurst int
	// Budget is the most calls a minute the backend sends, across every region and action,
	// retries included; calls wait their turn. Zero: no budget (the command line's
	// --api-budget defaults to DefaultBudget).
	Budget float64
	// RegionConcurrency bounds the regions listed at once (default 8).
	RegionConcurrency int
	// CallsPerRegion bounds the calls out at once to one region while listing (default 4):
	// the event pages, read one after the other, and the DescribeInstances calls for the
	// instances of the pages already read.
	CallsPerRegion int

	// Sleep waits between retries and for the limiter; tests inject one that does not
	// sleep. Default: a timer that honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the limiter's clock (default time.Now).
	Now func() time.Time
	// Jitter returns a number in [0,1) that spreads backoffs (default math/rand).
	Jitter func() float64
	// Transport is the HTTP transport under every call (default a pooled http.Transport).
	Transport http.RoundTripper
	// OnCall, when set, is told of every attempt that was sent, by action and outcome
	// (serve --metrics counts them).
	OnCall backend.CallObserver
}

// defaultRegionQPS is the pace a region starts at: generous, so that only ECS's own
// Throttling (not a guess of ours) slows a listing down.
const defaultRegionQPS = 1000

// Stats count what a Backend sent, for benchmarks and diagnostics.
type Stats struct {
	// Calls is the number of HTTP requests sent, retries included.
	Calls int64
	// Throttled counts Throttling replies; Retried counts every retry.
	Throttled, Retried int64
}

// Backend is the real ECS API as a backend.Backend. It is safe for concurrent use.
type Backend struct {
	o        Options
	base     http.RoundTripper
	budget   *budget  // every call, all regions and actions
	limiters sync.Map // region → *limiter
	clients  sync.Map // region → *sync.Pool of *ecs.Client, each used by one attempt at a time

	calls, throttled, retried atomic.Int64

	regionsMu sync.Mutex
	regions   []string // DescribeRegions, cached once it succeeds

	tags tagSets // the listings' tag maps, one per distinct set
}

var _ backend.Backend = (*Backend)(nil)

// initEndpoints fills the SDK's lazily built global endpoint map once: building ECS clients
// concurrently would otherwise race on it.
var initEndpoints sync.Once

// New builds a Backend. It does not call the API.
func New(o Options) (*Backend, error) {
	if o.Credentials == nil || o.Credentials.Provider == nil {
		return nil, ErrNoCredentials
	}
	if o.Endpoint != "" {
		if _, _, err := net.SplitHostPort(o.Endpoint); err != nil {
			return nil, fmt.Errorf("endpoint %q: %w; give HOST:PORT, e.g. 127.0.0.1:8080", o.Endpoint, err)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, 10*time.Second)
	def(&o.ConnectTimeout, 5*time.Second)
	def(&o.ReconcileTimeout, 30*time.Second)
	def(&o.BaseBackoff, 200*time.Millisecond)
	def(&o.MaxBackoff, 20*time.Second)
	if o.Region == "" {
		o.Region = "cn-hangzhou"
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	o.Retries = max(o.Retries, 0)
	if o.ThrottleRetries == 0 {
		o.ThrottleRetries = 6
	}
	o.ThrottleRetries = max(o.ThrottleRetries, 0)
	if o.RegionQPS == 0 {
		o.RegionQPS = defaultRegionQPS
	}
	if o.RegionBurst <= 0 {
		o.RegionBurst = int(max(o.RegionQPS, 1))
	}
	if o.RegionConcurrency <= 0 {
		o.RegionConcurrency = 8
	}
	if o.CallsPerRegion <= 0 {
		o.CallsPerRegion = 4
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	b := &Backend{o: o, base: o.Transport, budget: newBudget(o.Budget)}
	if b.base == nil {
		b.base = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: o.ConnectTimeout,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		}
	}
	initEndpoints.Do(func() { ecs.GetEndpointMap() })
	return b, nil
}

// Stats reports what the backend has sent so far.
func (b *Backend) Stats() Stats {
	return Stats{Calls: b.calls.Load(), Throttled: b.throttled.Load(), Retried: b.retried.Load()}
}

// CloseIdleConnections closes the connections the backend keeps open between calls. Call it
// when done with the backend; calls may still be made after it.
func (b *Backend) CloseIdleConnections() {
	if c, ok := b.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (b *Backend) limiter(region string) *limiter {
	if l, ok := b.limiters.Load(region); ok {
		return l.(*limiter)
	}
	l, _ := b.limiters.LoadOrStore(region, newLimiter(b.o.RegionQPS, b.o.RegionBurst))
	return l.(*limiter)
}

// boundTransport ties one SDK call to a context. The SDK (v1) builds its http.Request
// without one, so without this neither a caller's cancel nor our deadline could stop a call.
// It also caps what is read of the reply (capBody).
type boundTransport struct {
	ctx    context.Context
	base   http.RoundTripper
	b      *Backend
	sent   *atomic.Bool
	action string
	// body, when set, reads a 2xx reply's body here instead of in the SDK (replyBody).
	body *replyBody
}

func (t *boundTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.b.calls.Add(1)
	t.sent.Store(true)
	resp, err := t.base.RoundTrip(r.WithContext(t.ctx))
	if err == nil {
		t.b.capBody(resp, t.action)
		if t.body != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			t.body.readFrom(resp)
		}
	}
	return resp, err
}

// client is an ECS client for one attempt, bound to its context, and the function that
// hands it back once the attempt is over. The SDK's client rewrites its own http.Client
// fields on every call, so it is never shared between attempts at once; but it is reused
// after one: building one (a regular expression compiled, the endpoint tables copied) was
// 3% of a listing's CPU. The credentials are asked of the provider at every call, so a
// reused client never signs with stale ones.
func (b *Backend) client(ctx context.Context, region, action string, sent *atomic.Bool, body *replyBody) (*ecs.Client, func(), error) {
	p, ok := b.clients.Load(region)
	if !ok {
		p, _ = b.clients.LoadOrStore(region, &sync.Pool{})
	}
	pool := p.(*sync.Pool)
	c, _ := pool.Get().(*ecs.Client)
	if c == nil {
		cfg := sdk.NewConfig()
		cfg.AutoRetry = false // retries are ours: the SDK's would retry RedeployInstance blindly
		cfg.MaxRetryTime = 0
		cfg.UserAgent = "ecs-redeploy"
		cfg.Scheme = "HTTPS"
		if b.o.Endpoint != "" {
			cfg.Scheme = "HTTP"
		}
		var err error
		if c, err = ecs.NewClientWithOptions(region, cfg, b.o.Credentials.Provider); err != nil {
			return nil, nil, fmt.Errorf("region %q: %w", region, err)
		}
		if b.o.Endpoint != "" {
			c.Domain = b.o.Endpoint
		}
	}
	c.SetTransport(&boundTransport{ctx: ctx, base: b.base, b: b, sent: sent, action: action, body: body})
	// The attempt's context is the deadline; the SDK's own timeout is set past it only so
	// that it never fires first and hides which limit ended the call.
	c.SetReadTimeout(2*b.o.Timeout + time.Second)
	c.SetConnectTimeout(b.o.ConnectTimeout)
	return c, func() {
		c.SetTransport(nil) // let go of the attempt's context
		pool.Put(c)
	}, nil
}

// outcome is what one attempt came to.
type outcome int

const (
	outOK          outcome = iota
	outThrottled           // 400 Throttling, Throttling.User, …: refused before anything ran; safe to repeat
	outRefused             // a definite answer with a code: returned as is
	outServer              // 5xx: the call may or may not have run
	outTimeout             // no complete reply within the attempt's timeout
	outTransport           // reset or dropped after the request went out
	outUnreachable         // no connection: the request never reached the server
	outCanceled            // the caller's context ended while the call was out
	outLocal               // failed before anything was sent (credentials, parameters, cancelled)
	outGarbled             // a reply that proves nothing: unreadable, lacking what the action returns, or not ECS's error body
)

// ambiguous reports whether a call with this outcome may have run on the server.
// callOutcome is o as the metrics count a sent call.
func (o outcome) callOutcome() backend.CallOutcome {
	switch o {
	case outOK:
		return backend.CallOK
	case outThrottled:
		return backend.CallThrottled
	}
	return backend.CallFailed
}

func (o outcome) ambiguous() bool {
	return o == outServer || o == outTimeout || o == outTransport || o == outCanceled || o == outGarbled
}

// attemptResult is one attempt's outcome and the error to report for it.
type attemptResult struct {
	err        error
	out        outcome
	retryAfter time.Duration
}

// attempt makes one paced, time-bounded call of action in region. do builds the request
// and calls the client.
func (b *Backend) attempt(ctx context.Context, region, action string, do func(*ecs.Client) error) attemptResult {
	return b.attemptInto(ctx, region, action, nil, do)
}

// attemptInto is attempt with the reply's body read into body (when not nil) by the
// transport, for do to decode (replyBody).
func (b *Backend) attemptInto(ctx context.Context, region, action string, body *replyBody, do func(*ecs.Client) error) attemptResult {
	if err := b.budget.wait(ctx, b.o.Now, b.o.Sleep); err != nil {
		return attemptResult{err: err, out: outLocal}
	}
	l := b.limiter(region)
	left, err := l.wait(ctx, b.o.Now, b.o.Sleep)
	if err != nil {
		return attemptResult{err: err, out: outLocal}
	}
	actx, cancel := context.WithTimeout(ctx, b.o.Timeout)
	defer cancel()
	var sent atomic.Bool
	c, release, err := b.client(actx, region, action, &sent, body)
	if err != nil {
		return attemptResult{err: err, out: outLocal}
	}
	err = do(c)
	release()
	var are *AssumeRoleError
	if errors.As(err, &are) {
		// The credentials could not be had: nothing went to ECS, and the error names the
		// STS call that failed, not the action that needed it. A refusal, so it is neither
		// retried nor reported as this action's failure.
		return attemptResult{err: are, out: outRefused}
	}
	r := b.classify(ctx, actx, region, action, err, sent.Load())
	if b.o.OnCall != nil && sent.Load() {
		b.o.OnCall(action, r.out.callOutcome())
	}
	// The region's pace learns from every reply ECS gave; a call that never reached it, or
	// whose reply nobody waited for, says nothing about its rate.
	switch r.out {
	case outThrottled:
		l.throttled(left, b.o.Now())
	case outLocal, outUnreachable, outCanceled:
	default:
		l.answered(b.o.Now())
	}
	return r
}

// classify turns what the SDK returned into an outcome and an error that keeps the API's
// Code, HTTP status, Message and RequestId. The error does not name the action: read and
// Redeploy name it once, with what the user can do, when they give up.
func (b *Backend) classify(ctx, actx context.Context, region, action string, err error, sent bool) attemptResult {
	if err == nil {
		return attemptResult{out: outOK}
	}
	if errors.Is(err, backend.ErrUnprovenReply) {
		// A reply came, but not one its action can return: it proves nothing either way.
		return attemptResult{err: err, out: outGarbled}
	}
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		ae := &backend.APIError{
			Code:       se.ErrorCode(),
			HTTPStatus: se.HttpStatus(),
			Message:    se.Message(),
			RequestID:  se.RequestId(),
			Recommend:  se.Recommend(),
			Action:     action,
		}
		if ae.Code == "" || ae.RequestID == "" {
			// Not ECS's error body (a gateway's or a proxy's page): it does not say whether
			// ECS got the call, so it is no refusal. Say what came back, briefly.
			if ae.Code == "" {
				ae.Code = "HTTP" + strconv.Itoa(ae.HTTPStatus)
			}
			ae.Message = "unexpected reply from " + b.host() + ": " + clip(strings.Join(strings.Fields(ae.Message), " "), 200)
			return attemptResult{err: fmt.Errorf("%w: %w", backend.ErrUnprovenReply, ae), out: outGarbled}
		}
		switch {
		case backend.IsThrottling(ae.Code):
			return attemptResult{err: ae, out: outThrottled, retryAfter: retryAfter(se.RespHeaders)}
		case ae.HTTPStatus >= 500:
			return attemptResult{err: ae, out: outServer}
		}
		if ce := credentialError(ae); ce != nil {
			return attemptResult{err: ce, out: outRefused}
		}
		return attemptResult{err: ae, out: outRefused}
	}
	// The SDK's transport errors are *url.Error, whose text repeats the whole signed URL:
	// keep the cause, drop the URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	unreached := !sent || (errors.As(err, &oe) && oe.Op == "dial")
	switch {
	case unreached && ctx.Err() != nil:
		return attemptResult{err: ctx.Err(), out: outLocal}
	case !sent:
		return attemptResult{err: err, out: outLocal}
	case unreached:
		return attemptResult{err: fmt.Errorf("cannot reach %s: %w", b.host(), err), out: outUnreachable}
	case ctx.Err() != nil:
		return attemptResult{err: ctx.Err(), out: outCanceled}
	}
	var ne net.Error
	if errors.Is(actx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return attemptResult{err: &TimeoutError{Action: action, Region: region, Host: b.host(), After: b.o.Timeout}, out: outTimeout}
	}
	var ce *sdkerrors.ClientError
	if errors.As(err, &ce) && ce.ErrorCode() == sdkerrors.JsonUnmarshalErrorCode {
		return attemptResult{err: fmt.Errorf("%w: the reply from %s could not be read: %w", backend.ErrUnprovenReply, b.host(), err), out: outGarbled}
	}
	return attemptResult{err: fmt.Errorf("%s: %w", b.host(), err), out: outTransport}
}

func (b *Backend) host() string {
	if b.o.Endpoint != "" {
		return b.o.Endpoint
	}
	return "the ECS endpoint"
}

// TimeoutError is a call that got no complete reply in time. Its message does not repeat
// the action and region: the error that wraps it names them.
type TimeoutError struct {
	Action, Region, Host string
	After                time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no reply from %s within %s", e.Host, e.After)
}

// Timeout marks the error as a timeout for net.Error-style checks.
func (e *TimeoutError) Timeout() bool { return true }

// Unwrap lets errors.Is(err, context.DeadlineExceeded) hold.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// CredentialError is the API refusing the credentials themselves: a wrong secret, an
// unknown or disabled key, an expired token. Its message says what to check; the API's
// error (Code, RequestId) stays reachable through errors.As.
type CredentialError struct {
	Hint string
	Err  *backend.APIError
}

func (e *CredentialError) Error() string {
	s := e.Hint + " (" + e.Err.Code
	if e.Err.RequestID != "" {
		s += ", RequestId " + e.Err.RequestID
	}
	return s + ")"
}

func (e *CredentialError) Unwrap() error { return e.Err }

func credentialError(ae *backend.APIError) *CredentialError {
	var hint string
	switch {
	case ae.Code == "SignatureDoesNotMatch" || ae.Code == "IncompleteSignature":
		hint = "the AccessKey secret does not match the AccessKey ID: check " + EnvAccessKeySecret + " or the profile's access_key_secret"
	case ae.Code == "InvalidAccessKeyId.NotFound" || ae.Code == "InvalidAccessKeyId":
		hint = "the AccessKey ID is unknown to Alibaba Cloud: check " + EnvAccessKeyID + " or the profile's access_key_id"
	case ae.Code == "InvalidAccessKeyId.Inactive":
		hint = "the AccessKey is disabled: enable it in the RAM console or use another"
	case strings.HasPrefix(ae.Code, "InvalidSecurityToken"):
		hint = "the STS security token is invalid or expired: get a new one"
	default:
		return nil
	}
	return &CredentialError{Hint: hint, Err: ae}
}

// retryAfter reads x-acs-retry-after (milliseconds) from a Throttling reply. The SDK keeps
// the reply's headers on ServerError.RespHeaders.
func retryAfter(h map[string][]string) time.Duration {
	v := http.Header(h).Get("X-Acs-Retry-After")
	if v == "" {
		return 0
	}
	ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || ms <= 0 {
		return 0
	}
	// A server asking for more than a minute is not believed beyond one: the user is waiting.
	return min(time.Duration(ms*float64(time.Millisecond)), time.Minute)
}

// backoff is the wait before retry n (1-based): exponential with jitter over its upper
// half, and never shorter than the server's retry-after.
func (b *Backend) backoff(n int, retryAfter time.Duration) time.Duration {
	d := b.o.BaseBackoff << min(n-1, 20)
	if d > b.o.MaxBackoff || d <= 0 {
		d = b.o.MaxBackoff
	}
	d = d/2 + time.Duration(b.o.Jitter()*float64(d/2))
	if retryAfter > 0 {
		// Jitter on top of retry-after, so callers told the same instant do not return at it
		// together; a call throttled again and again still backs off past it.
		d = max(d, retryAfter+time.Duration(b.o.Jitter()*float64(retryAfter/10)))
	}
	return d
}

// ReadError is a read that gave up: what failed, and what the user can do about it. The
// advice is kept apart so that a caller giving its own (reconcile: "check before trying
// again") never ends a sentence with two contradicting ones.
type ReadError struct {
	// What says which call failed and how, without advice.
	What   string
	Advice string
	// Transient is true when trying later may succeed (throttling, 5xx, timeouts, dropped
	// connections, replies that prove nothing).
	Transient bool
	Err       error
}

func (e *ReadError) Error() string { return e.What + ": " + e.Err.Error() + "; " + e.Advice }

// Unwrap keeps the API's Code and RequestId reachable.
func (e *ReadError) Unwrap() error { return e.Err }

// Bare is the error without its advice.
func (e *ReadError) Bare() string { return e.What + ": " + e.Err.Error() }

// bare is err's text without a ReadError's advice.
func bare(err error) string {
	var re *ReadError
	if errors.As(err, &re) && re == err {
		return re.Bare()
	}
	return err.Error()
}

// transient reports whether a failed read may succeed when tried again later.
func transient(err error) bool {
	var re *ReadError
	if errors.As(err, &re) {
		return re.Transient
	}
	return false
}

// read calls a read-only action with the read policy: throttling is waited out, and 5xx,
// timeouts, transport errors and replies that prove nothing are retried within the budget.
func (b *Backend) read(ctx context.Context, region, action string, do func(*ecs.Client) error) error {
	return b.readInto(ctx, region, action, nil, do)
}

// readInto is read with each attempt's 2xx body read into body by the transport, when
// body is not nil (replyBody): do decodes it.
func (b *Backend) readInto(ctx context.Context, region, action string, body *replyBody, do func(*ecs.Client) error) error {
	var failures, throttles int
	for {
		r := b.attemptInto(ctx, region, action, body, do)
		var n int
		switch r.out {
		case outOK:
			return nil
		case outThrottled:
			b.throttled.Add(1)
			throttles++
			if throttles > b.o.ThrottleRetries {
				return &ReadError{What: fmt.Sprintf("%s in %s: still throttled after %d retries", action, region, b.o.ThrottleRetries),
					Advice: adviceThrottled, Transient: true, Err: r.err}
			}
			n = throttles
		case outServer, outTimeout, outTransport, outUnreachable, outGarbled:
			failures++
			if failures > b.o.Retries {
				return &ReadError{What: fmt.Sprintf("%s in %s failed %d times", action, region, failures),
					Advice: advice(r.out), Transient: true, Err: r.err}
			}
			n = failures
		case outRefused:
			// The API's own answer (or a CredentialError's hint) says it all.
			return r.err
		default:
			return fmt.Errorf("%s in %s: %w", action, region, r.err)
		}
		b.retried.Add(1)
		d := b.backoff(n, r.retryAfter)
		if r.out == outThrottled {
			// The region's limiter makes this caller, and every other caller of the
			// region, wait it out before their next call.
			b.limiter(region).hold(b.o.Now(), d)
			continue
		}
		if err := b.o.Sleep(ctx, d); err != nil {
			return fmt.Errorf("%s in %s: %w while waiting to retry after: %w", action, region, err, r.err)
		}
	}
}

// adviceThrottled ends the message of a call that stayed throttled.
const adviceThrottled = "the account's ECS API rate for this region is spent (other tools share it): try again in a minute"

// advice is what the user can do about a call that kept failing with outcome o.
func advice(o outcome) string {
	switch o {
	case outTimeout:
		return "raise --api-timeout if the network is slow"
	case outUnreachable:
		return "check the network connection and --endpoint"
	case outServer:
		return "ECS is failing: try again later, and quote the RequestId to Alibaba Cloud support if it persists"
	case outGarbled:
		return "something between here and ECS (a proxy or gateway) answers instead of ECS: check --endpoint and the proxy settings"
	default:
		return "try again later"
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
