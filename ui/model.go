// Package ui is the Bubble Tea console: the list of instances with pending events, the
// detail pane, the confirm dialog, the task panel and help. It reads a shared fleet view
// and never calls a Backend itself, so the same model runs locally, in tests and per SSH
// session.
package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// Fleet is what the console needs from the shared fleet view.
type Fleet interface {
	Subscribe() *fleet.Subscription
	Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error)
	RequestRefresh()
}

// Deps are everything the console depends on, passed in so that a local terminal, a test
// and an SSH session each build their own.
type Deps struct {
	Fleet Fleet
	// Now is the backend's clock: countdowns and elapsed times.
	Now func() time.Time
	// Wall measures "updated Ns ago" (defaults to Now).
	Wall func() time.Time
	// Renderer is this session's renderer (its terminal's colour profile).
	Renderer *lipgloss.Renderer
	// Keys defaults to DefaultKeyMap.
	Keys *KeyMap
	// Actor names the engineer for the audit log.
	Actor string
	// ReadOnly hides every action; the backend guard enforces it.
	ReadOnly bool
	// Context bounds redeploy calls.
	Context context.Context
	// Tick is the animation interval (100 ms by default); negative turns every timer off,
	// for tests that step the clock themselves.
	Tick time.Duration
}

// mode is what has the keyboard.
type mode int

const (
	modeList mode = iota
	modeFilter
	modeDetail
	modeDialog
	modeHelp
	modeTasks
)

// Model is the root of the console.
type Model struct {
	deps   Deps
	keys   KeyMap
	st     Styles
	help   help.Model
	sub    *fleet.Subscription
	snap   *fleet.Snapshot
	now    time.Time
	wall   time.Time
	width  int
	height int

	mode    mode
	list    list
	filter  textinput.Model
	detail  detail
	dialog  *confirm
	tasks   taskPanel
	frame   int
	ticking bool

	// pending are instances this session confirmed whose redeploy the fleet has not yet
	// reported; done marks those whose call has returned.
	pending map[string]bool
	done    map[string]bool

	notice      string
	noticeIsErr bool

	footerKey string
	footer    string
}

// New builds a console over deps and subscribes it to the fleet view.
func New(deps Deps) *Model {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Wall == nil {
		deps.Wall = deps.Now
	}
	if deps.Renderer == nil {
		deps.Renderer = lipgloss.NewRenderer(nil)
	}
	if deps.Context == nil {
		deps.Context = context.Background()
	}
	if deps.Tick == 0 {
		deps.Tick = 100 * time.Millisecond
	}
	km := DefaultKeyMap()
	if deps.Keys != nil {
		km = *deps.Keys
	}
	if deps.ReadOnly {
		km = km.readOnly()
	}
	st := NewStyles(deps.Renderer)
	h := help.New()
	h.Styles = help.Styles{
		ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep, Ellipsis: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep,
	}
	fi := textinput.New()
	fi.Prompt = "/"
	ns := deps.Renderer.NewStyle
	fi.PromptStyle, fi.TextStyle, fi.PlaceholderStyle, fi.CompletionStyle = ns(), ns(), ns(), ns()
	fi.Cursor.Style, fi.Cursor.TextStyle = ns().Reverse(true), ns()
	fi.Placeholder = "id, name, zone, event, badge…"
	// A blinking cursor would redraw the screen twice a second for nothing.
	fi.Cursor.SetMode(cursor.CursorStatic)
	m := &Model{
		deps:    deps,
		keys:    km,
		st:      st,
		help:    h,
		list:    newList(),
		filter:  fi,
		pending: map[string]bool{},
		done:    map[string]bool{},
		now:     deps.Now(),
		wall:    deps.Wall(),
		width:   80,
		height:  24,
	}
	m.sub = deps.Fleet.Subscribe()
	return m
}

// Close ends the model's subscription; call it when the session ends.
func (m *Model) Close() { m.sub.Close() }

// snapshotMsg carries a new fleet snapshot.
type snapshotMsg struct{ snap *fleet.Snapshot }

// clockMsg advances countdowns and "updated Ns ago" once a second.
type clockMsg struct{}

// frameMsg advances the task spinners.
type frameMsg struct{}

// redeployDoneMsg reports one RedeployInstance call.
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
	if m.deps.Tick > 0 {
		cmds = append(cmds, tea.Tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} }))
	}
	return tea.Batch(cmds...)
}

