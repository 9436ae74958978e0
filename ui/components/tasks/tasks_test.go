package tasks

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

func said(p *Model, k tea.KeyMsg) tea.Msg {
	_, cmd := p.Update(k)
	if cmd == nil {
		return nil
	}
	return cmd()
}

func TestEnterGoesToTheTasksInstance(t *testing.T) {
	p := New(uitest.Common(sim.Epoch.Add(90*time.Second), 100, 3))
	p.SetSize(100, 3)
	p.SetTasks([]fleet.Task{
		{ID: "t-1", InstanceID: "i-a", Status: model.TaskProcessing, Phase: model.StatusStopping, Created: sim.Epoch},
		{ID: "t-2", InstanceID: "i-b", Status: model.TaskFailed, RequestID: "REQ-2", FailedReason: "host busy", Created: sim.Epoch, Finished: sim.Epoch.Add(time.Minute)},
	})
	p.Focused = true
	v := p.View()
	for _, want := range []string{"1 running · 0 finished · 1 failed", "> ", "i-a", "Stopping  1m", "i-b", "Failed after 1m", "host busy", "REQ-2"} {
		if !strings.Contains(v, want) {
			t.Errorf("panel lacks %q:\n%s", want, v)
		}
	}
	said(p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
	if msg, ok := said(p, tea.KeyMsg{Type: tea.KeyEnter}).(GoToMsg); !ok || msg.InstanceID != "i-b" {
		t.Fatalf("enter on the second task said %+v", msg)
	}
	if _, ok := said(p, tea.KeyMsg{Type: tea.KeyEsc}).(CloseMsg); !ok {
		t.Fatal("esc did not give the keyboard back")
	}
}

// A FailedReason is the API's text: an escape sequence in it must not reach the terminal.
func TestFailedReasonShowsNoControlCharacters(t *testing.T) {
	p := New(uitest.Common(sim.Epoch.Add(90*time.Second), 100, 3))
	p.SetSize(100, 3)
	p.SetTasks([]fleet.Task{{ID: "t-2", InstanceID: "i-b", Status: model.TaskFailed, RequestID: "REQ-2",
		FailedReason: "host\x1b[2J busy\x1b]52;c;cm0gLXJm\x07\u009b", Created: sim.Epoch, Finished: sim.Epoch.Add(time.Minute)}})
	v := p.View()
	if strings.ContainsAny(v, "\x1b\x07\u009b") || !strings.Contains(v, `host\x1b[2J busy\x1b]52;c;cm0gLXJm\x07<U+009B>`) {
		t.Fatalf("the panel passed control characters on: %q", v)
	}
}

// manyTasks is n tasks, every third one failed (two lines each).
func manyTasks(n int) []fleet.Task {
	ts := make([]fleet.Task, n)
	for i := range ts {
		ts[i] = fleet.Task{ID: "t-" + strconv.Itoa(i), InstanceID: "i-" + strconv.Itoa(i), Status: model.TaskFinished,
			Created: sim.Epoch, Finished: sim.Epoch.Add(time.Minute)}
		if i%3 == 0 {
			ts[i].Status, ts[i].FailedReason, ts[i].RequestID = model.TaskFailed, "host busy "+strconv.Itoa(i), "REQ-"+strconv.Itoa(i)
		}
	}
	return ts
}

// A frame formats only the lines the panel shows (at most five), however many tasks the
// session has seen: a long session's frame costs what a short one's does.
func TestAFrameFormatsOnlyTheVisibleTasks(t *testing.T) {
	allocs := func(n int) float64 {
		p := New(uitest.Common(sim.Epoch.Add(90*time.Second), 100, 5))
		p.SetSize(100, 5)
		p.SetTasks(manyTasks(n))
		return testing.AllocsPerRun(20, func() { _ = p.View() })
	}
	few, many := allocs(6), allocs(3000)
	t.Logf("allocations a frame: %.0f with 6 tasks, %.0f with 3000", few, many)
	if many > few+2 {
		t.Fatalf("a frame of 3000 tasks made %.0f allocations, of 6 tasks %.0f: it formats tasks it does not show", many, few)
	}
}

// The window still shows the right lines once scrolled: the cursor's task with its mark,
// and a failed task's reason even when the window starts at it.
func TestScrolledPanelShowsItsWindow(t *testing.T) {
	p := New(uitest.Common(sim.Epoch.Add(90*time.Second), 100, 3))
	p.SetSize(100, 3)
	p.SetTasks(manyTasks(10))
	p.Focused = true
	for i := 0; i < 9; i++ {
		said(p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
	}
	v := p.View()
	lines := strings.Split(v, "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "  ✓ i-7 ") || !strings.Contains(lines[2], "  ✓ i-8 ") ||
		!strings.Contains(lines[3], "> ✗ i-9 ") {
		t.Fatalf("the window should end at the cursor's task:\n%s", v)
	}
	said(p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("k")})
	if lines = strings.Split(p.View(), "\n"); !strings.Contains(lines[2], "> ✓ i-8 ") {
		t.Fatalf("k should put the mark on i-8:\n%s", strings.Join(lines, "\n"))
	}
	p.offset = 1 // a window that starts at i-0's reason
	p.cursor = 0
	p.Focused = false
	lines = strings.Split(p.View(), "\n")
	if !strings.Contains(lines[1], "host busy 0") || !strings.Contains(lines[2], "✓ i-1 ") {
		t.Fatalf("a window starting at a reason line:\n%s", strings.Join(lines, "\n"))
	}
}
