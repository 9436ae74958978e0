// Package help is the ? overlay: every key of the console, generated from the same key map
// Update matches on, and a few lines on how the console behaves. It scrolls on a short
// terminal and tells the root CloseMsg.
package help

import (
	"strings"

	bhelp "github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/components/confirm"
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
	if key.Matches(km, h.Keys.Back, h.Keys.Help) {
		return h, common.Emit(CloseMsg{})
	}
	h.offset, _ = common.Scroll(km, h.Keys, h.offset, h.Height, len(h.lines))
	h.clamp()
	return h, nil
}

// Lines are the overlay's whole content at its width, scrolled or not.
func (h *Model) Lines() []string { return h.lines }

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

// keyLines renders groups of bindings in columns when every column fits the width, else
// one binding a line: bubbles/help drops the columns that do not fit, and a narrow
// terminal must still list every key.
func (h *Model) keyLines(groups [][]key.Binding) []string {
	cols := h.help.FullHelpView(groups)
	if lipgloss.Width(cols) <= h.Width && !strings.Contains(cols, h.help.Ellipsis) {
		return strings.Split(cols, "\n")
	}
	st := h.help.Styles
	var out []string
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() {
				out = append(out, common.Wrap(st.FullKey.Render(b.Help().Key)+" "+st.FullDesc.Render(b.Help().Desc), max(h.Width, 1))...)
			}
		}
	}
	return out
}

func (h *Model) build() []string {
	st := h.Styles
	h.help.Width = h.Width
	lines := []string{st.Header.On("Keys"), ""}
	lines = append(lines, h.keyLines(h.Keys.FullHelp())...)
	readOnly := !h.Identity.CanRedeploy()
	if !readOnly {
		// A viewer never sees the dialog: its keys would be help for nothing.
		lines = append(lines, "", st.Header.On("In the confirm dialog"), "")
		lines = append(lines, h.keyLines(h.Keys.DialogFullHelp())...)
	}
	prose := []string{"",
		"Rows are sorted by deadline; s cycles the order, a column's letter sorts by it and again reverses it " +
			"(the header marks it ↑ or ↓). : opens the command line: :sort COLUMN, :region NAME[,NAME]|all, :drill ID[,ID] TYPE DURATION (drill events, a rehearsal), :drill cancel, :autopilot pause|resume (an operator pauses or resumes the team's autopilot, under serve --policy), :q; tab completes commands, regions, columns and the autopilot's verbs.",
		"/ filters by " + common.SearchedFields + ". Words are ANDed; !word keeps what does not match, " +
			"a|b matches either, /regexp/ is a regular expression matched against each field on its own (/^web-prod/ for names, /671$/ for ids or names that end so).",
		"y copies the instance id to the clipboard (OSC 52: tmux and SSH too), Y the row as events --json prints it; ctrl+s saves the rows shown, in that shape, to a file (its path is said). ctrl+a selects every row shown, ctrl+\\ clears the selection. A key with no meaning here says so.",
		"BADGES say why a redeploy is refused: WRONG STATUS, SECURITY LOCK, DEDICATED HOST, EXPIRED. " +
			"NO REDEPLOY: nothing blocks the instance, a redeploy just does not answer its event. " +
			"Also LOCAL DISK, IN PROGRESS, and DRILL: a drill event (CreateSimulatedSystemEvents), rehearsal, never redeployed nor an alarm. +N after an event is N more pending events; after a badge, N more badges (enter shows all). " +
			"Too narrow for badges, a mark after the cursor says it: ! refused, - no redeploy, ~ in progress, # LOCAL DISK (a redeploy wipes it).",
		"L shows every notice, refusal and error of this session, whole."}
	if readOnly {
		prose = append(prose, "", "READ-ONLY: redeploy is disabled; R and space answer so. The detail pane and the log work as usual.")
	} else {
		prose = append(prose, confirm.SizeRule(),
			"R redeploys the selected rows the filter shows (space selects), or the row under the cursor. Cancel is "+
				"always focused first; local disks, ForceStop and batches need the id or count typed.")
	}
	for _, p := range prose {
		lines = append(lines, common.Wrap(p, h.Width)...)
	}
	return lines
}
