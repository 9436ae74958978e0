// Package accept is the dialog that accepts an Inquiring system event: it says what the
// platform will do and when, starts with Cancel focused, and asks the root to accept only
// when Accept is focused and chosen, with everything it says on screen. When the event's
// action loses data (the instance released, local disks re-initialized, a damaged disk
// isolated or re-initialized: model.AcceptLoss), that comes first, marked DATA LOSS, and
// Accept arms only once the instance id is typed, as a destructive redeploy's does.
package accept

import (
	"fmt"
	"strings"

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
	// loss is what accepting destroys (model.AcceptLoss), "" when nothing.
	loss string
	// input takes the instance id when the action loses data; typing goes to it whatever
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
	d := &Model{Common: c, row: r, ev: *ev, input: common.NewTypedField(c.Styles)}
	d.loss = model.AcceptLoss(r.Inst, &d.ev)
	return d, d.settle.Start(d, c.Timers)
}

// Destructive reports whether accepting loses data, so the instance id must be typed.
func (d *Model) Destructive() bool { return d.loss != "" }

// Armed reports whether choosing Accept would accept: always for a harmless action; for
// one that loses data, once the instance id is typed.
func (d *Model) Armed() bool {
	return !d.Destructive() || common.TypedMatches(d.input.Value(), d.row.Inst.ID)
}

// Event is the event the dialog would accept.
func (d *Model) Event() model.Event { return d.ev }

// Row is the row the dialog was opened on.
func (d *Model) Row() *fleet.Row { return d.row }

// Init does nothing.
func (d *Model) Init() tea.Cmd { return nil }

// SetSize gives the dialog its room. A change of size puts the focus back on Cancel: what
// was focused was seen on another screen, and an Accept focused while the dialog did not
// fit was never seen focused at all.
func (d *Model) SetSize(width, height int) {
	if width != d.Width || height != d.Height {
		d.accept = false
		if d.why != "" && d.Width > 0 {
			d.why = ""
		}
	}
	d.Common.SetSize(width, height)
	d.input.Width = inner(width) - 4
}

// ShortHelp is the dialog's footer: on a screen too small to accept, only cancelling.
func (d *Model) ShortHelp() []key.Binding {
	if !d.Fits() {
		return d.Keys.CrampedDialogHelp(false)
	}
	k := d.Keys
	return []key.Binding{k.NextButton, k.Choose, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
}

// FullHelp is the same keys.
func (d *Model) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// Fits reports whether everything the dialog says and both buttons are on screen: only
// then does choosing Accept send anything. The rule is the redeploy dialog's: at least
// common.DialogMinWidth columns, and the rows the whole box takes.
func (d *Model) Fits() bool {
	return d.Width >= common.DialogMinWidth && d.Height >= len(d.box(inner(d.Width), false))
}

// needs is the size the dialog asks for on a screen too small, in columns and rows
// (header, info line and footer included, as the redeploy dialog counts them).
func (d *Model) needs() (width, height int) {
	return common.DialogMinWidth, len(d.box(inner(common.DialogMinWidth), false)) + 3
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
	if !d.Fits() {
		// Part of what must be said is off screen: enter cancels, as the redeploy dialog's
		// does, and nothing else acts.
		d.accept = false
		if km.Type == tea.KeyEnter {
			return d, common.Emit(CancelMsg{d})
		}
		return d, nil
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
			d.why = "Accept is not armed: type the instance id " + d.row.Inst.ID + " first"
			return d, nil
		}
		return d, common.Emit(SubmitMsg{d: d, RegionID: d.row.Inst.RegionID, InstanceID: d.row.Inst.ID, EventID: d.ev.ID})
	}
	return d, nil
}

// inner is the dialog's text width on a screen width columns wide.
func inner(width int) int { return max(min(width-4, 84), 20) }

const stamp = "2006-01-02 15:04 MST"

// View draws the dialog: what is lost first, when anything is; the event, what the
// platform does if it is accepted and when it would do it otherwise, the disk a disk event
// names, then the buttons. On a screen too small for all of it, the size it needs.
func (d *Model) View() string {
	st := d.Styles
	if !d.Fits() {
		w, h := d.needs()
		var out []string
		for _, s := range []string{
			st.Header.On(safetext.Terminal("Accept the Inquiring event of " + d.row.Inst.ID + "?")), "",
			fmt.Sprintf("make the terminal at least %dx%d to accept", w, h),
			"(this one is too small to show all the dialog must say)",
			"enter or esc cancels: nothing is accepted",
		} {
			out = append(out, common.Wrap(s, max(d.Width, 1))...)
		}
		return strings.Join(out, "\n")
	}
	return strings.Join(d.box(inner(d.Width), d.Height > 0), "\n")
}

// box is the dialog's box at inner columns, line by line; with why, the answer to the last
// key, when it leaves the box within the dialog's height (an answer to a key never makes
// a dialog that fit stop fitting).
func (d *Model) box(inner int, why bool) []string {
	st := d.Styles
	in, ev := d.row.Inst, d.ev
	now := d.Now()
	var text []string
	add := func(s string) { text = append(text, common.Wrap(safetext.Terminal(s), inner)...) }
	if d.loss != "" {
		// The worst comes first and unindented (docs/console.md): it is read before
		// anything else the dialog says.
		text = append(text, common.PaintWarning(st, true, common.Wrap(common.DangerMark+" "+safetext.Terminal(d.loss), inner))...)
	}
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
	if disks := ev.DiskNames(); disks != "" && d.loss == "" {
		add("damaged disk: " + disks)
	}
	if a := ev.Attr(); a.HostID != "" || a.Rack != "" {
		add(fmt.Sprintf("host %s · rack %s", common.OrDash(a.HostID), common.OrDash(a.Rack)))
	}
	if d.row.Eligibility.Allowed && !d.row.InProgress {
		// Only where R can answer it: a row that says NO REDEPLOY is never told to press R.
		add("A redeploy answers the event instead: cancel here and press R.")
	}
	if d.Destructive() {
		add("This loses data. Type the instance id (" + in.ID + ") to arm Accept:")
		text = append(text, d.input.View())
	}
	if why && d.why != "" {
		for _, l := range common.Wrap(d.why, inner) {
			text = append(text, st.Notice.On(l))
		}
	}
	text = append(text, "", d.buttons())
	lines := strings.Split(st.Box.Width(inner+2).Render(strings.Join(text, "\n")), "\n")
	if why && d.why != "" && len(lines) > d.Height {
		return d.box(inner, false)
	}
	return lines
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
