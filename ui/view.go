package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
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
	fixed := 3 + 1 + m.taskRows() + len(m.pauseLines()) + len(m.noticeLines())
	return max(m.height-fixed, 1)
}

// noticeLines are the notice as the screen shows it: one line, cut to the width with a
// pointer to the log, or, for a question (ask), every word of it wrapped, never cut: what
// to do next is read in full.
func (m *Model) noticeLines() []string {
	s, isErr := m.noticeText()
	if s == "" {
		return nil
	}
	if isErr {
		s = "! " + s
	}
	lines := []string{fitNotice(s, m.width)}
	if m.noticeAsks && s == "! "+m.notice {
		lines = common.Wrap(s, max(m.width, 1))
	}
	if isErr {
		for i, l := range lines {
			lines[i] = m.st.Notice.On(l)
		}
	}
	return lines
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
	case modeAccept:
		m.renderLines(&b, strings.Split(m.acceptDlg.View(), "\n"), m.dialogHeight())
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
		m.list.LoadingNote = m.loadingNote()
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
	for _, l := range m.noticeLines() {
		b.WriteString(l)
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

// headerSeg is one part of the header. drop orders how parts leave a narrow header (1
// first; 0 never leaves); at its step, a part with a short form takes it instead.
type headerSeg struct {
	text, short string
	drop        int
	// sep joins it to the part before: " │ " between groups, " · " within one.
	sep string
}

// headerLine is who and where first, then the fleet's numbers: title │ who (role) │ marks
// │ scope · pending · blocked · in progress · updated. A narrow header drops the title,
// then "updated", the in-progress and blocked counts and the word "scope"; who, the role,
// the marks (STALE, READ-ONLY), the scope and the pending count stay, cut only at the end
// on the narrowest screens (issue 22: at 80×24 the identity, the role and the :region
// scope went first).
func (m *Model) headerLine() string {
	scope := "all regions"
	if m.snap != nil && len(m.snap.Scope) > 0 {
		scope = strings.Join(m.snap.Scope, ",")
	}
	if rs := m.list.Regions(); rs != nil {
		// This session's view (:region) over the hub's scope.
		scope = strings.Join(rs, ",") + " (:region)"
	}
	segs := []headerSeg{{text: m.st.Title.On("ECS REDEPLOY"), drop: 1}}
	if id := m.deps.Identity; id.Name != "" {
		segs = append(segs, headerSeg{text: safetext.Terminal(id.Name) + " (" + string(id.Role) + ")", sep: " │ "})
	}
	for _, mk := range m.freshMarks() {
		sg := headerSeg{text: mk, sep: " │ "}
		if strings.Contains(mk, throttledMark) {
			// "THROTTLED" alone says it on a narrow screen.
			sg.short, sg.drop = m.st.Warn.On("THROTTLED"), 3
		}
		segs = append(segs, sg)
	}
	if !m.deps.Identity.CanRedeploy() {
		segs = append(segs, headerSeg{text: m.st.Warn.On("READ-ONLY"), sep: " │ "})
	}
	if ap := m.autopilotSeg(); ap != "" {
		segs = append(segs, headerSeg{text: ap, sep: " │ "})
	}
	scope = safetext.Terminal(scope) // region ids are the API's, or typed
	segs = append(segs, headerSeg{text: "scope " + scope, short: scope, drop: 6, sep: " │ "})
	switch {
	case m.snap == nil || m.snap.Loading:
		segs = append(segs, headerSeg{text: "loading…", sep: " · "})
	case m.snap.Updated.IsZero():
		// Counts of a fleet never loaded would read "0 pending": all clear, which is false.
		segs = append(segs, headerSeg{text: "not loaded yet", sep: " · "})
	default:
		c := m.list.Counts() // the session's :region scope, if it has one
		if ld, ok := loadingSeg(m.snap.Fresh); ok {
			// Before the counts it qualifies, and it outlasts them in a narrow header: a
			// half-loaded fleet must never look complete (tester2 #5).
			segs = append(segs, ld)
		}
		segs = append(segs,
			headerSeg{text: common.Thousands(c.Pending) + " pending", sep: " · "},
			headerSeg{text: common.Thousands(c.Blocked) + " blocked", drop: 5, sep: " · "},
			headerSeg{text: common.Thousands(c.InProgress) + " in progress", drop: 4, sep: " · "})
		segs = append(segs, freshSegs(m.snap, m.wall, m.deps.Unbudgeted)...)
	}
	join := func() string {
		var b strings.Builder
		for i, sg := range segs {
			if i > 0 {
				b.WriteString(sg.sep)
			}
			b.WriteString(sg.text)
		}
		return b.String()
	}
	out := join()
	for step := 1; lipgloss.Width(out) > m.width && step <= 6; step++ {
		keep := segs[:0]
		for _, sg := range segs {
			switch {
			case sg.drop != step:
			case sg.short != "":
				sg.text, sg.drop = sg.short, 0
			default:
				continue
			}
			keep = append(keep, sg)
		}
		segs = keep
		out = join()
	}
	// Narrower still: cut at the end, the numbers going before who and where.
	return common.FitStyled(out, m.width)
}

// hint renders a key hint line from bindings, the same ones Update matches.
func (m *Model) hint(bs []key.Binding) string {
	m.help.Width = m.width
	return m.help.ShortHelpView(bs)
}

// footerKey is what the footer depends on: it is rebuilt only when one of these changes.
type footerKey struct {
	mode            mode
	width           int
	filtering, fits bool
	// pause is how many keys a batch put first (pauseHelp): p, or c and x.
	pause int
}

func (m *Model) footerLine() string {
	pause := m.pauseHelp()
	k := footerKey{m.mode, m.width, m.list.Filtering(), (m.dialog != nil && m.dialog.Fits()) || (m.acceptDlg != nil && m.acceptDlg.Fits()), len(pause)}
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
	return safetext.Terminal(m.dialogGone) + " changed while the dialog was open; nothing was done — esc or enter to go on"
}

// loadingSeg is the first listing's progress while some region was never listed: the
// counts after it are of the regions listed so far. It never leaves a narrow header; at
// step 3 it takes its short form.
func loadingSeg(f fleet.Freshness) (headerSeg, bool) {
	if f.Loaded >= f.Regions {
		return headerSeg{}, false
	}
	n := common.Itoa(f.Loaded) + "/" + common.Itoa(f.Regions)
	return headerSeg{text: "loading " + n + " regions", short: "loading " + n, drop: 3, sep: " · "}, true
}

// freshSegs say how fresh the data is, per kind (fleet.Freshness): when every region was
// last asked what is new, and when the full listing (events that ended, attributes that
// changed) last finished, with its period when it is longer than the usual two minutes.
// They leave a narrow header with "updated" did (drop 2). While the first listing goes
// region by region (loadingSeg says how far) they say nothing: a time of the regions
// listed so far would read as the whole fleet's.
//
// unbudgeted (Deps.Unbudgeted) adds to the period that it is the hub's plan only: r and the
// first listing spend at once where no budget holds a call (the demo).
func freshSegs(s *fleet.Snapshot, wall time.Time, unbudgeted bool) []headerSeg {
	f := s.Fresh
	if f.Loaded < f.Regions {
		return nil
	}
	listed := f.Full // the region listed longest ago
	if listed.IsZero() {
		listed = s.Updated
	}
	full := "listed " + model.FormatDuration(wall.Sub(listed)) + " ago"
	if f.FullEvery > 2*time.Minute {
		full += " (every " + model.FormatDuration(f.FullEvery)
		if unbudgeted {
			full += "; demo: no API budget"
		}
		full += ")"
	}
	var segs []headerSeg
	if !f.NewEvents.IsZero() {
		segs = append(segs, headerSeg{text: "new " + model.FormatDuration(wall.Sub(f.NewEvents)), drop: 2, sep: " · "})
	}
	return append(segs, headerSeg{text: full, drop: 2, sep: " · "})
}

// throttledMark is the header's mark while ECS answers Throttling.
const throttledMark = "THROTTLED: slower refresh"

// freshMarks are the header's marks for late data: STALE when the full listing failed or
// is late, STALE NEW when the look for new events is, THROTTLED when ECS answered
// Throttling and the console slowed down.
func (m *Model) freshMarks() []string {
	s := m.snap
	if s == nil || s.Loading {
		return nil
	}
	var marks []string
	if s.Err != nil || s.Fresh.FullLate(m.wall) {
		marks = append(marks, m.st.Bad.On("STALE"))
	}
	if s.Fresh.NewLate(m.wall) {
		marks = append(marks, m.st.Bad.On("STALE NEW"))
	}
	if s.Fresh.Throttled {
		marks = append(marks, m.st.Warn.On(throttledMark))
	}
	return marks
}

// loadingNote says, while the first listing waits 3 s or more, how long it has waited
// for ECS to answer and when a backend that never answers gives up (Deps.GivesUpAfter):
// a network that does not answer must not look like a slow listing (tester2 #16).
func (m *Model) loadingNote() []string {
	s := m.snap
	if s == nil || !s.Loading || s.Since.IsZero() {
		return nil
	}
	waited := m.wall.Sub(s.Since)
	if waited < 3*time.Second {
		return nil
	}
	note := []string{"  waiting " + model.FormatDuration(waited) + " for ECS to answer"}
	if g := m.deps.GivesUpAfter; g > 0 {
		note = append(note, "  a call that does not answer is tried again; the listing gives up",
			"  after about "+model.FormatDuration(g)+" (--api-timeout) and says why")
	}
	return note
}
