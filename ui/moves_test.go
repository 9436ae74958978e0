package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend/sim"
)

// Issue 13: y copies the id under the cursor and Y the row as JSON, with OSC 52 written
// to the session's own output (the renderer's), which under serve is the SSH channel.
func TestCopyWritesOSC52ToTheSessionsOutput(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	var term bytes.Buffer
	r := lipgloss.NewRenderer(&term)
	r.SetColorProfile(termenv.Ascii)
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Renderer: r, Identity: h.id, Tick: -1})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(snapshotMsg{h.view.Snapshot()})
	filterTo(m, idLocal)
	press(m, runes("y"))
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(idLocal)) + "\x07"
	if !strings.Contains(term.String(), want) || !strings.Contains(m.notice, "copied "+idLocal) {
		t.Fatalf("y wrote %q, notice %q", term.String(), m.notice)
	}
	term.Reset()
	press(m, runes("Y"))
	seq := term.String()
	if !strings.HasPrefix(seq, "\x1b]52;c;") {
		t.Fatalf("Y wrote %q", seq)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(seq, "\x1b]52;c;"), "\x07"))
	if err != nil {
		t.Fatal(err)
	}
	var row struct { // the events --json shape (issue 22)
		InstanceID         string `json:"InstanceId"`
		LocalStorageAmount int
		Badges             []string
	}
	if err := json.Unmarshal(raw, &row); err != nil || row.InstanceID != idLocal || row.LocalStorageAmount != 2 {
		t.Fatalf("Y copied %s (%v)", raw, err)
	}
}

// Issue 13: the position indicator, ctrl+d/ctrl+u, the wheel and a click.
func TestPositionHalfPagesWheelAndClick(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	n := len(m.snap.Rows)
	if info := m.list.InfoLine(); !strings.Contains(info, "1/"+itoa(n)) {
		t.Fatalf("no position indicator: %s", info)
	}
	press(m, tea.KeyMsg{Type: tea.KeyCtrlD})
	half := m.list.Cursor()
	if half < 5 || !strings.Contains(m.list.InfoLine(), itoa(half+1)+"/"+itoa(n)) {
		t.Fatalf("ctrl+d moved to %d: %s", half, m.list.InfoLine())
	}
	press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
	if m.list.Cursor() != 0 {
		t.Fatalf("ctrl+u went to %d", m.list.Cursor())
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if m.list.Cursor() != 3 {
		t.Fatalf("the wheel moved the cursor to %d", m.list.Cursor())
	}
	// Row 0 of the list is on screen line 3: header, info line, column titles above it.
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 3 + 7})
	if m.list.Cursor() != 7 {
		t.Fatalf("a click on the 8th row put the cursor on %d", m.list.Cursor())
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 1})
	if m.list.Cursor() != 7 {
		t.Fatal("a click on the info line moved the cursor")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
