package sim

import (
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

// ScaledClock runs speed times faster than the wall clock from the moment it is made, so a
// demo shows a ten-minute redeploy in ten seconds at speed 60.
type ScaledClock struct {
	start time.Time
	speed float64
	wall  func() time.Time
}

// NewScaledClock starts a clock that reads start now and advances speed× real time.
func NewScaledClock(start time.Time, speed float64) *ScaledClock {
	return &ScaledClock{start: start, speed: speed, wall: time.Now}
}

// Now returns the accelerated time.
func (c *ScaledClock) Now() time.Time {
	elapsed := c.wall().Sub(c.start)
	return c.start.Add(time.Duration(float64(elapsed) * c.speed))
}

// StepClock stands still until a test advances it.
type StepClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewStepClock returns a clock stopped at t.
func NewStepClock(t time.Time) *StepClock { return &StepClock{t: t} }

// Now returns the clock's current time.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *StepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Epoch is the fixed instant tests and goldens start from.
var Epoch = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
