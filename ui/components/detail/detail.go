// Package detail is the pane behind enter: every attribute of one instance that matters
// to the decision, its events, the hub's verdict and its redeploy tasks. It tells the root
// CloseMsg (esc) and RedeployMsg (R).
package detail

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// CloseMsg asks to go back to the list.
type CloseMsg struct{}

// RedeployMsg asks for a redeploy of the pane's instance, and of nothing else: a selection
// behind the pane is not what R means here.
type RedeployMsg struct{ Row *fleet.Row }

// Model is the pane.
type Model struct {
	common.Common
	id string
	// row is the instance's row in the latest snapshot (nil once it is no longer listed),
	// found once per snapshot rather than per frame.
	row   *fleet.Row
	tasks []fleet.Task
	// accepted are the events an accept through the hub answered (Snapshot.Accepted).
	accepted map[string]fleet.Acceptance
	offset   int
	// lines are the pane's content, built in Update when what they show changes (View
	// only renders); built says from what.
	lines []string
	built builtFrom
	// maint is the hub's answer about the instance's maintenance attributes; nil until it
	// comes (maintenance.go).
	maint *MaintenanceMsg
}

type builtFrom struct {
	row   *fleet.Row
	tasks *fleet.Task // the first task: a new snapshot's tasks are a new slice
	now   time.Time
	width int
	maint *MaintenanceMsg
}

// New opens the pane on row r.
func New(c common.Common, r *fleet.Row) *Model {
	d := &Model{Common: c, id: r.Inst.ID, row: r}
	d.build()
	return d
}

// ID is the pane's instance.
func (d *Model) ID() string { return d.id }

// Row is the pane's row in the latest snapshot, or nil once the instance is not listed.
func (d *Model) Row() *fleet.Row { return d.row }

// SetSnapshot finds the pane's instance in a new snapshot.
func (d *Model) SetSnapshot(s *fleet.Snapshot) {
	d.row = nil
	for _, r := range s.Rows {
		if r.Inst.ID == d.id {
			d.row = r
			break
		}
	}
	d.tasks, d.accepted = s.Tasks, s.Accepted
	d.build()
}

// SetSize fits the pane; its lines are wrapped to the width.
func (d *Model) SetSize(width, height int) {
	d.Common.SetSize(width, height)
	d.build()
}

// Init does nothing.
func (d *Model) Init() tea.Cmd { return nil }

// Update scrolls, and turns esc, enter and R into messages for the root.
func (d *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || common.IsText(km) {
		d.build() // a clock tick moves the countdowns
		return d, nil
	}
	keys := d.Keys
	switch {
	case key.Matches(km, keys.Back, keys.Detail):
		return d, common.Emit(CloseMsg{})
	case key.Matches(km, keys.Redeploy):
		if d.row != nil {
			return d, common.Emit(RedeployMsg{Row: d.row})
		}
	default:
		d.offset, _ = common.Scroll(km, keys, d.offset, d.Height, len(d.lines))
	}
	d.build()
	return d, nil
}

// build makes the pane's lines, unless they are already made from the same row, tasks,
// clock and width, and keeps the offset where the last line still shows.
func (d *Model) build() {
	if d.row != nil {
		k := builtFrom{d.row, nil, d.Now(), d.Width, d.maint}
		if len(d.tasks) > 0 {
			k.tasks = &d.tasks[0]
		}
		if k != d.built || d.lines == nil {
			d.lines, d.built = detailLines(d.row, d.tasks, d.accepted, d.maint, k.now, d.Styles, d.Width, d.Identity), k
		}
	}
	d.offset = max(min(d.offset, len(d.lines)-d.Height), 0)
}

// View is exactly the pane's height of lines from the offset.
func (d *Model) View() string {
	lines := []string{"", "  this instance is no longer listed (its event is no longer pending)"}
	if d.row != nil {
		lines = d.lines[min(d.offset, len(d.lines)):]
	}
	out := make([]string, max(d.Height, 0))
	for i := range out {
		if i < len(lines) {
			out[i] = common.FitStyled(lines[i], d.Width)
		}
	}
	return strings.Join(out, "\n")
}

// ShortHelp is the detail pane's footer.
func (d *Model) ShortHelp() []key.Binding { return d.Keys.DetailHelp() }

// FullHelp is the detail pane's keys.
func (d *Model) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

