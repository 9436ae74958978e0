// Package tasks is the live list of redeploys at the bottom of the screen: spinner, phase,
// elapsed time, outcome; finished and failed tasks stay for review. Focused (t), it tells
// the root GoToMsg (enter on a task) and CloseMsg.
package tasks

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// markWidth is the cursor mark before each task line ("> ").
const markWidth = 2

// GoToMsg asks the list to put its cursor on InstanceID (enter on a task).
type GoToMsg struct{ InstanceID string }

// CloseMsg gives the keyboard back to the list.
type CloseMsg struct{}

// Model is the panel. Its height is its task lines; the title line comes on top.
type Model struct {
	common.Common
	tasks          []fleet.Task
	cursor, offset int
	// Focused is set while the panel has the keyboard; Frame turns the spinners.
	Focused bool
	Frame   int
	// Plan is where the session's batch stands ("batch: 2 in flight · 5 queued · …"), or
	// the summary of its last one, which stays: shown on the title line.
	Plan string
}

// New builds an empty panel.
func New(c common.Common) *Model { return &Model{Common: c} }

// SetTasks shows the tasks of a new snapshot.
func (p *Model) SetTasks(tasks []fleet.Task) {
	p.tasks = tasks
	p.follow()
}

// SetSize gives the panel width columns and height task lines.
func (p *Model) SetSize(width, height int) {
	p.Common.SetSize(width, height)
	p.follow()
}

// Init does nothing.
func (p *Model) Init() tea.Cmd { return nil }

// Update moves the cursor; enter, t and esc become messages for the root.
func (p *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || common.IsText(km) {
		return p, nil
	}
	keys := p.Keys
	switch {
	case key.Matches(km, keys.Back, keys.Tasks):
		return p, common.Emit(CloseMsg{})
	case key.Matches(km, keys.Down):
		p.cursor++
	case key.Matches(km, keys.Up):
		p.cursor--
	case key.Matches(km, keys.Detail):
		if len(p.tasks) > 0 {
			return p, common.Emit(GoToMsg{InstanceID: p.tasks[p.cursor].InstanceID})
		}
	}
	p.follow()
	return p, nil
}

// ShortHelp is the focused panel's footer.
func (p *Model) ShortHelp() []key.Binding { return p.Keys.TasksHelp() }

// FullHelp is the panel's keys.
func (p *Model) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// Rows is how many task lines the panel gets on a screen height tall, for the tasks it has.
func Rows(height int, tasks []fleet.Task) int { return panelRows(height, panelLines(tasks)) }

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
func (p *Model) follow() {
	tasks := p.tasks
	rows := p.Height
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
	p    common.Paint
	task int
}

// counts is the title's first part: "TASKS  1 running · 0 finished · 0 failed".
func (p *Model) counts() string {
	var running, finished, failed int
	for _, t := range p.tasks {
		switch t.Status {
		case model.TaskFinished:
			finished++
		case model.TaskFailed:
			failed++
		default:
			running++
		}
	}
	return "TASKS  " + common.Thousands(running) + " running · " + common.Thousands(finished) + " finished · " + common.Thousands(failed) + " failed"
}

// CountsWidth is how many columns the title takes before Plan ("  │  " included), so that
// the root can fit Plan into the rest.
func (p *Model) CountsWidth() int { return ansi.StringWidth(p.counts() + "  │  ") }

// View is the title and exactly the panel's height of task lines.
func (p *Model) View() string {
	var b strings.Builder
	tasks, focused, now := p.tasks, p.Focused, p.Now()
	frame := strings.TrimSpace(spinner.Dot.Frames[p.Frame%len(spinner.Dot.Frames)])
	st, width, rows := p.Styles, p.Width, p.Height
	title := p.counts()
	if p.Plan != "" {
		title += "  │  " + p.Plan
	}
	if focused {
		title += "  (focused: j/k move, enter goes to the row, t or esc back)"
	}
	b.WriteString(st.Header.On(common.Fit(title, width)))
	b.WriteByte('\n')
	if len(tasks) == 0 {
		empty := "  no redeploys yet: R on a row starts one"
		if !p.Keys.Redeploy.Enabled() {
			empty = "  no redeploys yet (read-only: this console cannot start one)"
		}
		b.WriteString(st.Dim.On(common.Fit(empty, width)))
		return b.String()
	}
	// Only the lines in the panel's window are formatted: a long session keeps every
	// task it saw, and the panel shows at most five lines of them on every frame.
	offset := max(min(p.offset, panelLines(tasks)-rows), 0)
	lines := make([]panelLine, 0, rows)
	first, at := -1, 0
	for i := 0; i < len(tasks) && at < offset+rows; i++ {
		n := 1
		if tasks[i].Status == model.TaskFailed {
			n = 2
		}
		if i == p.cursor {
			first = at
		}
		if at+n <= offset {
			at += n
			continue
		}
		text, pt := taskLine(&tasks[i], frame, now, st)
		if at >= offset {
			lines = append(lines, panelLine{safetext.Terminal(text), pt, i}) // names and ids are the API's
		}
		if n == 2 && at+1 >= offset && at+1 < offset+rows {
			lines = append(lines, panelLine{failureLine(&tasks[i], width), pt, i})
		}
		at += n
	}
	for i := 0; i < rows; i++ {
		if i >= len(lines) {
			b.WriteByte('\n')
			continue
		}
		l := lines[i]
		cur := focused && l.task == p.cursor
		mark := "  "
		if cur && offset+i == first {
			mark = "> "
		}
		text := common.Fit(mark+l.text, width)
		if cur {
			b.WriteString(st.Cursor.On(text))
		} else {
			b.WriteString(l.p.On(text))
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// taskLine is one task in words: spinner or final mark, instance, phase, elapsed, outcome.
func taskLine(t *fleet.Task, frame string, now time.Time, st *common.Styles) (string, common.Paint) {
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
	// Who started it, for every session to read (a viewer too): the CLI says it, so
	// does the panel.
	by := startedBy(t.StartedBy)
	switch t.Status {
	case model.TaskFinished:
		return "✓ " + who + "  Finished  " + common.OrDash(string(t.Phase)) + "  took " + elapsed + "  " + t.ID + by, st.Good
	case model.TaskFailed:
		return "✗ " + who + "  Failed after " + elapsed + "  now " + common.OrDash(string(t.Phase)) + "  " + t.ID + by, st.Bad
	}
	phase := string(t.Phase)
	if phase == "" {
		phase = "submitted"
	}
	return frame + " " + who + "  " + phase + "  " + elapsed + "  " + t.ID + by, common.Paint{}
}

// startedBy says who started a redeploy, "" when nobody is known.
func startedBy(s fleet.StartedBy) string {
	switch by := s.String(); by {
	case "":
		return ""
	case "elsewhere":
		return "  started elsewhere"
	default:
		return "  by " + safetext.Terminal(by)
	}
}

// failureLine is a failed task's second line: its reason and RequestId. When both do not
// fit, the RequestId goes first: it is what a support ticket needs, and the detail pane
// has the whole reason.
func failureLine(t *fleet.Task, width int) string {
	reason := "reason: " + common.OrDash(safetext.Terminal(t.FailedReason))
	if t.RequestID == "" {
		return "    " + reason
	}
	id := "RequestId " + safetext.Terminal(t.RequestID)
	if s := "    " + reason + " · " + id; markWidth+ansi.StringWidth(s) <= width {
		return s
	}
	return "    " + id + " · " + reason
}
