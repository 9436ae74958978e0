// Package ecsapi serves a sim.Engine as an ECS RPC endpoint for the official SDK and CLI.
//
// In-process use, e.g. from a test:
//
//	eng := sim.New(sim.Generate(1, 150, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1})
//	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "id", AccessKeySecret: "secret"})
//	ep, err := srv.Start("127.0.0.1:0") // ep.Addr is "127.0.0.1:PORT"
//	defer ep.Close()
//	client, _ := ecs.NewClientWithAccessKey("cn-hangzhou", "id", "secret")
//	client.Domain = ep.Addr // the SDK's default scheme is HTTP
//
// A *Server is also a plain http.Handler (httptest.NewServer(srv) works). Set
// ALIBABA_CLOUD_ECS_METADATA_DISABLED=true wherever an SDK client is built in tests.
package ecsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Options configure a Server.
type Options struct {
	// AccessKeyID and AccessKeySecret are the one key pair the server accepts.
	AccessKeyID     string
	AccessKeySecret string
	// Log receives one line per request (action, region, status, code, duration); nil
	// logs nothing. The secret is never logged.
	Log io.Writer
	// Now is the wall clock that Timestamp is checked against (nil: time.Now). It is not
	// the engine's clock: clients stamp requests with real time even when --sim-speed
	// runs the fleet faster.
	Now func() time.Time
	// MaxNonceBytes bounds the replay cache, in bytes of nonces plus their bookkeeping
	// (0: 64 MiB, about 500,000 SDK nonces). When full, the oldest are forgotten first.
	MaxNonceBytes int
	// BodyTimeout bounds the reading of a request's body, from the end of its headers
	// (0: 10 s), so a client sending a byte a second cannot hold a connection.
	// Headers have their own bound of 10 s.
	BodyTimeout time.Duration
}

// Server answers ECS RPC calls from one engine. It is safe for concurrent use.
type Server struct {
	e    *sim.Engine
	opts Options
	// created is a fixed CreationTime base, so DescribeInstances is stable across calls.
	created time.Time

	nonces *nonceCache
	// signers are *signer, keyed with AccessKeySecret.
	signers sync.Pool
	// replyBufs are buffers of replies already written, for the next to encode into: a
	// DescribeInstances page is about 100 KB, and allocating and zeroing one per call was
	// a tenth of a listing.
	replyBufs freeList[[]byte]
	// instancePages and eventPages are the engine's answers already encoded, for the next
	// page to be copied into: 100 copied instances are 28 KB, 100 events 23 KB.
	instancePages freeList[sim.InstancePage]
	eventPages    freeList[[]model.Event]
	logMu         sync.Mutex
	lost          atomic.Uint64
	// hanging counts calls held by FaultHang, so tests can wait for one without sleeping.
	hanging atomic.Int64
	closing chan struct{}
	once    sync.Once
}

// NewServer serves engine e with opts.
func NewServer(e *sim.Engine, opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxNonceBytes <= 0 {
		opts.MaxNonceBytes = 64 << 20
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = 10 * time.Second
	}
	s := &Server{
		e:             e,
		opts:          opts,
		created:       e.Now().UTC().Truncate(24 * time.Hour),
		nonces:        newNonceCache(opts.MaxNonceBytes),
		replyBufs:     make(freeList[[]byte], keptBufs),
		instancePages: make(freeList[sim.InstancePage], keptBufs),
		eventPages:    make(freeList[[]model.Event], keptBufs),
		closing:       make(chan struct{}),
	}
	return s
}

// Engine is the engine the server answers from.
func (s *Server) Engine() *sim.Engine { return s.e }

// release ends hung and delayed calls, so a shutdown does not wait for them.
func (s *Server) release() { s.once.Do(func() { close(s.closing) }) }

// outcome is what one call came to, for the log line.
type outcome struct {
	action, region string
	status         int
	code           string
}

