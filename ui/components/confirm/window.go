package confirm

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// A batch dialog's "in window" toggle (issue 23): on, the hub sends each target only
// inside its maintenance window and fleet.DefaultMargin before its deadline at the latest
// (fleet.PlanOptions.InWindow, Margin: the cut).
// The dialog then lists when each target is due and which no window fits, as the hub
// reads them (fleet.Hub.PlanSchedule), and arms only once that list is in: nobody
// confirms a schedule they were not shown. A toggle is not a confirm: it puts the focus
// back on Cancel and empties the field.

// ScheduleMsg is the answer to the dialog's schedule read: each target as the plan would
// hold it (Due, Window; skipped with the reason when no window fits), or why it failed.
type ScheduleMsg struct {
	Items []fleet.PlanItem
	Err   error
	d     *Model
	gen   int
}

// From reports whether dialog d asked for this schedule.
func (s ScheduleMsg) From(d *Model) bool { return d != nil && s.d == d }

// SetScheduler gives the dialog what reads a batch's schedule (the hub's PlanSchedule),
// asked when "in window" is turned on.
func (c *Model) SetScheduler(read func(ids []string) ([]fleet.PlanItem, error)) { c.scheduler = read }

// InWindow reports whether the batch is to keep to maintenance windows.
func (c *Model) InWindow() bool { return c.inWindow }

// toggleWindow turns "in window" on or off, and reads the schedule the first time it is
// turned on.
func (c *Model) toggleWindow() tea.Cmd {
	c.inWindow = !c.inWindow
	c.reset()
	if !c.inWindow {
		c.why = "in window off: every target goes as the waves allow; type the confirmation again"
		return nil
	}
	c.why = "in window on: each goes only inside its maintenance window; type the confirmation again"
	if c.scheduleRead || c.scheduler == nil {
		return nil
	}
	c.scheduleGen++
	ids := make([]string, len(c.targets))
	for i, r := range c.targets {
		ids[i] = r.Inst.ID
	}
	read, gen := c.scheduler, c.scheduleGen
	return func() tea.Msg {
		items, err := read(ids)
		return ScheduleMsg{Items: items, Err: err, d: c, gen: gen}
	}
}

// SetSchedule records the schedule read; what the dialog says changed, so it ignores keys
// until it settles again (the command).
func (c *Model) SetSchedule(msg ScheduleMsg) tea.Cmd {
	if msg.d != c || msg.gen != c.scheduleGen {
		return nil
	}
	c.scheduleRead, c.scheduleErr = true, ""
	c.schedule = map[string]fleet.PlanItem{}
	if msg.Err != nil {
		c.scheduleErr = safetext.Terminal(msg.Err.Error())
	}
	for _, it := range msg.Items {
		c.schedule[it.InstanceID] = it
	}
	if c.noneGo() {
		// Nothing to type again: the dialog says why it cannot arm, and the way out.
		c.why = ""
	}
	c.markSeen(c.Now())
	return c.unsettle()
}

// scheduleOK reports whether the schedule does not hold the dialog back: "in window" is
// off, or its schedule was read.
func (c *Model) scheduleOK() bool {
	return !c.inWindow || (c.scheduleRead && c.scheduleErr == "")
}

// dueWords says when target id goes, with "in window" on.
func (c *Model) dueWords(id string, now time.Time) string {
	it, ok := c.schedule[id]
	switch {
	case !c.scheduleRead:
		return "due: reading its window…"
	case !ok:
		return "due: not known"
	case it.Status == fleet.ItemSkipped:
		// The hub's reason ends with what the prefix says already: one row less at 80 columns.
		return "LEFT FOR A PERSON: " + strings.TrimSuffix(it.Reason, "; left for a person")
	case !it.Due.After(now):
		return "due now" + cutWords(it, now)
	}
	return "due " + model.Countdown(it.Due, now) + cutWords(it, now)
}

// cutWords is the rest of a target's schedule line: its window, and, when the margin
// ends its chance before the window does, how long the chance lasts and why: ", for 15m
// (window 13:00:00–15:00:00 UTC+8; cut at deadline − 30m)".
func cutWords(it fleet.PlanItem, now time.Time) string {
	if it.Deadline.IsZero() || !it.DueUntil.Equal(it.Deadline.Add(-fleet.DefaultMargin)) {
		return " (window " + it.Window + ")"
	}
	return ", for " + model.FormatDuration(it.DueUntil.Sub(later(it.Due, now))) + " (window " + it.Window + "; cut at " + marginWords() + ")"
}

