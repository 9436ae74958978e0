package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// dialogFocus is what the confirm dialog's keyboard focus is on.
type dialogFocus int

const (
	focusCancel dialogFocus = iota
	focusInput
	focusConfirm
)

// dialogResult is what a key did to the dialog.
type dialogResult int

const (
	dialogOpen dialogResult = iota
	dialogCancelled
	dialogConfirmed
)

// confirm is the redeploy confirmation: it names the instances and every consequence the
// eligibility rules give, starts with Cancel focused, and arms Redeploy for a destructive
// case only once the instance id (or, for a batch, the count) is typed.
//
// It can be confirmed only once it has settled (no key of the burst that opened it was
// read by anyone) and only while everything it must say is on screen (fits).
type confirm struct {
	common
	targets []*fleet.Row
	skipped []string // batch members that cannot be redeployed, with why
	// leftOut are selected instances the filter hides, "id (name)": not targets, and said so.
	leftOut   []string
	forceStop bool
	focus     dialogFocus
	input     textinput.Model
	// settled is false until dialogSettles has passed since the dialog opened or changed;
	// gen tells a settle meant for an older state of the dialog from the current one.
	settled bool
	gen     int
	// cramped is !fits as of the last Update, for the footer, which has no clock.
	cramped bool
}

// dialogSettles is how long a dialog ignores every key but esc after it opens or its
// content changes. A paste or a burst arrives in microseconds, a person's next key after
// reading takes far longer; 300 ms is below any reading time and above any burst.
const dialogSettles = 300 * time.Millisecond

// dialogSettledMsg tells dialog d, in the state numbered gen, that it may take keys.
type dialogSettledMsg struct {
	d   *confirm
	gen int
}

// unsettle makes the dialog ignore keys until the returned message arrives: at once when
// the timers are off (tests that step), else after dialogSettles.
func (c *confirm) unsettle(tick time.Duration) tea.Cmd {
	c.settled = false
	c.gen++
	msg := dialogSettledMsg{d: c, gen: c.gen}
	if tick < 0 {
		return func() tea.Msg { return msg }
	}
	return tea.Tick(dialogSettles, func(time.Time) tea.Msg { return msg })
}

// settle applies a dialogSettledMsg addressed to this dialog's current state.
func (c *confirm) settle(msg dialogSettledMsg) {
	if msg.d == c && msg.gen == c.gen {
		c.settled = true
	}
}