// ServeHTTP answers one RPC call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	o := s.serve(w, r)
	if s.opts.Log != nil {
		code := o.code
		if code == "" {
			code = "-"
		}
		status := strconv.Itoa(o.status)
		if o.status == 0 {
			status = "dropped"
		}
		line := fmt.Sprintf("%s %s %s %s %s %s\n", time.Now().UTC().Format("15:04:05.000"),
			logField(o.action), logField(o.region), status, code, time.Since(start).Round(10*time.Microsecond))
		s.logMu.Lock()
		// A call is not failed for its log line, and a log that cannot be written has
		// nobody left to tell.
		_, _ = io.WriteString(s.opts.Log, line)
		s.logMu.Unlock()
	}
}

// logField renders a client-supplied value for the log: "-" when empty, quoted when it
// holds anything but printable ASCII, so a request cannot forge or split log lines.
func logField(s string) string {
	if s == "" {
		return "-"
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (o outcome) {
	// A deadline for the body only: the call itself may take as long as its faults say
	// (a hung call must hang), so http.Server's ReadTimeout, which would also cancel the
	// call once it ran out, is not the tool. A writer that cannot set deadlines (a test
	// recorder) has no connection to hold, so its ErrNotSupported is no failure.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
	req, aerr := parseRequest(r)
	if aerr != nil {
		// The rest of an unread body is not waited for: net/http would read it to reuse
		// the connection, after the deadline was lifted.
		w.Header().Set("Connection", "close")
		return s.fail(w, r, o, aerr)
	}
	_ = rc.SetReadDeadline(time.Time{})
	o.action, o.region = req.get("Action"), req.get("RegionId")
	act, aerr := s.authenticate(req)
	if aerr != nil {
		return s.fail(w, r, o, aerr)
	}
	fault, aerr := s.inject(r.Context(), o.action, o.region)
	if aerr != nil {
		return s.fail(w, r, o, aerr)
	}
	body, aerr := act(s, req)
	if aerr != nil {
		return s.fail(w, r, o, aerr)
	}
	switch fault {
	case sim.FaultLostReply:
		return s.loseReply(w, r, o)
	case sim.FaultBadReply:
		return s.badReply(w, o)
	}
	o.status = http.StatusOK
	writeJSON(w, http.StatusOK, body)
	// Written means copied: to the connection's buffer or socket, or a recorder's buffer.
	if raw, ok := body.(rawJSON); ok {
		s.recycle(raw)
	}
	return o
}

// How many buffers of each kind a server keeps, and a reply buffer up to what size: a
// page of 100 instances with many tags is well under maxKeptReply, and a bigger reply is
// rare enough to allocate.
const (
	keptBufs     = 4
	maxKeptReply = 1 << 20
)

// replyBuf returns an empty buffer of at least size bytes for a reply to encode into.
func (s *Server) replyBuf(size int) []byte { return slices.Grow(s.replyBufs.get()[:0], size) }

// recycle hands a written reply's buffer to the next reply; nothing may read it after.
func (s *Server) recycle(b []byte) {
	if cap(b) <= maxKeptReply {
		s.replyBufs.put(b)
	}
}

// freeList keeps a few slices (or pages of them) for reuse; the channel's capacity bounds
// how many. What is kept is not cleared: what it still points to (an instance's strings
// and tags) is the engine's and lives on anyway.
type freeList[T any] chan T

// get returns one kept, if there is one, else T's zero value.
func (l freeList[T]) get() T {
	select {
	case v := <-l:
		return v
	default:
		var zero T
		return zero
	}
}

// put keeps v for a later get, unless enough are kept; nothing may use v after.
func (l freeList[T]) put(v T) {
	select {
	case l <- v:
	default:
	}
}

// errorBody is the ECS error document; the SDK reads RequestId, HostId, Code, Message and
// Recommend from it.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, o outcome, e *apiError) outcome {
	if e == errDrop {
		if drop(w) {
			o.status, o.code = 0, e.code
			return o
		}
		e = &apiError{status: 503, code: backend.CodeServiceUnavailable,
			message: "The request has failed due to a temporary failure of the server."}
	}
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	id := s.e.NewRequestID()
	writeJSON(w, e.status, errorBody{
		RequestID: id,
		HostID:    hostOf(r),
		Code:      e.code,
		Message:   e.message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(e.code) + "&product=Ecs&requestId=" + id,
	})
	o.status, o.code = e.status, e.code
	return o
}

// fromBackend converts an engine refusal into the reply ECS would give.
func fromBackend(err error) *apiError {
	if ae, ok := backend.AsAPIError(err); ok {
		return &apiError{status: ae.HTTPStatus, code: ae.Code, message: ae.Message}
	}
	return &apiError{status: 500, code: backend.CodeInternalError, message: err.Error()}
}

func hostOf(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return "ecs.aliyuncs.com"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, ok := v.(rawJSON)
	var err error
	if !ok {
		b, err = json.Marshal(v)
	}
	if err != nil {
		status = 500
		b = []byte(`{"Code":"InternalError","Message":"the simulator could not encode its reply"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	// A write fails when the client has gone; there is nobody to answer.
	_, _ = w.Write(b)
}

// Endpoint is a Server listening on a TCP address.
type Endpoint struct {
	// Addr is the HOST:PORT clients dial, with the real port when :0 was asked for.
	Addr string
	srv  *Server
	hs   *http.Server
	done chan error // the Serve loop's result, received once
	// stopped makes a second Shutdown or Close (a deferred Close after a Shutdown, say)
	// return the first one's result instead of waiting forever on done.
	stopped sync.Once
	err     error

	// fresh are the connections no request has arrived on yet. http.Server.Shutdown waits
	// up to five seconds for such a connection, which every HTTP client pool leaves behind
	// now and then; sim-server closes them at once instead, as nothing runs on them.
	connMu   sync.Mutex
	fresh    map[net.Conn]struct{}
	stopping bool
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background until Shutdown
// or Close.
func (s *Server) Start(addr string) (*Endpoint, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	ep := &Endpoint{
		Addr:  ln.Addr().String(),
		srv:   s,
		done:  make(chan error, 1),
		fresh: map[net.Conn]struct{}{},
	}
	ep.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: ep.track}
	go func() {
		err := ep.hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		ep.done <- err
	}()
	return ep, nil
}

// Shutdown stops accepting calls, ends hung ones, and waits for the rest until ctx ends.
func (ep *Endpoint) Shutdown(ctx context.Context) error {
	ep.stopped.Do(func() {
		ep.srv.release()
		ep.dropFresh()
		ep.err = ep.hs.Shutdown(ctx)
		if ep.err != nil {
			ep.err = errors.Join(ep.err, ep.hs.Close())
		}
		if serr := <-ep.done; ep.err == nil {
			ep.err = serr
		}
	})
	return ep.err
}

// track keeps the set of fresh connections; once stopping, a new one is closed on arrival.
func (ep *Endpoint) track(c net.Conn, st http.ConnState) {
	ep.connMu.Lock()
	defer ep.connMu.Unlock()
	switch {
	case st == http.StateNew && ep.stopping:
		_ = c.Close() // refused on arrival: its close error concerns nobody
	case st == http.StateNew:
		ep.fresh[c] = struct{}{}
	default:
		delete(ep.fresh, c)
	}
}

// dropFresh closes the connections no request has arrived on.
func (ep *Endpoint) dropFresh() {
	ep.connMu.Lock()
	defer ep.connMu.Unlock()
	ep.stopping = true
	for c := range ep.fresh {
		_ = c.Close() // idle, never used: its close error concerns nobody
	}
	clear(ep.fresh)
}

// Close shuts the endpoint down, giving in-flight calls five seconds.
func (ep *Endpoint) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ep.Shutdown(ctx)
}