// animating reports whether any task needs its spinner turning.
func (m *Model) animating() bool {
	if len(m.pending) > 0 {
		return true
	}
	if m.snap != nil {
		for i := range m.snap.Tasks {
			if m.snap.Tasks[i].Status == model.TaskProcessing {
				return true
			}
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
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.list.setWidth(m.width)
		m.list.setHeight(m.listRows())
		return m, nil
	case snapshotMsg:
		m.setSnapshot(msg.snap)
		return m, tea.Batch(waitSnapshot(m.sub), m.startFrames())
	case clockMsg:
		m.now, m.wall = m.deps.Now(), m.deps.Wall()
		return m, tea.Tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} })
	case frameMsg:
		m.frame++
		m.now, m.wall = m.deps.Now(), m.deps.Wall()
		m.ticking = false
		return m, m.startFrames()
	case redeployDoneMsg:
		m.redeployDone(msg)
		return m, nil
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	if m.mode == modeFilter || (m.mode == modeDialog && m.dialog != nil && m.dialog.focus == focusInput) {
		return m, m.updateInput(msg)
	}
	return m, nil
}

// refreshingNotice stays until the refresh it announces has answered.
const refreshingNotice = "refreshing…"

func (m *Model) setSnapshot(s *fleet.Snapshot) {
	if m.notice == refreshingNotice && m.snap != nil && (!s.Updated.Equal(m.snap.Updated) || s.Err != nil) {
		m.notice = ""
	}
	m.snap = s
	m.now, m.wall = m.deps.Now(), m.deps.Wall()
	for id := range m.done {
		delete(m.pending, id)
		delete(m.done, id)
	}
	m.list.setSnapshot(s)
	m.list.setHeight(m.listRows())
	if m.dialog != nil {
		m.refreshDialog()
	}
}

// refreshDialog points an open dialog at the newest rows, and closes it if a target can
// no longer be redeployed: the engineer must never confirm on stale facts.
func (m *Model) refreshDialog() {
	byID := make(map[string]*fleet.Row, len(m.dialog.targets))
	for _, r := range m.dialog.targets {
		byID[r.Inst.ID] = nil
	}
	for _, r := range m.snap.Rows {
		if _, ok := byID[r.Inst.ID]; ok {
			byID[r.Inst.ID] = r
		}
	}
	for i, old := range m.dialog.targets {
		r := byID[old.Inst.ID]
		if r == nil || r.InProgress || !model.Evaluate(r.Inst, m.now, false).Allowed {
			m.closeDialog()
			m.setNotice(true, old.Inst.ID+" changed while the dialog was open and can no longer be redeployed; nothing was done")
			return
		}
		m.dialog.targets[i] = r
	}
}

