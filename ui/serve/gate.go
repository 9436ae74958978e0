package serve

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits bound what a peer that has not authenticated can hold, as OpenSSH's sshd_config
// does (LoginGraceTime, MaxStartups, PerSourceMaxStartups; sshd_config(5)). Without them
// every TCP connection that never speaks is kept for the idle timeout: 20,100 silent ones
// exhausted the process's file descriptors and locked the operators out (issue 21).
type Limits struct {
	// LoginGraceTime closes a connection that has not authenticated this long after it was
	// accepted. OpenSSH's default is 120 s, sized for password prompts; this server takes
	// public keys only, and 30 s still leaves room for a key passphrase or a security-key
	// touch. 0 keeps none (not advised).
	LoginGraceTime time.Duration
	// MaxStartups caps the connections not yet authenticated, with random early refusal.
	MaxStartups Startups
	// PerSource caps the connections not yet authenticated from one IPv4 address or IPv6
	// /64; 0: no cap. It keeps one host that knocks from taking the places every other
	// host needs.
	PerSource int
	// LogEvery is how often refusals are summed up in the log: one line per interval with
	// counts, never one line per knock. 10 s by default.
	LogEvery time.Duration
}

// DefaultLimits are serve's defaults.
var DefaultLimits = Limits{
	LoginGraceTime: 30 * time.Second,
	MaxStartups:    Startups{Start: 10, Rate: 30, Full: 100},
	PerSource:      5,
	LogEvery:       10 * time.Second,
}

// Startups is OpenSSH's MaxStartups "start:rate:full": below Start connections not yet
// authenticated, a new one is accepted; from Start on it is refused with probability Rate %,
// rising linearly to 100 % at Full; at Full every new one is refused. A zero Full is no cap.
type Startups struct{ Start, Rate, Full int }

func (s Startups) String() string {
	if s.Full == 0 {
		return "0"
	}
	return fmt.Sprintf("%d:%d:%d", s.Start, s.Rate, s.Full)
}

// ParseStartups reads "start:rate:full" or a single "full" (then start = full: no early
// refusal), as sshd_config(5) writes MaxStartups. "0" is no cap.
func ParseStartups(v string) (Startups, error) {
	parts := strings.Split(v, ":")
	var n []int
	for _, p := range parts {
		i, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || i < 0 {
			n = nil
			break
		}
		n = append(n, i)
	}
	var s Startups
	switch len(n) {
	case 1:
		s = Startups{Start: n[0], Rate: 100, Full: n[0]}
	case 3:
		s = Startups{Start: n[0], Rate: n[1], Full: n[2]}
	default:
		return Startups{}, fmt.Errorf("%q is not start:rate:full (such as 10:30:100) nor a single number", v)
	}
	if s.Full == 0 {
		return Startups{}, nil
	}
	switch {
	case s.Rate > 100:
		return Startups{}, fmt.Errorf("%q: rate %d is a percentage, at most 100", v, s.Rate)
	case s.Start > s.Full:
		return Startups{}, fmt.Errorf("%q: start %d is above full %d", v, s.Start, s.Full)
	}
	return s, nil
}

// refuse reports whether a new connection is refused when n are not yet authenticated;
// roll draws a number in [0, 100).
func (s Startups) refuse(n int, roll func() int) bool {
	switch {
	case s.Full == 0 || n < s.Start:
		return false
	case n >= s.Full:
		return true
	}
	// sshd's drop_connection: rate at start, rising linearly to 100 at full.
	p := s.Rate + (100-s.Rate)*(n-s.Start)/(s.Full-s.Start)
	return roll() < p
}

// Known sources. MaxStartups alone cannot tell an operator from a flood: many addresses
// knocking together fill it, and then every login is refused, the team's included (sshd
// has the same weakness). A source where a key logged in within knownFor is let past
// MaxStartups (never past its per-source cap), so the people who use the server keep
// getting in while strangers knock. At most knownMax sources are remembered, the oldest
// forgotten first; only a verified key adds one, so strangers cannot grow the list.
const (
	knownFor = 24 * time.Hour
	knownMax = 1024
)

// gate counts the connections that have not authenticated, refuses those past the limits
// at accept, before they cost a goroutine or a handshake, and closes those past their
// grace time. It sums up what it refused for the log.
type gate struct {
	lim  Limits
	roll func() int
	now  func() time.Time

	mu       sync.Mutex
	pending  int                       // accepted, not yet authenticated
	conns    map[*pendingConn]struct{} // the pending ones, for Shutdown
	bySource map[string]int            // pending, by source; no zero entries
	known    map[string]time.Time      // sources a key logged in from, and when last
	// Since the last summary.
	refusedSource, refusedStartups, expired int
	lastSource                              string
	lastSummary                             time.Time
	// Since the start, for tests and measurements.
	total GateStats
	// changed is closed and replaced whenever a place is given back.
	changed chan struct{}
}

// GateStats counts what the gate did since the server started.
type GateStats struct {
	// Pending is the connections accepted and not yet authenticated, now.
	Pending int
	// RefusedPerSource and RefusedMaxStartups were closed as accepted; LoginGraceExpired
	// were closed unauthenticated after the grace time.
	RefusedPerSource, RefusedMaxStartups, LoginGraceExpired int
}

func newGate(lim Limits, now func() time.Time) *gate {
	return &gate{lim: lim, roll: func() int { return rand.IntN(100) }, now: now, bySource: map[string]int{},
		conns: map[*pendingConn]struct{}{}, known: map[string]time.Time{}, changed: make(chan struct{})}
}

