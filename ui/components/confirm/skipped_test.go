package confirm

import (
	"fmt"
	"strings"
	"testing"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

// Reasons as the root words them (ui.refusal).
const (
	skipNoRedeploy = "i-bp1expiring000000001: NO REDEPLOY: a redeploy does not answer InstanceExpiration.Stop (Scheduled); " +
		"nothing blocks the instance, RedeployInstance just has nothing to do for it (InvalidOperation)"
	skipLocked = "i-bp1seclocked00000001 cannot be redeployed: InstanceLockedForSecurity: instance is locked for security " +
		"(OperationLocks: security); redeploy is not allowed; next: ask Alibaba Cloud support about the security lock"
)

// skippedBatch is a settled, read batch of n plain targets with skipped members, at w×h.
func skippedBatch(t *testing.T, n, w, h int, skipped ...string) *Model {
	t.Helper()
	b := batchOf(t, n, w, h)
	d, settle := New(uitest.Common(sim.Epoch, w, h), b.Targets(), skipped, nil)
	d.SetSize(w, h)
	d.Update(settle())
	d.SetReread(sim.Epoch, nil)
	return d
}

// windowOn turns "in window" on with a schedule that puts every target due now.
func windowOn(t *testing.T, d *Model) {
	t.Helper()
	d.SetScheduler(func(ids []string) ([]fleet.PlanItem, error) {
		var out []fleet.PlanItem
		for _, id := range ids {
			out = append(out, fleet.PlanItem{InstanceID: id, Due: sim.Epoch, Window: "10:00:00–14:00:00 UTC+8"})
		}
		return out, nil
	})
	_, cmd := d.Update(runes("m"))
	msg, ok := cmd().(ScheduleMsg)
	if !ok {
		t.Fatalf("m read no schedule")
	}
	if cmd := d.SetSchedule(msg); cmd != nil {
		if s, ok := cmd().(SettledMsg); ok {
			d.Update(s)
		}
	}
}

// flatView is the dialog's text without the box, words joined by single spaces.
func flatView(d *Model) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(d.View(), "│", " ")), " ")
}

// Tester, issue 23: at 80x24 a batch of three selected, one NO REDEPLOY, said "these 2
// instances" and dropped the skipped one's reason without a word; at 120x40 with in window
// on, one of two skipped lines went. A skipped member a short screen cannot list is summed
// up: "+N skipped", each id with why in a word.
func TestSkippedMembersAreNeverDroppedSilently(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, w, h int
		window  bool
		skipped []string
		listed  int // how many keep their whole reason, at least
	}{
		{"80x24", 6, 80, 21, false, []string{skipNoRedeploy}, 0},
		{"80x24 in window", 2, 80, 21, true, []string{skipNoRedeploy}, 0},
		{"120x40 in window", 9, 120, 37, true, []string{skipNoRedeploy, skipLocked}, 1},
		{"120x40", 2, 120, 37, false, []string{skipNoRedeploy, skipLocked}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := skippedBatch(t, tc.n, tc.w, tc.h, tc.skipped...)
			if tc.window {
				windowOn(t, d)
			}
			if !d.Fits() {
				t.Fatalf("does not fit:\n%s", d.View())
			}
			if lines := strings.Count(d.View(), "\n") + 1; lines > tc.h {
				t.Fatalf("%d lines on %d rows:\n%s", lines, tc.h, d.View())
			}
			v := flatView(d)
			shown := strings.Count(v, "skipped: ")
			if shown < tc.listed {
				t.Fatalf("%d skipped listed with their reasons, want %d:\n%s", shown, tc.listed, d.View())
			}
			if gone := len(tc.skipped) - shown; gone > 0 {
				more := ""
				if shown > 0 {
					more = " more"
				}
				want := fmt.Sprintf("+%d%s skipped, not redeployed (", gone, more)
				if !strings.Contains(v, want) {
					t.Fatalf("%d skipped dropped without %q:\n%s", gone, want, d.View())
				}
			}
			for _, s := range tc.skipped {
				id, _, _ := strings.Cut(s, " ")
				if !strings.Contains(v, strings.TrimSuffix(id, ":")) {
					t.Fatalf("skipped %s is not named:\n%s", id, d.View())
				}
			}
			if strings.Contains(v, "+") && !strings.Contains(v, "NO REDEPLOY") {
				t.Fatalf("the summary does not say why in a word:\n%s", d.View())
			}
		})
	}
}

// The summary names each skipped member with why in a word, from the root's sentence.
func TestSkippedShort(t *testing.T) {
	for in, want := range map[string]string{
		skipNoRedeploy: "i-bp1expiring000000001: NO REDEPLOY",
		skipLocked:     "i-bp1seclocked00000001: InstanceLockedForSecurity",
		"i-bp1busy0000000000001: a redeploy is already in progress (started by ana)": "i-bp1busy0000000000001: in progress",
		"i-bp1odd00000000000001 something else":                                      "i-bp1odd00000000000001",
	} {
		if got := skippedShort(in); got != want {
			t.Errorf("skippedShort(%q) = %q, want %q", in, got, want)
		}
	}
}
