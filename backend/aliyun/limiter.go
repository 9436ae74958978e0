package aliyun

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter paces the calls to one region. ECS throttles per account, region and API, so one
// limiter per region keeps a many-region listing from spending one region's budget on
// another's calls. The pacing is a golang.org/x/time/rate token bucket driven with explicit
// times (ReserveN), so the backend's injected clock and sleeper stay in charge and tests
// step time instead of sleeping. A reservation books a start time for each call, so waiting
// callers never race for a token. hold lets a Throttling reply (and its x-acs-retry-after)
// stop every caller of the region, not only the one that was told.
type limiter struct {
	bucket *rate.Limiter // rate.Inf when pacing is off: only hold applies

	mu    sync.Mutex
	until time.Time // no call starts before this (Throttling back-off)
}

// newLimiter paces at qps calls a second, burst of them at once; qps <= 0 turns pacing off.
func newLimiter(qps float64, burst int) *limiter {
	if qps <= 0 {
		return &limiter{bucket: rate.NewLimiter(rate.Inf, 0)}
	}
	return &limiter{bucket: rate.NewLimiter(rate.Limit(qps), max(burst, 1))}
}

// reserve books the next call and returns its reservation and how long the caller must
// wait, from now, before making it. During a hold the call is booked at the hold's end,
// so the calls waiting it out leave paced, not all at once beyond the burst.
func (l *limiter) reserve(now time.Time) (*rate.Reservation, time.Duration) {
	start := now
	l.mu.Lock()
	if l.until.After(start) {
		start = l.until
	}
	l.mu.Unlock()
	// n = 1 never exceeds the burst (at least 1), so the reservation is always OK.
	r := l.bucket.ReserveN(start, 1)
	return r, r.DelayFrom(now)
}

// hold stops the region's calls until now+d; a shorter hold never shortens a longer one.
func (l *limiter) hold(now time.Time, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := now.Add(d); t.After(l.until) {
		l.until = t
	}
}

// wait blocks until the caller's reserved slot, or until ctx ends; a caller that gives up
// hands its slot back, so it does not delay the callers behind it.
func (l *limiter) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	r, d := l.reserve(now())
	if d <= 0 {
		return ctx.Err()
	}
	if err := sleep(ctx, d); err != nil {
		r.CancelAt(now())
		return err
	}
	return nil
}

// sleepCtx is the real sleeper: it waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
