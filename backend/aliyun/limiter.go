package aliyun

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The adaptive pacing follows the AWS SDKs' "adaptive" retry mode (its client-side rate
// limiter: a token bucket whose rate a CUBIC curve drives, as TCP CUBIC drives a window),
// with its constants. ECS publishes no such mode; its throttling (per account, region and
// API, answered 400 Throttling, Throttling.User or Throttling.Api) is what it reacts to.
const (
	// cubicBeta is the share of the sending rate kept after a Throttling: a multiplicative
	// decrease.
	cubicBeta = 0.7
	// cubicScale (C, in calls/s³) sets how fast the rate grows back: it regains the rate it
	// was throttled at after K = ∛(lastMax·(1−β)/C) seconds (2.5 s from 20 calls/s), slowly
	// near it, then faster beyond it if no Throttling comes.
	cubicScale = 0.4
	// rateSmooth weighs the newest half-second in the measured sending rate.
	rateSmooth = 0.8
	// rateWindow is the span over which sent calls are counted to measure the rate.
	rateWindow = 500 * time.Millisecond
	// minRate (calls/s) is the slowest a throttled region is paced: a call every 2 s.
	minRate = 0.5
)

// limiter paces the calls to one region. ECS throttles per account, region and API, so one
// limiter per region keeps a many-region listing from spending one region's budget on
// another's calls.
//
// The pace adapts: it starts at the ceiling (generous: a listing goes out as fast as the
// calls can be made), is cut to 70 % of the measured sending rate on a Throttling reply, and
// grows back along a CUBIC curve on every other reply, never above twice the measured
// rate nor above the ceiling. Independently of the pace, hold stops every caller of the
// region until a Throttling's back-off (at least its x-acs-retry-after) has passed.
//
// The bucket is a golang.org/x/time/rate Limiter driven with explicit times (ReserveN,
// SetLimitAt, SetBurstAt), so the backend's injected clock and sleeper stay in charge and
// tests step time instead of sleeping. A reservation books a start time for each call, so
// waiting callers never race for a token.
type limiter struct {
	bucket  *rate.Limiter // rate.Inf when pacing is off (fixed): only hold applies
	ceiling float64       // calls/s the pace never exceeds
	fixed   bool          // pacing off (RegionQPS < 0): Throttling only holds

	mu    sync.Mutex
	until time.Time // no call starts before this (Throttling back-off)

	adapting     bool      // a Throttling has come: the pace follows the CUBIC curve
	lastMax      float64   // calls/s sent when the last Throttling came (CUBIC's W_max)
	lastThrottle time.Time // when it came
	measured     float64   // smoothed calls/s answered, over rateWindow spans
	window       time.Time // start of the span being counted
	counted      int       // replies in that span
}

// newLimiter paces at qps calls a second, burst of them at once, and adapts below that on
// Throttling; qps < 0 turns pacing off (only holds apply), qps == 0 is the same.
func newLimiter(qps float64, burst int) *limiter {
	if qps <= 0 {
		return &limiter{bucket: rate.NewLimiter(rate.Inf, 0), fixed: true}
	}
	return &limiter{bucket: rate.NewLimiter(rate.Limit(qps), max(burst, 1)), ceiling: qps}
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

// throttled records a Throttling reply, at now, to a call that left at sent: the pace drops
// to cubicBeta of the rate the region was being sent. Calls that left before the last
// decrease were sent at the old pace, so their Throttling replies are the same congestion
// and cut the pace only once (as TCP cuts its window once per loss event).
func (l *limiter) throttled(sent, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fixed {
		return
	}
	l.count(now)
	if l.adapting && sent.Before(l.lastThrottle) {
		return
	}
	r := l.measured
	if r == 0 {
		// No span has closed yet (the first calls of a region): the calls so far, over one
		// span, are the best estimate of what was sent.
		r = float64(l.counted) / rateWindow.Seconds()
	}
	if l.adapting {
		r = min(r, float64(l.bucket.Limit()))
	}
	l.adapting = true
	l.lastMax = max(r, minRate)
	l.lastThrottle = now
	l.setRate(now, l.lastMax*cubicBeta)
}

// answered records a reply, at now, that was not a Throttling: the pace grows back along
// the CUBIC curve from the last Throttling, capped at twice the measured rate so that an
// idle region does not bank a rate it never tried.
func (l *limiter) answered(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fixed {
		return
	}
	l.count(now)
	if !l.adapting {
		return
	}
	t := now.Sub(l.lastThrottle).Seconds()
	k := math.Cbrt(l.lastMax * (1 - cubicBeta) / cubicScale)
	r := cubicScale*math.Pow(t-k, 3) + l.lastMax
	if l.measured > 0 {
		r = min(r, 2*l.measured)
	}
	l.setRate(now, r)
}

// count adds a reply to the measured sending rate (calls/s, smoothed per rateWindow).
func (l *limiter) count(now time.Time) {
	w := now.Truncate(rateWindow)
	if l.window.IsZero() {
		l.window = w
	}
	if w.After(l.window) {
		span := w.Sub(l.window).Seconds()
		l.measured = rateSmooth*float64(l.counted)/span + (1-rateSmooth)*l.measured
		l.window, l.counted = w, 0
	}
	l.counted++
}

// setRate paces at r calls/s, within [minRate, ceiling], with a second's worth of burst
// (at least one call). The tokens already in the bucket are kept, down to the new burst.
func (l *limiter) setRate(now time.Time, r float64) {
	r = min(max(r, minRate), l.ceiling)
	l.bucket.SetLimitAt(now, rate.Limit(r))
	l.bucket.SetBurstAt(now, max(1, int(r)))
}

// pace is the rate calls are let through, in calls/s (+Inf when pacing is off).
func (l *limiter) pace() float64 { return float64(l.bucket.Limit()) }

// wait blocks until the caller's reserved slot, or until ctx ends; a caller that gives up
// hands its slot back, so it does not delay the callers behind it. It returns the time the
// call leaves, for throttled.
func (l *limiter) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) (time.Time, error) {
	t := now()
	r, d := l.reserve(t)
	if d <= 0 {
		return t, ctx.Err()
	}
	if err := sleep(ctx, d); err != nil {
		r.CancelAt(now())
		return time.Time{}, err
	}
	return now(), nil
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
