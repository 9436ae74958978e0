// Package confirm is the redeploy confirmation dialog. It names the instances and every
// consequence the hub's verdict gives, starts with Cancel focused, arms Redeploy for a
// destructive case only once the instance id (or, for a batch, the count) is typed, and
// tells the root the outcome with SubmitMsg or CancelMsg.
package confirm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// SubmitMsg is the engineer's confirmation: redeploy exactly Targets, with ForceStop. A
// batch runs at most MaxInFlight at once (fleet.PlanOptions.MaxInFlight, 1..10).
type SubmitMsg struct {
	Targets     []*fleet.Row
	ForceStop   bool
	MaxInFlight int
	// InWindow: each goes only inside its maintenance window (fleet.PlanOptions.InWindow).
	InWindow bool
	d        *Model
}

// CancelMsg says the dialog was cancelled: nothing is to be redeployed.
type CancelMsg struct{ d *Model }

// From reports whether dialog d said this. A root acts on a SubmitMsg only from the dialog
// it has open: one that a refresh closed in the meantime proves nothing.
func (s SubmitMsg) From(d *Model) bool { return d != nil && s.d == d }

// From reports whether dialog d said this.
func (c CancelMsg) From(d *Model) bool { return d != nil && c.d == d }

// SettledMsg tells the dialog that keys sent since it opened or changed have passed (see
// common.DialogSettles); the root routes it back to the dialog.
type SettledMsg = common.SettledMsg

// RereadMsg is the answer to the dialog's re-read (Reread): the snapshot that holds it,
// when it was asked (the backend's clock), or why it failed.
type RereadMsg struct {
	Snap *fleet.Snapshot
	At   time.Time
	Err  error
	d    *Model
}

// From reports whether dialog d asked for this re-read.
func (r RereadMsg) From(d *Model) bool { return d != nil && r.d == d }

// Focus is what the dialog's keyboard focus is on.
type Focus int

// Focus targets, in tab order.
const (
	FocusCancel Focus = iota
	FocusInput
	FocusConfirm
)

// Model is the dialog. It can be confirmed only once it has settled (no key of the burst
// that opened it was read by anyone) and only while everything it must say is on screen
// (Fits); once it has said SubmitMsg or CancelMsg it takes no more keys.
type Model struct {
	common.Common
	targets []*fleet.Row
	skipped []string // batch members that cannot be redeployed, with why
	// leftOut are selected instances the filter hides, "id (name)": not targets, and said so.
	leftOut   []string
	forceStop bool
	focus     Focus
	input     textinput.Model
	// over is set once the dialog has emitted its outcome: a key that arrives before the
	// root closes it must not submit twice.
	over bool
	// settle holds keys off until common.DialogSettles has passed since the dialog opened,
	// changed, or put the focus on an armed Redeploy.
	settle common.Settle
	// why answers an enter that did nothing (Redeploy not armed, a wrong id typed) until
	// the next key.
	why string
	// staleSince is set while the last refresh failed: the dialog's facts are as of then.
	staleSince time.Time
	staleErr   string
	// top is the first target a batch's scrolled list shows; seen is how many targets,
	// from the first, have been on screen. A batch arms only once seen covers them all: a
	// destructive batch is never confirmed on targets nobody was shown.
	top, seen int
	// maxInFlight is how many of a batch may be in flight at once (+ and -).
	maxInFlight int
	// fresh is set once the targets were read again after the dialog opened (Reread),
	// readAt when that read was asked; rereadErr is why it failed. The dialog never arms
	// on what the last listing said, however old.
	fresh     bool
	readAt    time.Time
	rereadErr string
	// inWindow is the batch's "in window" toggle (window.go); schedule is each target as
	// the hub would schedule it, by id, once read (scheduleRead), or why it was not
	// (scheduleErr); scheduleGen tells the answer to the current read; scheduler reads it.
	inWindow     bool
	schedule     map[string]fleet.PlanItem
	scheduleRead bool
	scheduleErr  string
	scheduleGen  int
	scheduler    func(ids []string) ([]fleet.PlanItem, error)
}

// maxInFlightCap is the most a batch may run at once from the console: the CLI's
// --max-in-flight takes more, a key held down should not.
const maxInFlightCap = 10

// minWindow is the fewest targets a scrolled target list shows at a time (docs/console.md
// promises three): the dialog drops lines it may drop to keep them, and asks for a larger
// terminal when even that is not room enough.
const minWindow = 3

// span is the targets [lo, hi) a scrolled list shows.
type span struct{ lo, hi int }

// earlyEnter answers an enter on Redeploy that came before the dialog settled from the
// focus landing there; once it settles, the dialog says that enter now redeploys.
const earlyEnter = "enter came before Redeploy could be seen focused: nothing was done; press enter again to redeploy"

// unsettle makes the dialog ignore keys until the returned message arrives: at once when
// the timers are off (tests that step), else after common.DialogSettles.
func (c *Model) unsettle() tea.Cmd { return c.settle.Start(c, c.Timers) }

