package sim

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Faults are failures injected into the simulator's API faces, for testing clients.
type Faults struct {
	// ThrottleRate is the fraction of calls answered 400 Throttling.
	ThrottleRate float64
	// RetryAfter is advertised in x-acs-retry-after on throttled replies (0: no header).
	RetryAfter time.Duration
	// ServerErrorRate is the fraction of calls answered 500 InternalError or 503.
	ServerErrorRate float64
	// HangRate is the fraction of calls that never answer (until the client gives up).
	HangRate float64
	// LostReplyRate is the fraction of calls applied and then answered with a failure: the
	// case that tempts clients into submitting a redeploy twice.
	LostReplyRate float64
	// BadReplyRate is the fraction of calls applied and then answered with BadReply: a
	// reply that proves nothing, as a broken proxy or a gateway sends. The in-process
	// Backend answers these like a lost reply.
	BadReplyRate float64
	// BadReply is what such a call is answered with (default BadReplyGateway).
	BadReply BadReply
	// Actions, when set, limits the rate faults above to these API actions
	// (RedeployInstance, DescribeTasks, …); RegionQPS and Latency still apply to all.
	Actions []string
	// Latency is added to every call.
	Latency time.Duration
	// RegionQPS limits calls per region and action per second like the real API (0: none).
	// Up to RegionQPS calls (at least one) may come at once after a quiet second.
	RegionQPS float64
}

// BadReply is a reply that proves nothing.
type BadReply string

// Replies that prove nothing, by what a client receives.
const (
	// BadReplyGateway is a 502 with an HTML page and no ECS error body.
	BadReplyGateway BadReply = "502"
	// BadReplyEmptyJSON is a 200 with the body {}.
	BadReplyEmptyJSON BadReply = "{}"
	// BadReplyEmpty is a 200 with no body at all.
	BadReplyEmpty BadReply = "empty"
)

// ParseBadReply reads a BadReply as sim-server's --bad-reply flag gives it.
func ParseBadReply(s string) (BadReply, bool) {
	switch r := BadReply(s); r {
	case BadReplyGateway, BadReplyEmptyJSON, BadReplyEmpty:
		return r, true
	}
	return "", false
}

// Fault is what the simulator does to one call.
type Fault int

// Faults a call can meet.
const (
	FaultNone Fault = iota
	FaultThrottle
	FaultServerError
	FaultHang
	FaultLostReply
	FaultBadReply
)

type faultState struct {
	cfg     Faults
	mu      sync.Mutex
	rng     *rand.Rand
	buckets map[string]*rate.Limiter // region/action → its QPS bucket
}

func newFaultState(cfg Faults, seed int64) *faultState {
	return &faultState{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(seed), 0xfa17)), buckets: map[string]*rate.Limiter{}}
}

// Faults returns the engine's fault configuration.
func (e *Engine) Faults() Faults {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	return e.faults.cfg
}

// SetFaults replaces the fault configuration, for tests that turn faults on mid-run.
func (e *Engine) SetFaults(f Faults) {
	e.faults.mu.Lock()
	if f.RegionQPS != e.faults.cfg.RegionQPS {
		// Buckets are sized for the old rate: a new rate starts with full new ones.
		clear(e.faults.buckets)
	}
	e.faults.cfg = f
	e.faults.mu.Unlock()
}

// Fault decides what happens to one call of action in region at the engine's now. The
// QPS limit is a token bucket (golang.org/x/time/rate) per region and action, asked with
// the engine's time, so a stepped clock makes throttling deterministic.
func (e *Engine) Fault(action, region string) Fault {
	now := e.clock.Now()
	fs := e.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	c := fs.cfg
	if c.RegionQPS > 0 {
		key := region + "/" + action
		b, ok := fs.buckets[key]
		if !ok {
			// A second's worth of whole calls at once, and at least one: a rate below 1 QPS
			// still lets a call through now and then.
			b = rate.NewLimiter(rate.Limit(c.RegionQPS), max(1, int(c.RegionQPS)))
			fs.buckets[key] = b
		}
		if !b.AllowN(now, 1) {
			return FaultThrottle
		}
	}
	if len(c.Actions) > 0 && !slices.Contains(c.Actions, action) {
		return FaultNone
	}
	roll := func(rate float64) bool { return rate > 0 && fs.rng.Float64() < rate }
	switch {
	case roll(c.ThrottleRate):
		return FaultThrottle
	case roll(c.ServerErrorRate):
		return FaultServerError
	case roll(c.HangRate):
		return FaultHang
	case roll(c.LostReplyRate):
		return FaultLostReply
	case roll(c.BadReplyRate):
		return FaultBadReply
	}
	return FaultNone
}
