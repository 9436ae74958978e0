package autopilot_test

import (
	"context"
	"testing"
	"time"

	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/model/policy"
)

// Tester's report, 6: every session showed the autopilot's next redeploy at the time its
// lead time began (19:35), while it went at its window (20:00), as the dry run said. The
// soonest due is when it goes; the windows cost one call a region.
func TestNextIsWhenTheRedeployGoesNotWhenItsLeadTimeBegins(t *testing.T) {
	// start is 10:00 UTC; the window 02:00–04:00 UTC+8 is 18:00–20:00 UTC; the lead time
	// of the first begins at 16:00 UTC, of the second in two days.
	const sc = `regions: [cn-hangzhou]
instances:
  - {id: i-bp1n000000000000001, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "02:00:00", end: "04:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+12h", published: "-1h"}]}
  - {id: i-bp1n000000000000002, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "02:00:00", end: "04:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+60h", published: "-1h"}]}
  - {id: i-bp1n000000000000003, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "05:00:00", end: "06:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+12h30m", published: "-1h"}]}
`
	const pol = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: true, lead_time: 6h}
`
	h, ap, m, c := windowRig(t, sc, pol, 0)
	ap.Tick(context.Background())
	if got := c.sent(); len(got) != 0 {
		t.Fatalf("nothing is due yet; sent %v", got)
	}
	next := h.Snapshot().Autopilot.Next
	if len(next) != 3 || next[0].InstanceID != "i-bp1n000000000000001" || !next[0].At.Equal(start.Add(8*time.Hour)) {
		t.Fatalf("next: %+v, want i-bp1n000000000000001 first, at 18:00 UTC (its window), not 16:00 (its lead time)", next)
	}
	if calls, _ := m.count(); calls != 1 {
		t.Fatalf("%d DescribeInstanceMaintenanceAttributes calls, want 1", calls)
	}
	if !next[1].At.Equal(start.Add(11 * time.Hour)) {
		t.Fatalf("the second: %+v, want 21:00 UTC (its window)", next[1])
	}
	// The dry run says the same time.
	h2, _, _, _ := windowRig(t, sc, pol, 0)
	p, _ := policy.Parse("p.yaml", []byte(pol))
	tl := autopilot.DryRun(context.Background(), h2, p, 24*time.Hour, 0)
	if len(tl.Redeploys) == 0 || !tl.Redeploys[0].At.Equal(next[0].At) {
		t.Fatalf("the dry run starts %+v; the status says %s", tl.Redeploys, next[0].At)
	}
}

// One whose window fits nowhere before its deadline is left to humans at once, as the dry
// run shows it, rather than shown as the next redeploy.
func TestNextLeavesOneNoWindowFitsToHumans(t *testing.T) {
	const sc = `regions: [cn-hangzhou]
instances:
  - {id: i-bp1n000000000000001, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "12:00:00", end: "13:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+12h", published: "-1h"}]}
`
	const pol = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: true, lead_time: 6h}
`
	h, ap, _, _ := windowRig(t, sc, pol, 0)
	ap.Tick(context.Background())
	st := h.Snapshot().Autopilot
	if len(st.Next) != 0 || len(st.Left) != 1 {
		t.Fatalf("next %+v, left %+v: want it left to humans (no window between 16:00 and 22:00 UTC)", st.Next, st.Left)
	}
}

// One left to humans before its lead time began stays left while another comes due
// sooner: it does not come and go (and is not told again) with the order of the others.
func TestOneLeftBeforeItsLeadTimeStaysLeft(t *testing.T) {
	// 10:00 UTC. web-y: lead time from 11:00, window 13:00–14:00 UTC; web-x: lead time from
	// 16:00, deadline 22:00, window 04:00–05:00 UTC: none fits.
	const sc = `regions: [cn-hangzhou]
instances:
  - {id: i-bp1y000000000000001, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "21:00:00", end: "22:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+7h", published: "-1h"}]}
  - {id: i-bp1x000000000000001, region: cn-hangzhou, tags: {app: web}, maintenance: {windows: [{start: "12:00:00", end: "13:00:00"}]}, events: [{type: SystemMaintenance.Redeploy, not_before: "+12h", published: "-1h"}]}
`
	const pol = `name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {in_maintenance_window: true, lead_time: 6h}
`
	h, ap, m, _ := windowRig(t, sc, pol, 0)
	for i, at := range []time.Duration{0, 90 * time.Minute} {
		m.clock.Advance(at)
		if err := h.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		ap.Tick(context.Background())
		st := h.Snapshot().Autopilot
		if len(st.Next) != 1 || st.Next[0].InstanceID != "i-bp1y000000000000001" || !st.Next[0].At.Equal(start.Add(3*time.Hour)) ||
			len(st.Left) != 1 || st.Left[0].InstanceID != "i-bp1x000000000000001" {
			t.Fatalf("look %d: next %+v, left %+v; want web-y at 13:00 and web-x left to humans", i+1, st.Next, st.Left)
		}
	}
}
