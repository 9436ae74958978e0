package tasks

import (
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
	if strings.ContainsAny(v, "\x1b\x07\u009b") || !strings.Contains(v, "host[2J busy") {
		t.Fatalf("the panel passed control characters on: %q", v)
	}
}
