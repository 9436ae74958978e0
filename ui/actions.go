package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
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
	var skipped, skippedIDs []string
	for _, r := range targets {
		switch why := refusal(r); {
		case why != "" && len(targets) == 1:
			m.setRefusal(why)
			return nil
		case why != "":
			skipped = append(skipped, why)
			skippedIDs = append(skippedIDs, r.Inst.ID)
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
	m.dialog, m.dialogSkipped = d, skippedIDs
	m.dialogFrom = m.mode
	m.mode = modeDialog
	m.notice = ""
	ctx := m.deps.Context
	reread := d.Reread(func(ids []string) (*fleet.Snapshot, time.Time, error) { return m.deps.Fleet.Reread(ctx, ids) })
	d.SetScheduler(func(ids []string) ([]fleet.PlanItem, error) { return m.deps.Fleet.PlanSchedule(ctx, ids) })
	return tea.Batch(settle, reread)
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
		s := fmt.Sprintf("%s: NO REDEPLOY: a redeploy does not answer %s (%s); nothing blocks the instance, "+
			"RedeployInstance just has nothing to do for it (%s)", r.Inst.ID, r.Event.Type, r.Event.CycleStatus, model.CodeInvalidOperation)
		if b := el.FirstBlock(); b != nil && b.Next != "" {
			s += "; next: " + b.Next
		}
		return s
	}
	if b := el.FirstBlock(); b != nil {
		s := fmt.Sprintf("%s cannot be redeployed: %s: %s", r.Inst.ID, b.Code, b.Message)
		if n := len(el.Blocks) - 1; n > 0 {
			s += fmt.Sprintf(" (and %d more: the detail pane lists them)", n)
		}
		if b.Next != "" {
			s += "; next: " + b.Next
		}
		return s
	}
	return ""
}

// closeDialog goes back to where R was pressed: the list, or the detail pane.
func (m *Model) closeDialog() {
	m.dialog, m.dialogSkipped = nil, nil
	m.mode = m.dialogFrom
	m.dialogOver()
}

// dialogOver clears a notice about the dialog that has just gone: it was answered, and
// must not linger on the screens after it.
func (m *Model) dialogOver() {
	if m.noticeDialog {
		m.notice, m.noticeDialog = "", false
	}
}

