// Package ui is the root of the Bubble Tea console: it holds the session's subscription to
// the fleet hub, lays the screen out, and routes messages between its components (list,
// confirm dialog, detail pane, task panel, help: ui/components). It never calls a Backend
// itself, so the same model runs locally, in tests and per SSH session.
package ui

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	bhelp "github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/components/accept"
	"ecs-redeploy/ui/components/cmdline"
	"ecs-redeploy/ui/components/confirm"
	"ecs-redeploy/ui/components/detail"
	"ecs-redeploy/ui/components/help"
	"ecs-redeploy/ui/components/list"
	"ecs-redeploy/ui/components/log"
	"ecs-redeploy/ui/components/tasks"
)

// Fleet is what the console needs from the fleet hub.
type Fleet interface {
	Subscribe(ctx context.Context) *fleet.Subscription
	Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error)
	RequestRefresh()
	// Reread reads instances again now, by id, whatever the cadence (fleet.Hub.Reread):
	// a dialog asks before it can arm.
	Reread(ctx context.Context, ids []string) (*fleet.Snapshot, time.Time, error)
	// Watch keeps instances read on every look for new events until stop is called: an
	// open dialog's.
	Watch(ids []string) (stop func())
	// StartPlan plans a batch and hands it to the hub, which runs it in waves
	// (fleet.Hub.StartPlan); every session sees it in its snapshots.
	StartPlan(ids []string, opt fleet.PlanOptions) (fleet.PlanStatus, error)
	// AnswerPlan continues or aborts a paused plan for who; the hub refuses a viewer.
	AnswerPlan(who backend.Identity, id string, goOn bool) error
	// PausePlan stops a running plan from sending more for who, saying why; what is in
	// flight goes on (fleet.Hub.PausePlan). The hub refuses a viewer.
	PausePlan(who backend.Identity, id, why string) error
	// PlanSchedule is when each of a batch kept to maintenance windows would go, and what
	// no window fits (fleet.Hub.PlanSchedule): the batch dialog's "in window".
	PlanSchedule(ctx context.Context, ids []string) ([]fleet.PlanItem, error)
	// Maintenance reads a listed instance's maintenance attributes (fleet.Hub.Maintenance).
	Maintenance(ctx context.Context, id string) (model.MaintenanceAttribute, error)
	// Accept asks the hub for one AcceptInquiredSystemEvent (fleet.Hub.Accept).
	Accept(ctx context.Context, req backend.AcceptRequest) (backend.AcceptRef, error)
	// Drill and CancelDrills ask the hub for one CreateSimulatedSystemEvents or
	// CancelSimulatedSystemEvents (fleet.Hub.Drill, fleet.Hub.CancelDrills): :drill.
	Drill(ctx context.Context, req backend.DrillRequest) (backend.DrillRef, error)
	CancelDrills(ctx context.Context, req backend.CancelDrillRequest) (backend.CancelDrillRef, error)
}

