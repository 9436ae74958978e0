// Package accept is the dialog that accepts an Inquiring system event: it says what the
// platform will do and when, starts with Cancel focused, and asks the root to accept only
// when Accept is focused and chosen, with everything it says on screen. When the event's
// action wipes data (a damaged disk re-initialized), Accept arms only once the event id is
// typed, as a destructive redeploy's does.
package accept

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// SubmitMsg asks the root to accept the event (through the hub).
type SubmitMsg struct {
	d          *Model
	RegionID   string
	InstanceID string
	EventID    string
}

// From reports whether the message comes from dialog d.
func (s SubmitMsg) From(d *Model) bool { return d != nil && s.d == d }

// CancelMsg says the dialog was cancelled: nothing is sent.
type CancelMsg struct{ d *Model }

// From reports whether the message comes from dialog d.
func (c CancelMsg) From(d *Model) bool { return d != nil && c.d == d }

// Model is the accept dialog for one event of one row.
type Model struct {
	common.Common
	row *fleet.Row
	ev  model.Event
	// accept is true when the Accept button has the focus; Cancel has it at first.
	accept bool
	why    string
	// input takes the event id when the action wipes data; typing goes to it whatever
	// has the focus.
	input textinput.Model
	// settle holds keys off until common.DialogSettles has passed since the dialog opened
	// or put the focus on an armed Accept.
	settle common.Settle
}

// earlyEnter answers an enter on Accept that came before the dialog settled from the
// focus landing there; once it settles, the dialog says that enter now accepts.
const earlyEnter = "enter came before Accept could be seen focused: nothing was done; press enter again to accept"

// SettledMsg tells the dialog that keys sent since it opened, or since the focus landed
// on Accept, have passed; the root routes it back to the dialog.
type SettledMsg = common.SettledMsg

// New opens the dialog for event ev of row r. The command settles it: run it, or the
// dialog never takes a key but esc.
func New(c common.Common, r *fleet.Row, ev *model.Event) (*Model, tea.Cmd) {
	ti := textinput.New()
	ti.Prompt = "  "
	ti.Cursor.SetMode(cursor.CursorStatic)
	ns := c.Styles.R.NewStyle
	ti.PromptStyle, ti.TextStyle, ti.PlaceholderStyle, ti.CompletionStyle = ns(), ns(), ns(), ns()
	ti.Cursor.Style, ti.Cursor.TextStyle = ns().Reverse(true), ns()
	ti.CharLimit = 64
	ti.Placeholder = "(type it here)"
	d := &Model{Common: c, row: r, ev: *ev, input: ti}
	return d, d.settle.Start(d, c.Timers)
}

// Destructive reports whether accepting wipes data, so the event id must be typed.
func (d *Model) Destructive() bool { return d.ev.Type.DestroysData() }

// Armed reports whether choosing Accept would accept: always for a harmless action; for
// one that wipes data, once the event id is typed.
func (d *Model) Armed() bool {
	return !d.Destructive() || strings.TrimSpace(d.input.Value()) == d.ev.ID
}

// Event is the event the dialog would accept.
func (d *Model) Event() model.Event { return d.ev }

// Row is the row the dialog was opened on.
func (d *Model) Row() *fleet.Row { return d.row }

// Init does nothing.
func (d *Model) Init() tea.Cmd { return nil }

// SetSize gives the dialog its room.
func (d *Model) SetSize(width, height int) { d.Common.SetSize(width, height) }