// submit asks the hub for the confirmed redeploys. The hub marks each row submitting the
// moment it is asked, and every session sees it IN PROGRESS from the next snapshot; the
// hub refuses a second redeploy of an instance in progress anywhere.
func (m *Model) submit(msg confirm.SubmitMsg) tea.Cmd {
	m.dialog = nil
	m.dialogOver()
	m.mode, m.detail = modeList, nil // where the row shows IN PROGRESS
	if len(msg.Targets) > 1 {
		return m.submitPlan(msg)
	}
	m.dialogSkipped = nil
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

// inFlight is what this session started that is still moving, from the latest snapshot:
// its redeploys that are Processing or whose call is out, and its batches' instances not
// sent yet.
func (m *Model) inFlight() (running []fleet.Task, submitting []string, queued int) {
	if m.snap == nil {
		return nil, nil, 0
	}
	for _, t := range m.snap.Tasks {
		if t.Status == model.TaskProcessing && !t.StartedBy.Elsewhere && t.StartedBy.Identity == m.deps.Identity {
			running = append(running, t)
		}
	}
	for _, r := range m.snap.Rows {
		if (r.State == fleet.StateSubmitting || r.State == fleet.StateOutcomeUnknown) && r.StartedBy.Identity == m.deps.Identity {
			submitting = append(submitting, r.Inst.ID)
		}
	}
	for i := range m.snap.Plans {
		if p := &m.snap.Plans[i]; !p.Ended() && p.Identity == m.deps.Identity {
			queued += p.Summary.Queued
		}
	}
	return running, submitting, queued
}

// quit quits, unless this session has work in flight and has not asked yet: then it says
// what goes on without it and asks for q again (issue 11). Nothing is cancelled either
// way: the hub owns the calls and the plans, ECS the tasks.
func (m *Model) quit(asked bool) tea.Cmd {
	running, submitting, queued := m.inFlight()
	if asked || (len(running) == 0 && len(submitting) == 0 && queued == 0) {
		return tea.Quit
	}
	s := fmt.Sprintf("%d redeploy(s) in flight go on without this console", len(running)+len(submitting))
	if m.deps.Simulated {
		// --demo: the simulator is this process; nothing goes on after it.
		s = fmt.Sprintf("%d simulated redeploy(s) in flight end with this console: --demo runs the simulator inside it", len(running)+len(submitting))
	}
	if queued > 0 {
		s += "; " + m.queuedFate(queued, "")
	}
	m.ask(s + ". q again quits, any other key stays")
	m.quitAsked = true
	return nil
}

// queuedFate says what becomes of the batch instances this session started that are not
// sent yet, once it quits.
func (m *Model) queuedFate(queued int, resume string) string {
	switch {
	case m.deps.Shared:
		return fmt.Sprintf("%d batch instance(s) not sent yet go on: the server runs the batch", queued)
	case m.snap == nil || !m.snap.PlansKept:
		// --demo keeps no plans: nothing can resume them.
		return fmt.Sprintf("%d batch instance(s) not sent yet are dropped (this console keeps no plans)", queued)
	}
	if resume != "" {
		return fmt.Sprintf("%d batch instance(s) not sent yet: %s goes on with them (or start the console again)", queued, resume)
	}
	return fmt.Sprintf("%d batch instance(s) not sent yet wait for the next start (or redeploy --resume)", queued)
}

// Farewell is what a console that quits with work in flight prints after its screen is
// gone: each redeploy still running and how to follow it, and the batches left to resume.
// Empty when nothing is in flight.
func (m *Model) Farewell() string {
	running, submitting, queued := m.inFlight()
	var b strings.Builder
	if m.deps.Simulated {
		// Nothing can be followed or resumed: the simulator ended with this process.
		if n := len(running) + len(submitting); n > 0 {
			fmt.Fprintf(&b, "%d simulated redeploy(s) in flight ended with the console: --demo ran the simulator inside it, and nothing of it is left to follow\n", n)
		}
		if queued > 0 {
			fmt.Fprintf(&b, "%d batch instance(s) not sent yet were dropped: --demo keeps no plans\n", queued)
		}
		return b.String()
	}
	acct := ""
	if m.deps.AccountFlags != "" {
		acct = " " + m.deps.AccountFlags
	}
	for _, t := range running {
		// The account flags make the command address this account as printed: without
		// them it asked the default profile, another account, or nothing at all.
		fmt.Fprintf(&b, "still running: %s (%s) task %s; follow it: ecs-redeploy redeploy --follow %s --region %s%s\n",
			t.InstanceID, safetext.Terminal(t.InstanceName), safetext.Terminal(t.ID), safetext.Terminal(t.ID), safetext.Terminal(t.RegionID), acct)
	}
	for _, id := range submitting {
		fmt.Fprintf(&b, "still unanswered: RedeployInstance of %s; the console shows how it ended (check before trying again)\n", id)
	}
	if queued > 0 {
		resume := "ecs-redeploy redeploy --resume --wait"
		if m.deps.ScopeFlags != "" {
			resume += " " + m.deps.ScopeFlags
		}
		b.WriteString(m.queuedFate(queued, resume) + "\n")
	}
	return b.String()
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

// ask puts a question on the notice line: it stays until answered, and it is never cut
// (View wraps it over as many lines as it needs). Every notice that asks for a decision
// goes through here.
func (m *Model) ask(s string) {
	m.say(log.Error, s)
	m.noticeAsks = true
}

// say puts s on the notice line and in the log.
func (m *Model) say(kind log.Kind, s string) {
	s = safetext.Terminal(s) // error text and reasons are the API's: no control character reaches the screen
	isErr := kind != log.Notice
	m.notice, m.noticeIsErr, m.noticeSticky, m.noticeAt = s, isErr, kind == log.Error, m.deps.Wall()
	m.noticeFor, m.noticeState = "", ""
	m.noticeAsks, m.noticeDialog = false, false
	if s != refreshingNotice && !strings.HasSuffix(s, unboundNote) {
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
	return s, r.State == fleet.StateAvoided || r.State == fleet.StateFailed || r.Avoided
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
	return safetext.Terminal(s + strings.TrimPrefix(text, what+": "))
}