// Deps are everything the console depends on, passed in so that a local terminal, a test
// and an SSH session each build their own.
type Deps struct {
	Fleet Fleet
	// Now is the backend's clock: countdowns and elapsed times.
	Now func() time.Time
	// Wall measures "new/listed Ns ago" (defaults to Now).
	Wall func() time.Time
	// Renderer is this session's renderer (its terminal's colour profile).
	Renderer *lipgloss.Renderer
	// Keys defaults to common.DefaultKeyMap.
	Keys *common.KeyMap
	// Identity is who drives this session; its role hides the actions it cannot take
	// (the backend guard enforces it).
	Identity backend.Identity
	// Context is the session's: its end closes the subscription. It bounds only the
	// wait for a redeploy's answer; the hub owns the call.
	Context context.Context
	// Tick is the animation interval (100 ms by default); negative turns every timer off,
	// for tests that step the clock themselves.
	Tick time.Duration
	// NoMouse leaves the mouse to the terminal (--no-mouse): its own text selection
	// instead of the wheel scrolling and a click moving the cursor.
	NoMouse bool
	// Shared says the hub outlives this session (serve): what the session started goes
	// on after it quits, batches included.
	Shared bool
	// KeyClock says when each key arrives, for telling a burst (a paste, with or without
	// the terminal's brackets) from typing. nil: time.Now, except with the timers off
	// (Tick < 0), where tests send keys at machine speed: there nil turns it off.
	KeyClock func() time.Time
	// GivesUpAfter is about how long the backend takes to give up on a read that never
	// answers, retries included (aliyun.GivesUpAfter of --api-timeout); zero for the
	// simulator in process. While the first listing waits, the list says so (tester2 #16).
	GivesUpAfter time.Duration
	// Unbudgeted says the backend keeps no API budget (--demo, --scenario: the simulator
	// answers in-process and paces nothing): the header says so beside the cadence the hub
	// plans from --api-budget, which a listing asked for with r or the first one does not
	// wait for (tester2 #7).
	Unbudgeted bool
	// Regions are the regions the backend has, which :region may name (model.CheckRegion,
	// as --region); nil when not known here: then only a region id's shape is checked.
	Regions []string
	// AccountFlags select this console's account and endpoint on the command line
	// (--endpoint 127.0.0.1:8080 --profile prod), shell-quoted: the exit hints carry them,
	// so the commands they print address this account when pasted.
	AccountFlags string
	// ScopeFlags are AccountFlags and the --region the console was given
	// (--endpoint 127.0.0.1:8080 --region cn-hangzhou): the resume command carries them,
	// since `redeploy --resume` lists the regions the plans are in and needs them named.
	ScopeFlags string
	// Simulated says the backend is the simulator in this process (--demo): it ends with
	// the process, and so does everything in flight there.
	Simulated bool
	// StartNotes are what happened before the screen opened that the console must say
	// (a saved batch it resumed, one left for an operator): each in the log (L), and on
	// the notice line when it asks to be, as NoteMsg.
	StartNotes []NoteMsg
	// SaveDir is where ctrl+s saves what the view shows; empty turns saving off (serve:
	// the server's disk is not the engineer's).
	SaveDir string
}

// mode is what has the keyboard. The filter is the list's: it has the keyboard in
// modeList while list.Filtering.
type mode int

const (
	modeList mode = iota
	modeDetail
	modeDialog
	modeHelp
	modeTasks
	modeLog
	modeCommand
	// modeDialogGone follows a dialog that a refresh closed: the keys typed for it (the rest
	// of an id) must not reach the list, where c, x, q, s and space act. Only esc or enter,
	// pressed after reading why, goes on.
	modeDialogGone
	// modeAccept is the accept dialog of an Inquiring event (A).
	modeAccept
)

// Model is the root of the console.
type Model struct {
	deps   Deps
	keys   common.KeyMap
	st     common.Styles
	help   bhelp.Model
	sub    *fleet.Subscription
	snap   *fleet.Snapshot
	now    time.Time
	wall   time.Time
	width  int
	height int

	mode   mode
	list   *list.Model
	detail *detail.Model // nil unless the pane is open
	dialog *confirm.Model
	// watching is the dialog whose targets the hub follows; unwatch stops that.
	watching *confirm.Model
	unwatch  func()
	// acceptDlg is the accept dialog, while modeAccept.
	acceptDlg *accept.Model
	tasks     *tasks.Model
	overlay   *help.Model
	log       *log.Model
	cmdline   *cmdline.Model
	// dialogFrom is the mode the dialog returns to when cancelled.
	dialogFrom mode
	// dialogGone is the target whose change closed the dialog, while modeDialogGone.
	dialogGone string
	frame      int
	ticking    bool

	notice      string
	noticeIsErr bool
	// noticeSticky keeps the notice until esc; others fade after noticeFades.
	noticeSticky bool
	noticeAt     time.Time
	// noticeAsks marks a notice that asks for a decision (ask): it is never cut, it
	// wraps over as many lines as it needs, and the key that answers it clears it.
	noticeAsks bool
	// noticeDialog marks a notice about the open dialog: it goes when the dialog does.
	noticeDialog bool
	// noticeFor is the instance the notice is about, if one; the notice clears when that
	// instance's redeploy state leaves noticeState.
	noticeFor, noticeState string

	footerKey footerKey
	footer    string

	// dialogSkipped are the instances the open dialog lists as skipped: a batch hands them
	// to its plan, which skips them with its reasons, so the dialog's count and the plan's
	// agree. The plans themselves are the hub's: the console reads them from snapshots.
	dialogSkipped []string
	// quitAsked is set when q (or ctrl+c) was pressed with work in flight and the console
	// asked first: the next q quits.
	quitAsked bool

	// keyAt is when the last key arrived (Deps.KeyClock): a key hard on its heels is part
	// of a burst.
	keyAt time.Time

	// actionKeys are R and space as the key map binds them, enabled or not: a viewer who
	// presses one gets a one-line answer instead of silence. answerKeys are c and x the
	// same way: a viewer's answer to a paused batch goes to the hub, which refuses it, and
	// pauseKey is p so: a viewer's pause goes to the hub, which refuses it.
	actionKeys []key.Binding
	answerKeys []key.Binding
	pauseKey   key.Binding
}

