package ui

import (
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/components/confirm"
	"ecs-redeploy/ui/components/log"
)

// startRedeploy opens the confirm dialog for targets, which the list or the detail pane
// chose (see list.RedeployMsg). An instance in progress gets nothing; a blocked one gets
// the reason and no dialog. When the filter hides every selected row there are no targets,
// and R says so rather than fall back to the cursor's row, which nobody selected.
func (m *Model) startRedeploy(targets, leftOut []*fleet.Row) tea.Cmd {
	if !m.deps.Identity.CanRedeploy() || m.snap == nil {
		return nil
	}
	if len(targets) == 0 {
		if len(leftOut) > 0 {
			m.setRefusal(fmt.Sprintf("the %d selected instance(s) are hidden by the filter, so R left them alone: esc clears the filter", len(leftOut)))
		}
		return nil
	}
	var ok []*fleet.Row
	var skipped []string
	for _, r := range targets {
		switch why := refusal(r); {
		case why != "" && len(targets) == 1:
			m.setRefusal(why)
			return nil
		case why != "":
			skipped = append(skipped, why)
		default:
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		m.setRefusal(fmt.Sprintf("none of the %d selected instances can be redeployed: %s", len(targets), skipped[0]))
		return nil
	}
	d, settle := confirm.New(m.common(), ok, skipped, leftOut)
	d.SetStale(m.snap.Err, m.snap.Updated)
	d.SetSize(m.width, m.dialogHeight())
	m.dialog = d
	m.dialogFrom = m.mode
	m.mode = modeDialog
	m.notice = ""
	return settle
}

// refusal says why r cannot be redeployed now, or "", from the hub's verdict.
func refusal(r *fleet.Row) string {
	if r.InProgress {
		s := r.Inst.ID + ": a redeploy is already in progress"
		if by := r.StartedBy.String(); by != "" {
			s += " (started by " + by + ")"
		}
		return s
	}
	el := r.Eligibility
	if r.NoRedeploy && !r.Blocked && r.Event != nil {
		// Nothing is wrong with the instance: say so, rather than "cannot be redeployed".
		return fmt.Sprintf("%s: NO REDEPLOY: a redeploy does not answer %s (%s); nothing blocks the instance, "+
			"RedeployInstance just has nothing to do for it (%s)", r.Inst.ID, r.Event.Type, r.Event.CycleStatus, model.CodeInvalidOperation)
	}
	if b := el.FirstBlock(); b != nil {
		s := fmt.Sprintf("%s cannot be redeployed: %s: %s", r.Inst.ID, b.Code, b.Message)
		if n := len(el.Blocks) - 1; n > 0 {
			s += fmt.Sprintf(" (and %d more: the detail pane lists them)", n)
		}
		return s
	}
	return ""
}

// closeDialog goes back to where R was pressed: the list, or the detail pane.
func (m *Model) closeDialog() {
	m.dialog = nil
	m.mode = m.dialogFrom
}

// submit asks the hub for the confirmed redeploys. The hub marks each row submitting the
// moment it is asked, and every session sees it IN PROGRESS from the next snapshot; the
// hub refuses a second redeploy of an instance in progress anywhere.
func (m *Model) submit(msg confirm.SubmitMsg) tea.Cmd {
	m.dialog = nil
	m.mode, m.detail = modeList, nil // where the row shows IN PROGRESS
	var cmds []tea.Cmd
	var ids []string
	for _, r := range msg.Targets {
		in := r.Inst
		ids = append(ids, in.ID)
		req := backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID, ForceStop: msg.ForceStop, Identity: m.deps.Identity}
		f, ctx := m.deps.Fleet, m.deps.Context
		cmds = append(cmds, func() tea.Msg {
			ref, err := f.Redeploy(ctx, req)
			return redeployDoneMsg{instanceID: req.InstanceID, ref: ref, err: err}
		})
	}
	m.list.ClearSelection()
	m.setNotice(false, "redeploy submitted: "+strings.Join(ids, ", "))
	if len(ids) == 1 {
		m.about(ids[0])
	}
	cmds = append(cmds, m.startFrames())
	return tea.Batch(cmds...)
}

