package ui

import (
	"encoding/json"
	"fmt"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// copiedMsg says what y or Y put on the clipboard, or why not.
type copiedMsg struct {
	what string
	err  error
}

// rowJSON is what Y copies: the instance under the API's field names, the verdict and
// the redeploy as the hub knows them.
type rowJSON struct {
	Instance      *model.Instance   `json:"Instance"`
	Badges        []model.Badge     `json:"Badges"`
	Eligibility   model.Eligibility `json:"Eligibility"`
	RedeployState string            `json:"RedeployState"`
	TaskID        string            `json:"TaskId,omitempty"`
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
		j := rowJSON{Instance: r.Inst, Badges: r.Badges, Eligibility: r.Eligibility, RedeployState: r.State.String()}
		if r.Task != nil {
			j.TaskID = r.Task.ID
		}
		b, err := json.Marshal(j)
		if err != nil {
			m.setNotice(true, "copy failed: "+err.Error())
			return nil
		}
		// Values exact; U+202E and the like as \u escapes, for whoever pastes it.
		text, what = string(safetext.JSON(b)), r.Inst.ID+" as JSON"
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