// New builds a console over deps and subscribes it to the fleet hub.
func New(deps Deps) *Model {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Wall == nil {
		deps.Wall = deps.Now
	}
	if deps.Renderer == nil {
		// No terminal was named: plain text, which every terminal can show.
		deps.Renderer = lipgloss.NewRenderer(io.Discard)
		deps.Renderer.SetColorProfile(termenv.Ascii)
	}
	if deps.Context == nil {
		deps.Context = context.Background()
	}
	if deps.Tick == 0 {
		deps.Tick = 100 * time.Millisecond
	}
	if deps.KeyClock == nil && deps.Tick > 0 {
		deps.KeyClock = time.Now
	}
	km := common.DefaultKeyMap()
	if deps.Keys != nil {
		km = *deps.Keys
	}
	actionKeys := []key.Binding{km.Redeploy, km.Select, km.SelectAll, acceptAction: km.Accept}
	answerKeys := []key.Binding{km.Continue, km.Abort}
	pauseKey := km.Pause
	pauseKey.SetEnabled(true)
	for i := range actionKeys {
		actionKeys[i].SetEnabled(true)
	}
	for i := range answerKeys {
		answerKeys[i].SetEnabled(true)
	}
	if !deps.Identity.CanRedeploy() {
		km = km.ReadOnly()
	}
	st := common.NewStyles(deps.Renderer)
	h := bhelp.New()
	h.Styles = bhelp.Styles{
		ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep, Ellipsis: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep,
	}
	m := &Model{
		deps:   deps,
		keys:   km,
		st:     st,
		help:   h,
		now:    deps.Now(),
		wall:   deps.Wall(),
		width:  80,
		height: 24,

		actionKeys: actionKeys,
		answerKeys: answerKeys,
		pauseKey:   pauseKey,
	}
	m.list = list.New(m.common())
	m.tasks = tasks.New(m.common())
	m.overlay = help.New(m.common(), h)
	m.log = log.New(m.common())
	m.cmdline = cmdline.New(m.common(), list.SortColumns())
	m.relayout()
	for _, n := range deps.StartNotes {
		m.note(n)
	}
	m.sub = deps.Fleet.Subscribe(deps.Context)
	return m
}

// common is what this session's components share. m is a pointer, so the styles, keys
// and clock they point at stay put.
func (m *Model) common() common.Common {
	return common.Common{Styles: &m.st, Keys: &m.keys, Identity: m.deps.Identity,
		Now: func() time.Time { return m.now }, Wall: func() time.Time { return m.wall },
		Timers: m.deps.Tick > 0}
}

// Close ends the model's subscription; call it when the session ends (a session whose
// Deps.Context ends is closed by the hub too).
func (m *Model) Close() {
	m.sub.Close()
	if m.unwatch != nil {
		m.unwatch()
	}
}

// watchDialog keeps the hub reading the open dialog's targets on every look for new events
// (fleet.Hub.Watch), and stops when the dialog closes, however it closed.
func (m *Model) watchDialog() {
	if m.dialog == m.watching {
		return
	}
	if m.unwatch != nil {
		m.unwatch()
		m.unwatch = nil
	}
	m.watching = m.dialog
	if m.dialog != nil {
		ids := make([]string, 0, len(m.dialog.Targets()))
		for _, r := range m.dialog.Targets() {
			ids = append(ids, r.Inst.ID)
		}
		m.unwatch = m.deps.Fleet.Watch(ids)
	}
}

