package cmdline

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

func TestTabCompletesCommandsRegionsAndColumns(t *testing.T) {
	m := New(uitest.Common(sim.Epoch, 80, 1), []string{"instance", "name", "zone", "status", "event"})
	m.SetRegions([]string{"cn-beijing", "cn-hangzhou", "cn-shanghai", "eu-central-1"})
	for _, c := range []struct{ line, want string }{
		{"reg", "region "},
		{"region cn-h", "region cn-hangzhou,"},
		{"region cn-hangzhou,cn-s", "region cn-hangzhou,cn-shanghai,"},
		{"region cn-", "region cn-"},
		{"region e", "region eu-central-1,"},
		{"region a", "region all,"},
		{"sort na", "sort name"},
		{"sort s", "sort status"},
		{"nope x", "nope x"},
	} {
		if got := m.Complete(c.line); got != c.want {
			t.Errorf("Complete(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestEnterRunsAndEscCloses(t *testing.T) {
	m := New(uitest.Common(sim.Epoch, 80, 1), nil)
	m.Open()
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Region cn-hangzhou, cn-beijing")})
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if msg, ok := cmd().(RunMsg); !ok || msg.Name != "region" || msg.Args != "cn-hangzhou, cn-beijing" {
		t.Fatalf("enter said %+v", msg)
	}
	_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if _, ok := cmd().(CloseMsg); !ok {
		t.Fatal("esc did not close")
	}
}

// Issue 23 review: `:autopilot` + tab completes the command, and a tab that cannot choose
// between the verbs shows them; `:autopilot p` + tab completes pause.
func TestTabShowsTheVerbsItCannotChooseBetween(t *testing.T) {
	m := New(uitest.Common(sim.Epoch, 80, 1), nil)
	m.Open()
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("autopilot")})
	m.Update(tea.KeyMsg{Type: tea.KeyTab})
	if v := m.View(); !strings.Contains(v, ":autopilot") || !strings.Contains(v, "pause · resume") {
		t.Fatalf(":autopilot + tab shows %q", v)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("p")})
	if v := m.View(); strings.Contains(v, "pause · resume") {
		t.Fatalf("the hint outlived the next key: %q", v)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyTab})
	if v := m.View(); !strings.Contains(v, ":autopilot pause") || strings.Contains(v, "resume") {
		t.Fatalf(":autopilot p + tab shows %q", v)
	}
}