const stamp = "2006-01-02 15:04 MST"

// detailLines builds the pane's content for row r, wrapped to width: the pane is where
// a failure's whole reason and RequestId must be readable, so nothing here is cut.
func detailLines(r *fleet.Row, tasks []fleet.Task, accepted map[string]fleet.Acceptance, maint *MaintenanceMsg, now time.Time, st *common.Styles, width int, who backend.Identity) []string {
	var out []string
	for _, l := range append(detailText(r, tasks, accepted, now, st, who), maintenanceLines(maint, now, st)...) {
		if w, ok := strings.CutPrefix(l, warning); ok {
			// A consequence is painted once wrapped: data loss on every line it takes.
			out = append(out, common.PaintWarning(st, strings.HasPrefix(w, "  "+common.DangerMark), common.Wrap(w, width))...)
			continue
		}
		out = append(out, common.Wrap(l, width)...)
	}
	return out
}

// warning starts a line of detailText that is a consequence (common.WarningLine), for
// detailLines to paint after wrapping; it never reaches the screen. Every other line
// starts with the pane's own words, never with this private-use rune.
const warning = "\uE001"

// losesData reports whether a redeploy on the verdict el destroys data.
func losesData(el model.Eligibility) bool {
	for _, w := range el.Warnings {
		if w.Destructive {
			return true
		}
	}
	return false
}

// detailText is the pane's content, one line per fact.
func detailText(r *fleet.Row, tasks []fleet.Task, accepted map[string]fleet.Acceptance, now time.Time, st *common.Styles, who backend.Identity) []string {
	in := r.Inst
	var out []string
	// Every add line is plain text, much of it the API's (tags, reasons, messages): no
	// control character of it reaches the terminal.
	add := func(format string, a ...any) { out = append(out, safetext.Terminal(fmt.Sprintf(format, a...))) }
	title := in.ID
	if in.Name != "" {
		title += " (" + in.Name + ")"
	}
	out = append(out, st.Header.On(safetext.Terminal(title)))
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
	if len(in.Tags) > 0 {
		// key=value, as the filter matches them (team=kafka).
		tags := make([]string, 0, len(in.Tags))
		for _, k := range slices.Sorted(maps.Keys(in.Tags)) {
			tags = append(tags, k+"="+in.Tags[k])
		}
		add("tags: %s", strings.Join(tags, ", "))
	}
	if len(r.Badges) > 0 {
		add("badges: %s", model.JoinBadges(r.Badges, ", "))
	}

	// Pending events by deadline, the one the list shows first among equals; then the
	// final ones (an avoided event), as the API listed them.
	out = append(out, "", st.Header.On("Events"))
	for _, ev := range eventsByDeadline(in) {
		when := model.Countdown(ev.NotBefore, now)
		if !ev.CycleStatus.Pending() {
			when = "final"
		}
		answer := ""
		acc, wasAccepted := accepted[ev.ID]
		switch {
		case !ev.CycleStatus.Pending():
		case wasAccepted:
			// Every session says who answered it, and that the platform acts now, not at
			// the deadline.
			answer = fmt.Sprintf(" · accepted by %s %s ago: the platform acts now", acc.By, model.FormatDuration(now.Sub(acc.At)))
		case model.AnswersEvent(in, ev):
			answer = " · a redeploy answers it"
		default:
			answer = " · a redeploy does not answer it"
		}
		drill := ""
		if ev.Simulated {
			drill = "DRILL "
		}
		add("  %s%s  %s  deadline %s (%s)%s", drill, ev.Type, ev.CycleStatus, ev.NotBefore.UTC().Format(stamp), when, answer)
		if ev.Simulated && ev.CycleStatus.Pending() {
			add("    a drill (CreateSimulatedSystemEvents): nothing happens at its deadline; ecs-redeploy drill --cancel %s removes it", ev.ID)
		}
		if ev.DeadlineMoved() {
			add("    DEADLINE MOVED by the platform: first %s", ev.Attr().InitialNotBefore.UTC().Format(stamp))
		}
		add("    id %s · impact level %s · published %s", ev.ID, common.OrDash(ev.ImpactLevel), ev.PublishTime.UTC().Format(stamp))
		if ev.Reason != "" {
			reason := ev.Reason
			if ev.ReasonCode != "" {
				reason += " (" + ev.ReasonCode + ")"
			}
			add("    reason: %s", reason)
		}
		if disks := ev.DiskNames(); disks != "" {
			add("    disk: %s", disks)
		}
		if a := ev.Attr(); a.HostID != "" || a.Rack != "" {
			host := common.OrDash(a.HostID)
			if a.HostType != "" {
				host += " (" + a.HostType + ")"
			}
			add("    host %s · rack %s", host, common.OrDash(a.Rack))
		}
		if ev.CycleStatus == model.CycleInquiring {
			switch err := backend.AuthorizeTo(who, backend.ActionAccept); {
			case ev.Acceptable() && err != nil:
				// A viewer is not told a key it cannot use: the guard's own words say why.
				add("    the platform asks; accepting it %s now; %s", ev.Type.DefaultAction(), err)
			case ev.Acceptable():
				add("    the platform asks: A accepts it, and it %s now", ev.Type.DefaultAction())
			default:
				add("    the platform asks, but says it cannot be accepted (CanAccept=false)")
			}
		}
	}

	el := r.Eligibility
	out = append(out, "")
	switch {
	case r.Avoided:
		out = append(out, st.Good.On("Eligibility: nothing left to do")+" (the redeploy avoided the event)")
		return append(out, taskLines(in.ID, tasks, st)...)
	case r.InProgress:
		running := " (a redeploy is running"
		if by := r.StartedBy.String(); by == "elsewhere" {
			running += ", started elsewhere: not from a console of this hub"
		} else if by != "" {
			running += ", started by " + safetext.Terminal(by)
		}
		out = append(out, st.Busy.On("Eligibility: IN PROGRESS")+running+")")
	case el.Allowed && losesData(el):
		// Not green: what a redeploy costs here is read before that it may be done.
		out = append(out, st.Bad.On("Eligibility: can be redeployed, with DATA LOSS")+" (read the first line below)")
	case el.Allowed:
		out = append(out, st.Good.On("Eligibility: can be redeployed"))
	case r.Blocked:
		out = append(out, st.Bad.On("Eligibility: BLOCKED"))
	default:
		// Nothing about the instance refuses it: its events are not ones a redeploy answers.
		out = append(out, st.Dim.On("Eligibility: NO REDEPLOY")+" (a redeploy does not answer its pending events)")
	}
	for _, b := range el.Blocks {
		add("  blocked: %s (HTTP %d): %s", b.Code, b.HTTPStatus, b.Message)
		if b.Next != "" {
			add("    next: %s", b.Next)
		}
	}
	// Data loss first, then the rest in model.Evaluate's order.
	for _, destructive := range []bool{true, false} {
		for _, w := range el.Warnings {
			if w.Destructive == destructive {
				out = append(out, warning+common.WarningLine(w.Destructive, safetext.Terminal(w.Message)))
			}
		}
	}

	return append(out, taskLines(in.ID, tasks, st)...)
}