// snapshotMsg carries a new fleet snapshot.
type snapshotMsg struct{ snap *fleet.Snapshot }

// clockMsg advances countdowns and "new/listed Ns ago" once a second.
type clockMsg struct{}

// frameMsg advances the task spinners.
type frameMsg struct{}

// redeployDoneMsg is the hub's answer to one redeploy this session asked for.
type redeployDoneMsg struct {
	instanceID string
	ref        backend.TaskRef
	err        error
}

// waitSnapshot waits for the next snapshot, or for the session to end.
func waitSnapshot(sub *fleet.Subscription) tea.Cmd {
	return func() tea.Msg {
		select {
		case s := <-sub.C():
			return snapshotMsg{s}
		case <-sub.Done():
			return nil
		}
	}
}

// Init starts listening to the fleet and the clock.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{waitSnapshot(m.sub)}
	if !m.deps.NoMouse {
		// From Init, not a program option: the same model turns it on in a local terminal
		// and in every SSH session.
		cmds = append(cmds, tea.EnableMouseCellMotion)
	}
	if m.deps.Tick > 0 {
		cmds = append(cmds, tea.Tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} }))
	}
	return tea.Batch(cmds...)
}

// animating reports whether any redeploy needs its spinner turning: one in progress (a
// call not answered yet has no task) or a task Processing.
func (m *Model) animating() bool {
	if m.snap == nil {
		return false
	}
	if m.snap.Counts.InProgress > 0 {
		return true
	}
	for i := range m.snap.Tasks {
		if m.snap.Tasks[i].Status == model.TaskProcessing {
			return true
		}
	}
	return false
}

func (m *Model) startFrames() tea.Cmd {
	if m.ticking || m.deps.Tick < 0 || !m.animating() {
		return nil
	}
	m.ticking = true
	return tea.Tick(m.deps.Tick, func(time.Time) tea.Msg { return frameMsg{} })
}

// Update changes state and returns commands; it does no I/O.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.watchDialog()
	m.relayout()
	return m, cmd
}

// relayout gives every component its part of the screen after any change: the notice
// line and the task panel change how many rows the body gets.
func (m *Model) relayout() {
	body := m.bodyRows()
	m.list.SetSize(m.width, body)
	m.tasks.SetSize(m.width, m.taskRows())
	m.tasks.Focused, m.tasks.Frame = m.mode == modeTasks, m.frame
	m.tasks.Plan = m.panelTitle(m.width - m.tasks.CountsWidth())
	if m.dialog != nil {
		// The dialog takes the screen between header and footer.
		m.dialog.SetSize(m.width, m.dialogHeight())
	}
	if m.acceptDlg != nil {
		m.acceptDlg.SetSize(m.width, m.dialogHeight())
	}
	if m.detail != nil {
		m.detail.SetSize(m.width, body)
	}
	if m.mode == modeHelp {
		m.overlay.SetSize(m.width, body)
	}
	m.log.SetSize(m.width, body)
	m.cmdline.SetSize(m.width, 1)
}

