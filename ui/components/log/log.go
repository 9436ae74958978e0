// Package log is the session's log view (L): every notice, refusal and error the console
// said, timestamped and whole (Code and RequestId included), newest last, scrollable. The
// notice line shows one line at a time and cuts it; this is where it can be read. It keeps
// the last Capacity entries (a ring), so a console left open for weeks stays flat in
// memory. It tells the root CloseMsg.
package log

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// CloseMsg gives the keyboard back to the list.
type CloseMsg struct{}

// Kind is what an entry was on the notice line.
type Kind int

// Entry kinds: news fades, a refusal answers a key, an error stays until esc.
const (
	Notice Kind = iota
	Refusal
	Error
	// Pause is a batch that stopped on a failure and asks for an answer: neither a
	// refusal of a key nor an error of the console.
	Pause
)

func (k Kind) String() string {
	switch k {
	case Refusal:
		return "refused"
	case Error:
		return "error"
	case Pause:
		return "paused"
	}
	return "notice"
}

// Entry is one thing the console said.
type Entry struct {
	// At is the wall clock when it was said.
	At   time.Time
	Kind Kind
	// Text is the whole text: the notice line may have cut it.
	Text string
}

// Capacity is how many entries the log keeps; the oldest go first.
const Capacity = 500

// Model is the log and its view.
type Model struct {
	common.Common
	// ring holds the entries; next is where the next one goes, n how many there are.
	ring [Capacity]Entry
	next int
	n    int
	// dropped counts entries the ring has let go, so the view can say so.
	dropped int
	// offset is the first line shown; follow keeps the newest line in view.
	offset int
	follow bool
	lines  []string
	stale  bool
}

// New builds an empty log.
func New(c common.Common) *Model { return &Model{Common: c, follow: true} }

// Add records an entry.
func (l *Model) Add(e Entry) {
	e.Text = safetext.Terminal(e.Text) // much of it is the API's words (errors, reasons)
	if l.n == Capacity {
		l.dropped++
	} else {
		l.n++
	}
	l.ring[l.next] = e
	l.next = (l.next + 1) % Capacity
	l.stale = true
	l.build()
}

// Len is how many entries the log holds.
func (l *Model) Len() int { return l.n }

// Entries are the entries held, oldest first.
func (l *Model) Entries() []Entry {
	out := make([]Entry, 0, l.n)
	start := (l.next - l.n + Capacity) % Capacity
	for i := 0; i < l.n; i++ {
		out = append(out, l.ring[(start+i)%Capacity])
	}
	return out
}

// Open shows the newest entries.
func (l *Model) Open() {
	l.follow = true
	l.build()
}

// SetSize fits the view; entries wrap to the width.
func (l *Model) SetSize(width, height int) {
	if width != l.Width {
		l.stale = true
	}
	l.Common.SetSize(width, height)
	l.build()
}

// Init does nothing.
func (l *Model) Init() tea.Cmd { return nil }

// Update scrolls; esc and L become CloseMsg.
func (l *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || common.IsText(km) {
		return l, nil
	}
	k := l.Keys
	if key.Matches(km, k.Back, k.Log) {
		return l, common.Emit(CloseMsg{})
	}
	l.offset, _ = common.Scroll(km, k, l.offset, l.Height, len(l.lines))
	l.clamp()
	// Scrolled to the end, the view follows new entries again.
	l.follow = l.offset >= len(l.lines)-l.Height
	return l, nil
}

func (l *Model) build() {
	if l.stale || l.lines == nil {
		l.lines = l.render()
		l.stale = false
	}
	if l.follow {
		l.offset = len(l.lines)
	}
	l.clamp()
}

func (l *Model) clamp() { l.offset = max(min(l.offset, len(l.lines)-l.Height), 0) }

const stamp = "15:04:05"

func (l *Model) render() []string {
	st := l.Styles
	head := "Log: " + common.Thousands(l.n) + " entries, oldest first"
	if l.dropped > 0 {
		head += " (" + common.Thousands(l.dropped) + " older ones let go: it keeps " + common.Thousands(Capacity) + ")"
	}
	lines := []string{st.Header.On(head)}
	if l.n == 0 {
		return append(lines, "  nothing yet: notices, refusals and errors of this session are kept here")
	}
	for _, e := range l.Entries() {
		// The kind in words, for terminals without colour.
		text := e.At.UTC().Format(stamp) + " " + e.Kind.String() + ": " + e.Text
		for _, w := range common.Wrap(text, max(l.Width, 1)) {
			if e.Kind != Notice {
				w = st.Notice.On(w)
			}
			lines = append(lines, w)
		}
	}
	return lines
}

// View is exactly the view's height of lines from the offset.
func (l *Model) View() string {
	lines := l.lines[min(l.offset, len(l.lines)):]
	out := make([]string, max(l.Height, 0))
	for i := range out {
		if i < len(lines) {
			out[i] = common.FitStyled(lines[i], l.Width)
		}
	}
	return strings.Join(out, "\n")
}

// ShortHelp is the log view's footer.
func (l *Model) ShortHelp() []key.Binding { return l.Keys.LogHelp() }

// FullHelp is the log view's keys.
func (l *Model) FullHelp() [][]key.Binding { return [][]key.Binding{l.ShortHelp()} }
