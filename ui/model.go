// Package ui is the Bubble Tea console: the list of instances with pending events, the
// detail pane, the confirm dialog, the task panel and help. It reads a shared fleet view
// and never calls a Backend itself, so the same model runs locally, in tests and per SSH
// session.
package ui

import (
	"context"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// Fleet is what the console needs from the shared fleet view.
type Fleet interface {
	Subscribe(ctx context.Context) *fleet.Subscription
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
	// Identity is who drives this session; its role hides the actions it cannot take
	// (the backend guard enforces it).
	Identity backend.Identity
	// Context is the session's: its end closes the subscription. It bounds only the
	// wait for a redeploy's answer; the hub owns the call.
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

	mode   mode
	list   list
	filter textinput.Model
	detail detail
	dialog *confirm
	// dialogFrom is the mode the dialog returns to when cancelled.
	dialogFrom mode
	tasks      taskPanel
	helpOffset int
	frame      int
	ticking    bool

	// pending are instances this session confirmed whose redeploy the fleet has not yet
	// reported; done marks those whose call has returned.
	pending map[string]bool
	done    map[string]bool

	notice      string
	noticeIsErr bool
	// noticeSticky keeps the notice until esc; others fade after noticeFades.
	noticeSticky bool
	noticeAt     time.Time

	// quitArmed is set once q was refused while a redeploy call was in flight.
	quitArmed bool

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
	km := DefaultKeyMap()
	if deps.Keys != nil {
		km = *deps.Keys
	}
	if !deps.Identity.CanRedeploy() {
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
		filter:  fi,
		pending: map[string]bool{},
		done:    map[string]bool{},
		now:     deps.Now(),
		wall:    deps.Wall(),
		width:   80,
		height:  24,
	}
	// The components share the model's styles and keys; m is a pointer, so they stay put.
	m.list = newList(m.common())
	m.tasks = taskPanel{common: m.common()}
	m.detail = detail{common: m.common()}
	m.relayout()
	m.sub = deps.Fleet.Subscribe(deps.Context)
	return m
}

// common is the part of the session every component shares.
func (m *Model) common() common { return common{st: &m.st, keys: &m.keys} }

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
	cmd := m.update(msg)
	m.relayout()
	return m, cmd
}

// relayout keeps windows and scroll offsets consistent with the screen after any change:
// the notice line and the task panel change how many rows the list gets.
func (m *Model) relayout() {
	if m.list.width != m.width || m.list.height != m.listRows() {
		m.list.SetSize(m.width, m.listRows())
	}
	var tasks []fleet.Task
	if m.snap != nil {
		tasks = m.snap.Tasks
	}
	m.tasks.SetSize(m.width, m.taskRows())
	m.tasks.follow(tasks)
	if m.dialog != nil {
		// The dialog takes the screen between header and footer.
		m.dialog.SetSize(m.width, m.dialogHeight())
	}
	m.filter.Width = max(m.width-20, 10)
	m.detail.SetSize(m.width, m.bodyRows())
	if m.mode == modeHelp {
		// On a short terminal the overlay scrolls; it stops where its last line shows.
		m.helpOffset = max(min(m.helpOffset, len(m.helpView())-m.bodyRows()), 0)
	}
	if m.mode == modeDetail {
		if r := m.currentRow(); r != nil {
			m.detail.build(r, m.snap, m.now)
			m.detail.offset = max(min(m.detail.offset, len(m.detail.lines)-m.bodyRows()), 0)
		}
	}
}

// focused is the help.KeyMap of what has the keyboard: the footer is generated from it.
func (m *Model) focused() help.KeyMap {
	switch m.mode {
	case modeFilter:
		return bindings(m.keys.filterHelp())
	case modeDetail:
		return &m.detail
	case modeDialog:
		return m.dialog
	case modeTasks:
		return &m.tasks
	case modeHelp:
		return bindings(m.keys.helpHelp())
	}
	return &m.list
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return nil
	case snapshotMsg:
		m.setSnapshot(msg.snap)
		return tea.Batch(waitSnapshot(m.sub), m.startFrames())
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
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	if m.typing() {
		return m.updateInput(msg)
	}
	return nil
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
	m.list.SetSize(m.width, m.listRows())
	if m.detail.id != "" {
		m.detail.row = nil
		for _, r := range s.Rows {
			if r.Inst.ID == m.detail.id {
				m.detail.row = r
				break
			}
		}
	}
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
	// input each rune is its own key press, except in the dialog: a burst there is a pasted
	// id, and none of its letters may act as a key (f would turn ForceStop on).
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !m.typing() && m.mode != modeDialog {
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
		res, cmd := m.dialog.update(msg, m.now)
		switch res {
		case dialogCancelled:
			m.closeDialog()
			m.setNotice(false, "cancelled: nothing was redeployed")
		case dialogConfirmed:
			return m.submit()
		}
		return cmd
	case modeHelp:
		switch {
		case key.Matches(msg, km.Back, km.Help):
			m.mode, m.helpOffset = modeList, 0
		case key.Matches(msg, km.Down):
			m.helpOffset++
		case key.Matches(msg, km.Up):
			m.helpOffset = max(m.helpOffset-1, 0)
		case key.Matches(msg, km.Quit):
			return m.quit()
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
		case key.Matches(msg, km.Top):
			m.detail.offset = 0
		case key.Matches(msg, km.Bottom):
			m.detail.offset = len(m.detail.lines) // relayout stops it at the last line
		case key.Matches(msg, km.Redeploy):
			return m.startRedeploy(true)
		case key.Matches(msg, km.Help):
			m.mode = modeHelp
		case key.Matches(msg, km.Quit):
			return m.quit()
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
			return m.quit()
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
			m.detail = detail{common: m.common(), id: r.Inst.ID, row: r}
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
		return m.quit()
	}
	return nil
}

// quit ends the session, unless a RedeployInstance call this session made has not
// answered: quitting cancels it mid-flight, and whether it started would then be known to
// no one. The first q says so; a second q (or ctrl+c) quits anyway.
func (m *Model) quit() tea.Cmd {
	inFlight := 0
	for id := range m.pending {
		if !m.done[id] {
			inFlight++
		}
	}
	if inFlight == 0 || m.quitArmed {
		return tea.Quit
	}
	m.quitArmed = true
	m.setNotice(true, itoa(inFlight)+" RedeployInstance call(s) not answered yet: quitting now leaves their outcome unknown. q again quits anyway")
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

// jumpTo puts the list cursor on instance id, clearing a filter that hides it.
func (m *Model) jumpTo(id string) {
	find := func() bool {
		for i, ix := range m.list.idx {
			if m.snap.Rows[ix].Inst.ID == id {
				m.list.cursor = i
				m.list.clamp()
				return true
			}
		}
		return false
	}
	if !find() && m.list.filter != "" {
		m.filter.Reset()
		m.list.setFilter("")
		find()
	}
}
