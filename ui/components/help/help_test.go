package help

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

func said(h *Model, k tea.KeyMsg) tea.Msg {
	_, cmd := h.Update(k)
	if cmd == nil {
		return nil
	}
	return cmd()
}

// On a short screen the overlay scrolls, and stops where its last line shows.
func TestHelpScrollsToItsLastLineAndNoFurther(t *testing.T) {
	c := uitest.Common(sim.Epoch, 60, 12)
	h := New(c, uitest.Help(c.Styles))
	h.SetSize(60, 12)
	const last = "PROGRESS, BLOCKED."
	if strings.Contains(h.View(), last) {
		t.Fatal("the test needs an overlay longer than the screen")
	}
	said(h, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj"), Paste: true})
	if h.Offset() != 0 {
		t.Fatal("a paste scrolled")
	}
	for range 50 {
		said(h, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
	}
	v := h.View()
	if !strings.Contains(v, last) || !strings.HasSuffix(strings.TrimRight(v, " "), last) || strings.Count(v, "\n") != 11 {
		t.Fatalf("j did not stop at the last line:\n%s", v)
	}
	if _, ok := said(h, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")}).(CloseMsg); !ok {
		t.Fatal("? did not close the overlay")
	}
}
