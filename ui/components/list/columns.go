package list

import (
	"strings"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// colID names a list column.
type colID int

const (
	colInstance colID = iota
	colName
	colZone
	colStatus
	colEvent
	colCycle
	colDeadline
	colBadges
)

// column declares one list column: layout is data. drop orders how columns leave as the
// terminal narrows (1 leaves first); 0 never leaves. The name leaves last of the optional
// columns: it is what tells prod from staging (issue 13).
type column struct {
	id    colID
	title string
	width int
	drop  int
}

// columns in display order. The name's width is the fleet's longest name; badges take
// what is left.
var columns = []column{
	{colInstance, "INSTANCE", 22, 0},
	{colName, "NAME", 0, 5},
	{colZone, "ZONE", 14, 1},
	{colStatus, "STATUS", 8, 3},
	{colEvent, "EVENT", 18, 4},
	{colCycle, "EV.STATUS", 9, 2},
	{colDeadline, "DEADLINE", deadlineWidth, 0},
	{colBadges, "BADGES", 0, 0},
}

// deadlineWidth fits the longest countdown, "overdue 23h59m": a cut countdown ("overdue
// 1h…") hides the one number the list is sorted by.
const deadlineWidth = len("overdue 23h59m")

// minBadges is the narrowest the badge column may get before another column drops: the
// longest single badge, DEDICATED HOST, so a reason is read whole.
const minBadges = len("DEDICATED HOST")

// Name widths: a name is kept whole up to nameKeep columns before an optional column stays
// (longer names are cut there while other columns need the room); it shrinks to nameMin
// before it drops; with room to spare it grows to the longest name in the fleet.
const (
	nameMin  = 8
	nameKeep = 24
)

// gutter is the cursor and selection marks before each row.
const gutter = 2

// layout is the columns that fit a width, with their widths.
type layout struct {
	width int
	cols  []column
	// overflow is set when even the columns that never drop are wider than the terminal.
	overflow bool
	// noBadges is set when the badge column has no room for one badge: the gutter then
	// marks each row's state (stateMark).
	noBadges bool
}

// has reports whether the layout shows column id.
func (l layout) has(id colID) bool {
	for _, c := range l.cols {
		if c.id == id {
			return true
		}
	}
	return false
}

// newLayout picks the columns for width when the longest name takes longestName cells:
// the name gets min(longestName, nameKeep) and the badges minBadges, and columns drop in
// their declared order until that fits (the name shrinking to nameMin before it goes);
// then the name grows to longestName, the zone to its full length, and the badges take
// the rest.
func newLayout(width, longestName int) layout {
	keep := make([]column, len(columns))
	copy(keep, columns)
	nameWant := max(longestName, len("NAME"))
	for i := range keep {
		if keep[i].id == colName {
			keep[i].width = max(min(nameWant, nameKeep), min(nameMin, nameWant))
		}
	}
	used := func() int {
		n := gutter
		for _, c := range keep {
			if c.id != colBadges {
				n += c.width + 1
			}
		}
		return n
	}
	for step := 1; used()+minBadges > width && step <= len(columns); step++ {
		for i, c := range keep {
			if c.drop != step {
				continue
			}
			if c.id == colName {
				if short := keep[i].width - (used() + minBadges - width); short >= min(nameMin, nameWant) {
					keep[i].width = short
					break
				}
			}
			keep = append(keep[:i], keep[i+1:]...)
			break
		}
	}
	u := used()
	// Free room goes to the name first, then the zone; the badges keep the rest.
	grow := []struct {
		id   colID
		want int
	}{{colName, nameWant}, {colZone, 16}}
	for _, g := range grow {
		for i := range keep {
			if keep[i].id != g.id {
				continue
			}
			if extra := min(g.want-keep[i].width, width-u-minBadges); extra > 0 {
				keep[i].width += extra
				u += extra
			}
		}
	}
	for i := range keep {
		if keep[i].id == colBadges {
			keep[i].width = max(width-u, 0)
		}
	}
	return layout{width: width, cols: keep, overflow: u+minBadges > width, noBadges: width-u < len("EXPIRED")}
}

// headerLine is the column titles, the sorted one marked ↑ (ascending) or ↓.
func (l layout) headerLine(st *common.Styles, sorted colID, desc bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	for i, c := range l.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		title := c.title
		if c.id == sorted {
			if desc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		b.WriteString(common.Fit(title, c.width))
	}
	return st.Header.On(common.Fit(b.String(), l.width))
}

// shortEventTypes fit the list's event column; the detail pane shows the full names.
var shortEventTypes = map[model.EventType]string{
	model.EventMaintenanceReboot:       "Maint.Reboot",
	model.EventMaintenanceRedeploy:     "Maint.Redeploy",
	model.EventMaintenanceRebootReinit: "Maint.ReInitDisk",
	model.EventMaintenanceIsolateDisk:  "Maint.IsolateDisk",
	// The local-disk flow's steps without a restart (model's IsolateOnly, ReInitOnly):
	// short enough to keep whole beside "+1", which they often have.
	model.EventMaintenanceIsolateOnly: "Maint.Isolate",
	model.EventMaintenanceReInitOnly:  "Maint.ReInit",
	model.EventFailureReboot:          "Failure.Reboot",
	model.EventFailureRedeploy:        "Failure.Redeploy",
	model.EventFailureDelete:          "Failure.Delete",
	model.EventInstanceFailureReboot:  "InstFailure.Reboot",
	model.EventExpirationStop:         "Expiration.Stop",
	model.EventExpirationDelete:       "Expiration.Delete",
	model.EventUnbalancedStop:         "Unbalanced.Stop",
	model.EventUnbalancedDelete:       "Unbalanced.Delete",
}

// shortEventSearch lets a filter match the short names the list shows.
var shortEventSearch = func() map[model.EventType]string {
	m := make(map[model.EventType]string, len(shortEventTypes))
	for t, s := range shortEventTypes {
		m[t] = strings.ToLower(s)
	}
	return m
}()

// eventCell is the event the row shows in its short name, and "+N" when the instance has N
// more pending events: cut, the name gives way, never the count.
func eventCell(r *fleet.Row, width int) string {
	if r.Event == nil {
		return ""
	}
	name := shortEventType(r.Event.Type)
	if len(r.OtherEvents) == 0 {
		return name
	}
	more := " +" + common.Itoa(len(r.OtherEvents))
	if len(name)+len(more) > width && width > len(more) {
		name = common.Fit(name, width-len(more))
	}
	return name + more
}

func shortEventType(t model.EventType) string {
	if s, ok := shortEventTypes[t]; ok {
		return s
	}
	return string(t)
}

// countdown is the deadline cell's text. A resolved row says so here, in a column that
// never drops, rather than only in EV.STATUS, which narrow terminals lose.
func countdown(r *fleet.Row, now time.Time) string {
	switch {
	case r.Avoided:
		return "avoided"
	case r.Event == nil:
		return "-"
	case r.Event.Simulated:
		// A row whose only pending event is a drill: its own time, never its deadline
		// (Row.Deadline is zero); the DRILL badge says which.
		return model.Countdown(r.Event.NotBefore, now)
	}
	return model.Countdown(r.Deadline, now)
}

// actingNow is the deadline cell of a row whose event an accept answered
// (fleet.Snapshot.Accepted): the platform does its default action now.
const actingNow = "acting now"

// eventID is the id of the event row r shows, "" when none.
func eventID(r *fleet.Row) string {
	if r.Event == nil {
		return ""
	}
	return r.Event.ID
}

// renderRow renders one row's cells to exactly l.width-gutter columns, once styled and
// once plain (the cursor row is painted over the plain text).
func (l layout) renderRow(r *fleet.Row, cd string, now time.Time, st *common.Styles) (styled, plain string) {
	var sb, pb strings.Builder
	sb.Grow(l.width * 2)
	pb.Grow(l.width)
	in := r.Inst
	for i, c := range l.cols {
		if i > 0 {
			sb.WriteByte(' ')
			pb.WriteByte(' ')
		}
		var text string
		var p common.Paint
		switch c.id {
		case colInstance:
			text = in.ID
		case colName:
			text = in.Name
		case colZone:
			text = in.ZoneID
		case colStatus:
			text = string(in.Status)
			switch in.Status {
			case model.StatusRunning:
				p = st.Good
			case model.StatusStopped:
				p = st.Dim
			default:
				p = st.Warn
			}
		case colEvent:
			text = eventCell(r, c.width)
			if r.NoRedeploy {
				p = st.Dim
			}
		case colCycle:
			if r.Event != nil {
				text = string(r.Event.CycleStatus)
				if r.Event.CycleStatus == model.CycleAvoided {
					p = st.Good
				}
			}
		case colDeadline:
			text = cd
			switch {
			case r.Event != nil && r.Event.Simulated:
				// A drill's deadline is rehearsal: the platform does nothing at it, so it
				// is never painted as an alarm (the DRILL badge says why).
				p = st.Dim
			case strings.HasPrefix(cd, "overdue"):
				p = st.Bad
			case r.Avoided:
				p = st.Good
			case r.Deadline.Sub(now) < model.DeadlineNear:
				p = st.Warn
			}
		case colBadges:
			bs, bp := badgeCell(r.Badges, c.width, st)
			sb.WriteString(bs)
			pb.WriteString(bp)
			continue
		}
		cell := common.Fit(safetext.Terminal(text), c.width) // the API's text: shown, never obeyed
		sb.WriteString(p.On(cell))
		pb.WriteString(cell)
	}
	return sb.String(), pb.String()
}

// badgeCell fits as many whole badges as the width allows and counts the rest (+2). The
// badges are the hub's, status words first: the list derives none of its own.
func badgeCell(badges []model.Badge, width int, st *common.Styles) (styled, plain string) {
	var sb, pb strings.Builder
	used := 0
	for i, b := range badges {
		more := ""
		if rest := len(badges) - i - 1; rest > 0 {
			more = " +" + common.Itoa(rest)
		}
		sep := 0
		if i > 0 {
			sep = 1
		}
		// Take this badge only if it, and a count of the rest, still fit.
		if used+sep+len(b)+len(more) > width && !(i == len(badges)-1 && used+sep+len(b) <= width) {
			if i == 0 {
				// The first badge says whether anything can be done (BLOCKED, IN
				// PROGRESS): even cut, it beats a bare count; the detail pane lists the rest.
				cell := string(b)
				if len(cell) > width {
					cell = common.Fit(cell, width)
				}
				sb.WriteString(badgePaint(b, st).On(cell))
				pb.WriteString(cell)
				used = len(cell)
				break
			}
			if tail := " +" + common.Itoa(len(badges)-i); used+len(tail) <= width {
				sb.WriteString(tail)
				pb.WriteString(tail)
				used += len(tail)
			}
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
			pb.WriteByte(' ')
		}
		sb.WriteString(badgePaint(b, st).On(string(b)))
		pb.WriteString(string(b))
		used += sep + len(b)
	}
	if pad := width - used; pad > 0 {
		sp := strings.Repeat(" ", pad)
		sb.WriteString(sp)
		pb.WriteString(sp)
	}
	return sb.String(), pb.String()
}

// badgePaint colours a badge; the word says the same without colour. A reason a redeploy
// is refused is painted as an alarm; NO REDEPLOY is dim, since nothing is wrong with the
// instance: a redeploy just does not answer its event; DRILL is information.
func badgePaint(b model.Badge, st *common.Styles) common.Paint {
	switch {
	case b.Refusal():
		return st.Bad
	case b == model.BadgeInProgress:
		return st.Busy
	case b == model.BadgeLocalDisk:
		return st.Warn
	case b == model.BadgeDrill:
		// Seen first, in the colour of information: rehearsal, not an alarm.
		return st.Busy
	}
	return st.Dim
}
