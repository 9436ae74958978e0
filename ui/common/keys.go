package common

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every binding the console answers to. Update matches on these bindings and the
// footer and help overlay are generated from them, so what is documented is what works.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding

	Detail, Filter, Select, Redeploy, Refresh, Sort, Tasks, Help, Quit, Back key.Binding

	// A batch that paused on a failure: go on with it, or send nothing more.
	Continue, Abort key.Binding

	// Dialog keys.
	ForceStop, NextButton, PrevButton, Choose key.Binding
}

// DefaultKeyMap is the k9s-like key map the README documents.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),

		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Select:   key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select")),
		Redeploy: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "redeploy")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Tasks:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tasks")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Continue: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "continue a paused batch")),
		Abort:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "abort a paused batch")),

		ForceStop:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "ForceStop on/off")),
		NextButton: key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab", "next")),
		PrevButton: key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("shift+tab", "previous")),
		Choose:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
	}
}

// ReadOnly disables every action that changes the fleet, in this one place.
func (k KeyMap) ReadOnly() KeyMap {
	k.Redeploy.SetEnabled(false)
	k.Select.SetEnabled(false)
	k.ForceStop.SetEnabled(false)
	k.Continue.SetEnabled(false)
	k.Abort.SetEnabled(false)
	return k
}

// ListHelp is the footer of the list.
func (k KeyMap) ListHelp() []key.Binding {
	return []key.Binding{k.Help, k.Redeploy, k.Detail, k.Filter, k.Select, k.Sort, k.Tasks, k.Refresh, k.Quit, k.Down, k.Up}
}

// FullHelp is the help overlay's list keys, column by column.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Detail, k.Filter, k.Sort, k.Select, k.Redeploy, k.Refresh},
		{k.Tasks, k.Help, k.Back, k.Quit},
		{k.Continue, k.Abort},
	}
}

// DialogFullHelp is the confirm dialog's keys, under their own heading in the overlay:
// beside the list's keys, "enter choose" read as a second meaning of "enter detail".
func (k KeyMap) DialogFullHelp() [][]key.Binding {
	return [][]key.Binding{{k.NextButton, k.PrevButton}, {k.Choose, k.ForceStop}}
}

// FilterHelp is the footer while the filter is typed.
func (k KeyMap) FilterHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
	}
}

// DetailHelp is the detail pane's footer.
func (k KeyMap) DetailHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Redeploy, k.Back, k.Help, k.Quit}
}

// DialogHelp is the confirm dialog's footer.
func (k KeyMap) DialogHelp() []key.Binding {
	return []key.Binding{k.NextButton, k.Choose, k.ForceStop, k.Back}
}

// CrampedDialogHelp is the footer of a dialog too large for the screen: it can only be
// cancelled.
func (k KeyMap) CrampedDialogHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "cancel")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// TasksHelp is the focused task panel's footer.
func (k KeyMap) TasksHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Tasks, k.Back, k.Help, k.Quit}
}

// HelpHelp is the help overlay's footer.
func (k KeyMap) HelpHelp() []key.Binding {
	return []key.Binding{k.Back, k.Help, k.Down, k.Up, k.Quit}
}
