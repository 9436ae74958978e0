package policy

import (
	"testing"
	"time"
)

// An alias is read by its anchor's name, not by the value it stands for: a value anchored
// &wipe that says web turns local_disks into wipe (and force_stop likewise), the words
// that name the loss, written nowhere as a value. Aliases should be resolved, or refused.
func TestReviewAliasIsReadAsItsValue(t *testing.T) {
	pol, err := Parse("p.yaml", []byte(`name: t
rules:
  - name: web
    match: {tags: {app: &wipe web}}
    how: {local_disks: *wipe}
`))
	if err == nil && pol.Rules[0].How.LocalDisks == LocalDisksWipe {
		t.Fatal("local_disks: *wipe (anchored to web) was read as wipe")
	}
	pol, err = Parse("p.yaml", []byte(`name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {lead_time: &lose-unwritten-data 6h}
    how: {force_stop: *lose-unwritten-data}
`))
	if err == nil && pol.Rules[0].How.ForceStop == ForceStopLoseUnwrittenData {
		t.Fatal("force_stop: *lose-unwritten-data (anchored to 6h) was read as lose-unwritten-data")
	}
}

// avoid_hours are hours on the clock of time_zone. On a day the zone's clocks change
// (America/New_York springs forward at 02:00 on 2026-03-08), the range was measured as
// time elapsed since midnight, so 08:00–20:00 ran 09:00–21:00 on the clock: a redeploy
// could start at 08:30, inside the hours the team said to avoid.
func TestReviewAvoidHoursFollowTheClockOnADSTDay(t *testing.T) {
	ny, err := Zone("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	w := When{Avoid: []Hours{{Start: 8 * time.Hour, End: 20 * time.Hour}}, Zone: ny}
	at := time.Date(2026, 3, 8, 8, 30, 0, 0, ny)
	end, in := w.avoided(at)
	if !in {
		t.Fatalf("%s is inside 08:00-20:00 %s, not avoided", at, ny)
	}
	if want := time.Date(2026, 3, 8, 20, 0, 0, 0, ny); !end.Equal(want) {
		t.Fatalf("the avoided range ends %s, want %s", end, want)
	}
}
