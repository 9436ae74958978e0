package common

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/model/safetext"
)

// Fit pads or truncates s to exactly w terminal columns.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if IsASCII(s) {
		switch {
		case len(s) == w:
			return s
		case len(s) < w:
			return s + Spaces(w-len(s))
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
		s += Spaces(w - n)
	}
	return s
}

// IsASCII reports whether s is printable ASCII, one column per byte.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

const spaceRun = "                                                                                                                                "

// Spaces is n spaces.
func Spaces(n int) string {
	if n <= len(spaceRun) {
		return spaceRun[:n]
	}
	return strings.Repeat(" ", n)
}

// Itoa is strconv.Itoa without the allocation for one digit, for the hot path.
func Itoa(n int) string {
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

// Thousands is n with commas between thousands: 100,000.
func Thousands(n int) string {
	if n > -1000 && n < 1000 {
		return Itoa(n)
	}
	// One allocation: a panel's title is formatted on every frame.
	var b [27]byte
	i := len(b)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for d := 0; u > 0 || d == 0; d++ {
		if d > 0 && d%3 == 0 {
			i--
			b[i] = ','
		}
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Wrap breaks s into lines of at most w columns at spaces. A word wider than a line is
// broken over as many lines as it takes, never cut: what a dialog says must be read whole
// (ECS allows a 128-character instance name, wider than an 80-column terminal). A line
// that starts with two spaces continues under a four-space indent.
func Wrap(s string, w int) []string {
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
	if w <= len(indent) {
		indent = ""
	}
	broken := out[:0:0]
	for _, l := range out {
		if lipgloss.Width(l) <= w {
			broken = append(broken, l)
			continue
		}
		for lw := w; l != ""; lw = w - len(indent) {
			part, rest, _ := strings.Cut(ansi.Hardwrap(l, max(lw, 1), true), "\n")
			if lw != w {
				part = indent + part
			}
			broken = append(broken, part)
			l = strings.ReplaceAll(rest, "\n", "") // re-broken at the next line's width
		}
	}
	return broken
}

// FitStyled cuts a line that may carry escape codes to w columns, without padding.
func FitStyled(s string, w int) string {
	if IsASCII(s) {
		if len(s) > w {
			return Fit(s, w)
		}
		return s
	}
	if lipgloss.Width(s) > w {
		return Fit(s, w)
	}
	return s
}

// OrDash is s, or "-" for nothing.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// DangerMark starts a consequence that loses data. Words and a mark: without colour
// (NO_COLOR, the Ascii profile keeps neither bold nor reverse) they are what stands out.
const DangerMark = "!! DATA LOSS:"

// WarningLine words one consequence of a redeploy; a destructive one starts with
// DangerMark. It is plain text: wrap it, then PaintWarning each line. msg may quote the
// API (an event type, a lock reason): it is shown, never obeyed (safetext.Terminal).
func WarningLine(destructive bool, msg string) string {
	if destructive {
		return "  " + DangerMark + " " + safetext.Terminal(msg)
	}
	return "  - " + safetext.Terminal(msg)
}

// PaintWarning paints the wrapped lines of one WarningLine: a destructive one's mark in
// st.Danger and its words in st.Bad, on every line it wraps to, so that data loss is the
// most visible thing on the screen; other consequences as they are.
func PaintWarning(st *Styles, destructive bool, lines []string) []string {
	if !destructive {
		return lines
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if j := strings.Index(l, DangerMark); j >= 0 {
			out[i] = l[:j] + st.Danger.On(DangerMark) + st.Bad.On(l[j+len(DangerMark):])
			continue
		}
		lead := len(l) - len(strings.TrimLeft(l, " "))
		out[i] = l[:lead] + st.Bad.On(l[lead:])
	}
	return out
}
