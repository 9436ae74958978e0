package ui

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/eventsjson"
)

// copiedMsg says what y or Y put on the clipboard, or why not.
type copiedMsg struct {
	what string
	err  error
}

// rowJSON is a row in the `events --json` shape (model/eventsjson), with the words and
// the verdict the console shows for it: what Y copies and ctrl+s saves.
func rowJSON(r *fleet.Row) eventsjson.Row {
	return eventsjson.New(r.Inst, r.Eligibility, r.Badges)
}

// copyRow copies r's instance id (or, asJSON, the row) with OSC 52, written to this
// session's own terminal: the renderer's output, which under serve is the SSH session,
// never the server's stdout.
func (m *Model) copyRow(r *fleet.Row, asJSON bool) tea.Cmd {
	if r == nil {
		m.setRefusal("nothing to copy: no row under the cursor")
		return nil
	}
	text, what := r.Inst.ID, r.Inst.ID
	if asJSON {
		text, what = string(eventsjson.Marshal(rowJSON(r))), r.Inst.ID+" as JSON (the events --json shape)"
	}
	out := m.deps.Renderer.Output()
	// Plain OSC 52, which terminals, SSH and tmux (set-clipboard on) pass to the clipboard.
	seq := osc52.New(text)
	return func() tea.Msg {
		if _, err := seq.WriteTo(out); err != nil {
			return copiedMsg{what: what, err: fmt.Errorf("writing OSC 52 to the terminal: %w", err)}
		}
		return copiedMsg{what: what}
	}
}

// savedMsg says where ctrl+s wrote the rows the view showed, or why not.
type savedMsg struct {
	path string
	rows int
	err  error
}

// save writes the rows the view shows, in its order, as `events --json` prints them, to a
// new file in Deps.SaveDir named for the wall clock; the path is said on screen. The write
// is a command: Update does no I/O. Without a SaveDir (serve: the server's disk is not the
// engineer's) saving is refused.
func (m *Model) save() tea.Cmd {
	if m.deps.SaveDir == "" {
		m.setRefusal("ctrl+s saves only in a local console: a served one writes nothing on the server; use ecs-redeploy events --json")
		return nil
	}
	rows := m.list.Shown()
	path := filepath.Join(m.deps.SaveDir, "ecs-redeploy-"+m.wall.UTC().Format("20060102-150405")+".json")
	return func() tea.Msg {
		// O_EXCL: never over a file already there (a second save in the same second).
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return savedMsg{err: err}
		}
		err = eventsjson.Write(f, len(rows), func(i int) eventsjson.Row { return rowJSON(rows[i]) })
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return savedMsg{err: fmt.Errorf("writing %s: %w", path, err)}
		}
		return savedMsg{path: path, rows: len(rows)}
	}
}

// mouse scrolls with the wheel and moves the cursor to a clicked row of the list.
func (m *Model) mouse(msg tea.MouseMsg) {
	if m.mode != modeList || m.list.Filtering() {
		return
	}
	switch {
	case msg.Button == tea.MouseButtonWheelDown && msg.Action == tea.MouseActionPress:
		m.list.Scroll(3)
	case msg.Button == tea.MouseButtonWheelUp && msg.Action == tea.MouseActionPress:
		m.list.Scroll(-3)
	case msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress:
		// The header, the info line and the column titles are above the first row.
		m.list.ClickRow(msg.Y - 3)
	}
}
