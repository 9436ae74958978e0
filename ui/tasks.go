package ui

import (
	"strings"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// taskPanel is the live list of redeploys at the bottom of the screen; finished and failed
// tasks stay for review.
type taskPanel struct {
	cursor, offset int
}

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

// render writes the title and exactly rows task lines.
func (p *taskPanel) render(b *strings.Builder, tasks []fleet.Task, rows, width int, focused bool, frame string, now time.Time, st *Styles) {
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
		title += "  (focused: j/k move, t or esc back)"
	}
	b.WriteString(st.Header.on(fit(title, width)))
	b.WriteByte('\n')
	if len(tasks) == 0 {
		b.WriteString(st.Dim.on(fit("  no redeploys yet: R on a row starts one", width)))
		b.WriteByte('\n')
		return
	}
	p.cursor = max(min(p.cursor, len(tasks)-1), 0)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	p.offset = max(min(p.offset, len(tasks)-rows), 0)
	for i := p.offset; i < p.offset+rows; i++ {
		if i >= len(tasks) {
			b.WriteByte('\n')
			continue
		}
		line, pt := taskLine(&tasks[i], frame, now, st)
		mark := "  "
		if focused && i == p.cursor {
			mark = "> "
		}
		text := fit(mark+line, width)
		if focused && i == p.cursor {
			b.WriteString(st.Cursor.on(text))
		} else {
			b.WriteString(pt.on(text))
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
		s := "✗ " + who + "  Failed after " + elapsed + ": " + orDash(t.FailedReason)
		if t.RequestID != "" {
			s += "  RequestId " + t.RequestID
		}
		return s, st.Bad
	}
	phase := string(t.Phase)
	if phase == "" {
		phase = "submitted"
	}
	return frame + " " + who + "  " + phase + "  " + elapsed + "  " + t.ID, paint{}
}