// eventsByDeadline is in's pending events, earliest deadline first, then its final ones.
func eventsByDeadline(in *model.Instance) []*model.Event {
	out := in.PendingEvents()
	for i := range in.Events {
		if !in.Events[i].CycleStatus.Pending() {
			out = append(out, &in.Events[i])
		}
	}
	return out
}

// taskLines are the redeploys of instance id this console knows.
func taskLines(id string, tasks []fleet.Task, st *common.Styles) []string {
	out := []string{"", st.Header.On("Redeploy tasks")}
	n := 0
	for _, t := range tasks {
		if t.InstanceID != id {
			continue
		}
		n++
		line := fmt.Sprintf("  %s  %s  phase %s  started %s", t.ID, t.Status, common.OrDash(string(t.Phase)), t.Created.UTC().Format(stamp))
		switch by := t.StartedBy.String(); by {
		case "":
		case "elsewhere":
			line += " elsewhere"
		default:
			line += " by " + by
		}
		out = append(out, safetext.Terminal(line)) // ids and names are the API's and the client's
		if t.RequestID != "" {
			out = append(out, "    RequestId "+safetext.Terminal(t.RequestID))
		}
		if t.FailedReason != "" {
			out = append(out, "    reason: "+safetext.Terminal(t.FailedReason))
		}
	}
	if n == 0 {
		out = append(out, "  none from this console")
	}
	return out
}
