package sim

import (
	"math"
	"sync"
	"time"
)

// Clock is the simulator's time source. Tests step it; demos accelerate it.
type Clock interface {
	Now() time.Time
}

// RealClock is wall-clock time.
type RealClock struct{}

// Now returns time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Until fires once the wall clock reads t.
func (RealClock) Until(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }

// ScaledClock runs speed times faster than the wall clock from the moment it is made, so a
// demo shows a ten-minute redeploy in ten seconds at speed 60.
type ScaledClock struct {
	start time.Time
	speed float64
	wall  func() time.Time
	after func(time.Duration) <-chan time.Time
}

// NewScaledClock starts a clock that reads start now and advances speed× real time.
func NewScaledClock(start time.Time, speed float64) *ScaledClock {
	return NewScaledClockOn(start, speed, time.Now, time.After)
}

// NewScaledClockOn is NewScaledClock on another wall clock and its timer (tests step
// both): it reads start when wall reads start.
func NewScaledClockOn(start time.Time, speed float64, wall func() time.Time, after func(time.Duration) <-chan time.Time) *ScaledClock {
	return &ScaledClock{start: start, speed: speed, wall: wall, after: after}
}

// Now returns the accelerated time.
func (c *ScaledClock) Now() time.Time {
	elapsed := c.wall().Sub(c.start)
	return c.start.Add(time.Duration(float64(elapsed) * c.speed))
}

// Until fires once the clock reads t or later: after (t − Now) / speed of wall time,
// rounded up, so the waiter never wakes a moment early and waits again. A length on this
// clock waited with time.After would end speed times late.
func (c *ScaledClock) Until(t time.Time) <-chan time.Time {
	d := max(t.Sub(c.Now()), 0)
	return c.after(time.Duration(math.Ceil(float64(d) / c.speed)))
}

// StepClock stands still until a test advances it.
type StepClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []stepWait
}

// NewStepClock returns a clock stopped at t.
func NewStepClock(t time.Time) *StepClock { return &StepClock{t: t} }

// Now returns the clock's current time.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d, and fires the waits (Until) it reaches.
func (c *StepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	kept := c.waits[:0]
	for _, w := range c.waits {
		if w.at.After(c.t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.t
	}
	c.waits = kept
	c.mu.Unlock()
}

// Until fires once Advance has brought the clock to t or later (at once when it is there).
func (c *StepClock) Until(t time.Time) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.After(c.t) {
		ch <- c.t
		return ch
	}
	c.waits = append(c.waits, stepWait{at: t, ch: ch})
	return ch
}

type stepWait struct {
	at time.Time
	ch chan time.Time
}

// Epoch is the fixed instant tests and goldens start from.
var Epoch = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
