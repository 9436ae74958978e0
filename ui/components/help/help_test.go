package help

import (
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend"
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
	const last = "id or count typed."
	if strings.Contains(h.View(), last) {
		t.Fatal("the test needs an overlay longer than the screen")
	}
	said(h, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj"), Paste: true})
	if h.Offset() != 0 {
		t.Fatal("a paste scrolled")
	}
	for range 100 {
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

// Issue 13: at 40 columns the overlay still lists every key the console matches, one a
// line, wrapped, never cut.
func TestHelpListsEveryKeyAt40Columns(t *testing.T) {
	c := uitest.Common(sim.Epoch, 40, 12)
	h := New(c, uitest.Help(c.Styles))
	h.SetSize(40, 12)
	all := strings.Join(strings.Fields(strings.Join(h.lines, "\n")), " ")
	groups := append(c.Keys.FullHelp(), c.Keys.DialogFullHelp()...)
	for _, g := range groups {
		for _, b := range g {
			if !strings.Contains(all, b.Help().Key+" "+b.Help().Desc) {
				t.Errorf("help at 40 columns lacks %q:\n%s", b.Help().Key+" "+b.Help().Desc, all)
			}
		}
	}
	for _, want := range []string{"home", "end", "ctrl+b", "ctrl+f", "ctrl+d", "ctrl+u", "→", "←", "esc cancel", "L log"} {
		if !strings.Contains(all, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	for _, l := range h.lines {
		if w := lipgloss.Width(l); w > 40 {
			t.Errorf("a line %d cells wide: %q", w, l)
		}
	}
}

// Issue 13: a viewer's help says redeploy is disabled and explains no dialog.
func TestHelpAdaptsToReadOnly(t *testing.T) {
	c := uitest.Common(sim.Epoch, 120, 40)
	c.Identity = backend.Identity{Name: "vera", Role: backend.RoleViewer}
	ro := c.Keys.ReadOnly()
	c.Keys = &ro
	h := New(c, uitest.Help(c.Styles))
	h.SetSize(120, 40)
	all := strings.Join(h.lines, "\n")
	if !strings.Contains(all, "READ-ONLY: redeploy is disabled") || strings.Contains(all, "confirm dialog") ||
		strings.Contains(all, "R redeploy") || strings.Contains(all, "R redeploys") {
		t.Fatalf("read-only help:\n%s", all)
	}
}
