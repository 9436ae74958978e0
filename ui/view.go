package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/components/tasks"
)

// Layout, top to bottom: header, info line, body, task panel, notice, footer.

func (m *Model) taskRows() int {
	var ts []fleet.Task
	if m.snap != nil {
		ts = m.snap.Tasks
	}
	return tasks.Rows(m.height, ts)
}

// noticeFades is how long a notice that is not an error stays on screen.
const noticeFades = 8 * time.Second

func (m *Model) noticeText() (string, bool) {
	// Errors stay until esc or the next notice; news and refusals fade after a few seconds.
	if m.notice != "" && (m.noticeSticky || m.wall.Sub(m.noticeAt) < noticeFades) {
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
	fixed := 3 + 1 + m.taskRows() + len(m.pauseLines())
	if s, _ := m.noticeText(); s != "" {
		fixed++
	}
	return max(m.height-fixed, 1)
}

// View renders the screen from state alone: header, info line, body (the list, the
// detail pane or the help overlay), task panel, notice, footer; or, with the dialog open,
// header, info line, dialog, footer.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(m.width * (m.height + 2) * 2)
	b.WriteString(m.headerLine())
	b.WriteByte('\n')
	if m.mode == modeCommand {
		b.WriteString(m.cmdline.View())
	} else {
		b.WriteString(m.list.InfoLine())
	}
	b.WriteByte('\n')
	var body common.Component
	switch m.mode {
	case modeDialog:
		// The dialog takes the whole screen between header and footer: on a short
		// terminal every line of it matters more than the list behind it.
		m.renderLines(&b, strings.Split(m.dialog.View(), "\n"), m.dialogHeight())
		b.WriteString(m.footerLine())
		return m.clip(b.String())
	case modeDialogGone:
		// Where the dialog was, so the eyes that were on it read why it went.
		m.renderLines(&b, common.Wrap(m.dialogGoneLine(), m.width), m.dialogHeight())
		b.WriteString(m.footerLine())
		return m.clip(b.String())
	case modeDetail:
		body = m.detail
	case modeHelp:
		body = m.overlay
	case modeLog:
		body = m.log
	}
	if body == nil {
		m.list.Render(&b) // the hot path: no second copy of the rows
	} else {
		b.WriteString(body.View())
		b.WriteByte('\n')
	}
	b.WriteString(m.tasks.View())
	b.WriteByte('\n')
	// A paused batch asks until it is answered, whole: it wraps rather than being cut.
	for _, l := range m.pauseLines() {
		b.WriteString(m.st.Notice.On(common.Fit(l, m.width)))
		b.WriteByte('\n')
	}
	if s, isErr := m.noticeText(); s != "" {
		if isErr {
			s = "! " + s
		}
		s = fitNotice(s, m.width)
		if isErr {
			s = m.st.Notice.On(s)
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	b.WriteString(m.footerLine())
	return m.clip(b.String())
}

// cutMark ends a notice the width cut: the log (L) has it whole.
const cutMark = " (L: all)"

// fitNotice fits a notice to width; a cut one says where to read it whole.
func fitNotice(s string, width int) string {
	if lipgloss.Width(s) <= width || width < 2*len(cutMark) {
		return common.Fit(s, width)
	}
	return common.Fit(s, width-len(cutMark)) + cutMark
}

// dialogHeight is the room the dialog has: the screen less the header, the info line and
// the footer.
func (m *Model) dialogHeight() int { return max(m.height-3, 1) }

// clip keeps a screen to the terminal's height: on a terminal smaller than the fixed lines
// it shows the top of the screen, never more than fits.
func (m *Model) clip(out string) string {
	if strings.Count(out, "\n") >= m.height {
		lines := strings.SplitN(out, "\n", m.height+1)
		out = strings.Join(lines[:m.height], "\n")
	}
	return out
}

// renderLines writes exactly n lines, each cut to the width.
func (m *Model) renderLines(b *strings.Builder, lines []string, n int) {
	for i := 0; i < n; i++ {
		if i < len(lines) {
			b.WriteString(common.FitStyled(lines[i], m.width))
		}
		b.WriteByte('\n')
	}
}

func (m *Model) headerLine() string {
	scope := "all regions"
	if m.snap != nil && len(m.snap.Scope) > 0 {
		scope = strings.Join(m.snap.Scope, ",")
	}
	if rs := m.list.Regions(); rs != nil {
		// This session's view (:region) over the hub's scope.
		scope = strings.Join(rs, ",") + " (:region)"
	}
	// Segments in the order they leave a narrow header: title, then scope.
	title := m.st.Title.On("ECS REDEPLOY")
	scopeSeg := "scope " + scope
	var facts, marks []string
	switch {
	case m.snap == nil || m.snap.Loading:
		facts = append(facts, "loading…")
	case m.snap.Updated.IsZero():
		// Counts of a fleet never loaded would read "0 pending": all clear, which is false.
		facts = append(facts, "not loaded yet")
	default:
		c := m.list.Counts() // the session's :region scope, if it has one
		facts = append(facts, common.Itoa(c.Pending)+" pending", common.Itoa(c.Blocked)+" blocked", common.Itoa(c.InProgress)+" in progress",
			"updated "+model.FormatDuration(m.wall.Sub(m.snap.Updated))+" ago")
	}
	if m.snap != nil && !m.snap.Loading && m.snap.Err != nil {
		marks = append(marks, m.st.Bad.On("STALE"))
	}
	if !m.deps.Identity.CanRedeploy() {
		marks = append(marks, m.st.Warn.On("READ-ONLY"))
	}
	body := strings.Join(facts, " · ")
	tail := ""
	for _, mk := range marks {
		tail += " │ " + mk
	}
	// Columns, not bytes: "│" and "·" take one column each (lipgloss.Width also skips the
	// marks' escape codes).
	w := lipgloss.Width(body + tail)
	lead := "ECS REDEPLOY │ "
	// Who you are and your role (DESIGN §6): the first segment to go on a narrow screen.
	who := ""
	if id := m.deps.Identity; id.Name != "" {
		who = id.Name + " (" + string(id.Role) + ") │ "
	}
	switch {
	case who != "" && lipgloss.Width(lead+who+scopeSeg+" · ")+w <= m.width:
		return title + " │ " + who + scopeSeg + " · " + body + tail
	case lipgloss.Width(lead+scopeSeg+" · ")+w <= m.width:
		return title + " │ " + scopeSeg + " · " + body + tail
	case lipgloss.Width(lead)+w <= m.width:
		return title + " │ " + body + tail
	case w <= m.width:
		return body + tail
	}
	// Narrowest: marks first, and "updated" goes without saying.
	body = strings.Replace(body, "updated ", "", 1)
	if tail == "" {
		return common.FitStyled(body, m.width)
	}
	return common.FitStyled(strings.TrimPrefix(tail, " │ ")+" │ "+body, m.width)
}

// hint renders a key hint line from bindings, the same ones Update matches.
func (m *Model) hint(bs []key.Binding) string {
	m.help.Width = m.width
	return m.help.ShortHelpView(bs)
}

// footerKey is what the footer depends on: it is rebuilt only when one of these changes.
type footerKey struct {
	mode                    mode
	width                   int
	filtering, fits, paused bool
}

func (m *Model) footerLine() string {
	pause := m.pauseHelp()
	k := footerKey{m.mode, m.width, m.list.Filtering(), m.dialog != nil && m.dialog.Fits(), len(pause) > 0}
	if k != m.footerKey || m.footer == "" {
		// A paused batch's keys come first: the width cuts the footer's end.
		bs := append(pause, m.focused().ShortHelp()...)
		if m.mode == modeDialogGone {
			bs = dialogGoneHelp
		}
		m.footerKey, m.footer = k, common.FitStyled(m.hint(bs), m.width)
	}
	return m.footer
}

// dialogGoneHelp are the only keys the note of a refresh-closed dialog takes.
var dialogGoneHelp = []key.Binding{
	key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go on")),
	key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "go on")),
}

// dialogGoneLine says why the dialog went, and that the keys typed since did nothing.
func (m *Model) dialogGoneLine() string {
	return m.dialogGone + " changed while the dialog was open; nothing was done — esc or enter to go on"
}
