package common

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	tea "github.com/charmbracelet/bubbletea"
)

// A key a person types is one rune per message; anything else is text (issue 8).
func TestIsText(t *testing.T) {
	for _, c := range []struct {
		name string
		msg  tea.KeyMsg
		text bool
	}{
		{"one rune", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("R")}, false},
		{"a burst", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Redeploy")}, true},
		{"a bracketed paste of one rune", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("R"), Paste: true}, true},
		{"enter", tea.KeyMsg{Type: tea.KeyEnter}, false},
		{"space", tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}, false},
		{"alt+f", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("f"), Alt: true}, false},
	} {
		if got := IsText(c.msg); got != c.text {
			t.Errorf("%s: IsText %v, want %v", c.name, got, c.text)
		}
	}
}

func TestWrapNeverCutsAWordThatFits(t *testing.T) {
	lines := Wrap("  ! DATA LOSS: 2 local disk(s), 3576 GiB, are re-initialized", 30)
	for _, l := range lines {
		if len([]rune(l)) > 30 {
			t.Errorf("line of %d columns: %q", len([]rune(l)), l)
		}
	}
	if len(lines) < 2 || lines[1][:4] != "    " {
		t.Errorf("an indented sentence continues indented: %q", lines)
	}
}

// A word wider than the line (ECS allows 128-character instance names) is broken over
// lines, every character kept, never cut with an ellipsis; an indented line's rest stays
// indented; wide characters are never split or lost.
func TestWrapBreaksAWordWiderThanTheLine(t *testing.T) {
	name := strings.Repeat("abcdefghij", 12) + "klmnopqr" // 128
	for _, c := range []struct {
		s      string
		w      int
		indent bool
	}{
		{"Redeploy i-bp1x (" + name + ")?", 76, false},
		{"  - " + name + " goes", 30, true},
		{"名前" + strings.Repeat("漢字", 40) + " 終", 21, false},
	} {
		lines := Wrap(c.s, c.w)
		var joined strings.Builder
		for i, l := range lines {
			if lipgloss.Width(l) > c.w {
				t.Errorf("line of %d columns at width %d: %q", lipgloss.Width(l), c.w, l)
			}
			if strings.Contains(l, "…") {
				t.Errorf("a word was cut: %q", l)
			}
			if i > 0 && c.indent && !strings.HasPrefix(l, "    ") {
				t.Errorf("an indented line's rest is not indented: %q", l)
			}
			joined.WriteString(strings.TrimSpace(l))
		}
		if want := strings.ReplaceAll(c.s, " ", ""); strings.ReplaceAll(joined.String(), " ", "") != want {
			t.Errorf("characters lost:\n got %q\nwant %q", joined.String(), want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1204: "1,204", 100000: "100,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
