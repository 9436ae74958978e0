package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// common is what every component of one session shares: the session's styles and key
// map, and the part of the screen the component has.
type common struct {
	st            *Styles
	keys          *KeyMap
	width, height int
}

// SetSize gives the component width×height cells.
func (c *common) SetSize(width, height int) { c.width, c.height = width, height }

// component is every part of the screen: the root sizes it, and it names the keys it
// answers to, from which the footer is generated.
type component interface {
	SetSize(width, height int)
	help.KeyMap
}

// bindings are the key hints of a mode that is not a component (the filter, help).
type bindings []key.Binding

// ShortHelp is the footer.
func (b bindings) ShortHelp() []key.Binding { return b }

// FullHelp is the same keys in one column.
func (b bindings) FullHelp() [][]key.Binding { return [][]key.Binding{b} }

var (
	_ component = (*list)(nil)
	_ component = (*confirm)(nil)
	_ component = (*detail)(nil)
	_ component = (*taskPanel)(nil)
)
