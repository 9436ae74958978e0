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
	s := Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Wrap breaks s into lines of at most w columns at spaces.
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
	for i, l := range out {
		if lipgloss.Width(l) > w {
			out[i] = Fit(l, w)
		}
	}
	return out
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

// WarningLine words one consequence of a redeploy; a destructive one says DATA LOSS in
// words, for terminals without colour. msg may quote the API (an event type, a lock
// reason): it is shown, never obeyed (safetext.Terminal).
func WarningLine(destructive bool, msg string) string {
	if destructive {
		return "  ! DATA LOSS: " + safetext.Terminal(msg)
	}
	return "  - " + safetext.Terminal(msg)
}
