package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
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
// terminal narrows (1 leaves first); 0 never leaves.
type column struct {
	id    colID
	title string
	width int
	drop  int
}

// columns in display order. Badges takes whatever width is left.
var columns = []column{
	{colInstance, "INSTANCE", 22, 0},
	{colName, "NAME", 13, 3},
	{colZone, "ZONE", 14, 1},
	{colStatus, "STATUS", 8, 5},
	{colEvent, "EVENT", 18, 4},
	{colCycle, "EV.STATUS", 9, 2},
	{colDeadline, "DEADLINE", deadlineWidth, 0},
	{colBadges, "BADGES", 0, 0},
}

// deadlineWidth fits the longest countdown, "overdue 23h59m": a cut countdown ("overdue
// 1h…") hides the one number the list is sorted by.
const deadlineWidth = len("overdue 23h59m")

// minBadges is the narrowest the badge column may get before another column drops: the
// longest status badge, IN PROGRESS.
const minBadges = len("IN PROGRESS")

// wideBadges is the badge width kept before other columns grow on a wide terminal.
const wideBadges = 30

// gutter is the cursor and selection marks before each row.
const gutter = 2

// layout is the columns that fit a width, with their widths.
type layout struct {
	width int
	cols  []column
	// overflow is set when even the columns that never drop are wider than the terminal.
	overflow bool
}

// newLayout picks the columns for width: all of them when they fit, else drop them in
// their declared order until the badges keep minBadges.
func newLayout(width int) layout {
	keep := make([]column, len(columns))
	copy(keep, columns)
	need := func(cs []column) int {
		n := gutter
		for _, c := range cs {
			if c.id != colBadges {
				n += c.width + 1
			}
		}
		return n + minBadges
	}
	for step := 1; need(keep) > width && step <= len(columns); step++ {
		for i, c := range keep {
			if c.drop == step {
				keep = append(keep[:i], keep[i+1:]...)
				break
			}
		}
	}
	used := gutter
	for _, c := range keep {
		if c.id != colBadges {
			used += c.width + 1
		}
	}
	// A wide terminal first gives names and zones their full length, then the badges.
	grow := map[colID]int{colName: 22, colZone: 16}
	for i := range keep {
		if want, ok := grow[keep[i].id]; ok {
			extra := min(want-keep[i].width, width-used-wideBadges)
			if extra > 0 {
				keep[i].width += extra
				used += extra
			}
		}
	}
	for i := range keep {
		if keep[i].id == colBadges {
			keep[i].width = max(width-used, 0)
		}
	}
	return layout{width: width, cols: keep, overflow: used+minBadges > width}
}

// headerLine is the column titles.
func (l layout) headerLine(st *Styles) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	for i, c := range l.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fit(c.title, c.width))
	}
	return st.Header.on(fit(b.String(), l.width))
}

// shortEventTypes fit the list's event column; the detail pane shows the full names.
var shortEventTypes = map[model.EventType]string{
	model.EventMaintenanceReboot:       "Maint.Reboot",
	model.EventMaintenanceRedeploy:     "Maint.Redeploy",
	model.EventMaintenanceRebootReinit: "Maint.ReInitDisk",
	model.EventMaintenanceIsolateDisk:  "Maint.IsolateDisk",
	model.EventFailureReboot:           "Failure.Reboot",
	model.EventFailureRedeploy:         "Failure.Redeploy",
	model.EventFailureDelete:           "Failure.Delete",
	model.EventInstanceFailureReboot:   "InstFailure.Reboot",
	model.EventExpirationStop:          "Expiration.Stop",
	model.EventExpirationDelete:        "Expiration.Delete",
	model.EventUnbalancedStop:          "Unbalanced.Stop",
	model.EventUnbalancedDelete:        "Unbalanced.Delete",
}

// shortEventSearch lets a filter match the short names the list shows.
var shortEventSearch = func() map[model.EventType]string {
	m := make(map[model.EventType]string, len(shortEventTypes))
	for t, s := range shortEventTypes {
		m[t] = strings.ToLower(s)
	}
	return m
}()

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
	case r.Resolved:
		return "avoided"
	case r.Event == nil:
		return "-"
	}
	return model.Countdown(r.Deadline, now)
}

// renderRow renders one row's cells to exactly l.width-gutter columns, once styled and
// once plain (the cursor row is painted over the plain text).
func (l layout) renderRow(r *fleet.Row, cd string, now time.Time, inProgress bool, st *Styles) (styled, plain string) {
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
		var p paint
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
			if r.Event != nil {
				text = shortEventType(r.Event.Type)
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
			case strings.HasPrefix(cd, "overdue"):
				p = st.Bad
			case r.Resolved:
				p = st.Good
			case r.Deadline.Sub(now) < model.DeadlineNear:
				p = st.Warn
			}
		case colBadges:
			bs, bp := badgeCell(r.Badges, inProgress, c.width, st)
			sb.WriteString(bs)
			pb.WriteString(bp)
			continue
		}
		cell := fit(text, c.width)
		sb.WriteString(p.on(cell))
		pb.WriteString(cell)
	}
	return sb.String(), pb.String()
}

// badgeCell fits as many whole badges as the width allows and counts the rest (+2).
func badgeCell(badges []model.Badge, inProgress bool, width int, st *Styles) (styled, plain string) {
	if inProgress && (len(badges) == 0 || badges[0] != model.BadgeInProgress) {
		// The session knows before the fleet does: its own redeploy was just confirmed.
		bs := []model.Badge{model.BadgeInProgress}
		for _, b := range badges {
			if b != model.BadgeBlocked {
				bs = append(bs, b)
			}
		}
		badges = bs
	}
	var sb, pb strings.Builder
	used := 0
	for i, b := range badges {
		more := ""
		if rest := len(badges) - i - 1; rest > 0 {
			more = " +" + itoa(rest)
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
					cell = fit(cell, width)
				}
				sb.WriteString(badgePaint(b, st).on(cell))
				pb.WriteString(cell)
				used = len(cell)
				break
			}
			if tail := " +" + itoa(len(badges)-i); used+len(tail) <= width {
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
		sb.WriteString(badgePaint(b, st).on(string(b)))
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

func badgePaint(b model.Badge, st *Styles) paint {
	switch b {
	case model.BadgeBlocked, model.BadgeSecurityLock, model.BadgeExpired:
		return st.Bad
	case model.BadgeInProgress:
		return st.Busy
	case model.BadgeLocalDisk:
		return st.Warn
	}
	return st.Dim
}

// fit pads or truncates s to exactly w terminal columns.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if isASCII(s) {
		switch {
		case len(s) == w:
			return s
		case len(s) < w:
			return s + spaces(w-len(s))
		case w == 1:
			return "…"
		default:
			return s[:w-1] + "…"
		}
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += spaces(w - n)
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

const spaceRun = "                                                                                                                                "

func spaces(n int) string {
	if n <= len(spaceRun) {
		return spaceRun[:n]
	}
	return strings.Repeat(" ", n)
}

func itoa(n int) string {
	if n >= 0 && n < 10 {
		return string(rune('0' + n))
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