// gateListener hands the server only the connections the gate admits.
type gateListener struct {
	net.Listener
	g *gate
}

func (l gateListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if pc := l.g.admit(c); pc != nil {
			return pc, nil
		}
		// Refused before a byte is read: the peer sees the connection closed, as OpenSSH
		// does past MaxStartups. The fd goes back now.
		_ = c.Close()
	}
}

// sourceOf is where a connection comes from, for the per-source cap: its IPv4 address,
// or its IPv6 /64, the block one host is usually given (so that one host cannot knock
// from 2⁶⁴ addresses; sshd_config's PerSourceNetBlockSize 32:64).
func sourceOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		if t.IP.To4() == nil && len(t.IP) == net.IPv6len {
			return t.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
		}
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// admit counts c as not yet authenticated, or returns nil to refuse it.
func (g *gate) admit(c net.Conn) *pendingConn {
	src := sourceOf(c.RemoteAddr())
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lim.PerSource > 0 && g.bySource[src] >= g.lim.PerSource {
		g.refusedSource++
		g.total.RefusedPerSource++
		g.lastSource = src
		return nil
	}
	// A known source passes only under a per-source cap: without one, a stranger behind the
	// same address (a NAT) could take every place.
	known := g.lim.PerSource > 0 && g.knownLocked(src)
	if !known && g.lim.MaxStartups.refuse(g.pending, g.roll) {
		g.refusedStartups++
		g.total.RefusedMaxStartups++
		g.lastSource = src
		return nil
	}
	g.pending++
	g.bySource[src]++
	pc := &pendingConn{Conn: c, g: g, src: src}
	g.conns[pc] = struct{}{}
	if d := g.lim.LoginGraceTime; d > 0 {
		pc.grace = time.AfterFunc(d, pc.expire)
	}
	return pc
}

// knownLocked reports whether a key logged in from src within knownFor.
func (g *gate) knownLocked(src string) bool {
	at, ok := g.known[src]
	return ok && g.now().Sub(at) < knownFor
}

// remember records that a key logged in from src.
func (g *gate) remember(src string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.known[src]; !ok && len(g.known) >= knownMax {
		oldest, first := "", true
		for s, at := range g.known {
			if first || at.Before(g.known[oldest]) {
				oldest, first = s, false
			}
		}
		delete(g.known, oldest)
	}
	g.known[src] = g.now()
}

// release gives back the place of a connection that authenticated or went away.
func (g *gate) release(pc *pendingConn, expired bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending--
	delete(g.conns, pc)
	if g.bySource[pc.src]--; g.bySource[pc.src] <= 0 {
		delete(g.bySource, pc.src)
	}
	if expired {
		g.expired++
		g.total.LoginGraceExpired++
	}
	close(g.changed)
	g.changed = make(chan struct{})
}

// closeAll closes every connection that has not authenticated: on shutdown, a half-done
// login is not waited for.
func (g *gate) closeAll() {
	g.mu.Lock()
	conns := make([]*pendingConn, 0, len(g.conns))
	for pc := range g.conns {
		conns = append(conns, pc)
	}
	g.mu.Unlock()
	for _, pc := range conns {
		_ = pc.Close()
	}
}

// stats is the gate's counts, and a channel closed at the next place given back.
func (g *gate) stats() (GateStats, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.total
	st.Pending = g.pending
	return st, g.changed
}

// summary is the log line's fields for what was refused since the last one, or nil when
// there is nothing to say or the last line is younger than LogEvery (unless final: the
// server stops).
func (g *gate) summary(now time.Time, final bool) []any {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refusedSource+g.refusedStartups+g.expired == 0 || (!final && now.Sub(g.lastSummary) < g.lim.LogEvery) {
		return nil
	}
	kv := []any{"refused_per_source", g.refusedSource, "refused_max_startups", g.refusedStartups,
		"login_grace_expired", g.expired, "unauthenticated", g.pending}
	if g.lastSource != "" {
		kv = append(kv, "last_source", g.lastSource)
	}
	if !g.lastSummary.IsZero() {
		kv = append(kv, "since", now.Sub(g.lastSummary).Round(time.Second))
	}
	g.refusedSource, g.refusedStartups, g.expired, g.lastSource = 0, 0, 0, ""
	g.lastSummary = now
	return kv
}

// pendingConn is an admitted connection; it holds its place in the gate until it
// authenticates, closes, or outlives the login grace time.
type pendingConn struct {
	net.Conn
	g     *gate
	src   string
	grace *time.Timer

	once sync.Once
}

// settle releases the connection's place once; the first outcome wins.
func (pc *pendingConn) settle(outcome string) bool {
	settled := false
	pc.once.Do(func() {
		settled = true
		// The timer's own call stops nothing: it may run before admit has stored it.
		if outcome != "expired" && pc.grace != nil {
			pc.grace.Stop()
		}
		pc.g.release(pc, outcome == "expired")
	})
	return settled
}

// authenticated is called once the client has proved it holds an authorized key: the
// connection leaves the gate's count and its grace timer.
func (pc *pendingConn) authenticated() {
	if pc.settle("authenticated") {
		pc.g.remember(pc.src)
	}
}

func (pc *pendingConn) expire() {
	if pc.settle("expired") {
		_ = pc.Conn.Close()
	}
}

func (pc *pendingConn) Close() error {
	pc.settle("closed")
	err := pc.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