// statement is what the dialog asks the engineer to agree to, for telling whether a
// refresh changed it: the targets, their status and the kinds of consequence. Countdowns
// are left out: they change every second and say nothing new.
func (c *Model) statement() string {
	var b strings.Builder
	for _, r := range c.targets {
		b.WriteString(r.Inst.ID + " " + string(r.Inst.Status) + ":")
		for _, w := range consequencesOf(r, c.forceStop) {
			if w.Kind != model.WarnDeadlineNear && w.Kind != model.WarnDeadlinePast {
				b.WriteString(" " + string(w.Kind))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// reset puts the dialog back where it opened: Cancel focused, the field empty.
func (c *Model) reset() {
	c.input.SetValue("")
	c.setFocus(FocusCancel)
}

// New opens a dialog for targets (none of them blocked or in progress). skipped are batch
// members that cannot be redeployed, with why; leftOut are selected rows the filter hides.
// The command settles it: run it, or the dialog never takes a key but esc.
func New(c common.Common, targets []*fleet.Row, skipped []string, leftOut []*fleet.Row) (*Model, tea.Cmd) {
	ti := common.NewTypedField(c.Styles)
	out := make([]string, len(leftOut))
	for i, r := range leftOut {
		out[i] = safetext.Terminal(r.Inst.ID + " (" + r.Inst.Name + ")")
	}
	m := &Model{Common: c, targets: targets, skipped: skipped, leftOut: out, input: ti, maxInFlight: fleet.DefaultMaxInFlight}
	return m, m.unsettle()
}

// Reread returns the command that reads the dialog's targets again through read (the
// hub's Reread: their events, attributes and tasks under way), whatever the refresh
// cadence; its RereadMsg goes to SetReread. The dialog cannot arm before.
func (c *Model) Reread(read func(ids []string) (*fleet.Snapshot, time.Time, error)) tea.Cmd {
	ids := make([]string, len(c.targets))
	for i, r := range c.targets {
		ids[i] = r.Inst.ID
	}
	return func() tea.Msg {
		s, at, err := read(ids)
		return RereadMsg{Snap: s, At: at, Err: err, d: c}
	}
}

// SetReread records the re-read's answer: asked at at, or failed with err.
func (c *Model) SetReread(at time.Time, err error) {
	c.fresh, c.readAt, c.rereadErr = err == nil, at, ""
	if err != nil {
		c.rereadErr = safetext.Terminal(err.Error())
	}
	c.markSeen(c.Now())
}

// Fresh reports whether the targets were read again since the dialog opened.
func (c *Model) Fresh() bool { return c.fresh }

// Targets are the rows the dialog would redeploy.
func (c *Model) Targets() []*fleet.Row { return c.targets }

// Focus is what has the dialog's keyboard.
func (c *Model) Focus() Focus { return c.focus }

// ForceStop reports whether ForceStop is on.
func (c *Model) ForceStop() bool { return c.forceStop }

// Destructive reports whether confirming needs the id, or the count, typed.
func (c *Model) Destructive() bool { return c.destructive() }

// Armed reports whether Redeploy can be pressed.
func (c *Model) Armed() bool { return c.armed(c.Now()) }

// Batch reports whether the dialog is for more than one instance.
func (c *Model) Batch() bool { return c.batch() }

// MaxInFlight is how many of the batch may be in flight at once.
func (c *Model) MaxInFlight() int { return c.maxInFlight }

// AllShown reports whether every target has been on screen.
func (c *Model) AllShown() bool { return c.seen >= len(c.targets) }

// Typed is what the confirmation field holds.
func (c *Model) Typed() string { return c.input.Value() }

// Init does nothing: New returned the command that settles the dialog.
func (c *Model) Init() tea.Cmd { return nil }

// Refresh points the dialog at the rows of a new snapshot (find looks one up by id). It
// returns the id of a target that can no longer be redeployed, for the root to close the
// dialog on: the engineer must never confirm on stale facts. When what the dialog says
// changed, it starts over at Cancel and ignores keys until it settles again (the command):
// a key pressed for the old text must not confirm the new one.
func (c *Model) Refresh(find func(id string) *fleet.Row) (gone string, changed bool, cmd tea.Cmd) {
	now := c.Now()
	before := c.statement()
	for i, old := range c.targets {
		r := find(old.Inst.ID)
		if r == nil || r.InProgress || !r.Eligibility.Allowed {
			return old.Inst.ID, false, nil
		}
		c.targets[i] = r
	}
	if c.statement() == before {
		return "", false, nil
	}
	c.reset()
	// The targets must be read again: what was shown of them is not what they are now.
	c.top, c.seen = 0, 0
	c.markSeen(now)
	return "", true, c.unsettle()
}

func (c *Model) batch() bool { return len(c.targets) > 1 }

// anyRunning reports whether ForceStop means anything here: it only changes how a Running
// instance is stopped.
func (c *Model) anyRunning() bool {
	for _, r := range c.targets {
		if r.Inst.Status == model.StatusRunning {
			return true
		}
	}
	return false
}

// destructive is true when a mistake loses data: local disks, ForceStop, or a batch. A
// batch nothing of which can go (in window, none fits) has no field: it cannot arm.
func (c *Model) destructive() bool {
	if c.batch() {
		return !c.noneGo()
	}
	return destroysData(c.targets[0], c.forceStop)
}

// losesData reports whether any target that can go destroys data.
func (c *Model) losesData() bool {
	for _, r := range c.going() {
		if destroysData(r, c.forceStop) {
			return true
		}
	}
	return false
}

// wipes reports whether a batch wipes some instance's local disks: then the count alone
// does not arm it (issue 11), the word wipe must be typed too.
func (c *Model) wipes() bool {
	for _, r := range c.going() {
		for _, w := range consequencesOf(r, c.forceStop) {
			if w.Kind == model.WarnLocalDiskWipe {
				return true
			}
		}
	}
	return false
}

// want is what must be typed to arm a destructive confirm: the id; for a batch the
// count, followed by "wipe" when local disks are wiped.
func (c *Model) want() string {
	switch {
	case !c.batch():
		return c.targets[0].Inst.ID
	case c.wipes():
		return strconv.Itoa(len(c.going())) + " wipe"
	}
	return strconv.Itoa(len(c.going()))
}

func (c *Model) armed(now time.Time) bool {
	return c.fresh && c.AllShown() && c.typedOK(now) && c.scheduleOK() && !c.noneGo()
}

// typedOK reports whether the field holds what arms Redeploy, or none is needed.
func (c *Model) typedOK(now time.Time) bool {
	return !c.destructive() || common.TypedMatches(c.input.Value(), c.want())
}

// notArmed says why enter did not press Redeploy.
func (c *Model) notArmed() string {
	typed := strings.TrimSpace(c.input.Value())
	if !c.fresh {
		if c.rereadErr != "" {
			return "enter did nothing: the instance could not be read again, so Redeploy stays disarmed; esc, then R, tries again"
		}
		return "enter did nothing: Redeploy is not armed until the instance has been read again from ECS (a moment)"
	}
	if !c.AllShown() {
		return fmt.Sprintf("enter did nothing: Redeploy is not armed until every target was shown; %d not shown yet (↓ scrolls)",
			len(c.targets)-c.seen)
	}
	if !c.scheduleOK() {
		return "enter did nothing: Redeploy is not armed until the maintenance windows are read and shown (m turns in window off)"
	}
	if c.noneGo() {
		return "enter did nothing: " + noneGoWhy
	}
	if typed == "" {
		return "enter did nothing: Redeploy is not armed; type " + c.want() + " in the field first"
	}
	return fmt.Sprintf("enter did nothing: the field says %q, not %s; Redeploy stays disarmed", typed, c.want())
}

// SetStale marks the dialog's facts as of updated, when the last refresh failed with err
// (nil: they are current).
func (c *Model) SetStale(err error, updated time.Time) {
	if err == nil {
		c.staleSince, c.staleErr = time.Time{}, ""
		return
	}
	c.staleSince, c.staleErr = updated, safetext.Terminal(err.Error())
	c.markSeen(c.Now())
}

// focusOrder is the tab ring: the input exists only in destructive cases.
func (c *Model) focusOrder(now time.Time) []Focus {
	if c.destructive() {
		return []Focus{FocusCancel, FocusInput, FocusConfirm}
	}
	return []Focus{FocusCancel, FocusConfirm}
}

// A move that lands on an armed Redeploy unsettles the dialog: enter must not press it
// before anyone has seen it focused. A paste of tab and enter arrives as two keys; the
// console drops the second only when it sees them within a few milliseconds of each
// other, and a slow frame between them hides that (a tester's unbracketed paste of tab
// and enter redeployed once in 21 tries).
func (c *Model) moveFocus(now time.Time, d int) tea.Cmd {
	ring := c.focusOrder(now)
	at := 0
	for i, f := range ring {
		if f == c.focus {
			at = i
		}
	}
	c.setFocus(ring[(at+d+len(ring))%len(ring)])
	if c.focus == FocusConfirm && c.armed(now) {
		return c.unsettle()
	}
	return nil
}

func (c *Model) setFocus(f Focus) {
	c.focus = f
	// The prompt marks the focus in words too, for terminals without colour.
	if f == FocusInput {
		c.input.Focus()
		c.input.Prompt = "> "
	} else {
		c.input.Blur()
		c.input.Prompt = "  "
	}
}

// SetSize fits the dialog, and its input, to the screen it has: the rows between the
// console's header lines and its footer.
func (c *Model) SetSize(width, height int) {
	c.Common.SetSize(width, height)
	c.input.Width = dialogInner(width) - 4
	c.markSeen(c.Now())
}

// markSeen counts the targets the dialog shows at its size as seen. Called after every
// change of size, content or scroll: what View draws next is this window.
func (c *Model) markSeen(now time.Time) {
	if c.Width <= 0 || !c.fits(now) {
		return // a cramped dialog shows no target
	}
	end := len(c.targets)
	if _, sp := c.layout(now, c.Width, c.Height); sp != nil {
		end = sp.hi
	}
	c.seen = max(c.seen, end)
}

// layout is the text width and, when not every target fits in height rows, the window of
// targets shown (nil: all of them). The window takes the rows every other line leaves,
// and at least the rows of minWindow targets (lines that may go then give way in View);
// it starts at c.top.
func (c *Model) layout(now time.Time, width, height int) (int, *span) {
	inner := c.inner(now, width)
	room := height - 2 // the box's border
	if !c.batch() || mustLines(c.content(now, inner, nil)) <= room {
		return inner, nil
	}
	others := len(c.content(now, inner, &span{c.top, c.top}))
	n := len(c.targets)
	least := 0
	for i := c.top; i < min(c.top+minWindow, n); i++ {
		least += len(common.Wrap(c.targetLine(i), inner))
	}
	left := max(room-others, least)
	sp := &span{lo: c.top, hi: c.top}
	for used := 0; sp.hi < n; sp.hi++ {
		l := len(common.Wrap(c.targetLine(sp.hi), inner))
		if sp.hi > sp.lo && used+l > left {
			break
		}
		used += l
	}
	return inner, sp
}

func mustLines(lines []dialogLine) int {
	n := 0
	for _, l := range lines {
		if l.prio >= prioMust {
			n++
		}
	}
	return n
}

// ShortHelp is the dialog's footer: on a screen too small to confirm, only cancelling.
func (c *Model) ShortHelp() []key.Binding {
	if !c.Fits() {
		return c.Keys.CrampedDialogHelp(c.batch() && c.inWindow)
	}
	if c.batch() {
		_, sp := c.layout(c.Now(), c.Width, c.Height)
		return c.Keys.BatchDialogHelp(sp != nil)
	}
	return c.Keys.DialogHelp()
}

// FullHelp is the dialog's keys.
func (c *Model) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }

// dialogInner is the dialog's text width on a screen width, before what it must show
// widens it (inner).
func dialogInner(width int) int { return max(min(width-4, 84), 20) }

// inner is the dialog's text width on a screen width: dialogInner, widened past its cap
// to the widest word it must show (a 128-character instance name) when the screen has
// the room, so that no such word is cut on a screen that fits.
func (c *Model) inner(now time.Time, width int) int {
	return max(dialogInner(width), min(c.widest(now), width-4))
}

// widest is the width the dialog's text needs so that wrapping cuts no word of a line it
// never drops: each word with what Wrap puts before it on a line of its own (a first
// word's own indent, a later one's "    " under an indented line).
func (c *Model) widest(now time.Time) int {
	w := 0
	for _, l := range c.content(now, 1<<15, nil) {
		if l.prio < prioMust {
			continue
		}
		indent := 0
		if strings.HasPrefix(l.text, "  ") {
			indent = 4
		}
		for i, word := range strings.Fields(l.text) {
			lead := indent
			if i == 0 {
				lead = lipgloss.Width(l.text[:strings.Index(l.text, word)])
			}
			w = max(w, lead+lipgloss.Width(word))
		}
	}
	return w
}

// Update handles its settle message and keys. Only enter on an armed Redeploy button
// confirms (SubmitMsg), and only on a settled dialog that fits the screen; esc, and enter
// on Cancel, cancel (CancelMsg).
func (c *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case SettledMsg:
		c.settle.Done(c, msg)
		if c.settle.Settled() && c.why == earlyEnter {
			c.why = "Redeploy is focused: enter now redeploys"
		}
		return c, nil
	case tea.KeyMsg:
		if c.over {
			return c, nil
		}
		res, cmd := c.key(msg, c.Now())
		c.markSeen(c.Now())
		switch res {
		case cancelled:
			c.over = true
			return c, common.Emit(CancelMsg{d: c})
		case confirmed:
			c.over = true
			return c, common.Emit(SubmitMsg{Targets: c.targets, ForceStop: c.forceStop, MaxInFlight: c.maxInFlight, InWindow: c.inWindow, d: c})
		default:
			return c, cmd
		}
	}
	return c, nil
}

// result is what a key did to the dialog.
type result int

const (
	open result = iota
	cancelled
	confirmed
)

// key handles one key.
func (c *Model) key(msg tea.KeyMsg, now time.Time) (result, tea.Cmd) {
	km := c.Keys
	if msg.Type == tea.KeyEsc {
		return cancelled, nil
	}
	if !c.settle.Settled() {
		// These keys were sent before anyone could read the dialog (a paste, a burst, a key
		// held down): none of them may move the focus, type, or confirm. Each starts the
		// window over (a debounce): auto-repeat sends a held key every 30-50 ms, so a held
		// enter never lets the dialog settle, and only a pause as long as DialogSettles does.
		if msg.Type == tea.KeyEnter && c.focus == FocusConfirm {
			c.why = earlyEnter
		}
		return open, c.unsettle()
	}
	if !c.fits(now) {
		// Part of what must be said is off screen: enter cancels, and nothing else acts but
		// the in-window toggle, which confirms nothing and may be what makes it too tall.
		if msg.Type == tea.KeyEnter {
			return cancelled, nil
		}
		if c.batch() && key.Matches(msg, km.InWindow) {
			return open, c.toggleWindow()
		}
		return open, nil
	}
	text := common.IsText(msg)
	if text && !c.destructive() {
		return open, nil // no field to take it, and text is never a key
	}
	c.why = ""
	switch {
	case msg.Type == tea.KeyTab:
		return open, c.moveFocus(now, 1)
	case msg.Type == tea.KeyShiftTab:
		return open, c.moveFocus(now, -1)
	}
	if c.batch() && !text && c.batchKey(msg, now) {
		return open, nil
	}
	if c.focus != FocusInput && c.destructive() && msg.Type == tea.KeyRunes && !msg.Alt &&
		(text || !key.Matches(msg, km.ForceStop, km.InWindow, km.NextButton, km.PrevButton, km.TargetsUp, km.TargetsDown)) {
		// Typing is for the field, whatever has the focus: an id typed or pasted while
		// Cancel is focused must not toggle ForceStop (f) or move the focus (h, l) on its way.
		c.setFocus(FocusInput)
	}
	if c.focus == FocusInput {
		if msg.Type == tea.KeyEnter {
			if c.armed(now) {
				// Enter now means Redeploy: an enter held down, or pasted after the id,
				// must not press it before anyone has seen it focused.
				c.setFocus(FocusConfirm)
				return open, c.unsettle()
			}
			c.why = c.notArmed()
			return open, nil
		}
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(msg)
		return open, cmd
	}
	switch {
	case key.Matches(msg, km.Choose):
		if c.focus == FocusConfirm && c.armed(now) {
			return confirmed, nil
		}
		if c.focus == FocusConfirm {
			c.why = c.notArmed()
		}
		if c.focus == FocusCancel {
			return cancelled, nil
		}
	case key.Matches(msg, km.ForceStop):
		if c.anyRunning() {
			c.forceStop = !c.forceStop
			if c.focus == FocusConfirm && !c.armed(now) {
				c.setFocus(FocusCancel)
			}
		}
	case key.Matches(msg, km.InWindow) && c.batch():
		return open, c.toggleWindow()
	case key.Matches(msg, km.NextButton):
		return open, c.moveFocus(now, 1)
	case key.Matches(msg, km.PrevButton):
		return open, c.moveFocus(now, -1)
	}
	return open, nil
}

// batchKey handles a batch's own keys and reports whether msg was one: scrolling the
// targets, a line or a page (j and k only while the field does not have the focus: there
// they are typed)
// and + and - (whatever has the focus: the field never needs them).
func (c *Model) batchKey(msg tea.KeyMsg, now time.Time) bool {
	km := c.Keys
	typing := c.focus == FocusInput && msg.Type == tea.KeyRunes
	switch {
	case key.Matches(msg, km.TargetsDown) && !typing:
		if _, sp := c.layout(now, c.Width, c.Height); sp != nil && sp.hi < len(c.targets) {
			c.top++
		}
	case key.Matches(msg, km.TargetsUp) && !typing:
		c.top = max(c.top-1, 0)
	case key.Matches(msg, km.PageDown):
		// A window on, one target at a time: the next window starts where this one ended,
		// so a page skips no target unseen.
		if _, sp := c.layout(now, c.Width, c.Height); sp != nil {
			for range sp.hi - sp.lo {
				if _, sp := c.layout(now, c.Width, c.Height); sp.hi < len(c.targets) {
					c.top++
				}
			}
		}
	case key.Matches(msg, km.PageUp):
		if _, sp := c.layout(now, c.Width, c.Height); sp != nil {
			c.top = max(c.top-(sp.hi-sp.lo), 0)
		}
	case key.Matches(msg, km.MoreInFlight):
		if c.maxInFlight < maxInFlightCap {
			// More at once widens what one bad wave takes down: the count typed for the
			// smaller limit does not confirm this one.
			c.maxInFlight++
			c.reset()
			c.why = fmt.Sprintf("at most %d at once now: type the confirmation again", c.maxInFlight)
		}
	case key.Matches(msg, km.FewerInFlight):
		// Fewer at once only narrows the blast radius: what was typed still stands.
		c.maxInFlight = max(c.maxInFlight-1, 1)
	default:
		return false
	}
	return true
}

// Line priorities: when the terminal is short, the dialog drops its lowest-priority
// lines first. The buttons, the targets, the consequences, the typed id and what is left
// out never go; when they do not fit, the dialog cannot be confirmed (fits).
const (
	prioBlank = iota
	prioHeading
	prioEvent
	prioRegion
	prioSkipped
	prioForceStop
	prioMust
)

type dialogLine struct {
	text string
	prio int
	// fact numbers the sentence a line belongs to: a sentence wrapped over several lines
	// leaves whole, never as a half ending in "deadline".
	fact int
	// skip is 1 + the index in skipped of the member a prioSkipped line names.
	skip int
	// alt marks the rows kept for the summary of skipped members a short screen drops
	// (skippedSummary): View draws the summary there, or nothing when none was dropped.
	alt bool
}

// targetLine is how a batch names target i: id, name, zone, deployment set, status.
func (c *Model) targetLine(i int) string {
	r := c.targets[i]
	line := fmt.Sprintf("  %s (%s) · %s", r.Inst.ID, r.Inst.Name, r.Inst.ZoneID)
	if ds := r.Inst.DeploymentSetID; ds != "" {
		line += " · set " + ds
	}
	line += " · " + string(r.Inst.Status)
	if c.inWindow {
		line += " · " + c.dueWords(r.Inst.ID, c.Now())
	}
	return safetext.Terminal(line)
}

// content is every line the dialog has, wrapped to inner columns, before a short screen
// drops any. A batch lists the targets of sp, with where the window is, or all of them
// (sp nil).
func (c *Model) content(now time.Time, inner int, sp *span) []dialogLine {
	st := c.Styles
	var lines []dialogLine
	fact := 0
	add := func(prio int, s string) {
		fact++
		for _, l := range common.Wrap(s, inner) {
			lines = append(lines, dialogLine{text: l, prio: prio, fact: fact})
		}
	}
	blank := func() { fact++; lines = append(lines, dialogLine{text: "", prio: prioBlank, fact: fact}) }
	// warn adds one consequence (common.WarningLine), data loss painted on every line it
	// wraps to.
	warn := func(s string) {
		fact++
		loss := strings.HasPrefix(s, "  "+common.DangerMark)
		for _, l := range common.PaintWarning(st, loss, common.Wrap(s, inner)) {
			lines = append(lines, dialogLine{text: l, prio: prioMust, fact: fact})
		}
	}
	destructive := c.destructive()

	if c.batch() {
		regions := map[string]int{}
		for _, r := range c.targets {
			regions[r.Inst.RegionID]++
		}
		var rs []string
		for _, r := range c.targets {
			if n, ok := regions[r.Inst.RegionID]; ok {
				rs = append(rs, fmt.Sprintf("%s (%d)", r.Inst.RegionID, n))
				delete(regions, r.Inst.RegionID)
			}
		}
		add(prioMust, st.Header.On(c.question()))
		// R acts on exactly these: each is named by id and name, and none may be dropped;
		// a long list scrolls, and the dialog arms only once all of it was shown.
		lo, hi := 0, len(c.targets)
		if sp != nil {
			lo, hi = sp.lo, sp.hi
			add(prioMust, fmt.Sprintf("targets %d–%d of %d (↑/↓ scroll)", lo+1, hi, len(c.targets)))
		}
		for i := lo; i < hi; i++ {
			add(prioMust, c.targetLine(i))
		}
		if !c.AllShown() {
			// One line at 80 columns: it must leave the window its three targets.
			add(prioMust, st.Warn.On(fmt.Sprintf("not armed until every target was shown: %d not shown yet (↓ scrolls)",
				len(c.targets)-c.seen)))
		}
		add(prioRegion, safetext.Terminal("regions: "+strings.Join(rs, ", ")))
		// How the hub runs it (fleet.Plan): the engineer must not expect all at once. The
		// limit is the engineer's to set (+ and -), so it is never dropped.
		add(prioMust, fmt.Sprintf("runs in waves: at most %d at once (+/- change it), one per deployment set, deadline first; the first failure pauses it (c continues, x aborts)",
			c.maxInFlight))
		if c.inWindow {
			add(prioMust, c.windowLine(now))
		} else {
			add(prioForceStop, c.windowLine(now))
		}
	} else {
		in := c.targets[0].Inst
		add(prioMust, st.Header.On(safetext.Terminal(fmt.Sprintf("Redeploy %s (%s)?", in.ID, in.Name))))
		add(prioRegion, safetext.Terminal(fmt.Sprintf("region %s · zone %s · %s · %s", in.RegionID, in.ZoneID, in.InstanceType, in.Status)))
		r := c.targets[0]
		if ev := r.Eligibility.Event; ev != nil {
			add(prioEvent, safetext.Terminal(fmt.Sprintf("answers %s (%s), deadline %s", ev.Type, ev.CycleStatus, model.Countdown(ev.NotBefore, now))))
		}
		// A second pending event must not surprise anyone when the first is avoided and
		// the row flips to it (issue 13).
		for _, ev := range append([]*model.Event{r.Event}, r.OtherEvents...) {
			switch {
			case ev == nil || ev == r.Eligibility.Event || !ev.CycleStatus.Pending():
			case ev.Simulated:
				// A drill is a rehearsal (CreateSimulatedSystemEvents): named as every other
				// screen names it, and with no deadline to worry anyone.
				add(prioEvent, safetext.Terminal(fmt.Sprintf("the instance also has a DRILL %s pending (%s): a rehearsal, nothing happens at its deadline", ev.Type, ev.CycleStatus)))
			default:
				add(prioEvent, safetext.Terminal(fmt.Sprintf("the instance also has %s pending (%s), deadline %s", ev.Type, ev.CycleStatus, model.Countdown(ev.NotBefore, now))))
			}
		}
	}
	if c.staleErr != "" {
		// The engineer must not confirm believing these facts are current.
		when := "never refreshed"
		if !c.staleSince.IsZero() {
			when = "as of " + model.FormatDuration(now.Sub(c.staleSince)) + " ago"
		}
		add(prioMust, st.Bad.On("STALE")+": the last refresh failed; what this says is "+when+" ("+safetext.Terminal(c.staleErr)+")")
	}
	// How old what the dialog says is: the targets are read again when it opens.
	switch {
	case c.rereadErr != "":
		add(prioMust, st.Bad.On("NOT READ AGAIN")+": "+safetext.Terminal(c.rereadErr)+"; Redeploy stays disarmed (esc, then R, tries again)")
	case !c.fresh:
		// Like the age that follows it, it gives way on a short screen: enter then says why
		// it did nothing.
		add(prioHeading, st.Warn.On("reading it again from ECS…")+" Redeploy arms once the answer is in")
	default:
		// Informative once read: on a short screen it goes before the event and region.
		add(prioHeading, "as read from ECS "+model.FormatDuration(c.WallNow().Sub(c.readAt))+" ago")
	}
	if len(c.leftOut) > 0 {
		// Selected, but hidden by the filter: the engineer must know R leaves them alone.
		add(prioMust, fmt.Sprintf("left out, hidden by the filter (%d): %s", len(c.leftOut), strings.Join(c.leftOut, ", ")))
	}
	blank()
	add(prioHeading, "What will happen:")
	for _, w := range c.consequences() {
		warn(w)
	}
	if c.noneGo() {
		add(prioMust, "  nothing: no target can go in window")
	}
	for i, s := range c.skipped {
		add(prioSkipped, "  skipped: "+safetext.Terminal(s))
		for j := len(lines) - 1; j >= 0 && lines[j].fact == fact; j-- {
			lines[j].skip = i + 1
		}
	}
	if len(c.skipped) > 0 {
		// A skipped member is never dropped silently: the rows its summary takes when
		// every one is dropped are kept (prioMust), and View draws there those dropped.
		fact++
		for _, l := range common.Wrap(c.skippedSummary(c.skipped, len(c.skipped)), inner) {
			lines = append(lines, dialogLine{text: l, prio: prioMust, fact: fact, alt: true})
		}
	}
	blank()
	switch {
	case !c.anyRunning():
		add(prioForceStop, "ForceStop: not applicable (nothing is Running)")
	case c.forceStop:
		add(prioMust, st.Bad.On("ForceStop: [x] ON")+"  (f turns it off)")
	default:
		add(prioForceStop, "ForceStop: [ ] off  (f turns it on: a hard power-off)")
	}
	if destructive {
		what := "the instance id"
		switch {
		case c.batch() && c.wipes():
			what = "the number of instances and the word wipe"
		case c.batch():
			what = "the number of instances"
		}
		why := "This loses data."
		if !c.losesData() {
			why = "This is a batch."
		}
		if c.losesData() {
			why = st.Bad.On(why)
		}
		add(prioMust, fmt.Sprintf("%s Type %s (%s) to arm Redeploy:", why, what, c.want()))
		add(prioMust, c.input.View())
	}
	if c.noneGo() {
		add(prioMust, st.Bad.On("Redeploy cannot arm")+": "+noneGoWhy)
	}
	blank()
	add(prioMust, c.buttons(now))
	if c.why != "" {
		// Lower than what must be said: an answer to a key never makes a dialog that fit
		// stop fitting.
		add(prioForceStop, st.Warn.On(c.why))
	}
	return lines
}

// MinWidth is the narrowest terminal, in columns, a dialog can be confirmed on: narrower,
// its lines wrap into more rows than most terminals have. It is the one constant of the
// one rule (SizeRule) that the dialog, the help and the docs state.
const MinWidth = common.DialogMinWidth

// SizeRule is the dialog's size rule in one sentence, as the docs state it.
func SizeRule() string {
	return fmt.Sprintf("The dialog can be confirmed only on a terminal at least %d columns wide and tall enough "+
		"for everything it must say; on a smaller one it says the size it needs (make the terminal at least WxH to confirm), "+
		"and enter cancels.", MinWidth)
}

// needs is the size the dialog asks for, in columns and rows (header, info line and
// footer included): MinWidth columns, and the rows every line it never drops takes at
// that width. A word wider than the box (a 128-character instance name) is broken over
// lines, never cut (common.Wrap), so it asks for rows, not columns. The same for every
// terminal it is asked on: one size, never a different one per width.
func (c *Model) needs(now time.Time) (width, height int) {
	return MinWidth, c.rowsAt(now, MinWidth)
}

// rowsAt is the rows, header, info line and footer included, the dialog takes at width
// when everything it must say is shown: every line it never drops, with no word cut.
func (c *Model) rowsAt(now time.Time, width int) int {
	inner := c.inner(now, width)
	must := mustLines(c.content(now, inner, nil))
	if c.batch() {
		// A scrolled list needs only its window: minWindow targets whole, the tallest
		// ones (the window may stop at any of them).
		var ls []int
		for i := range c.targets {
			ls = append(ls, len(common.Wrap(c.targetLine(i), inner)))
		}
		if len(ls) > minWindow {
			slices.Sort(ls)
			win := 0
			for _, l := range ls[len(ls)-minWindow:] {
				win += l
			}
			others := mustLines(c.content(now, inner, &span{c.top, c.top}))
			must = min(must, others+win)
		}
	}
	return must + 2 + 3
}

// Fits reports whether everything the dialog must say is on screen: the targets, the
// consequences, the typed field when one is needed and both buttons. Only then can it be
// confirmed. A terminal of the size needs states always fits.
func (c *Model) Fits() bool { return c.fits(c.Now()) }

func (c *Model) fits(now time.Time) bool {
	w, _ := c.needs(now)
	return c.Width >= w && c.Height+3 >= c.rowsAt(now, c.Width)
}

// View renders the dialog box to fit its size, or, on a screen too small for what it must
// say, how large the screen must be.
func (c *Model) View() string {
	now := c.Now()
	st, width, height := c.Styles, c.Width, c.Height
	if !c.fits(now) {
		w, h := c.needs(now)
		title := c.question()
		if !c.batch() {
			title = safetext.Terminal(fmt.Sprintf("Redeploy %s (%s)?", c.targets[0].Inst.ID, c.targets[0].Inst.Name))
		}
		var out []string
		say := []string{st.Header.On(title), ""}
		if c.inWindow {
			// m still acts here: the way out of a dialog that cannot arm must be on screen.
			s := "in window is on (m turns it off)"
			if c.noneGo() {
				s += ": no target has a maintenance window before its " + marginWords() + ", so Redeploy cannot arm at any size"
			}
			say = append(say, s, "")
		}
		size := fmt.Sprintf("make the terminal at least %dx%d to confirm", w, h)
		if c.noneGo() {
			size = fmt.Sprintf("make the terminal at least %dx%d to see it all", w, h)
		}
		say = append(say, size,
			"(this one is too small to show all the dialog must say)",
			"enter or esc cancels: nothing is redeployed")
		for _, s := range say {
			out = append(out, common.Wrap(s, max(width, 1))...)
		}
		return strings.Join(out, "\n")
	}
	inner, sp := c.layout(now, width, height)
	lines := c.content(now, inner, sp)

	// The box's border takes two lines. Skipped members that go are summed up in the
	// rows kept for it (alt), never dropped silently.
	var dropped []string
	summary := func() []string {
		if len(dropped) == 0 {
			return nil
		}
		return common.Wrap(c.skippedSummary(dropped, len(c.skipped)), inner)
	}
	alts := 0
	for _, l := range lines {
		if l.alt {
			alts++
		}
	}
	for room := height - 2; len(lines)-alts+len(summary()) > room; {
		drop := -1
		for i := len(lines) - 1; i >= 0; i-- {
			if lines[i].prio < prioMust && (drop < 0 || lines[i].prio < lines[drop].prio) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		if k := lines[drop].skip; k > 0 {
			dropped = append([]string{c.skipped[k-1]}, dropped...)
		}
		gone := lines[drop].fact
		lines = slices.DeleteFunc(lines, func(l dialogLine) bool { return l.fact == gone })
	}
	var text []string
	sum := summary()
	for _, l := range lines {
		switch {
		case !l.alt:
			text = append(text, l.text)
		case sum != nil:
			text, sum = append(text, sum...), nil
		}
	}
	box := st.Box.Width(inner + 2).Render(strings.Join(text, "\n"))
	return st.R.PlaceHorizontal(width, lipgloss.Center, box)
}

// consequences are the warnings of every target, worded for someone woken at 3 a.m.
// A batch lists DATA LOSS first, then downtime, then the rest (issue 11): the worst is
// read first. One instance keeps model.Evaluate's order, where ForceStop's warning follows
// the downtime it hardens.
func (c *Model) consequences() []string {
	if !c.batch() {
		var out []string
		for _, w := range consequencesOf(c.targets[0], c.forceStop) {
			out = append(out, common.WarningLine(w.Destructive, w.Message))
		}
		return out
	}
	type agg struct {
		ids         []string
		destructive bool
		first       string
	}
	var order []model.WarningKind
	by := map[model.WarningKind]*agg{}
	for _, r := range c.going() {
		for _, w := range consequencesOf(r, c.forceStop) {
			a := by[w.Kind]
			if a == nil {
				a = &agg{destructive: w.Destructive, first: w.Message}
				by[w.Kind] = a
				order = append(order, w.Kind)
			}
			a.ids = append(a.ids, r.Inst.ID)
		}
	}
	slices.SortStableFunc(order, func(a, b model.WarningKind) int {
		return model.Gravity(model.Warning{Kind: a, Destructive: by[a].destructive}) - model.Gravity(model.Warning{Kind: b, Destructive: by[b].destructive})
	})
	var out []string
	for _, k := range order {
		a := by[k]
		// In a batch a consequence names whom it hits: "local disks are wiped" is no use
		// without which instance's.
		msg := a.ids[0] + ": " + a.first
		if n := len(a.ids); n > 1 {
			msg = fmt.Sprintf("%d instances: %s", n, batchWording(k, a.first))
			if a.destructive {
				msg += " (" + strings.Join(a.ids, ", ") + ")"
			}
		}
		out = append(out, common.WarningLine(a.destructive, msg))
	}
	return out
}

// batchWording words a consequence for several instances at once.
func batchWording(k model.WarningKind, first string) string {
	switch k {
	case model.WarnLocalDiskWipe:
		return "local disks are re-initialized: ALL DATA ON THEM IS WIPED"
	case model.WarnDowntime:
		return "Running: Stopping → Stopped → Starting → Running; expect downtime"
	case model.WarnStartOnly:
		return "Stopped: Starting → Running, and left running"
	case model.WarnForceStop:
		return "ForceStop is like pulling the power: data not yet written to disk is lost"
	case model.WarnDeadlineNear:
		return "deadline within the hour"
	case model.WarnDeadlinePast:
		return "deadline passed: the platform may act at any moment"
	}
	return first
}

func (c *Model) buttons(now time.Time) string {
	st := c.Styles
	label := "Redeploy"
	if c.batch() {
		label = fmt.Sprintf("Redeploy %d", len(c.going()))
	}
	cancel := st.Button.Render("  Cancel  ")
	if c.focus == FocusCancel {
		cancel = st.ButtonFocused.Render("> Cancel <")
	}
	var ok string
	switch {
	case !c.armed(now) && c.focus == FocusConfirm:
		// Focus is marked in words as well as style: NO_COLOR shows it too.
		ok = st.ButtonDisarmed.Reverse(true).Render("> " + label + " (" + c.toArm(now) + ") <")
	case !c.armed(now):
		ok = st.ButtonDisarmed.Render("  " + label + " (" + c.toArm(now) + ")  ")
	case c.focus == FocusConfirm:
		ok = st.ButtonFocused.Render("> " + label + " <")
	default:
		ok = st.Button.Render("  " + label + "  ")
	}
	return cancel + "    " + ok
}

// toArm says on a disarmed button what arms it.
func (c *Model) toArm(now time.Time) string {
	switch {
	case c.noneGo():
		return "nothing can go"
	case !c.fresh && c.rereadErr != "":
		return "not read again"
	case !c.fresh:
		// What holds it is the read, not the engineer: "scroll" would send them looking
		// for a list one instance does not have.
		return "reading from ECS"
	case !c.typedOK(now):
		return "type to arm"
	case !c.scheduleOK():
		return "reading windows"
	}
	return "scroll to arm"
}
