// Package common is what every part of one console session shares: its styles (built
// from the session's renderer), key map, clock, identity and size, and the Component
// interface the parts implement (soft-serve's pkg/ui/common shape).
package common

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// Paint is a style reduced to the escape codes around its text, so the hot path colours a
// cell by concatenation instead of a Style.Render per cell per frame. Only styles without
// padding, borders or widths can be reduced this way.
type Paint struct{ pre, post string }

// marker stands in for the text while a style is reduced to its escape codes.
const marker = "\uE000"

func NewPaint(s lipgloss.Style) Paint {
	out := s.Render(marker)
	i := strings.Index(out, marker)
	if i < 0 {
		return Paint{}
	}
	return Paint{pre: out[:i], post: out[i+len(marker):]}
}

// On wraps text in the paint's escape codes.
func (p Paint) On(text string) string {
	if p.pre == "" && p.post == "" {
		return text
	}
	return p.pre + text + p.post
}

// Styles are the console's looks, built from the session's renderer so that every SSH
// session gets its own colour profile.
type Styles struct {
	// R is the session's renderer, for the styles a component builds itself.
	R *lipgloss.Renderer

	Title, Header, Dim, Cursor, Good, Warn, Bad, Busy, Notice Paint
	// Danger marks data loss: the alarm colour, reversed, so it is the first thing seen.
	Danger Paint

	Box, Button, ButtonFocused, ButtonDisarmed lipgloss.Style
	HelpKey, HelpDesc, HelpSep                 lipgloss.Style
}

// NewStyles builds the styles for renderer r.
func NewStyles(r *lipgloss.Renderer) Styles {
	ns := r.NewStyle
	return Styles{
		R:              r,
		Title:          NewPaint(ns().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B9A5FF"})),
		Header:         NewPaint(ns().Bold(true)),
		Dim:            NewPaint(ns().Foreground(lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"})),
		Cursor:         NewPaint(ns().Reverse(true)),
		Good:           NewPaint(ns().Foreground(lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD787"})),
		Warn:           NewPaint(ns().Foreground(lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#FFD75F"})),
		Bad:            NewPaint(ns().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#C62828", Dark: "#FF5F5F"})),
		Danger:         NewPaint(ns().Bold(true).Reverse(true).Foreground(lipgloss.AdaptiveColor{Light: "#C62828", Dark: "#FF5F5F"})),
		Busy:           NewPaint(ns().Foreground(lipgloss.AdaptiveColor{Light: "#0B6E99", Dark: "#5FD7FF"})),
		Notice:         NewPaint(ns().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#C62828", Dark: "#FF8787"})),
		Box:            ns().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Button:         ns(),
		ButtonFocused:  ns().Bold(true).Reverse(true),
		ButtonDisarmed: ns().Faint(true),
		HelpKey:        ns().Bold(true),
		HelpDesc:       ns().Foreground(lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#9E9E9E"}),
		HelpSep:        ns().Foreground(lipgloss.AdaptiveColor{Light: "#B2B2B2", Dark: "#4A4A4A"}),
	}
}
