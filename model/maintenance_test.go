package model

import (
	"errors"
	"testing"
	"time"
)

func TestParseMaintenanceWindow(t *testing.T) {
	cases := []struct {
		start, end string
		want       string // String() of the window, or "" when refused
	}{
		{"02:00:00", "06:00:00", "02:00:00–06:00:00 UTC+8"},
		{"22:00:00", "02:00:00", "22:00:00–02:00:00 UTC+8"},
		{"18:00:00Z", "19:00:00Z", "18:00:00–19:00:00 UTC"}, // one form: the times, then the zone
		{"02:00", "06:00:00", ""},
		{"02:00:00", "06:00:00Z", ""},
		{"02:00:00", "02:00:00", ""},
		{"25:00:00", "02:00:00", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		w, err := ParseMaintenanceWindow(c.start, c.end)
		if c.want == "" {
			if !errors.Is(err, ErrMaintenanceWindow) {
				t.Errorf("%q–%q: %v, want ErrMaintenanceWindow", c.start, c.end, err)
			}
			continue
		}
		if err != nil || w.String() != c.want {
			t.Errorf("%q–%q: %v %v, want %s", c.start, c.end, w, err, c.want)
		}
	}
}

func TestCheckSettable(t *testing.T) {
	cases := []struct {
		start, end string
		ok         bool
	}{
		{"02:00:00", "03:00:00", true},  // 1 hour: the least
		{"00:00:00", "23:00:00", true},  // 23 hours: the most
		{"23:00:00", "22:00:00", true},  // 23 hours across midnight
		{"22:00:00", "02:00:00", true},  // 4 hours across midnight
		{"02:30:00", "06:00:00", false}, // not on the hour
		{"02:00:00", "06:00:01", false},
		{"03:00:00", "02:00:00", true}, // 23 hours: 03:00 to 02:00 the next day
	}
	for _, c := range cases {
		w, err := ParseMaintenanceWindow(c.start, c.end)
		if err != nil {
			t.Fatalf("%q–%q: %v", c.start, c.end, err)
		}
		if err := w.CheckSettable(); (err == nil) != c.ok {
			t.Errorf("%q–%q: CheckSettable %v, want ok=%v", c.start, c.end, err, c.ok)
		}
	}
}

func TestMaintenanceWindowContainsAndNextStart(t *testing.T) {
	utc8 := MaintenanceWindowZone
	at := func(y int, mo time.Month, d, h, mi int) time.Time { return time.Date(y, mo, d, h, mi, 0, 0, utc8) }
	day := MaintenanceWindow{Start: 2 * time.Hour, End: 6 * time.Hour}
	night := MaintenanceWindow{Start: 22 * time.Hour, End: 2 * time.Hour, Zone: utc8}
	utc := MaintenanceWindow{Start: 18 * time.Hour, End: 20 * time.Hour, Zone: time.UTC}
	cases := []struct {
		name     string
		w        MaintenanceWindow
		t        time.Time
		inside   bool
		nextFrom time.Time
	}{
		{"before the start", day, at(2026, 12, 7, 1, 59), false, at(2026, 12, 7, 2, 0)},
		{"at the start: inside, and it is the next start", day, at(2026, 12, 7, 2, 0), true, at(2026, 12, 7, 2, 0)},
		{"inside", day, at(2026, 12, 7, 5, 59), true, at(2026, 12, 8, 2, 0)},
		{"at the end: outside", day, at(2026, 12, 7, 6, 0), false, at(2026, 12, 8, 2, 0)},
		{"the same instant written in UTC", day, at(2026, 12, 7, 3, 0).UTC(), true, at(2026, 12, 8, 2, 0)},
		{"across midnight, before it", night, at(2026, 12, 7, 23, 0), true, at(2026, 12, 8, 22, 0)},
		{"across midnight, after it", night, at(2026, 12, 8, 1, 30), true, at(2026, 12, 8, 22, 0)},
		{"across midnight, after its end", night, at(2026, 12, 8, 2, 0), false, at(2026, 12, 8, 22, 0)},
		{"across the year's end", night, at(2026, 12, 31, 23, 0), true, at(2027, 1, 1, 22, 0)},
		// 18:00Z is 02:00 the next day in UTC+8.
		{"a UTC window, read in UTC", utc, time.Date(2026, 12, 7, 18, 30, 0, 0, time.UTC), true, time.Date(2026, 12, 8, 18, 0, 0, 0, time.UTC)},
		{"a UTC window, asked in UTC+8", utc, at(2026, 12, 8, 2, 30), true, at(2026, 12, 9, 2, 0)},
		{"a UTC window, outside", utc, at(2026, 12, 8, 4, 0), false, at(2026, 12, 9, 2, 0)},
	}
	for _, c := range cases {
		if got := c.w.Contains(c.t); got != c.inside {
			t.Errorf("%s: Contains(%s) = %v", c.name, c.t, got)
		}
		if got := c.w.NextStart(c.t); !got.Equal(c.nextFrom) {
			t.Errorf("%s: NextStart(%s) = %s, want %s", c.name, c.t, got, c.nextFrom)
		}
	}
}

func TestMaintenanceAttributeWindows(t *testing.T) {
	utc8 := MaintenanceWindowZone
	a := MaintenanceAttribute{Windows: []MaintenanceWindow{
		{Start: 14 * time.Hour, End: 15 * time.Hour},
		{Start: 2 * time.Hour, End: 4 * time.Hour},
	}}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, utc8)
	if next, ok := a.NextWindowStart(now); !ok || !next.Equal(time.Date(2026, 12, 7, 14, 0, 0, 0, utc8)) {
		t.Errorf("next window: %s %v", next, ok)
	}
	if a.InWindow(now) || !a.InWindow(now.Add(4*time.Hour+30*time.Minute)) || a.InWindow(now.Add(5*time.Hour)) || !a.InWindow(now.Add(17*time.Hour)) {
		t.Error("InWindow disagrees with the windows")
	}
	if _, ok := (MaintenanceAttribute{}).NextWindowStart(now); ok {
		t.Error("no windows has no next start")
	}
	if (MaintenanceAttribute{}).InWindow(now) {
		t.Error("no windows is never in one")
	}
}
