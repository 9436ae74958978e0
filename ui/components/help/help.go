// Package help is the ? overlay: every key of the console, generated from the same key map
// Update matches on, and a few lines on how the console behaves. It scrolls on a short
// terminal and tells the root CloseMsg.
package help

import (
	"strings"

	bhelp "github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/ui/common"
)

// CloseMsg gives the keyboard back to where ? was pressed.
type CloseMsg struct{}

// Model is the overlay.
type Model struct {
	common.Common
	help   bhelp.Model
	lines  []string
	offset int
}

// New builds the overlay; help renders key bindings in the session's styles.
func New(c common.Common, help bhelp.Model) *Model {
	return &Model{Common: c, help: help}
}

// SetSize fits the overlay: its prose wraps to the width, and the offset stops where the
// last line shows.
func (h *Model) SetSize(width, height int) {
	if width != h.Width || h.lines == nil {
		h.Common.SetSize(width, height)
		h.lines = h.build()
	}
	h.Height = height
	h.clamp()
}

// Open shows the overlay from its top.
func (h *Model) Open() { h.offset = 0 }

// Init does nothing.
func (h *Model) Init() tea.Cmd { return nil }

// Update scrolls; esc and ? become CloseMsg.
func (h *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || common.IsText(km) {
		return h, nil
	}
	switch {
	case key.Matches(km, h.Keys.Back, h.Keys.Help):
		return h, common.Emit(CloseMsg{})
	case key.Matches(km, h.Keys.Down):
		h.offset++
	case key.Matches(km, h.Keys.Up):
		h.offset--
	}
	h.clamp()
	return h, nil
}

// Offset is how many lines are scrolled off the top.
func (h *Model) Offset() int { return h.offset }

func (h *Model) clamp() { h.offset = max(min(h.offset, len(h.lines)-h.Height), 0) }

// View is exactly the overlay's height of lines from the offset.
func (h *Model) View() string {
	lines := h.lines[min(h.offset, len(h.lines)):]
	out := make([]string, max(h.Height, 0))
	for i := range out {
		if i < len(lines) {
			out[i] = common.FitStyled(lines[i], h.Width)
		}
	}
	return strings.Join(out, "\n")
}

// ShortHelp is the overlay's footer.
func (h *Model) ShortHelp() []key.Binding { return h.Keys.HelpHelp() }

// FullHelp is the overlay's keys.
func (h *Model) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

func (h *Model) build() []string {
	st := h.Styles
	h.help.Width = h.Width
	lines := []string{st.Header.On("Keys"), ""}
	lines = append(lines, strings.Split(h.help.FullHelpView(h.Keys.FullHelp()), "\n")...)
	lines = append(lines, "", st.Header.On("In the confirm dialog"), "")
	lines = append(lines, strings.Split(h.help.FullHelpView(h.Keys.DialogFullHelp()), "\n")...)
	prose := []string{"",
		"Rows are sorted by deadline; s cycles the order. / filters by id, name, zone, event or badge.",
		"R redeploys the selected rows the filter shows (space selects), or the row under the cursor. Cancel is " +
			"always focused first; local disks, ForceStop and batches need the id or count typed.",
		"Badges are words: LOCAL DISK, SECURITY LOCK, DEDICATED HOST, EXPIRED, IN PROGRESS, BLOCKED."}
	if !h.Identity.CanRedeploy() {
		prose = append(prose, "", "READ-ONLY: this console cannot redeploy; the action keys are off.")
	}
	for _, p := range prose {
		lines = append(lines, common.Wrap(p, h.Width)...)
	}
	return lines
}
