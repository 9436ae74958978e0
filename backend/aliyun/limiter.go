package aliyun

import (
	"context"
	"sync"
	"time"
)

// limiter paces the calls to one region. ECS throttles per account, region and API, so one
// limiter per region keeps a many-region listing from spending one region's budget on
// another's calls. It is a GCRA token bucket that reserves a start time for each call, so
// waiting callers never race for a token; hold lets a Throttling reply with retry-after
// stop every caller of the region, not only the one that was told.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration // 0: unlimited
	burst    time.Duration // how far ahead of now the bucket may be booked
	tat      time.Time     // theoretical arrival time of the next call
	until    time.Time     // no call starts before this (retry-after)
}

func newLimiter(qps float64, burst int) *limiter {
	l := &limiter{}
	if qps > 0 {
		l.interval = time.Duration(float64(time.Second) / qps)
		l.burst = time.Duration(max(burst-1, 0)) * l.interval
	}
	return l
}

// reserve books the next call and returns how long the caller must wait before it.
func (l *limiter) reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := now
	if l.interval > 0 {
		tat := l.tat
		if tat.Before(now) {
			tat = now
		}
		if earliest := tat.Add(-l.burst); earliest.After(start) {
			start = earliest
		}
		l.tat = tat.Add(l.interval)
	}
	if l.until.After(start) {
		start = l.until
	}
	return start.Sub(now)
}

// hold stops the region's calls until now+d.
func (l *limiter) hold(now time.Time, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := now.Add(d); t.After(l.until) {
		l.until = t
	}
}

// wait blocks until the caller's reserved slot, or until ctx ends.
func (l *limiter) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	if d := l.reserve(now()); d > 0 {
		return sleep(ctx, d)
	}
	return ctx.Err()
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
