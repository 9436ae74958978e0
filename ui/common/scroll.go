package common

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Scroll moves offset, the first line shown of a pane height lines tall over total lines,
// for the scrolling keys of k (line, half page, page, top, bottom), and reports whether km
// was one of them. The caller clamps: Bottom moves past the end on purpose.
func Scroll(km tea.KeyMsg, k *KeyMap, offset, height, total int) (int, bool) {
	switch {
	case key.Matches(km, k.Down):
		return offset + 1, true
	case key.Matches(km, k.Up):
		return offset - 1, true
	case key.Matches(km, k.PageDown):
		return offset + height, true
	case key.Matches(km, k.PageUp):
		return offset - height, true
	case key.Matches(km, k.HalfPageDown):
		return offset + max(height/2, 1), true
	case key.Matches(km, k.HalfPageUp):
		return offset - max(height/2, 1), true
	case key.Matches(km, k.Top):
		return 0, true
	case key.Matches(km, k.Bottom):
		return total, true
	}
	return offset, false
}