// typing reports whether printable keys go to a text input.
func (m *Model) typing() bool {
	return m.mode == modeFilter || (m.mode == modeDialog && m.dialog != nil && m.dialog.focus == focusInput)
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if msg.Type == tea.KeyCtrlC {
		return tea.Quit
	}
	// Bubble Tea merges a burst of printable bytes into one message ("jjj"). Outside a text
	// input each rune is its own key press.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !m.typing() {
		var cmds []tea.Cmd
		for i, r := range msg.Runes {
			cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			if rest := msg.Runes[i+1:]; m.typing() && len(rest) > 0 {
				// The rest of the burst is text now (for example "/web").
				cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: rest, Alt: msg.Alt}))
				break
			}
		}
		return tea.Batch(cmds...)
	}
	km := &m.keys
	switch m.mode {
	case modeFilter:
		switch msg.Type {
		case tea.KeyEsc:
			m.filter.Reset()
			m.filter.Blur()
			m.list.setFilter("")
			m.mode = modeList
			return nil
		case tea.KeyEnter:
			m.filter.Blur()
			m.mode = modeList
			return nil
		}
		return m.updateInput(msg)
	case modeDialog:
		res, cmd := m.dialog.update(msg, *km, m.now)
		switch res {
		case dialogCancelled:
			m.closeDialog()
			m.setNotice(false, "cancelled: nothing was redeployed")
		case dialogConfirmed:
			return m.submit()
		}
		return cmd
	case modeHelp:
		if key.Matches(msg, km.Back, km.Help) {
			m.mode = modeList
		} else if key.Matches(msg, km.Quit) {
			return tea.Quit
		}
		return nil
	case modeDetail:
		switch {
		case key.Matches(msg, km.Back, km.Detail):
			m.mode = modeList
		case key.Matches(msg, km.Down):
			m.detail.offset++
		case key.Matches(msg, km.Up):
			m.detail.offset = max(m.detail.offset-1, 0)
		case key.Matches(msg, km.PageDown):
			m.detail.offset += m.bodyRows()
		case key.Matches(msg, km.PageUp):
			m.detail.offset = max(m.detail.offset-m.bodyRows(), 0)
		case key.Matches(msg, km.Redeploy):
			return m.startRedeploy(true)
		case key.Matches(msg, km.Help):
			m.mode = modeHelp
		case key.Matches(msg, km.Quit):
			return tea.Quit
		}
		return nil
	case modeTasks:
		n := 0
		if m.snap != nil {
			n = len(m.snap.Tasks)
		}
		switch {
		case key.Matches(msg, km.Back, km.Tasks):
			m.mode = modeList
		case key.Matches(msg, km.Down):
			m.tasks.move(1, n)
		case key.Matches(msg, km.Up):
			m.tasks.move(-1, n)
		case key.Matches(msg, km.Detail):
			if n > 0 {
				m.jumpTo(m.snap.Tasks[m.tasks.cursor].InstanceID)
				m.mode = modeList
			}
		case key.Matches(msg, km.Help):
			m.mode = modeHelp
		case key.Matches(msg, km.Quit):
			return tea.Quit
		}
		return nil
	}

	switch {
	case key.Matches(msg, km.Down):
		m.list.move(1)
	case key.Matches(msg, km.Up):
		m.list.move(-1)
	case key.Matches(msg, km.PageDown):
		m.list.move(m.list.height)
	case key.Matches(msg, km.PageUp):
		m.list.move(-m.list.height)
	case key.Matches(msg, km.Top):
		m.list.top()
	case key.Matches(msg, km.Bottom):
		m.list.bottom()
	case key.Matches(msg, km.Detail):
		if r := m.list.current(); r != nil {
			m.detail = detail{id: r.Inst.ID}
			m.mode = modeDetail
		}
	case key.Matches(msg, km.Filter):
		m.mode = modeFilter
		m.filter.SetValue(m.list.filter)
		m.filter.CursorEnd()
		return m.filter.Focus()
	case key.Matches(msg, km.Back):
		if m.list.filter != "" {
			m.filter.Reset()
			m.list.setFilter("")
		} else if len(m.list.selected) > 0 {
			clear(m.list.selected)
		}
		m.notice = ""
	case key.Matches(msg, km.Select):
		if r := m.list.current(); r != nil {
			if m.list.selected[r.Inst.ID] {
				delete(m.list.selected, r.Inst.ID)
			} else {
				m.list.selected[r.Inst.ID] = true
			}
			m.list.move(1)
		}
	case key.Matches(msg, km.Redeploy):
		return m.startRedeploy(false)
	case key.Matches(msg, km.Refresh):
		f := m.deps.Fleet
		m.setNotice(false, refreshingNotice)
		return func() tea.Msg { f.RequestRefresh(); return nil }
	case key.Matches(msg, km.Sort):
		m.list.cycleSort()
	case key.Matches(msg, km.Tasks):
		m.mode = modeTasks
	case key.Matches(msg, km.Help):
		m.mode = modeHelp
	case key.Matches(msg, km.Quit):
		return tea.Quit
	}
	return nil
}

// updateInput feeds a message to the focused text input.
func (m *Model) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if m.mode == modeFilter {
		m.filter, cmd = m.filter.Update(msg)
		m.list.setFilter(m.filter.Value())
		return cmd
	}
	if m.dialog != nil {
		m.dialog.input, cmd = m.dialog.input.Update(msg)
	}
	return cmd
}

// jumpTo puts the list cursor on instance id, if the list shows it.
func (m *Model) jumpTo(id string) {
	for i, ix := range m.list.idx {
		if m.snap.Rows[ix].Inst.ID == id {
			m.list.cursor = i
			m.list.clamp()
			return
		}
	}
}

func (m *Model) inProgress(r *fleet.Row) bool { return r.InProgress || m.pending[r.Inst.ID] }