// focused is the component that has the keyboard: the footer is generated from its keys.
func (m *Model) focused() common.Component {
	switch m.mode {
	case modeDetail:
		return m.detail
	case modeDialog:
		return m.dialog
	case modeAccept:
		return m.acceptDlg
	case modeTasks:
		return m.tasks
	case modeHelp:
		return m.overlay
	case modeLog:
		return m.log
	case modeCommand:
		return m.cmdline
	}
	return m.list
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return nil
	case NoteMsg:
		m.note(msg)
		return nil
	case snapshotMsg:
		if m.snap != nil && msg.snap.Version < m.snap.Version {
			// A dialog's re-read already showed a newer one.
			return waitSnapshot(m.sub)
		}
		settle := m.setSnapshot(msg.snap)
		return tea.Batch(waitSnapshot(m.sub), m.startFrames(), settle)
	case confirm.RereadMsg:
		if !msg.From(m.dialog) {
			return nil
		}
		var settle tea.Cmd
		if msg.Snap != nil && (m.snap == nil || msg.Snap.Version > m.snap.Version) {
			// The rows the re-read learned, before the dialog says it read them.
			settle = m.setSnapshot(msg.Snap)
		}
		if msg.From(m.dialog) {
			m.dialog.SetReread(msg.At, msg.Err)
		}
		return settle
	case confirm.ScheduleMsg:
		if msg.From(m.dialog) {
			return m.dialog.SetSchedule(msg)
		}
		return nil
	case planStartedMsg:
		return m.planStarted(msg)
	case autopilotAnsweredMsg:
		m.autopilotAnswered(msg)
		return nil
	case planPausedMsg:
		m.planPaused(msg)
		return nil
	case planAnsweredMsg:
		if msg.err != nil {
			m.setRefusal(m.refusedLine("batch answer", "continue or abort a paused batch", msg.err))
		}
		return nil
	case clockMsg:
		m.now, m.wall = m.deps.Now(), m.deps.Wall()
		return tea.Tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} })
	case frameMsg:
		m.frame++
		m.now, m.wall = m.deps.Now(), m.deps.Wall()
		m.ticking = false
		return m.startFrames()
	case redeployDoneMsg:
		m.redeployDone(msg)
		return nil
	case acceptDoneMsg:
		m.acceptDone(msg)
		return nil
	case drillDoneMsg:
		m.drillDone(msg)
		return nil
	case accept.SubmitMsg:
		if m.mode == modeAccept && msg.From(m.acceptDlg) {
			return m.submitAccept(msg)
		}
		return nil
	case accept.CancelMsg:
		if m.mode == modeAccept && msg.From(m.acceptDlg) {
			m.acceptDlg, m.mode = nil, m.dialogFrom
			m.setNotice(false, "cancelled: nothing was accepted")
		}
		return nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		m.mouse(msg)
		return nil
	case savedMsg:
		if msg.err != nil {
			m.setNotice(true, "save failed: "+msg.err.Error())
		} else {
			// The path first: a narrow screen cuts the words after it.
			m.setNotice(false, "saved to "+msg.path+": "+common.Thousands(msg.rows)+" row(s) as events --json prints them")
		}
		return nil
	case copiedMsg:
		if msg.err != nil {
			m.setNotice(true, "copy failed: "+msg.err.Error())
		} else {
			m.setNotice(false, "copied "+msg.what+" to the clipboard (OSC 52; in tmux: set -g set-clipboard on)")
		}
		return nil

	// What the components ask for, acted on only while the component that asked still has
	// the keyboard: a key that arrived in the same burst as the one that moved it elsewhere
	// (enter right after R) must not act on the new screen.
	case list.OpenDetailMsg:
		if m.mode != modeList {
			return nil
		}
		m.detail = detail.New(m.common(), msg.Row)
		if m.snap != nil {
			m.detail.SetSnapshot(m.snap)
		}
		m.mode = modeDetail
		return m.readMaintenance(msg.Row.Inst.ID)
	case detail.MaintenanceMsg:
		if m.detail != nil {
			m.detail.SetMaintenance(msg)
		}
		return nil
	case list.RedeployMsg:
		if m.mode != modeList {
			return nil
		}
		return m.startRedeploy(msg.Targets, msg.LeftOut)
	case detail.RedeployMsg:
		if m.mode != modeDetail {
			return nil
		}
		return m.startRedeploy([]*fleet.Row{msg.Row}, nil)
	case detail.CloseMsg:
		if m.mode == modeDetail {
			m.mode, m.detail = modeList, nil
		}
		return nil
	case common.SettledMsg:
		// Each dialog takes only its own (Settle.Done checks the owner).
		if m.dialog != nil {
			m.dialog.Update(msg)
		}
		if m.acceptDlg != nil {
			m.acceptDlg.Update(msg)
		}
		return nil
	case confirm.CancelMsg:
		if msg.From(m.dialog) {
			m.closeDialog()
			m.setNotice(false, "cancelled: nothing was redeployed")
		}
		return nil
	case confirm.SubmitMsg:
		if msg.From(m.dialog) {
			return m.submit(msg)
		}
		return nil
	case tasks.GoToMsg:
		if m.mode == modeTasks {
			m.list.JumpTo(msg.InstanceID)
			m.mode = modeList
		}
		return nil
	case tasks.CloseMsg:
		if m.mode == modeTasks {
			m.mode = modeList
		}
		return nil
	case help.CloseMsg:
		if m.mode == modeHelp {
			m.mode = modeList
		}
		return nil
	case log.CloseMsg:
		if m.mode == modeLog {
			m.mode = modeList
		}
		return nil
	case cmdline.CloseMsg:
		if m.mode == modeCommand {
			m.mode = modeList
		}
		return nil
	case cmdline.RunMsg:
		if m.mode != modeCommand {
			return nil
		}
		m.mode = modeList
		return m.runCommand(msg)
	}
	if m.mode == modeCommand {
		_, cmd := m.cmdline.Update(msg) // the line's own messages
		return cmd
	}
	if m.mode == modeList && m.list.Filtering() {
		_, cmd := m.list.Update(msg) // the filter field's own messages
		return cmd
	}
	return nil
}

