package sim

import (
	"testing"
	"time"
)

func TestScaledClockUntilWaitsTheWallTimeTheClockTakes(t *testing.T) {
	wall := NewStepClock(Epoch)
	var asked []time.Duration
	after := func(d time.Duration) <-chan time.Time {
		asked = append(asked, d)
		return make(chan time.Time)
	}
	c := NewScaledClockOn(Epoch, 60, wall.Now, after)
	c.Until(Epoch.Add(time.Hour))
	wall.Advance(30 * time.Second) // the clock reads Epoch+30m
	c.Until(Epoch.Add(time.Hour))
	c.Until(Epoch) // passed: at once
	c.Until(Epoch.Add(time.Hour + time.Nanosecond))
	// An hour of the clock is a minute of the wall's at 60x, not an hour (time.After's).
	want := []time.Duration{time.Minute, 30 * time.Second, 0, 30*time.Second + time.Nanosecond}
	if len(asked) != len(want) {
		t.Fatalf("asked %v, want %v", asked, want)
	}
	for i := range want {
		if asked[i] != want[i] {
			t.Fatalf("asked %v, want %v", asked, want)
		}
	}
}

func TestStepClockUntilFiresWhenAdvancedThere(t *testing.T) {
	c := NewStepClock(Epoch)
	at := c.Until(Epoch.Add(time.Hour))
	select {
	case <-c.Until(Epoch):
	default:
		t.Fatal("a wait for the clock's own time did not fire at once")
	}
	c.Advance(59 * time.Minute)
	select {
	case <-at:
		t.Fatal("fired a minute early")
	default:
	}
	c.Advance(2 * time.Minute)
	select {
	case got := <-at:
		if !got.Equal(Epoch.Add(61 * time.Minute)) {
			t.Fatalf("fired with %v", got)
		}
	default:
		t.Fatal("did not fire once the clock passed its time")
	}
}