// marginWords is the batch's cut, the last instant a target may be sent: "deadline − 30m".
func marginWords() string { return "deadline − " + model.FormatDuration(fleet.DefaultMargin) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// windowLine is the toggle, and with it on, what the schedule says in one line.
func (c *Model) windowLine(now time.Time) string {
	st := c.Styles
	if !c.inWindow {
		return "in window: [ ] off  (m: send each only inside its maintenance window, before its deadline)"
	}
	on := st.Warn.On("in window: [x] ON") + "  (m turns it off): each goes only inside its maintenance window, by its " + marginWords()
	switch {
	case !c.scheduleRead:
		return on + "; " + st.Warn.On("reading the windows…") + " Redeploy arms once they are in"
	case c.scheduleErr != "":
		return on + "; " + st.Bad.On("WINDOWS NOT READ") + ": " + c.scheduleErr + "; Redeploy stays disarmed (m turns it off)"
	}
	var dueNow, waiting, left int
	var first time.Time
	for _, r := range c.targets {
		it, ok := c.schedule[r.Inst.ID]
		switch {
		case !ok:
		case it.Status == fleet.ItemSkipped:
			left++
		case !it.Due.After(now):
			dueNow++
		default:
			waiting++
			if first.IsZero() || it.Due.Before(first) {
				first = it.Due
			}
		}
	}
	line := fmt.Sprintf("%s; %d due now, %d wait for their window", on, dueNow, waiting)
	if !first.IsZero() {
		line += " (the first opens " + model.Countdown(first, now) + ")"
	}
	if left > 0 {
		line += fmt.Sprintf(", %d left for a person: no window fits before the %s", left, marginWords())
	}
	return line
}

// noneGoWhy says why a batch nothing of which can go in window cannot arm, and the way out.
var noneGoWhy = "no target has a maintenance window before its " + marginWords() + "; m turns in window off, esc cancels"

// windowed reports whether the batch keeps to windows read without error: then the
// schedule says which targets can go at all.
func (c *Model) windowed() bool {
	return c.batch() && c.inWindow && c.scheduleRead && c.scheduleErr == ""
}

// going are the targets the plan can send: all of them, or with "in window" on, those the
// schedule does not leave for a person (the hub skips those: fleet.ItemSkipped). The
// question, the count to type and the consequences count only these: a target left for
// a person loses nothing and must not be confirmed as if it went. A target the schedule
// does not name counts as going: the dialog over-warns rather than under-warns.
func (c *Model) going() []*fleet.Row {
	if !c.windowed() {
		return c.targets
	}
	var out []*fleet.Row
	for _, r := range c.targets {
		if it, ok := c.schedule[r.Inst.ID]; !ok || it.Status != fleet.ItemSkipped {
			out = append(out, r)
		}
	}
	return out
}

// noneGo reports whether, in window, no target can go: the dialog cannot arm (the headless
// redeploy refuses the same plan: "nothing to redeploy").
func (c *Model) noneGo() bool { return c.windowed() && len(c.going()) == 0 }

// question is a batch's heading: how many it asks to redeploy, of how many selected.
func (c *Model) question() string {
	n, all := len(c.going()), len(c.targets)
	switch {
	case n == all:
		return fmt.Sprintf("Redeploy these %d instances?", all)
	case n == 0:
		return fmt.Sprintf("None of these %d instances can be redeployed in window: all are left for a person", all)
	}
	return fmt.Sprintf("Redeploy %d of these %d instances in window? (%d left for a person)", n, all, all-n)
}

// skippedSummary is the line that stands for the skipped members a short screen cannot
// list with their reasons: how many, each id with the word that says why (its error code,
// NO REDEPLOY, in progress), of all skipped. Dropped members are never left unsaid.
func (c *Model) skippedSummary(gone []string, all int) string {
	ids := make([]string, len(gone))
	for i, s := range gone {
		ids[i] = skippedShort(safetext.Terminal(s))
	}
	more := ""
	if len(gone) < all {
		more = " more"
	}
	return fmt.Sprintf("  +%d%s skipped, not redeployed (%s)", len(gone), more, strings.Join(ids, ", "))
}

// skippedShort is a skipped member's id and the word for why, from the sentence the root
// gives ("ID cannot be redeployed: CODE: …", "ID: NO REDEPLOY: …", "ID: a redeploy is
// already in progress"); the id alone when the sentence has another shape.
func skippedShort(s string) string {
	id, rest, _ := strings.Cut(s, " ")
	id = strings.TrimSuffix(id, ":")
	switch {
	case strings.HasPrefix(rest, "NO REDEPLOY"):
		return id + ": NO REDEPLOY"
	case strings.HasPrefix(rest, "a redeploy is already in progress"):
		return id + ": in progress"
	case strings.HasPrefix(rest, "cannot be redeployed: "):
		code, _, ok := strings.Cut(strings.TrimPrefix(rest, "cannot be redeployed: "), ":")
		if ok && !strings.Contains(code, " ") {
			return id + ": " + code
		}
	}
	return id
}
