// Package cmdline is the console's command line (`:`, k9s's habit): `:sort COLUMN`,
// `:region NAME[,NAME]|all`, `:drill …`, `:q`. It completes region and column names with tab and tells
// the root RunMsg (enter) or CloseMsg (esc); the root acts on the command.
package cmdline

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/ui/common"
)

// RunMsg asks the root to run a command: Name is its first word (lower case), Args the
// rest as typed.
type RunMsg struct {
	Name string
	Args string
}

// CloseMsg gives the keyboard back without running anything.
type CloseMsg struct{}

// Commands are the commands the line knows, for completion and help.
var Commands = []string{"region", "sort", "drill", "autopilot", "q"}

// Model is the command line.
type Model struct {
	common.Common
	input textinput.Model
	// regions and columns complete the arguments of :region and :sort.
	regions, columns []string
	// hint lists what a tab could not choose between ("pause · resume"), until the next key.
	hint string
}

// New builds the command line; columns are the names :sort takes.
func New(c common.Common, columns []string) *Model {
	in := textinput.New()
	in.Prompt = ":"
	ns := c.Styles.R.NewStyle
	in.PromptStyle, in.TextStyle, in.PlaceholderStyle, in.CompletionStyle = ns(), ns(), ns(), ns()
	in.Cursor.Style, in.Cursor.TextStyle = ns().Reverse(true), ns()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Placeholder = "region R|all · sort COL · drill … · autopilot pause|resume · q  (tab completes)"
	return &Model{Common: c, input: in, columns: columns}
}

// SetRegions are the region names :region completes.
func (m *Model) SetRegions(regions []string) { m.regions = regions }

// Open empties the line and gives it the keyboard.
func (m *Model) Open() tea.Cmd {
	m.input.Reset()
	m.hint = ""
	return m.input.Focus()
}

// SetSize fits the line to width.
func (m *Model) SetSize(width, height int) {
	m.Common.SetSize(width, height)
	m.input.Width = max(width-2, 1)
}

// Init does nothing.
func (m *Model) Init() tea.Cmd { return nil }

// Update edits the line: enter runs it, esc closes it, tab completes the word being typed.
// Everything else, pastes included, is its text.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok && !km.Paste {
		switch km.Type {
		case tea.KeyEsc:
			m.input.Blur()
			return m, common.Emit(CloseMsg{})
		case tea.KeyEnter:
			m.input.Blur()
			name, args, _ := strings.Cut(strings.TrimSpace(m.input.Value()), " ")
			return m, common.Emit(RunMsg{Name: strings.ToLower(name), Args: strings.TrimSpace(args)})
		case tea.KeyTab:
			line := m.Complete(m.input.Value())
			m.input.SetValue(line)
			m.input.CursorEnd()
			// A tab that cannot choose says between what: `:autopilot` + tab shows the verbs.
			m.hint = ""
			if hits := m.candidates(line); len(hits) > 1 {
				m.hint = strings.Join(hits, " · ")
			}
			return m, nil
		}
	}
	m.hint = ""
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// Complete completes the last word of line: a command name, or a region (after
// `region`, each comma-separated item) or a column (after `sort`). With several
// candidates it completes their common prefix.
func (m *Model) Complete(line string) string {
	name, args, hasArgs := strings.Cut(line, " ")
	if !hasArgs {
		return complete(name, Commands, " ")
	}
	cands, sep := m.argCands(name)
	if cands == nil {
		return line
	}
	head, last := splitLast(args)
	return name + " " + head + complete(last, cands, sep)
}

// argCands are what the arguments of command name complete to, and what follows a
// completed one; nil for a command whose arguments do not complete.
func (m *Model) argCands(name string) (cands []string, sep string) {
	switch strings.ToLower(name) {
	case "region":
		return append([]string{"all"}, m.regions...), ","
	case "sort":
		return m.columns, ""
	case "autopilot":
		return []string{"pause", "resume"}, ""
	}
	return nil, ""
}

// splitLast splits args into what is before the word being typed and that word.
func splitLast(args string) (head, last string) {
	last = strings.TrimLeft(args, " ")
	if i := strings.LastIndex(last, ","); i >= 0 {
		head, last = last[:i+1], last[i+1:]
	}
	return head, last
}

// candidates are the words the last word of line could still become (sorted).
func (m *Model) candidates(line string) []string {
	name, args, hasArgs := strings.Cut(line, " ")
	cands, word := Commands, name
	if hasArgs {
		if cands, _ = m.argCands(name); cands == nil {
			return nil
		}
		_, word = splitLast(args)
	}
	var hits []string
	for _, c := range cands {
		if strings.HasPrefix(c, strings.ToLower(word)) && c != strings.ToLower(word) {
			hits = append(hits, c)
		}
	}
	slices.Sort(hits)
	return hits
}

// complete is word completed against cands: the one candidate it prefixes (then suffix
// follows it), or the longest prefix they share.
func complete(word string, cands []string, suffix string) string {
	var hits []string
	for _, c := range cands {
		if strings.HasPrefix(c, strings.ToLower(word)) {
			hits = append(hits, c)
		}
	}
	switch len(hits) {
	case 0:
		return word
	case 1:
		return hits[0] + suffix
	}
	slices.Sort(hits)
	p := hits[0]
	for _, h := range hits[1:] {
		for !strings.HasPrefix(h, p) {
			p = p[:len(p)-1]
		}
	}
	if len(p) < len(word) {
		return word
	}
	return p
}

// View is the line.
func (m *Model) View() string {
	if m.hint == "" {
		return common.FitStyled(m.input.View(), m.Width)
	}
	in := m.input // the field pads to its width: the hint follows the text instead
	in.Width = max(min(in.Width-ansi.StringWidth(m.hint)-2, ansi.StringWidth(in.Value())+1), 1)
	v := in.View() + "  " + m.Styles.HelpDesc.Render(m.hint)
	return common.FitStyled(v, m.Width)
}

// ShortHelp is the footer while the line is typed.
func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// FullHelp is the same keys.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
