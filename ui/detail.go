package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// detail is the pane behind enter: every attribute that matters to the decision.
type detail struct {
	common
	id string
	// row is the instance's row in the latest snapshot (nil once it is no longer listed),
	// found once per snapshot rather than per frame.
	row    *fleet.Row
	offset int
	// lines are the pane's content, built in Update when what they show changes (View
	// only renders); built says from what.
	lines []string
	built detailKey
}

type detailKey struct {
	row   *fleet.Row
	snap  *fleet.Snapshot
	now   time.Time
	width int
}

// build makes the pane's lines for row r of snap at now, unless they are already made.
func (d *detail) build(r *fleet.Row, snap *fleet.Snapshot, now time.Time) {
	k := detailKey{r, snap, now, d.width}
	if k == d.built && d.lines != nil {
		return
	}
	var tasks []fleet.Task
	if snap != nil {
		tasks = snap.Tasks
	}
	d.lines, d.built = detailLines(r, tasks, now, d.st, d.width), k
}

// ShortHelp is the detail pane's footer.
func (d *detail) ShortHelp() []key.Binding { return d.keys.detailHelp() }

// FullHelp is the detail pane's keys.
func (d *detail) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

const stamp = "2006-01-02 15:04 MST"

// detailLines builds the pane's content for row r, wrapped to width: the pane is where
// a failure's whole reason and RequestId must be readable, so nothing here is cut.
func detailLines(r *fleet.Row, tasks []fleet.Task, now time.Time, st *Styles, width int) []string {
	var out []string
	for _, l := range detailText(r, tasks, now, st) {
		out = append(out, wrap(l, width)...)
	}
	return out
}

// detailText is the pane's content, one line per fact.
func detailText(r *fleet.Row, tasks []fleet.Task, now time.Time, st *Styles) []string {
	in := r.Inst
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	title := in.ID
	if in.Name != "" {
		title += " (" + in.Name + ")"
	}
	out = append(out, st.Header.on(title))
	add("region %s · zone %s · %s (%s) · %s", in.RegionID, in.ZoneID, in.InstanceType, in.Family, in.Status)
	charge := in.ChargeType
	if in.ChargeType == model.PrePaid && !in.ExpiredTime.IsZero() {
		charge += ", expires " + in.ExpiredTime.UTC().Format(stamp)
	}
	add("charge: %s", charge)
	if in.HasLocalDisks() {
		add("local disks: %d, %d GiB in all (a redeploy re-initializes them)", in.LocalStorageAmount, in.LocalStorageCapacity)
	} else {
		add("local disks: none (cloud disks only)")
	}
	if in.OnDedicatedHost() {
		add("dedicated host: %s", in.DedicatedHostID)
	}
	if in.DeploymentSetID != "" {
		add("deployment set: %s", in.DeploymentSetID)
	}
	locks := "none"
	if len(in.OperationLocks) > 0 {
		ls := make([]string, len(in.OperationLocks))
		for i, l := range in.OperationLocks {
			ls[i] = string(l)
		}
		locks = strings.Join(ls, ", ")
	}
	add("operation locks: %s", locks)
	if len(r.Badges) > 0 {
		add("badges: %s", model.JoinBadges(r.Badges, ", "))
	}

	out = append(out, "", st.Header.on("Events"))
	for _, ev := range in.Events {
		when := model.Countdown(ev.NotBefore, now)
		if !ev.CycleStatus.Pending() {
			when = "final"
		}
		add("  %s  %s  deadline %s (%s)", ev.Type, ev.CycleStatus, ev.NotBefore.UTC().Format(stamp), when)
		add("    id %s · impact level %s · published %s", ev.ID, orDash(ev.ImpactLevel), ev.PublishTime.UTC().Format(stamp))
		if ev.Reason != "" {
			add("    reason: %s", ev.Reason)
		}
	}

	el := r.Eligibility
	out = append(out, "")
	switch {
	case r.Resolved:
		out = append(out, st.Good.on("Eligibility: nothing left to do")+" (the redeploy avoided the event)")
		return append(out, taskLines(in.ID, tasks, st)...)
	case r.InProgress:
		out = append(out, st.Busy.on("Eligibility: IN PROGRESS")+" (a redeploy is running)")
	case el.Allowed:
		out = append(out, st.Good.on("Eligibility: can be redeployed"))
	default:
		out = append(out, st.Bad.on("Eligibility: BLOCKED"))
	}
	for _, b := range el.Blocks {
		add("  blocked: %s (HTTP %d): %s", b.Code, b.HTTPStatus, b.Message)
	}
	for _, w := range el.Warnings {
		out = append(out, warningLine(w.Destructive, w.Message))
	}

	return append(out, taskLines(in.ID, tasks, st)...)
}

// taskLines are the redeploys of instance id this console knows.
func taskLines(id string, tasks []fleet.Task, st *Styles) []string {
	out := []string{"", st.Header.on("Redeploy tasks")}
	n := 0
	for _, t := range tasks {
		if t.InstanceID != id {
			continue
		}
		n++
		out = append(out, fmt.Sprintf("  %s  %s  phase %s  started %s", t.ID, t.Status, orDash(string(t.Phase)), t.Created.UTC().Format(stamp)))
		if t.RequestID != "" {
			out = append(out, "    RequestId "+t.RequestID)
		}
		if t.FailedReason != "" {
			out = append(out, "    reason: "+t.FailedReason)
		}
	}
	if n == 0 {
		out = append(out, "  none from this console")
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