// statement is what the dialog asks the engineer to agree to, for telling whether a
// refresh changed it: the targets, their status and the kinds of consequence. Countdowns
// are left out: they change every second and say nothing new.
func (c *confirm) statement(now time.Time) string {
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
func (c *confirm) reset() {
	c.input.SetValue("")
	c.setFocus(focusCancel)
}

func newConfirm(c common, targets []*fleet.Row, skipped, leftOut []string) *confirm {
	st := c.st
	ti := textinput.New()
	ti.Prompt = "  "
	ti.Cursor.SetMode(cursor.CursorStatic)
	ns := st.r.NewStyle
	ti.PromptStyle, ti.TextStyle, ti.PlaceholderStyle, ti.CompletionStyle = ns(), ns(), ns(), ns()
	ti.Cursor.Style, ti.Cursor.TextStyle = ns().Reverse(true), ns()
	ti.CharLimit = 64
	// Without colour an empty field is invisible: say where it is.
	ti.Placeholder = "(type it here)"
	return &confirm{common: c, targets: targets, skipped: skipped, leftOut: leftOut, input: ti}
}

func (c *confirm) batch() bool { return len(c.targets) > 1 }

// anyRunning reports whether ForceStop means anything here: it only changes how a Running
// instance is stopped.
func (c *confirm) anyRunning() bool {
	for _, r := range c.targets {
		if r.Inst.Status == model.StatusRunning {
			return true
		}
	}
	return false
}

// destructive is true when a mistake loses data: local disks, ForceStop, or a batch.
func (c *confirm) destructive(now time.Time) bool {
	if c.batch() {
		return true
	}
	return destroysData(c.targets[0], c.forceStop)
}

// losesData reports whether any target's redeploy destroys data.
func (c *confirm) losesData(now time.Time) bool {
	for _, r := range c.targets {
		if destroysData(r, c.forceStop) {
			return true
		}
	}
	return false
}

// want is what must be typed to arm a destructive confirm.
func (c *confirm) want() string {
	if c.batch() {
		return strconv.Itoa(len(c.targets))
	}
	return c.targets[0].Inst.ID
}

func (c *confirm) armed(now time.Time) bool {
	return !c.destructive(now) || strings.TrimSpace(c.input.Value()) == c.want()
}

// focusOrder is the tab ring: the input exists only in destructive cases.
func (c *confirm) focusOrder(now time.Time) []dialogFocus {
	if c.destructive(now) {
		return []dialogFocus{focusCancel, focusInput, focusConfirm}
	}
	return []dialogFocus{focusCancel, focusConfirm}
}

func (c *confirm) moveFocus(now time.Time, d int) {
	ring := c.focusOrder(now)
	at := 0
	for i, f := range ring {
		if f == c.focus {
			at = i
		}
	}
	c.setFocus(ring[(at+d+len(ring))%len(ring)])
}

func (c *confirm) setFocus(f dialogFocus) {
	c.focus = f
	// The prompt marks the focus in words too, for terminals without colour.
	if f == focusInput {
		c.input.Focus()
		c.input.Prompt = "> "
	} else {
		c.input.Blur()
		c.input.Prompt = "  "
	}
}

// SetSize fits the dialog, and its input, to the screen it has.
func (c *confirm) SetSize(width, height int) {
	c.common.SetSize(width, height)
	c.input.Width = dialogInner(width) - 4
}

// ShortHelp is the dialog's footer: on a screen too small to confirm, only cancelling.
func (c *confirm) ShortHelp() []key.Binding {
	if c.cramped {
		return c.keys.crampedDialogHelp()
	}
	return c.keys.dialogHelp()
}

// FullHelp is the dialog's keys.
func (c *confirm) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }

// dialogInner is the dialog's text width on a screen width.
func dialogInner(width int) int { return max(min(width-4, 84), 20) }

// update handles one key. Only enter on an armed Redeploy button confirms, and only on a
// settled dialog that fits the screen.
func (c *confirm) update(msg tea.KeyMsg, now time.Time) (dialogResult, tea.Cmd) {
	km := c.keys
	if msg.Type == tea.KeyEsc {
		return dialogCancelled, nil
	}
	if !c.settled {
		// These keys were sent before anyone could read the dialog (a paste, a burst, a key
		// held down): none of them may move the focus, type, or confirm.
		return dialogOpen, nil
	}
	if !c.fits(now) {
		// Part of what must be said is off screen: enter cancels, nothing else acts.
		if msg.Type == tea.KeyEnter {
			return dialogCancelled, nil
		}
		return dialogOpen, nil
	}
	text := isText(msg)
	if text && !c.destructive(now) {
		return dialogOpen, nil // no field to take it, and text is never a key
	}
	switch {
	case msg.Type == tea.KeyTab:
		c.moveFocus(now, 1)
		return dialogOpen, nil
	case msg.Type == tea.KeyShiftTab:
		c.moveFocus(now, -1)
		return dialogOpen, nil
	}
	if c.focus != focusInput && c.destructive(now) && msg.Type == tea.KeyRunes && !msg.Alt &&
		(text || !key.Matches(msg, km.ForceStop, km.NextButton, km.PrevButton)) {
		// Typing is for the field, whatever has the focus: an id typed or pasted while
		// Cancel is focused must not toggle ForceStop (f) or move the focus (h, l) on its way.
		c.setFocus(focusInput)
	}
	if c.focus == focusInput {
		if msg.Type == tea.KeyEnter {
			if c.armed(now) {
				c.setFocus(focusConfirm)
			}
			return dialogOpen, nil
		}
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(msg)
		return dialogOpen, cmd
	}
	switch {
	case key.Matches(msg, km.Choose):
		if c.focus == focusConfirm && c.armed(now) {
			return dialogConfirmed, nil
		}
		if c.focus == focusCancel {
			return dialogCancelled, nil
		}
	case key.Matches(msg, km.ForceStop):
		if c.anyRunning() {
			c.forceStop = !c.forceStop
			if c.focus == focusConfirm && !c.armed(now) {
				c.setFocus(focusCancel)
			}
		}
	case key.Matches(msg, km.NextButton):
		c.moveFocus(now, 1)
	case key.Matches(msg, km.PrevButton):
		c.moveFocus(now, -1)
	}
	return dialogOpen, nil
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
}