func (m *Model) redeployDone(msg redeployDoneMsg) {
	if msg.err != nil {
		if errors.Is(msg.err, fleet.ErrDetached) {
			return // the session stopped waiting; the hub's snapshot shows the outcome
		}
		if errors.Is(msg.err, fleet.ErrInProgress) || errors.Is(msg.err, fleet.ErrOutcomeHold) {
			m.setRefusal(msg.instanceID + ": " + msg.err.Error())
			m.about(msg.instanceID)
			return
		}
		// Not "failed": a lost reply leaves open whether it started, and the backend's own
		// words say which.
		m.setNotice(true, errLine("RedeployInstance "+msg.instanceID, msg.err))
		return
	}
	s := fmt.Sprintf("redeploy of %s started: task %s", msg.instanceID, msg.ref.TaskID)
	if msg.ref.Reconciled {
		s += " (its reply was lost; the task was found by DescribeTasks)"
	}
	if msg.ref.RequestID != "" {
		s += " · RequestId " + msg.ref.RequestID
	}
	m.setNotice(false, s)
	m.about(msg.instanceID)
}

// setNotice shows news (it fades) or an error (it stays until esc or the next notice),
// and keeps it whole in the log (L).
func (m *Model) setNotice(isErr bool, s string) {
	kind := log.Notice
	if isErr {
		kind = log.Error
	}
	m.say(kind, s)
}

// setRefusal answers a key the console refused (blocked, already in progress). It is
// marked like an error but fades like news: the row's badge keeps saying it, and "a
// redeploy is already in progress" must not outlive the redeploy.
func (m *Model) setRefusal(s string) { m.say(log.Refusal, s) }

// say puts s on the notice line and in the log.
func (m *Model) say(kind log.Kind, s string) {
	isErr := kind != log.Notice
	m.notice, m.noticeIsErr, m.noticeSticky, m.noticeAt = s, isErr, kind == log.Error, m.deps.Wall()
	m.noticeFor, m.noticeState = "", ""
	if s != refreshingNotice {
		m.log.Add(log.Entry{At: m.noticeAt, Kind: kind, Text: s})
	}
}

// about ties the notice on screen to instance id: it clears once the instance's redeploy
// has moved on to an end (avoided, failed, or no longer listed), so "started" never stays
// up beside a task that has Finished.
func (m *Model) about(id string) {
	m.noticeFor = id
	m.noticeState, _ = rowState(m.row(id))
}

// rowState is what a notice about r depends on, and whether it is an end a notice about
// the redeploy is outdated by.
func rowState(r *fleet.Row) (string, bool) {
	if r == nil {
		return "unlisted", true
	}
	s := r.State.String()
	if r.Task != nil {
		s += "/" + r.Task.ID + "/" + string(r.Task.Status)
	}
	return s, r.State == fleet.StateAvoided || r.State == fleet.StateFailed || r.Resolved
}

// followNotice clears a notice about one instance once its redeploy reached an end it did
// not know of.
func (m *Model) followNotice() {
	if m.noticeFor == "" {
		return
	}
	cur, end := rowState(m.row(m.noticeFor))
	switch {
	case cur == m.noticeState:
	case end:
		m.notice, m.noticeFor = "", ""
	default:
		m.noticeState = cur
	}
}

// row is instance id's row in the current snapshot, or nil.
func (m *Model) row(id string) *fleet.Row {
	if m.snap == nil {
		return nil
	}
	for _, r := range m.snap.Rows {
		if r.Inst.ID == id {
			return r
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// errLine words a backend error for the notice line: code and RequestId first, so that a
// narrow terminal cuts the prose, not what a support ticket needs. The prose is the API's
// message when the API error is all there is, else the whole error: a lost reply or a
// refresh that gave up after retries says more than the API error that caused it.
func errLine(what string, err error) string {
	text := err.Error()
	s := what + ": "
	if ae, ok := backend.AsAPIError(err); ok {
		s += ae.Code
		if ae.RequestID != "" {
			s += " · RequestId " + ae.RequestID
		}
		if text == ae.Error() {
			text = ae.Message
		}
		if text != "" {
			s += " · "
		}
	}
	// Backends name the call themselves ("RedeployInstance i-…: not started: …").
	return oneLine(s + strings.TrimPrefix(text, what+": "))
}
