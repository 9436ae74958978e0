package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// Layout, top to bottom: header, info line, body, task panel, notice, footer.

func (m *Model) taskRows() int {
	n := 0
	if m.snap != nil {
		n = panelLines(m.snap.Tasks)
	}
	return panelRows(m.height, n)
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
		body = m.dialogHeight()
		dlg := m.dialog.view(m.now)
		m.renderLines(&b, strings.Split(dlg, "\n"), body)
		b.WriteString(m.footerLine())
		return m.clip(b.String())
	case modeHelp:
		help := m.helpView()
		m.renderLines(&b, help[min(m.helpOffset, len(help)):], body)
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
				m.list.render(&b, m.now)
			}
		}
	}
	var tasks []fleet.Task
	if m.snap != nil {
		tasks = m.snap.Tasks
	}
	frame := strings.TrimSpace(spinner.Dot.Frames[m.frame%len(spinner.Dot.Frames)])
	m.tasks.render(&b, tasks, m.mode == modeTasks, frame, m.now)
	if s, isErr := m.noticeText(); s != "" {
		if isErr {
			b.WriteString(m.st.Notice.on(fit("! "+s, m.width)))
		} else {
			b.WriteString(fit(s, m.width))
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.footerLine())
	return m.clip(b.String())
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
	switch {
	case m.snap == nil || m.snap.Loading:
		facts = append(facts, "loading…")
	case m.snap.Updated.IsZero():
		// Counts of a fleet never loaded would read "0 pending": all clear, which is false.
		facts = append(facts, "not loaded yet")
	default:
		c := m.snap.Counts
		facts = append(facts, itoa(c.Pending)+" pending", itoa(c.Blocked)+" blocked", itoa(c.InProgress)+" in progress",
			"updated "+model.FormatDuration(m.wall.Sub(m.snap.Updated))+" ago")
	}
	if m.snap != nil && !m.snap.Loading && m.snap.Err != nil {
		marks = append(marks, m.st.Bad.on("STALE"))
	}
	if !m.deps.Identity.CanRedeploy() {
		marks = append(marks, m.st.Warn.on("READ-ONLY"))
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
	switch {
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
		return fitStyled(body, m.width)
	}
	return fitStyled(strings.TrimPrefix(tail, " │ ")+" │ "+body, m.width)
}

func (m *Model) infoLine() string {
	if m.mode == modeFilter {
		// The count answers "did I type it right?" while typing.
		count := ""
		if m.snap != nil {
			count = " " + m.st.Dim.on(itoa(m.list.len())+" of "+itoa(len(m.snap.Rows)))
		}
		return fitStyled(m.filter.View()+count, m.width)
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
	k := fmt.Sprintf("%d/%d/%v", m.mode, m.width, m.dialog != nil && m.dialog.cramped)
	if k != m.footerKey {
		m.footerKey, m.footer = k, fitStyled(m.hint(m.focused().ShortHelp()), m.width)
	}
	return m.footer
}

func (m *Model) detailView() []string {
	r := m.currentRow()
	if r == nil {
		return []string{"", "  this instance is no longer listed (its event is no longer pending)"}
	}
	lines := m.detail.lines
	return lines[min(m.detail.offset, len(lines)):]
}

func (m *Model) helpView() []string {
	m.help.Width = m.width
	lines := []string{m.st.Header.on("Keys"), ""}
	lines = append(lines, strings.Split(m.help.FullHelpView(m.keys.fullHelp()), "\n")...)
	lines = append(lines, "", m.st.Header.on("In the confirm dialog"), "")
	lines = append(lines, strings.Split(m.help.FullHelpView(m.keys.dialogFullHelp()), "\n")...)
	prose := []string{"",
		"Rows are sorted by deadline; s cycles the order. / filters by id, name, zone, event or badge.",
		"R redeploys the selected rows (space selects), or the row under the cursor. Cancel is " +
			"always focused first; local disks, ForceStop and batches need the id or count typed.",
		"Badges are words: LOCAL DISK, SECURITY LOCK, DEDICATED HOST, EXPIRED, IN PROGRESS, BLOCKED."}
	if !m.deps.Identity.CanRedeploy() {
		prose = append(prose, "", "READ-ONLY: this console cannot redeploy; the action keys are off.")
	}
	for _, p := range prose {
		lines = append(lines, wrap(p, m.width)...)
	}
	return lines
}
