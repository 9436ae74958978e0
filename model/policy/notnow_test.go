package policy

import (
	"strings"
	"testing"
	"time"
)

// NotNow is Start at one instant, the window aside: what a plan asks of a queued item.
func TestNotNowIsTheRulesTimingWithoutTheWindow(t *testing.T) {
	pol, err := Parse("p.yaml", []byte(`name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: true, lead_time: 6h, avoid_hours: ["10:30-12:00"], margin: 30m}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := &pol.Rules[0]
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	deadline := day.Add(16 * time.Hour)
	for _, tc := range []struct {
		at   time.Duration
		want string // "" may start; else a part of the reason
	}{
		{9 * time.Hour, "lets it start at 2026-12-07T10:00:00Z"}, // before the lead time
		{10 * time.Hour, ""},
		{10*time.Hour + 40*time.Minute, "lets it start at 2026-12-07T12:00:00Z"}, // avoided
		{12 * time.Hour, ""},
		{15*time.Hour + 29*time.Minute, ""},
		{15*time.Hour + 31*time.Minute, "less than 30m away"}, // inside the margin
		{17 * time.Hour, "less than 30m away"},
	} {
		got := r.NotNow(day.Add(tc.at), deadline)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("at %s: %q, want %q", day.Add(tc.at).Format("15:04"), got, tc.want)
		}
	}
	if why := r.NotNow(day, time.Time{}); !strings.Contains(why, "no deadline") {
		t.Errorf("no deadline: %q", why)
	}
}