// acceptAction is A's place among the action keys: a viewer's A is answered in the
// words of accepting, not of redeploying.
const acceptAction = 3

// readOnlyAnswer is what R and space say in a read-only console (issue 13).
const readOnlyAnswer = "read-only: redeploy is disabled"

// refreshingNotice stays until the refresh it announces has answered.
const refreshingNotice = "refreshing…"

// setSnapshot shows snapshot s; the command it returns settles a dialog the snapshot
// changed.
func (m *Model) setSnapshot(s *fleet.Snapshot) tea.Cmd {
	if m.notice == refreshingNotice && m.snap != nil && (!s.Updated.Equal(m.snap.Updated) || s.Err != nil) {
		m.notice = ""
	}
	prev := m.snap
	m.snap = s
	m.now, m.wall = m.deps.Now(), m.deps.Wall()
	m.logFailures(prev, s)
	m.plansChanged(prev, s)
	m.autopilotChanged(prev, s)
	m.followNotice()
	m.list.SetSnapshot(s)
	m.tasks.SetTasks(s.Tasks)
	if m.detail != nil {
		m.detail.SetSnapshot(s)
	}
	m.settleAccept(s)
	m.acceptsEnded(prev, s)
	if m.dialog == nil {
		return nil
	}
	want := make(map[string]*fleet.Row, len(m.dialog.Targets()))
	for _, r := range m.dialog.Targets() {
		want[r.Inst.ID] = nil
	}
	for _, r := range s.Rows {
		if _, ok := want[r.Inst.ID]; ok {
			want[r.Inst.ID] = r
		}
	}
	m.dialog.SetStale(s.Err, s.Updated)
	gone, changed, cmd := m.dialog.Refresh(func(id string) *fleet.Row { return want[id] })
	switch {
	case gone != "":
		m.dialog, m.dialogGone, m.mode = nil, gone, modeDialogGone
		m.setNotice(true, gone+" changed while the dialog was open and can no longer be redeployed; nothing was done")
		m.noticeDialog = true
	case changed:
		m.setNotice(true, "what the dialog says changed while it was open: read it again before confirming")
		m.noticeDialog = true
	}
	return cmd
}

