package common

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
)

// Common is what every component of one session shares. Each component embeds its own
// copy: Styles and Keys point at the session's, Width and Height are the component's own.
type Common struct {
	Styles *Styles
	Keys   *KeyMap
	// Identity is who drives the session; the UI hides what its role cannot do (the
	// backend's guard enforces it).
	Identity backend.Identity
	// Now is the session's clock as of its last tick: countdowns and elapsed times. It
	// reads state, never a real clock, so View stays a function of state.
	Now func() time.Time
	// Wall is the session's wall clock as of its last tick, for the age of what was read
	// ("as read from ECS 5s ago"): the hub stamps reads with it, and on an accelerated
	// simulator it runs slower than Now. Nil reads as Now.
	Wall func() time.Time
	// Timers is false in tests that step the clock: a component then returns no timer
	// command, only messages due at once.
	Timers bool

	Width, Height int
}

// WallNow is Wall, or Now where no wall clock was given.
func (c Common) WallNow() time.Time {
	if c.Wall != nil {
		return c.Wall()
	}
	return c.Now()
}

// SetSize gives the component width×height cells.
func (c *Common) SetSize(width, height int) { c.Width, c.Height = width, height }

// Component is one part of the console (soft-serve's shape): a tea.Model that the root
// sizes and routes messages to, naming the keys it answers to (its footer is generated
// from them). A component talks back to the root only with the messages declared beside
// it, returned as commands.
type Component interface {
	tea.Model
	help.KeyMap
	SetSize(width, height int)
}

// Emit is a command that delivers msg: how a component tells the root something.
func Emit(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// Bindings are the key hints of something that is not a component (the filter).
type Bindings []key.Binding

// ShortHelp is the footer.
func (b Bindings) ShortHelp() []key.Binding { return b }

// FullHelp is the same keys in one column.
func (b Bindings) FullHelp() [][]key.Binding { return [][]key.Binding{b} }

// IsText reports whether a key message is text rather than a key press: a paste, or a
// burst of printable bytes, which Bubble Tea v1 merges into one message ("Redeploy"). A
// key typed by a person arrives one rune per message; text goes to a focused text field
// or nowhere, never to key bindings (issue 8: a pasted "Redeploy\n" opened the dialog,
// moved the focus with its l and confirmed with the newline).
func IsText(msg tea.KeyMsg) bool {
	return msg.Paste || (msg.Type == tea.KeyRunes && len(msg.Runes) > 1)
}
