package common

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every binding the console answers to. Update matches on these bindings and the
// footer and help overlay are generated from them, so what is documented is what works.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown, HalfPageUp, HalfPageDown key.Binding

	Detail, Filter, Command, Select, Redeploy, Refresh, Sort, SortColumn, Copy, CopyJSON, Tasks, Log, Help, Quit, Back key.Binding

	// Mark every row the view shows, clear every mark (k9s: ctrl+space, ctrl+\), and save
	// what the view shows to a file.
	SelectAll, ClearSelection, Save key.Binding

	// A batch that runs: stop sending (Pause; what is in flight goes on). A batch that
	// paused (on a failure or by Pause): go on with it, or send nothing more.
	Pause, Continue, Abort key.Binding

	// Accept opens the accept dialog of the row's Inquiring event (AcceptInquiredSystemEvent).
	Accept key.Binding

	// Dialog keys.
	ForceStop, NextButton, PrevButton, Choose key.Binding

	// A batch dialog's keys: scroll its target list, and change how many of it may be in
	// flight at once (fleet.PlanOptions.MaxInFlight).
	TargetsUp, TargetsDown, MoreInFlight, FewerInFlight key.Binding

	// InWindow turns a batch dialog's "in window" on and off: each instance is sent only
	// inside its maintenance window, before its deadline (fleet.PlanOptions.InWindow).
	InWindow key.Binding
}

// DefaultKeyMap is the k9s-like key map docs/console.md documents.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup/ctrl+b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn/ctrl+f", "page down")),

		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half page up")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half page down")),

		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Command:  key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command (region, sort, drill, autopilot, q)")),
		Select:   key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select")),
		Redeploy: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "redeploy")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		// A column's first letter, shifted (k9s): Instance, Name, Zone, Status, Event,
		// eV.status, Deadline, Badges. Again reverses.
		SortColumn: key.NewBinding(key.WithKeys("I", "N", "Z", "S", "E", "V", "D", "B"),
			key.WithHelp("I/N/Z/S/E/V/D/B", "sort by column")),
		// ctrl+a, not k9s's ctrl+space: many terminals send ctrl+space as NUL, or not at all.
		SelectAll:      key.NewBinding(key.WithKeys("ctrl+a"), key.WithHelp("ctrl+a", "select all shown")),
		ClearSelection: key.NewBinding(key.WithKeys("ctrl+\\"), key.WithHelp("ctrl+\\", "clear selection")),
		Save:           key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save shown rows (events --json)")),
		Copy:           key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy id")),
		CopyJSON:       key.NewBinding(key.WithKeys("Y"), key.WithHelp("Y", "copy row as JSON")),
		Tasks:          key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tasks")),
		Log:            key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "log")),
		Help:           key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:           key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", "quit")),
		Back:           key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Pause:          key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause a running batch")),
		Continue:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "continue a paused batch")),
		Abort:          key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "abort a paused batch")),
		Accept:         key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "accept an Inquiring event")),

		ForceStop:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "ForceStop on/off")),
		NextButton: key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab/→/l", "next")),
		PrevButton: key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("shift+tab/←/h", "previous")),
		Choose:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),

		TargetsUp:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll targets up")),
		TargetsDown:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll targets down")),
		MoreInFlight:  key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "more at once")),
		FewerInFlight: key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "fewer at once")),
		InWindow:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "in window")),
	}
}

// ReadOnly disables every action that changes the fleet, in this one place.
func (k KeyMap) ReadOnly() KeyMap {
	k.Redeploy.SetEnabled(false)
	k.Select.SetEnabled(false)
	k.SelectAll.SetEnabled(false)
	k.ForceStop.SetEnabled(false)
	k.InWindow.SetEnabled(false)
	k.Pause.SetEnabled(false)
	k.Continue.SetEnabled(false)
	k.Abort.SetEnabled(false)
	k.Accept.SetEnabled(false)
	return k
}

// ListHelp is the footer of the list.
func (k KeyMap) ListHelp() []key.Binding {
	return []key.Binding{k.Help, k.Redeploy, k.Detail, k.Filter, k.Select, k.Sort, k.Tasks, k.Log, k.Refresh, k.Quit, k.Down, k.Up}
}

// FullHelp is the help overlay's list keys, column by column.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.HalfPageUp, k.HalfPageDown},
		{k.Detail, k.Filter, k.Command, k.Sort, k.SortColumn, k.Select, k.SelectAll, k.ClearSelection, k.Redeploy, k.Refresh},
		{k.Copy, k.CopyJSON, k.Save, k.Tasks, k.Log, k.Help, k.Back, k.Quit},
		{k.Pause, k.Continue, k.Abort, k.Accept},
	}
}

// DialogFullHelp is the confirm dialog's keys, under their own heading in the overlay:
// beside the list's keys, "enter choose" read as a second meaning of "enter detail".
func (k KeyMap) DialogFullHelp() [][]key.Binding {
	// A batch's keys share the columns, so that the overlay keeps them side by side on a
	// 120-column screen.
	pgdn, pgup := k.PageDown, k.PageUp
	pgdn.SetHelp(k.PageDown.Help().Key, "page targets down")
	pgup.SetHelp(k.PageUp.Help().Key, "page targets up")
	return [][]key.Binding{{k.NextButton, k.PrevButton, k.MoreInFlight, k.FewerInFlight}, {k.Choose, k.ForceStop, k.InWindow, k.dialogCancel()},
		{k.TargetsDown, k.TargetsUp, pgdn, pgup}}
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
	return []key.Binding{k.NextButton, k.Choose, k.ForceStop, k.dialogCancel()}
}

// BatchDialogHelp is a batch dialog's footer; scrolls says its target list scrolls.
func (k KeyMap) BatchDialogHelp(scrolls bool) []key.Binding {
	// The footer is one line: each pair of keys under one short word.
	out := []key.Binding{k.NextButton, k.Choose}
	if scrolls {
		out = append(out, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll targets")))
	}
	return append(out, key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+/-", "at once")), k.ForceStop, k.dialogCancel(),
		// Last: on a narrow footer, what gets cut is this, never esc.
		k.InWindow)
}

// dialogCancel is esc as the dialog means it.
func (k KeyMap) dialogCancel() key.Binding {
	cancel := k.Back
	cancel.SetHelp("esc", "cancel")
	return cancel
}

// CrampedDialogHelp is the footer of a dialog too large for the screen: it can only be
// cancelled, and, when a batch dialog's "in window" is on (inWindow), have that turned off:
// m still acts there (it confirms nothing, and may be what makes the dialog too tall, or
// what keeps it from arming at any size), so the footer says so.
func (k KeyMap) CrampedDialogHelp(inWindow bool) []key.Binding {
	out := []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "cancel")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
	if inWindow {
		m := k.InWindow
		m.SetHelp("m", "in window off")
		out = append(out, m)
	}
	return out
}

// TasksHelp is the focused task panel's footer.
func (k KeyMap) TasksHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Tasks, k.Back, k.Help, k.Quit}
}

// LogHelp is the log view's footer.
func (k KeyMap) LogHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Bottom, k.Log, k.Back, k.Quit}
}

// HelpHelp is the help overlay's footer.
func (k KeyMap) HelpHelp() []key.Binding {
	return []key.Binding{k.Back, k.Help, k.Down, k.Up, k.Quit}
}

// SearchedFields are what the filter matches (the hub's Row.SearchText holds them), said the
// same way by the filter's prompt, the help overlay and docs/console.md.
const SearchedFields = "id, name, zone, region, status, type, event, badge, tag (team=kafka), host= or rack="
