package ui

import (
	"io"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend/sim"
)

// profiles are the two ways a screen is seen: in colour (256 colours on a dark
// background) and with NO_COLOR (termenv.Ascii: no colour, no bold, no reverse).
var profiles = []struct {
	name    string
	profile termenv.Profile
}{{"color", termenv.ANSI256}, {"no_color", termenv.Ascii}}

// modelIn is the harness's console rendered with profile p.
func (h *harness) modelIn(p termenv.Profile) *Model {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	m := New(Deps{Fleet: h.view, Now: h.clock.Now, Wall: h.clock.Now, Renderer: r, Identity: h.id, Tick: -1})
	h.t.Cleanup(m.Close)
	return m
}

// Issue 22's screens at 120×40, 80×24 and 40×12, in colour and without: the header keeps
// who, the role and the :region scope; data loss is the most visible line of the dialog
// and the detail pane; a LOCAL DISK row keeps a mark at 40 columns; the quit question is
// whole; a viewer reads who started a redeploy.
func TestGoldenIssue22(t *testing.T) {
	screens := []struct {
		name  string
		steps func(t *testing.T, h *harness, m *Model)
	}{
		{"list-region", func(t *testing.T, h *harness, m *Model) { m.setRegions("cn-hangzhou") }},
		{"detail-local-disk", func(t *testing.T, h *harness, m *Model) {
			filterTo(m, idLocal)
			press(m, keyEnter)
		}},
		{"dialog-local-disk", func(t *testing.T, h *harness, m *Model) {
			filterTo(m, idLocal)
			press(m, runes("R"))
		}},
		{"quit-question", func(t *testing.T, h *harness, m *Model) {
			filterTo(m, idPlain)
			press(m, runes("R"), keyTab, keyEnter)
			m.Update(snapshotMsg{h.view.Snapshot()})
			press(m, keyEsc, runes("q"))
		}},
	}
	for _, sc := range screens {
		for _, size := range sizes {
			for _, p := range profiles {
				t.Run(sc.name+"/"+size.name+"/"+p.name, func(t *testing.T) {
					h := newHarness(t, sim.Options{}, false)
					m := h.modelIn(p.profile)
					m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
					m.Update(snapshotMsg{h.view.Snapshot()})
					sc.steps(t, h, m)
					golden.RequireEqual(t, []byte(m.View()))
				})
			}
		}
	}
}
