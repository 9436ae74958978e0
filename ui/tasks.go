package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// taskPanel is the live list of redeploys at the bottom of the screen; finished and failed
// tasks stay for review.
type taskPanel struct {
	common
	cursor, offset int
}

// ShortHelp is the focused panel's footer.
func (p *taskPanel) ShortHelp() []key.Binding { return p.keys.tasksHelp() }

// FullHelp is the panel's keys.
func (p *taskPanel) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *taskPanel) move(d, n int) {
	p.cursor = max(min(p.cursor+d, n-1), 0)
}

// panelRows is how many task lines the panel gets for a screen height.
func panelRows(height, tasks int) int {
	limit := 5
	switch {
	case height < 22:
		limit = 2
	case height < 30:
		limit = 3
	}
	return max(min(tasks, limit), 1)
}

// follow keeps the cursor on a task and its lines inside the panel's window.
func (p *taskPanel) follow(tasks []fleet.Task) {
	rows := p.height
	p.cursor = max(min(p.cursor, len(tasks)-1), 0)
	first := 0
	for i := 0; i < p.cursor; i++ {
		first++
		if tasks[i].Status == model.TaskFailed {
			first++
		}
	}
	if first < p.offset {
		p.offset = first
	}
	if first >= p.offset+rows {
		p.offset = first - rows + 1
	}
	p.offset = max(min(p.offset, panelLines(tasks)-rows), 0)
}

// panelLines is how many lines the tasks take: a failed task gets a second line for its
// reason, which is too long to share a line with the RequestId.
func panelLines(tasks []fleet.Task) int {
	n := len(tasks)
	for i := range tasks {
		if tasks[i].Status == model.TaskFailed {
			n++
		}
	}
	return n
}

type panelLine struct {
	text string
	p    paint
	task int
}

// render writes the title and exactly rows task lines.
func (p *taskPanel) render(b *strings.Builder, tasks []fleet.Task, focused bool, frame string, now time.Time) {
	st, width, rows := p.st, p.width, p.height
	var running, finished, failed int
	for _, t := range tasks {
		switch t.Status {
		case model.TaskFinished:
			finished++
		case model.TaskFailed:
			failed++
		default:
			running++
		}
	}
	title := "TASKS  " + itoa(running) + " running · " + itoa(finished) + " finished · " + itoa(failed) + " failed"
	if focused {
		title += "  (focused: j/k move, enter goes to the row, t or esc back)"
	}
	b.WriteString(st.Header.on(fit(title, width)))
	b.WriteByte('\n')
	if len(tasks) == 0 {
		empty := "  no redeploys yet: R on a row starts one"
		if !p.keys.Redeploy.Enabled() {
			empty = "  no redeploys yet (read-only: this console cannot start one)"
		}
		b.WriteString(st.Dim.on(fit(empty, width)))
		b.WriteByte('\n')
		return
	}
	var lines []panelLine
	first := 0
	for i := range tasks {
		if i == p.cursor {
			first = len(lines)
		}
		text, pt := taskLine(&tasks[i], frame, now, st)
		lines = append(lines, panelLine{text, pt, i})
		if tasks[i].Status == model.TaskFailed {
			lines = append(lines, panelLine{failureLine(&tasks[i], width), pt, i})
		}
	}
	offset := max(min(p.offset, len(lines)-rows), 0)
	for i := offset; i < offset+rows; i++ {
		if i >= len(lines) {
			b.WriteByte('\n')
			continue
		}
		l := lines[i]
		cur := focused && l.task == p.cursor
		mark := "  "
		if cur && i == first {
			mark = "> "
		}
		text := fit(mark+l.text, width)
		if cur {
			b.WriteString(st.Cursor.on(text))
		} else {
			b.WriteString(l.p.on(text))
		}
		b.WriteByte('\n')
	}
}

// taskLine is one task in words: spinner or final mark, instance, phase, elapsed, outcome.
func taskLine(t *fleet.Task, frame string, now time.Time, st *Styles) (string, paint) {
	end := now
	if t.Status.Final() && !t.Finished.IsZero() {
		end = t.Finished
	}
	elapsed := model.FormatDuration(end.Sub(t.Created))
	who := t.InstanceID
	if t.InstanceName != "" {
		who += " " + t.InstanceName
	}
	if t.ForceStop {
		who += " (ForceStop)"
	}
	switch t.Status {
	case model.TaskFinished:
		return "✓ " + who + "  Finished  " + orDash(string(t.Phase)) + "  took " + elapsed + "  " + t.ID, st.Good
	case model.TaskFailed:
		return "✗ " + who + "  Failed after " + elapsed + "  now " + orDash(string(t.Phase)) + "  " + t.ID, st.Bad
	}
	phase := string(t.Phase)
	if phase == "" {
		phase = "submitted"
	}
	return frame + " " + who + "  " + phase + "  " + elapsed + "  " + t.ID, paint{}
}

// failureLine is a failed task's second line: its reason and RequestId. When both do not
// fit, the RequestId goes first: it is what a support ticket needs, and the detail pane
// has the whole reason.
func failureLine(t *fleet.Task, width int) string {
	reason := "reason: " + orDash(t.FailedReason)
	if t.RequestID == "" {
		return "    " + reason
	}
	id := "RequestId " + t.RequestID
	if s := "    " + reason + " · " + id; gutter+ansi.StringWidth(s) <= width {
		return s
	}
	return "    " + id + " · " + reason
}
