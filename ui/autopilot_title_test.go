package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// withEndedPlan is s with a batch that has ended: the title's "last batch" summary.
func withEndedPlan(s *fleet.Snapshot) *fleet.Snapshot {
	c := *s
	c.Plans = append(append([]fleet.PlanStatus(nil), s.Plans...), fleet.PlanStatus{PlanRecord: fleet.PlanRecord{ID: "p-ended",
		Phase: fleet.PhaseDone, Identity: backend.Identity{Name: "op", Role: backend.RoleOperator}},
		Settled: true, Summary: fleet.Summary{Redeployed: 1, Elapsed: 7 * time.Minute}})
	return &c
}

// titleOf is the task panel's title line of m's screen.
func titleOf(m *Model) string {
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(l, "TASKS") {
			return strings.TrimRight(l, " ")
		}
	}
	return ""
}

// Tester's report, 6: at 80 and 100 columns, once a batch had ended, the autopilot's part
// of the title vanished ("│ last batch: 1 redeployed, 0 failed…"), and its time was when
// the lead time began, with no zone. The ended batch gives way; the next redeploy is a
// countdown (the clock in UTC where room allows); nothing is cut mid-word.
func TestAutopilotTitleBesideAnEndedBatch(t *testing.T) {
	for _, c := range []struct {
		w    int
		want []string
	}{
		{80, []string{"autopilot next in 2h", "1 to humans"}},
		{100, []string{"autopilot next", "in 2h (05:00 UTC)", "1 left to humans (L)"}},
		{120, []string{"autopilot next in 2h (05:00 UTC) · 1 left to humans (L)"}},
		{160, []string{"last batch: 1 redeployed", "autopilot next in 2h (05:00 UTC) · 1 left to humans (L)"}},
		{200, []string{"last batch: 1 redeployed", "autopilot next: " + idPlain + " in 2h (05:00 UTC, web) · 1 left to humans (L)"}},
	} {
		h, _ := autopilotHarness(t, false)
		m := apModel(t, h, c.w, 40)
		m.Update(snapshotMsg{withEndedPlan(h.view.Snapshot())})
		title := titleOf(m)
		for _, w := range c.want {
			if !strings.Contains(title, w) {
				t.Errorf("at %d columns the title %q leaves out %q", c.w, title, w)
			}
		}
		if strings.HasSuffix(title, "…") {
			t.Errorf("at %d columns the title is cut: %q", c.w, title)
		}
	}
}

// With a batch still running and no room for both, the line is cut between words, never
// inside one.
func TestAutopilotTitleCutBetweenWords(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 60, 40)
	m.Update(snapshotMsg{withPausedPlan(h.view.Snapshot())})
	title := titleOf(m)
	if !strings.HasSuffix(title, "…") {
		return // it fits
	}
	cut := strings.TrimSuffix(title, "…")
	last := cut[strings.LastIndexAny(cut, " ")+1:]
	for _, w := range []string{"batch", "PAUSED", "next", "in", "2h", "·", "│"} {
		if last == w {
			return
		}
	}
	t.Errorf("the title is cut inside a word: %q", title)
}

// The title beside an ended batch, at 80x24 and 120x40.
func TestGoldenAutopilotBesideAnEndedBatch(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"80x24", 80, 24}} {
		t.Run(size.name, func(t *testing.T) {
			h, _ := autopilotHarness(t, false)
			m := apModel(t, h, size.w, size.h)
			m.Update(snapshotMsg{withEndedPlan(h.view.Snapshot())})
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// Tester's report, 16: a reload that changed `name:` was told as "the new one does not
// parse", though it parsed; it was refused for the rename, and the notice says refused,
// with the reason.
func TestAutopilotRenameRefusalIsNotAParseError(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 120, 40)
	st := *h.view.Snapshot().Autopilot
	st.PolicyErr = `night.yaml: name "day" is not the running policy's "night-shift": a rename changes the autopilot's identity and state file, so its plans would not be adopted after a restart; restart it to rename`
	h.view.SetAutopilot(&st)
	m.Update(snapshotMsg{h.view.Snapshot()})
	s, isErr := m.noticeText()
	if !isErr || strings.Contains(s, "parse") || !strings.Contains(s, "kept its last good policy; the new one was refused: night.yaml: name \"day\"") {
		t.Fatalf("the notice is %q", s)
	}
}

// At 80 columns a countdown of hours and minutes keeps the autopilot's name and its count
// left to humans (docs/autopilot.md).
func TestAutopilotTitleAt80WithALongCountdown(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	st := *h.view.Snapshot().Autopilot
	st.Next = []fleet.AutopilotDue{{InstanceID: idPlain, Rule: "web", At: sim.Epoch.Add(23*time.Hour + 59*time.Minute)}}
	h.view.SetAutopilot(&st)
	m := apModel(t, h, 80, 24)
	m.Update(snapshotMsg{withEndedPlan(h.view.Snapshot())})
	if title := titleOf(m); !strings.HasSuffix(title, "│  autopilot in 23h59m · 1 to humans") {
		t.Fatalf("the title at 80 columns: %q", title)
	}
}

// With nothing due, the autopilot keeps its name at 80 columns beside an ended batch.
func TestAutopilotTitleAt80NothingDue(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	st := *h.view.Snapshot().Autopilot
	st.Next = nil
	h.view.SetAutopilot(&st)
	m := apModel(t, h, 80, 24)
	m.Update(snapshotMsg{withEndedPlan(h.view.Snapshot())})
	if title := titleOf(m); !strings.HasSuffix(title, "│  autopilot: none due · 1 to humans") {
		t.Fatalf("the title at 80 columns: %q", title)
	}
}