// content is every line the dialog has, wrapped to inner columns, before a short screen
// drops any.
func (c *confirm) content(now time.Time, inner int) []dialogLine {
	st := c.st
	var lines []dialogLine
	fact := 0
	add := func(prio int, s string) {
		fact++
		for _, l := range wrap(s, inner) {
			lines = append(lines, dialogLine{l, prio, fact})
		}
	}
	blank := func() { fact++; lines = append(lines, dialogLine{"", prioBlank, fact}) }
	destructive := c.destructive(now)

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
		add(prioMust, st.Header.on(fmt.Sprintf("Redeploy these %d instances?", len(c.targets))))
		// R acts on exactly these: each is named by id and name, and none may be dropped.
		for _, r := range c.targets {
			add(prioMust, fmt.Sprintf("  %s (%s) · %s · %s", r.Inst.ID, r.Inst.Name, r.Inst.ZoneID, r.Inst.Status))
		}
		add(prioRegion, "regions: "+strings.Join(rs, ", "))
	} else {
		in := c.targets[0].Inst
		add(prioMust, st.Header.on(fmt.Sprintf("Redeploy %s (%s)?", in.ID, in.Name)))
		add(prioRegion, fmt.Sprintf("region %s · zone %s · %s · %s", in.RegionID, in.ZoneID, in.InstanceType, in.Status))
		if ev := c.targets[0].Eligibility.Event; ev != nil {
			add(prioEvent, fmt.Sprintf("answers %s (%s), deadline %s", ev.Type, ev.CycleStatus, model.Countdown(ev.NotBefore, now)))
		}
	}
	if len(c.leftOut) > 0 {
		// Selected, but hidden by the filter: the engineer must know R leaves them alone.
		add(prioMust, fmt.Sprintf("left out, hidden by the filter (%d): %s", len(c.leftOut), strings.Join(c.leftOut, ", ")))
	}
	blank()
	add(prioHeading, "What will happen:")
	for _, w := range c.consequences(now) {
		add(prioMust, w)
	}
	for _, s := range c.skipped {
		add(prioSkipped, "  skipped: "+s)
	}
	blank()
	switch {
	case !c.anyRunning():
		add(prioForceStop, "ForceStop: not applicable (nothing is Running)")
	case c.forceStop:
		add(prioMust, st.Bad.on("ForceStop: [x] ON")+"  (f turns it off)")
	default:
		add(prioForceStop, "ForceStop: [ ] off  (f turns it on: a hard power-off)")
	}
	if destructive {
		what := "the instance id"
		if c.batch() {
			what = "the number of instances"
		}
		why := "This loses data."
		if !c.losesData(now) {
			why = "This is a batch."
		}
		add(prioMust, fmt.Sprintf("%s Type %s (%s) to arm Redeploy:", why, what, c.want()))
		add(prioMust, c.input.View())
	}
	blank()
	add(prioMust, c.buttons(now))
	return lines
}

// minDialogWidth is the narrowest screen a dialog box is drawn on.
const minDialogWidth = 24

// needs is the smallest screen, in columns and rows (header, info line and footer
// included), on which everything the dialog must say is shown: every line it never drops,
// with no word cut.
func (c *confirm) needs(now time.Time) (width, height int) {
	width = max(c.width, minDialogWidth)
	for _, l := range c.content(now, dialogInner(width)) {
		if l.prio < prioMust {
			continue
		}
		for _, w := range strings.Fields(l.text) {
			// A box is its text plus a border and a space each side.
			width = max(width, lipgloss.Width(w)+4)
		}
	}
	must := 0
	for _, l := range c.content(now, dialogInner(width)) {
		if l.prio >= prioMust {
			must++
		}
	}
	return width, must + 2 + 3
}