// ShortHelp is the dialog's footer.
func (d *Model) ShortHelp() []key.Binding {
	k := d.Keys
	return []key.Binding{k.NextButton, k.Choose, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
}

// FullHelp is the same keys.
func (d *Model) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// Fits reports whether everything the dialog says and both buttons are on screen: only
// then does choosing Accept send anything.
func (d *Model) Fits() bool {
	return d.Width > 0 && d.Height > 0 && len(strings.Split(d.View(), "\n")) <= d.Height && d.inner() >= 30
}

// Update moves the focus between the buttons and answers enter and esc. Text (a paste, a
// burst of keys) is never a key here.
func (d *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(SettledMsg); ok {
		d.settle.Done(d, s)
		if d.settle.Settled() && d.why == earlyEnter {
			d.why = "Accept is focused: enter now accepts"
		}
		return d, nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	if km.Type == tea.KeyEsc {
		return d, common.Emit(CancelMsg{d})
	}
	if !d.settle.Settled() {
		// Keys sent before anyone could read the dialog, or see Accept focused (a paste, a
		// burst, a key held down): none may type, move the focus or accept. Each starts
		// the window over, so a held enter never lets it settle.
		if km.Type == tea.KeyEnter && d.accept {
			d.why = earlyEnter
		}
		return d, d.settle.Start(d, d.Timers)
	}
	if d.Destructive() && km.Type == tea.KeyRunes && !km.Alt {
		// Text is for the field, typed or pasted, whatever has the focus.
		var cmd tea.Cmd
		d.input.Focus()
		d.input, cmd = d.input.Update(km)
		// Typing takes the focus off Accept: an enter that follows a pasted id must not
		// press it before anyone has seen it focused.
		d.why, d.accept = "", false
		return d, cmd
	}
	if km.Type == tea.KeyBackspace && d.Destructive() {
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(km)
		d.accept = d.accept && d.Armed()
		return d, cmd
	}
	if common.IsText(km) {
		d.why = "pasted text is not a key and was ignored"
		return d, nil
	}
	switch {
	case key.Matches(km, d.Keys.NextButton, d.Keys.PrevButton):
		d.accept, d.why = !d.accept, ""
		if d.accept && d.Armed() {
			// Enter must not press Accept before anyone has seen it focused: a paste of
			// tab and enter is two keys, and a slow frame between them hides that they
			// came together.
			return d, d.settle.Start(d, d.Timers)
		}
	case key.Matches(km, d.Keys.Choose):
		if !d.accept {
			return d, common.Emit(CancelMsg{d})
		}
		if !d.Armed() {
			d.why = "Accept is not armed: type the event id " + d.ev.ID + " first"
			return d, nil
		}
		if !d.Fits() {
			d.why = "the terminal is too small to show all the dialog says: enlarge it, then choose Accept"
			return d, nil
		}
		return d, common.Emit(SubmitMsg{d: d, RegionID: d.row.Inst.RegionID, InstanceID: d.row.Inst.ID, EventID: d.ev.ID})
	}
	return d, nil
}

func (d *Model) inner() int { return max(min(d.Width-4, 84), 20) }

const stamp = "2006-01-02 15:04 MST"

// View draws the dialog: the event, what the platform does if it is accepted and when it
// would do it otherwise, the disk a disk event names, then the buttons.
func (d *Model) View() string {
	st := d.Styles
	in, ev := d.row.Inst, d.ev
	now := d.Now()
	inner := d.inner()
	var text []string
	add := func(s string) { text = append(text, common.Wrap(safetext.Terminal(s), inner)...) }
	text = append(text, st.Header.On("Accept the Inquiring event?"))
	title := in.ID
	if in.Name != "" {
		title += " (" + in.Name + ")"
	}
	add(fmt.Sprintf("%s · %s · %s", title, in.ZoneID, in.Status))
	add(fmt.Sprintf("event %s %s (%s)", ev.ID, ev.Type, ev.CycleStatus))
	add("")
	add("If you accept, the platform " + ev.Type.DefaultAction() + ": it starts now, not at the deadline.")
	deadline := fmt.Sprintf("Without an answer it acts at the deadline, %s (%s)", ev.NotBefore.UTC().Format(stamp), model.Countdown(ev.NotBefore, now))
	if ev.DeadlineMoved() {
		deadline += fmt.Sprintf("; the platform moved it from %s", ev.Attr().InitialNotBefore.UTC().Format(stamp))
	}
	add(deadline + ".")
	if disks := ev.DiskNames(); disks != "" {
		text = append(text, common.Wrap(common.WarningLine(true, safetext.Terminal("damaged disk: "+disks)), inner)...)
	}
	if a := ev.Attr(); a.HostID != "" || a.Rack != "" {
		add(fmt.Sprintf("host %s · rack %s", common.OrDash(a.HostID), common.OrDash(a.Rack)))
	}
	add("A redeploy answers the event instead, when it is allowed: cancel here and press R.")
	if d.Destructive() {
		add("This loses data. Type the event id (" + d.ev.ID + ") to arm Accept:")
		text = append(text, d.input.View())
	}
	if d.why != "" {
		text = append(text, st.Notice.On(d.why))
	}
	text = append(text, "", d.buttons())
	return st.Box.Width(inner + 2).Render(strings.Join(text, "\n"))
}

func (d *Model) buttons() string {
	st := d.Styles
	label := "Accept"
	if !d.Armed() {
		label = "Accept (type to arm)"
	}
	cancel, ok := st.ButtonFocused.Render("> Cancel <"), st.Button.Render("  "+label+"  ")
	if d.accept {
		cancel, ok = st.Button.Render("  Cancel  "), st.ButtonFocused.Render("> "+label+" <")
	}
	return cancel + "    " + ok
}

// Expired reports whether the dialog's event is no longer one to accept in snapshot row r
// (gone, answered, or no longer Inquiring): the root closes it, nothing sent.
func (d *Model) Expired(r *fleet.Row) bool {
	if r == nil {
		return true
	}
	for i := range r.Inst.Events {
		if e := &r.Inst.Events[i]; e.ID == d.ev.ID {
			return !e.Acceptable()
		}
	}
	return true
}
