package aliyun

import (
	"math"
	"testing"
	"time"
)

// send makes calls at qps calls/s for d, from start, each answered at once without
// Throttling, and returns the time after the last one.
func send(l *limiter, start time.Time, qps float64, d time.Duration) time.Time {
	step := time.Duration(float64(time.Second) / qps)
	t := start
	for ; t.Before(start.Add(d)); t = t.Add(step) {
		l.answered(t)
	}
	return t
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// A generous limiter is not in the way until ECS says Throttling; then it paces at 70 % of
// what was being sent.
func TestLimiterBacksOffToSevenTenthsOfTheMeasuredRate(t *testing.T) {
	l := newLimiter(1000, 1000)
	for range 500 {
		if d := delay(l, t0); d != 0 {
			t.Fatalf("a generous limiter made a call wait %v", d)
		}
	}
	now := send(l, t0, 40, 3*time.Second)
	l.throttled(now, now)
	if p := l.pace(); !near(p, 28, 1.5) {
		t.Fatalf("pace after Throttling at 40 calls/s: %.1f; want about 28", p)
	}
}

// Several calls out at the old pace come back throttled together: that is one congestion,
// and the pace is cut once, not once per reply (0.7⁴ would starve the region).
func TestLimiterCutsOncePerCongestion(t *testing.T) {
	l := newLimiter(1000, 1000)
	now := send(l, t0, 40, 3*time.Second)
	sent := now.Add(-50 * time.Millisecond)
	l.throttled(sent, now)
	after := l.pace()
	for i := range 3 {
		l.throttled(sent, now.Add(time.Duration(i+1)*time.Millisecond))
	}
	if p := l.pace(); p != after {
		t.Fatalf("pace %.1f after more replies of calls sent before the cut; want %.1f", p, after)
	}
	// A call sent after the cut and throttled again cuts again.
	later := now.Add(100 * time.Millisecond)
	l.throttled(later, later.Add(10*time.Millisecond))
	if p := l.pace(); p >= after {
		t.Fatalf("pace %.1f after a Throttling of a call sent at the new pace; want below %.1f", p, after)
	}
}

// After a Throttling the pace grows back along the CUBIC curve: slowly near the rate it was
// throttled at (regained after K = ∛(40·0.3/0.4) ≈ 3.1 s), never above the ceiling.
func TestLimiterRecoversSlowlyAndStopsAtTheCeiling(t *testing.T) {
	l := newLimiter(60, 60)
	now := send(l, t0, 40, 3*time.Second)
	l.throttled(now, now)
	throttledAt := now
	prev := l.pace()
	k := math.Cbrt(l.lastMax * (1 - cubicBeta) / cubicScale)
	var at1s, atK float64
	for now.Before(throttledAt.Add(12 * time.Second)) {
		// The region keeps sending as fast as it is let: the measured rate follows the pace.
		now = send(l, now, max(l.pace(), 1), 100*time.Millisecond)
		p := l.pace()
		if p < prev-1e-9 {
			t.Fatalf("pace fell from %.2f to %.2f without a Throttling", prev, p)
		}
		if p > 60 {
			t.Fatalf("pace %.2f above the ceiling 60", p)
		}
		prev = p
		since := now.Sub(throttledAt).Seconds()
		if at1s == 0 && since >= 1 {
			at1s = p
		}
		if atK == 0 && since >= k {
			atK = p
		}
	}
	if at1s >= l.lastMax*0.95 {
		t.Errorf("pace %.1f one second after the Throttling; want it still below the %.1f throttled at", at1s, l.lastMax)
	}
	if !near(atK, l.lastMax, 2) {
		t.Errorf("pace %.1f at K = %.1f s; want about the %.1f throttled at", atK, k, l.lastMax)
	}
	if prev != 60 {
		t.Errorf("pace %.1f 12 s after a single Throttling; want back at the ceiling 60", prev)
	}
}

// An idle region does not bank a rate it never tried: growth is held to twice what is sent.
func TestLimiterGrowsNoFasterThanTwiceTheMeasuredRate(t *testing.T) {
	l := newLimiter(1000, 1000)
	now := send(l, t0, 40, 3*time.Second)
	l.throttled(now, now)
	// Then one call a second for half a minute: the curve alone would be far above 40.
	send(l, now, 1, 30*time.Second)
	if p := l.pace(); p > 2*l.measured+1e-9 || p > 10 {
		t.Fatalf("pace %.1f after 30 s at 1 call/s (measured %.1f); want at most twice the measured rate", p, l.measured)
	}
}

// A region throttled from its very first calls is paced at no less than minRate, and a
// limiter with pacing off only holds.
func TestLimiterFloorAndPacingOff(t *testing.T) {
	l := newLimiter(1000, 1000)
	for range 20 {
		l.throttled(t0, t0)
		t0x := t0.Add(time.Second)
		l.throttled(t0x, t0x)
	}
	if p := l.pace(); p != minRate {
		t.Fatalf("pace %.2f after Throttling upon Throttling; want the floor %.1f", p, minRate)
	}
	off := newLimiter(-1, 0)
	off.throttled(t0, t0)
	if d := delay(off, t0); d != 0 {
		t.Fatalf("pacing off: a Throttling made the next call wait %v; only hold may", d)
	}
}