// logFailures keeps a failed refresh or task poll in the log, once per new error: the
// notice line shows it only while it lasts.
func (m *Model) logFailures(prev, s *fleet.Snapshot) {
	changed := func(a, b error) bool {
		return b != nil && (a == nil || a.Error() != b.Error())
	}
	var pe, pt error
	if prev != nil {
		pe, pt = prev.Err, prev.TaskErr
	}
	if changed(pe, s.Err) {
		m.log.Add(log.Entry{At: m.deps.Wall(), Kind: log.Error, Text: errLine("refresh failed", s.Err)})
	}
	if changed(pt, s.TaskErr) {
		m.log.Add(log.Entry{At: m.deps.Wall(), Kind: log.Error, Text: errLine("task status unknown", s.TaskErr)})
	}
	// A task this session saw running that ended: the panel shows the last few, the log
	// keeps them with their reason and RequestId.
	if prev == nil || len(prev.Tasks) == 0 {
		return
	}
	was := make(map[string]model.TaskStatus, len(prev.Tasks))
	for _, t := range prev.Tasks {
		was[t.ID] = t.Status
	}
	for _, t := range s.Tasks {
		if was[t.ID] != model.TaskProcessing || !t.Status.Final() {
			continue
		}
		text := "redeploy of " + t.InstanceID + " " + string(t.Status) + ": task " + t.ID
		kind := log.Notice
		if t.Status == model.TaskFailed {
			kind = log.Error
			text += " · " + safetext.Terminal(t.FailedReason)
		}
		if t.RequestID != "" {
			text += " · RequestId " + t.RequestID
		}
		m.log.Add(log.Entry{At: m.deps.Wall(), Kind: kind, Text: text})
	}
}

// handleKey routes a key: to the dialog or the filter when they have the keyboard, else
// through the keys every screen shares, else to the focused component.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	msg, drop := m.burst(msg)
	if drop {
		return nil
	}
	// Any key but a second q or ctrl+c takes back the question quit asked, and with it
	// the question on screen: it was answered.
	asked := m.quitAsked
	m.quitAsked = false
	if asked && m.noticeAsks {
		m.notice, m.noticeAsks = "", false
	}
	if msg.Type == tea.KeyCtrlC {
		return m.quit(asked)
	}
	switch {
	case m.mode == modeDialogGone:
		if msg.Type == tea.KeyEsc || msg.Type == tea.KeyEnter {
			m.mode, m.dialogGone = m.dialogFrom, ""
			m.dialogOver()
		}
		return nil // anything else was typed for the dialog: swallowed
	case m.mode == modeDialog:
		return m.route(m.dialog, msg)
	case m.mode == modeAccept:
		return m.route(m.acceptDlg, msg)
	case m.mode == modeCommand:
		return m.route(m.cmdline, msg)
	case m.mode == modeList && m.list.Filtering():
		return m.route(m.list, msg)
	case common.IsText(msg):
		// Only the filter and the dialog's typed-confirmation field take text.
		m.setNotice(false, "pasted text is not a key and was ignored; / then paste filters by it")
		return nil
	}
	km := &m.keys
	switch {
	case key.Matches(msg, km.Quit):
		// A redeploy this session asked for goes on: the hub makes the call on its own
		// context, and every session sees its outcome.
		return m.quit(asked)
	case key.Matches(msg, km.Help) && m.mode != modeHelp:
		m.mode = modeHelp
		m.overlay.Open()
		return nil
	case (m.mode == modeList || m.mode == modeDetail) && key.Matches(msg, m.actionKeys[acceptAction]):
		if err := backend.AuthorizeTo(m.deps.Identity, backend.ActionAccept); err != nil {
			// The role guard's own words: accepting, not redeploying, is what was refused.
			m.setRefusal(err.Error())
			return nil
		}
	case (m.mode == modeList || m.mode == modeDetail) && !m.deps.Identity.CanRedeploy() && key.Matches(msg, m.actionKeys...):
		// The keys are off for a viewer; say why rather than ignore them. The guard below
		// the hub is what refuses, whatever the console does.
		m.setRefusal(readOnlyAnswer + " (" + m.deps.Identity.String() + " cannot redeploy; an operator can)")
		return nil
	}
	if key.Matches(msg, km.Log) && m.mode != modeLog && m.mode != modeHelp {
		m.mode = modeLog
		m.log.Open()
		return nil
	}
	if (m.mode == modeList || m.mode == modeDetail) && key.Matches(msg, km.Accept) {
		return m.startAccept()
	}
	switch m.mode {
	case modeLog:
		return m.route(m.log, msg)
	case modeHelp:
		return m.route(m.overlay, msg)
	case modeDetail:
		k := &m.keys
		if !binds(msg, []key.Binding{k.Back, k.Detail, k.Redeploy, k.Up, k.Down, k.PageUp, k.PageDown,
			k.HalfPageUp, k.HalfPageDown, k.Top, k.Bottom}) {
			m.unbound(msg)
			return nil
		}
		return m.route(m.detail, msg)
	case modeTasks:
		return m.route(m.tasks, msg)
	}
	switch {
	case key.Matches(msg, m.pauseKey):
		return m.pauseBatches(msg)
	case m.pausedPlan() != nil && key.Matches(msg, m.answerKeys...):
		return m.answerPause(key.Matches(msg, m.answerKeys[0]))
	case key.Matches(msg, m.answerKeys...):
		m.noPausedPlan(msg)
		return nil
	case key.Matches(msg, km.Tasks):
		m.mode = modeTasks
		return nil
	case key.Matches(msg, km.Copy, km.CopyJSON):
		return m.copyRow(m.list.Current(), key.Matches(msg, km.CopyJSON))
	case key.Matches(msg, km.Save):
		return m.save()
	case key.Matches(msg, km.Command):
		m.mode = modeCommand
		m.cmdline.SetRegions(m.knownRegions())
		return m.cmdline.Open()
	case key.Matches(msg, km.Refresh):
		f := m.deps.Fleet
		m.setNotice(false, refreshingNotice)
		return func() tea.Msg { f.RequestRefresh(); return nil }
	case key.Matches(msg, km.Back):
		m.notice = ""
	case !binds(msg, slices.Concat(m.keys.FullHelp()...)):
		m.unbound(msg)
		return nil
	}
	return m.route(m.list, msg)
}