// fits reports whether everything the dialog must say is on screen now: the consequences,
// the typed field when one is needed and both buttons. Only then can it be confirmed.
func (c *confirm) fits(now time.Time) bool {
	w, h := c.needs(now)
	return c.width >= w && c.height+3 >= h
}

// view renders the dialog box to fit width×height, or, on a screen too small for what it
// must say, how large the screen must be.
func (c *confirm) view(now time.Time) string {
	st, width, height := c.st, c.width, c.height
	if !c.fits(now) {
		w, h := c.needs(now)
		title := fmt.Sprintf("Redeploy %d instances?", len(c.targets))
		if !c.batch() {
			title = fmt.Sprintf("Redeploy %s (%s)?", c.targets[0].Inst.ID, c.targets[0].Inst.Name)
		}
		var out []string
		for _, s := range []string{st.Header.on(title), "",
			fmt.Sprintf("make the terminal at least %dx%d to confirm", w, h),
			"(this one is too small to show all the dialog must say)",
			"enter or esc cancels: nothing is redeployed"} {
			out = append(out, wrap(s, max(width, 1))...)
		}
		return strings.Join(out, "\n")
	}
	inner := dialogInner(width)
	lines := c.content(now, inner)

	// The box's border takes two lines.
	for room := height - 2; len(lines) > room; {
		drop := -1
		for i := len(lines) - 1; i >= 0; i-- {
			if lines[i].prio < prioMust && (drop < 0 || lines[i].prio < lines[drop].prio) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		gone := lines[drop].fact
		lines = slices.DeleteFunc(lines, func(l dialogLine) bool { return l.fact == gone })
	}
	text := make([]string, len(lines))
	for i, l := range lines {
		text[i] = l.text
	}
	box := st.Box.Width(inner + 2).Render(strings.Join(text, "\n"))
	return st.r.PlaceHorizontal(width, lipgloss.Center, box)
}

// consequences are the warnings of every target, worded for someone woken at 3 a.m.
func (c *confirm) consequences(now time.Time) []string {
	if !c.batch() {
		var out []string
		for _, w := range consequencesOf(c.targets[0], c.forceStop) {
			out = append(out, warningLine(w.Destructive, w.Message))
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
	for _, r := range c.targets {
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
		out = append(out, warningLine(a.destructive, msg))
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

func warningLine(destructive bool, msg string) string {
	if destructive {
		return "  ! DATA LOSS: " + msg
	}
	return "  - " + msg
}

func (c *confirm) buttons(now time.Time) string {
	st := c.st
	label := "Redeploy"
	if c.batch() {
		label = fmt.Sprintf("Redeploy %d", len(c.targets))
	}
	cancel := st.Button.Render("  Cancel  ")
	if c.focus == focusCancel {
		cancel = st.ButtonFocused.Render("> Cancel <")
	}
	var ok string
	switch {
	case !c.armed(now):
		ok = st.ButtonDisarmed.Render("  " + label + " (type to arm)  ")
	case c.focus == focusConfirm:
		ok = st.ButtonFocused.Render("> " + label + " <")
	default:
		ok = st.Button.Render("  " + label + "  ")
	}
	return cancel + "    " + ok
}

// wrap breaks s into lines of at most w columns at spaces.
func wrap(s string, w int) []string {
	if lipgloss.Width(s) <= w {
		return []string{s}
	}
	var out []string
	line := ""
	indent := ""
	if strings.HasPrefix(s, "  ") {
		indent = "    "
	}
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
			if len(out) == 0 && indent != "" {
				line = s[:strings.Index(s, word)] + word
			}
		case lipgloss.Width(line)+1+lipgloss.Width(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = indent + word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	for i, l := range out {
		if lipgloss.Width(l) > w {
			out[i] = fit(l, w)
		}
	}
	return out
}