// startRedeploy opens the confirm dialog for the selection, or the row under the cursor.
// An instance in progress gets nothing; a blocked one gets the reason and no dialog.
func (m *Model) startRedeploy(fromDetail bool) tea.Cmd {
	if m.deps.ReadOnly || m.snap == nil {
		return nil
	}
	var targets []*fleet.Row
	if len(m.list.selected) > 0 && !fromDetail {
		for _, r := range m.snap.Rows {
			if m.list.selected[r.Inst.ID] {
				targets = append(targets, r)
			}
		}
	} else if r := m.currentRow(); r != nil {
		targets = []*fleet.Row{r}
	}
	if len(targets) == 0 {
		return nil
	}
	var ok []*fleet.Row
	var skipped []string
	for _, r := range targets {
		switch why := m.refusal(r); {
		case why != "" && len(targets) == 1:
			m.setNotice(true, why)
			return nil
		case why != "":
			skipped = append(skipped, why)
		default:
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		m.setNotice(true, fmt.Sprintf("none of the %d selected instances can be redeployed: %s", len(targets), skipped[0]))
		return nil
	}
	m.dialog = newConfirm(ok, skipped, &m.st)
	m.mode = modeDialog
	m.notice = ""
	return nil
}

// refusal says why r cannot be redeployed now, or "".
func (m *Model) refusal(r *fleet.Row) string {
	if m.inProgress(r) {
		return r.Inst.ID + ": a redeploy is already in progress"
	}
	el := model.Evaluate(r.Inst, m.now, false)
	if b := el.FirstBlock(); b != nil {
		s := fmt.Sprintf("%s cannot be redeployed: %s: %s", r.Inst.ID, b.Code, b.Message)
		if n := len(el.Blocks) - 1; n > 0 {
			s += fmt.Sprintf(" (and %d more reason(s); enter shows them)", n)
		}
		return s
	}
	return ""
}

// currentRow is the row the keys act on: the detail pane's instance, or the cursor's.
func (m *Model) currentRow() *fleet.Row {
	if m.mode == modeDetail && m.snap != nil {
		for _, r := range m.snap.Rows {
			if r.Inst.ID == m.detail.id {
				return r
			}
		}
		return nil
	}
	return m.list.current()
}

func (m *Model) closeDialog() {
	m.dialog = nil
	m.mode = modeList
}

// submit sends the confirmed redeploys. The rows show IN PROGRESS from this moment.
func (m *Model) submit() tea.Cmd {
	d := m.dialog
	m.closeDialog()
	var cmds []tea.Cmd
	var ids []string
	for _, r := range d.targets {
		in := r.Inst
		m.pending[in.ID] = true
		ids = append(ids, in.ID)
		req := backend.RedeployRequest{RegionID: in.RegionID, InstanceID: in.ID, ForceStop: d.forceStop, Actor: m.deps.Actor}
		f, ctx := m.deps.Fleet, m.deps.Context
		cmds = append(cmds, func() tea.Msg {
			ref, err := f.Redeploy(ctx, req)
			return redeployDoneMsg{instanceID: req.InstanceID, ref: ref, err: err}
		})
	}
	clear(m.list.selected)
	m.setNotice(false, "redeploy submitted: "+strings.Join(ids, ", "))
	cmds = append(cmds, m.startFrames())
	return tea.Batch(cmds...)
}

func (m *Model) redeployDone(msg redeployDoneMsg) {
	if msg.err != nil {
		delete(m.pending, msg.instanceID)
		delete(m.done, msg.instanceID)
		if errors.Is(msg.err, fleet.ErrInProgress) {
			m.setNotice(true, msg.instanceID+": "+fleet.ErrInProgress.Error())
			return
		}
		m.setNotice(true, errLine("RedeployInstance "+msg.instanceID+" failed", msg.err))
		return
	}
	m.done[msg.instanceID] = true
	m.setNotice(false, fmt.Sprintf("redeploy of %s started: task %s (RequestId %s)", msg.instanceID, msg.ref.TaskID, msg.ref.RequestID))
}

func (m *Model) setNotice(isErr bool, s string) {
	m.notice, m.noticeIsErr = s, isErr
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// errLine words a backend error for the notice line: code and RequestId first, so that a
// narrow terminal cuts the prose, not what a support ticket needs.
func errLine(what string, err error) string {
	if ae, ok := backend.AsAPIError(err); ok {
		s := what + ": " + ae.Code
		if ae.RequestID != "" {
			s += " · RequestId " + ae.RequestID
		}
		if ae.Message != "" {
			s += " · " + ae.Message
		}
		return oneLine(s)
	}
	return oneLine(what + ": " + err.Error())
}

// Layout arithmetic: header, info line, body, task panel, notice, footer.

func (m *Model) taskRows() int {
	n := 0
	if m.snap != nil {
		n = panelLines(m.snap.Tasks)
	}
	return panelRows(m.height, n)
}

func (m *Model) noticeText() (string, bool) {
	if m.notice != "" {
		return m.notice, m.noticeIsErr
	}
	if m.snap != nil && m.snap.Err != nil {
		return errLine("refresh failed, retrying", m.snap.Err), true
	}
	if m.snap != nil && m.snap.TaskErr != nil {
		return errLine("task status unknown (retrying)", m.snap.TaskErr), true
	}
	return "", false
}

func (m *Model) bodyRows() int {
	fixed := 3 + 1 + m.taskRows()
	if s, _ := m.noticeText(); s != "" {
		fixed++
	}
	return max(m.height-fixed, 1)
}

func (m *Model) listRows() int { return max(m.bodyRows()-1, 1) }

// View renders the screen from state alone.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.list.height != m.listRows() {
		// The notice line or the task panel changed size since the last key.
		m.list.setHeight(m.listRows())
	}
	var b strings.Builder
	b.Grow(m.width * (m.height + 2) * 2)
	b.WriteString(m.headerLine())
	b.WriteByte('\n')
	b.WriteString(m.infoLine())
	b.WriteByte('\n')
	body := m.bodyRows()
	switch m.mode {
	case modeDetail:
		m.renderLines(&b, m.detailView(), body)
	case modeDialog:
		// The dialog takes the whole screen between header and footer: on a short
		// terminal every line of it matters more than the list behind it.
		body = max(m.height-2, 1)
		dlg := m.dialog.view(&m.st, m.hint(m.keys.dialogHelp()), m.now, m.width, body)
		m.renderLines(&b, strings.Split(dlg, "\n"), body)
		b.WriteString(m.footerLine())
		return b.String()
	case modeHelp:
		m.renderLines(&b, m.helpView(), body)
	default:
		if m.snap == nil || m.snap.Loading {
			m.renderLines(&b, []string{"", "  loading the fleet…"}, body)
		} else {
			b.WriteString(m.list.lay.headerLine(&m.st))
			b.WriteByte('\n')
			if len(m.list.idx) == 0 {
				msg := "  no instance has a pending event"
				switch {
				case m.list.filter != "":
					msg = "  nothing matches the filter; esc clears it"
				case m.snap.Updated.IsZero() && m.snap.Err != nil:
					msg = "  the fleet could not be loaded yet; retrying (the notice below says why)"
				}
				m.renderLines(&b, []string{msg}, body-1)
			} else {
				m.list.render(&b, &m.st, m.now, m.pending)
			}
		}
	}
	var tasks []fleet.Task
	if m.snap != nil {
		tasks = m.snap.Tasks
	}
	frame := strings.TrimSpace(spinner.Dot.Frames[m.frame%len(spinner.Dot.Frames)])
	m.tasks.render(&b, tasks, m.taskRows(), m.width, m.mode == modeTasks, frame, m.now, &m.st)
	if s, isErr := m.noticeText(); s != "" {
		if isErr {
			b.WriteString(m.st.Notice.on(fit("! "+s, m.width)))
		} else {
			b.WriteString(fit(s, m.width))
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.footerLine())
	out := b.String()
	if strings.Count(out, "\n") >= m.height {
		// Smaller than the fixed lines: show the top of the screen, never more than fits.
		lines := strings.SplitN(out, "\n", m.height+1)
		out = strings.Join(lines[:m.height], "\n")
	}
	return out
}

// renderLines writes exactly n lines, each cut to the width.
func (m *Model) renderLines(b *strings.Builder, lines []string, n int) {
	for i := 0; i < n; i++ {
		if i < len(lines) {
			b.WriteString(fitStyled(lines[i], m.width))
		}
		b.WriteByte('\n')
	}
}

// fitStyled cuts a line that may carry escape codes to w columns, without padding.
func fitStyled(s string, w int) string {
	if isASCII(s) {
		if len(s) > w {
			return fit(s, w)
		}
		return s
	}
	if lipgloss.Width(s) > w {
		return fit(s, w)
	}
	return s
}

func (m *Model) headerLine() string {
	scope := "all regions"
	if m.snap != nil && len(m.snap.Scope) > 0 {
		scope = strings.Join(m.snap.Scope, ",")
	}
	// Segments in the order they leave a narrow header: title, then scope.
	title := m.st.Title.on("ECS REDEPLOY")
	scopeSeg := "scope " + scope
	var facts, marks []string
	plainMarks := 0
	if m.snap != nil && !m.snap.Loading {
		c := m.snap.Counts
		facts = append(facts, itoa(c.Pending)+" pending", itoa(c.Blocked)+" blocked", itoa(c.InProgress)+" in progress")
		if !m.snap.Updated.IsZero() {
			facts = append(facts, "updated "+model.FormatDuration(m.wall.Sub(m.snap.Updated))+" ago")
		}
		if m.snap.Err != nil {
			marks = append(marks, m.st.Bad.on("STALE"))
			plainMarks += len(" │ STALE")
		}
	}
	if m.deps.ReadOnly {
		marks = append(marks, m.st.Warn.on("READ-ONLY"))
		plainMarks += len(" │ READ-ONLY")
	}
	body := strings.Join(facts, " · ")
	tail := ""
	for _, mk := range marks {
		tail += " │ " + mk
	}
	w := len([]rune(body)) + plainMarks
	switch {
	case len("ECS REDEPLOY │ ")+len(scopeSeg)+len(" · ")+w <= m.width:
		return title + " │ " + scopeSeg + " · " + body + tail
	case len("ECS REDEPLOY │ ")+w <= m.width:
		return title + " │ " + body + tail
	case w <= m.width:
		return body + tail
	}
	// Narrowest: marks first, and "updated" goes without saying.
	body = strings.Replace(body, "updated ", "", 1)
	if tail == "" {
		return fitStyled(body, m.width)
	}
	return fitStyled(strings.TrimPrefix(tail, " │ ")+" │ "+body, m.width)
}

func (m *Model) infoLine() string {
	if m.mode == modeFilter {
		m.filter.Width = max(m.width-20, 10)
		return fitStyled(m.filter.View(), m.width)
	}
	s := "sort " + sortNames[m.list.sort] + " (s)"
	if m.snap != nil {
		s += " · showing " + itoa(m.list.len()) + " of " + itoa(len(m.snap.Rows))
	}
	if m.list.filter != "" {
		s += " · filter /" + m.list.filter + " (esc clears)"
	}
	if n := len(m.list.selected); n > 0 {
		s += " · " + itoa(n) + " selected"
	}
	return m.st.Dim.on(fit(s, m.width))
}

// hint renders a key hint line from bindings, the same ones Update matches.
func (m *Model) hint(bs []key.Binding) string {
	m.help.Width = m.width
	return m.help.ShortHelpView(bs)
}

func (m *Model) footerLine() string {
	var bs []key.Binding
	switch m.mode {
	case modeFilter:
		bs = m.keys.filterHelp()
	case modeDetail:
		bs = m.keys.detailHelp()
	case modeDialog:
		bs = m.keys.dialogHelp()
	case modeTasks:
		bs = m.keys.tasksHelp()
	case modeHelp:
		bs = m.keys.helpHelp()
	default:
		bs = m.keys.listHelp()
	}
	k := fmt.Sprintf("%d/%d", m.mode, m.width)
	if k != m.footerKey {
		m.footerKey, m.footer = k, fitStyled(m.hint(bs), m.width)
	}
	return m.footer
}

func (m *Model) detailView() []string {
	r := m.currentRow()
	if r == nil {
		return []string{"", "  this instance is no longer listed (its event is no longer pending)"}
	}
	var tasks []fleet.Task
	if m.snap != nil {
		tasks = m.snap.Tasks
	}
	lines := detailLines(r, tasks, m.now, &m.st)
	body := m.bodyRows()
	m.detail.offset = max(min(m.detail.offset, len(lines)-body), 0)
	return lines[m.detail.offset:]
}

func (m *Model) helpView() []string {
	m.help.Width = m.width
	lines := []string{m.st.Header.on("Keys"), ""}
	lines = append(lines, strings.Split(m.help.FullHelpView(m.keys.fullHelp()), "\n")...)
	lines = append(lines, "",
		"Rows are sorted by deadline; s cycles the order. / filters by id, name, zone, event or badge.",
		"R redeploys the selected rows (space selects), or the row under the cursor. Cancel is",
		"always focused first; local disks, ForceStop and batches need the id or count typed.",
		"Badges are words: LOCAL DISK, SECURITY LOCK, DEDICATED HOST, EXPIRED, IN PROGRESS, BLOCKED.")
	if m.deps.ReadOnly {
		lines = append(lines, "", "READ-ONLY: this console cannot redeploy; the action keys are off.")
	}
	return lines
}