// unboundNote ends what a key that means nothing here is answered with.
const unboundNote = " is not a key here: ? lists the keys"

// binds reports whether msg is one of bs's keys, enabled or not (the help overlay lists
// them all; a disabled one has its own answer).
func binds(msg tea.KeyMsg, bs []key.Binding) bool {
	for _, b := range bs {
		if slices.Contains(b.Keys(), msg.String()) {
			return true
		}
	}
	return false
}

// unbound answers a key that means nothing where it was pressed. Silence reads as a
// console that did not hear; one short line says it did. It never covers a notice still
// on screen (a refusal the key may have followed), and the log keeps no such line.
func (m *Model) unbound(msg tea.KeyMsg) {
	if s, _ := m.noticeText(); s == "" || strings.HasSuffix(s, unboundNote) {
		m.say(log.Refusal, msg.String()+unboundNote)
	}
}

// burstGap is the longest gap between two keys of one burst. A paste arrives as keys
// microseconds apart whether or not the terminal brackets it (tmux paste-buffer of "\rR":
// enter, then R 50 µs later, as two messages); keys typed by a person, even two scripted
// tmux send-keys, are 15 ms or more apart, and auto-repeat 30 ms.
const burstGap = 5 * time.Millisecond

// burstNotice answers a key a burst carried.
const burstNotice = "keys that came faster than anyone types were taken as pasted text, not keys: nothing was done"

// burst turns a key that arrived within burstGap of the one before into text: runes and
// space become pasted text (for a focused field, else nothing), and any other key (enter,
// tab, arrows) is dropped (drop), so a paste never reaches a key binding. The first key of
// a burst cannot be told from a typed one and acts as typed; what it opens (the dialog)
// settles before it takes a key. esc and ctrl+c always act: they only cancel or quit.
func (m *Model) burst(msg tea.KeyMsg) (_ tea.KeyMsg, drop bool) {
	if m.deps.KeyClock == nil {
		return msg, false
	}
	at := m.deps.KeyClock()
	inBurst := !m.keyAt.IsZero() && at.Sub(m.keyAt) < burstGap
	m.keyAt = at
	if !inBurst || msg.Paste || msg.Type == tea.KeyCtrlC || msg.Type == tea.KeyEsc {
		return msg, false
	}
	switch msg.Type {
	case tea.KeyRunes:
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes, Alt: msg.Alt, Paste: true}, false
	case tea.KeySpace:
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{' '}, Paste: true}, false
	}
	if m.notice != burstNotice {
		m.setNotice(false, burstNotice)
	}
	return msg, true
}

// route hands a message to component c.
func (m *Model) route(c common.Component, msg tea.Msg) tea.Cmd {
	_, cmd := c.Update(msg)
	return cmd
}
