package ui

import (
	"fmt"
	"strings"
	"testing"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/components/confirm"
	"ecs-redeploy/ui/components/log"
)

// Tester's defect 14: the log said `batch of 33: saving the plan…`, then `batch of 16
// started … · 22 skipped`, for 38 selected. Both lines count the whole batch as selected,
// and say how many go and how many are skipped, and how many the plan skipped beyond the
// dialog.
func TestBatchNoticesCountTheSameFromSavingToStarted(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	rows := m.snap.Rows
	if len(rows) < 2 {
		t.Fatalf("%d rows", len(rows))
	}
	// 33 go, 5 the dialog listed as skipped: 38 selected.
	targets := make([]*fleet.Row, 33)
	for i := range targets {
		targets[i] = rows[0]
	}
	m.dialogSkipped = []string{"i-a", "i-b", "i-c", "i-d", "i-e"}
	_ = m.submitPlan(confirm.SubmitMsg{Targets: targets})
	if want := "batch of 38: saving the plan: 33 to redeploy, 5 skipped…"; m.notice != want {
		t.Errorf("saving: %q, want %q", m.notice, want)
	}
	// The plan skipped 17 more (no window before the deadline, say): 16 go.
	st := fleet.PlanStatus{Summary: fleet.Summary{Skipped: 22, Queued: 16}}
	for i := range 38 {
		st.Items = append(st.Items, fleet.PlanItem{InstanceID: fmt.Sprint(i)})
	}
	m.planStarted(planStartedMsg{status: st, dialogSkipped: 5})
	if !strings.HasPrefix(m.notice, "batch of 38 started: 16 to redeploy, 22 skipped (17 more than the dialog listed: the task panel says why) · ") {
		t.Errorf("started: %q", m.notice)
	}
	var said []string
	for _, e := range m.log.Entries() {
		if e.Kind == log.Notice && strings.HasPrefix(e.Text, "batch of") {
			said = append(said, e.Text)
		}
	}
	if len(said) != 2 || !strings.HasPrefix(said[0], "batch of 38") || !strings.HasPrefix(said[1], "batch of 38") {
		t.Errorf("the log: %q", said)
	}
	// Nothing skipped: no counts to reconcile.
	m.dialogSkipped = nil
	_ = m.submitPlan(confirm.SubmitMsg{Targets: targets[:3]})
	if m.notice != "batch of 3: saving the plan…" {
		t.Errorf("saving, none skipped: %q", m.notice)
	}
}
