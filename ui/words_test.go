package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/model/eventsjson"
	"ecs-redeploy/ui/components/detail"
	"ecs-redeploy/ui/internal/uitest"
)

// Issue 22: the console, the `events` table and `events --json` say the same words for
// the same row. For every row of a generated fleet, the badges the console shows (the
// list's cell and the detail pane's line) are those `events --json` prints, and none of
// them is a bare BLOCKED.
func TestConsoleWordsAreEventsJSONWords(t *testing.T) {
	clock := sim.NewStepClock(sim.Epoch)
	eng := sim.New(sim.Generate(7, 3000, sim.Epoch), clock, sim.Options{Seed: 7})
	hub := fleet.New(sim.NewBackend(eng), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := hub.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	snap := hub.Snapshot()
	ins := eng.PendingInstances(nil, nil)
	byID := make(map[string]*model.Instance, len(ins))
	for i := range ins {
		byID[ins[i].ID] = &ins[i]
	}
	c := uitest.Common(clock.Now(), 400, 200)
	seen := map[model.Badge]bool{}
	for _, r := range snap.Rows {
		in := byID[r.Inst.ID]
		if in == nil {
			t.Fatalf("%s is in the console, not in events", r.Inst.ID)
		}
		want := eventsjson.FromInstance(in, clock.Now()).Badges
		if !slices.Equal(r.Badges, want) && !(len(r.Badges) == 0 && len(want) == 0) {
			t.Errorf("%s: console says %v, events --json %v", r.Inst.ID, r.Badges, want)
		}
		for _, b := range want {
			seen[b] = true
			if !slices.Contains(model.AllBadges, b) {
				t.Errorf("%s: %q is not a documented badge word", r.Inst.ID, b)
			}
		}
		if len(want) > 0 {
			d := detail.New(c, r)
			d.SetSize(400, 200)
			if line := "badges: " + model.JoinBadges(want, ", "); !strings.Contains(d.View(), line) {
				t.Errorf("%s: the detail pane does not say %q", r.Inst.ID, line)
			}
		}
	}
	// The fleet exercises the words that matter here.
	for _, b := range []model.Badge{model.BadgeWrongStatus, model.BadgeNoRedeploy, model.BadgeLocalDisk} {
		if !seen[b] {
			t.Errorf("the generated fleet never says %s: the test proves little", b)
		}
	}
}

// Issue 22: Y copies a row as `events --json` prints it, not an internal shape.
func TestCopiedJSONIsTheEventsJSONShape(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	var out bytes.Buffer
	m.deps.Renderer.SetOutput(termenv.NewOutput(&out))
	filterTo(m, idLocal)
	press(m, runes("Y"))
	seq := regexp.MustCompile(`\x1b\]52;c;([A-Za-z0-9+/=]+)`).FindStringSubmatch(out.String())
	if seq == nil {
		t.Fatalf("Y wrote no OSC 52: %q (notice %q)", out.String(), m.notice)
	}
	copied, err := base64.StdEncoding.DecodeString(seq[1])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(copied, &got); err != nil {
		t.Fatalf("Y copied no JSON: %v\n%s", err, copied)
	}
	for _, k := range []string{"InstanceId", "EventType", "Badges", "LocalStorage", "Eligibility", "Tags"} {
		if _, ok := got[k]; !ok {
			t.Errorf("Y's JSON lacks %s: %s", k, copied)
		}
	}
	if _, ok := got["Instance"]; ok {
		t.Errorf("Y copied the internal shape: %s", copied)
	}
}

// Issue 22: ctrl+s saves what the view shows, in the events --json shape, and says
// where; without a place to save (serve) it refuses in a line.
func TestSaveWritesTheShownRows(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	press(m, tea.KeyMsg{Type: tea.KeyCtrlS})
	if !strings.Contains(m.notice, "only in a local console") {
		t.Errorf("without a SaveDir ctrl+s said %q", m.notice)
	}
	m.deps.SaveDir = t.TempDir()
	filterTo(m, "kafka")
	press(m, tea.KeyMsg{Type: tea.KeyCtrlS})
	path := filepath.Join(m.deps.SaveDir, "ecs-redeploy-"+m.wall.UTC().Format("20060102-150405")+".json")
	if !strings.Contains(m.notice, path) {
		t.Fatalf("the save does not say where: %q", m.notice)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []eventsjson.Row
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	shown := m.list.Shown()
	if len(rows) != len(shown) || len(rows) == 0 {
		t.Fatalf("saved %d rows, the view shows %d", len(rows), len(shown))
	}
	for i := range rows {
		if rows[i].InstanceID != shown[i].Inst.ID {
			t.Errorf("row %d: saved %s, shown %s", i, rows[i].InstanceID, shown[i].Inst.ID)
		}
	}
	// A second save in the same second never writes over the first.
	press(m, tea.KeyMsg{Type: tea.KeyCtrlS})
	if !strings.Contains(m.notice, "save failed") {
		t.Errorf("a second save over the first said %q", m.notice)
	}
}

// Issue 22: ctrl+a marks every row the view shows (and none it hides), ctrl+\ clears the
// marks, and a key that means nothing says so.
func TestSelectAllClearAndUnboundKeys(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	filterTo(m, "prod")
	press(m, tea.KeyMsg{Type: tea.KeyCtrlA})
	if n := m.list.Selected(); n != m.list.Len() || n == 0 {
		t.Fatalf("ctrl+a selected %d of %d shown", n, m.list.Len())
	}
	press(m, tea.KeyMsg{Type: tea.KeyCtrlBackslash})
	if n := m.list.Selected(); n != 0 {
		t.Fatalf("ctrl+\\ left %d selected", n)
	}
	press(m, runes("w"))
	if !strings.Contains(m.notice, "w is not a key here") {
		t.Errorf("an unbound key said %q", m.notice)
	}
	press(m, keyEsc, keyEnter, runes("z"))
	if m.mode != modeDetail || !strings.Contains(m.notice, "z is not a key here") {
		t.Errorf("an unbound key in the detail pane: mode %d, notice %q", m.mode, m.notice)
	}
	press(m, runes("j"), keyEsc)
	if m.mode != modeList {
		t.Errorf("the detail pane's own keys stopped working: mode %d", m.mode)
	}
	// A viewer's ctrl+a is answered as R and space are.
	v := ready(t, newHarness(t, sim.Options{}, true))
	press(v, tea.KeyMsg{Type: tea.KeyCtrlA})
	if v.list.Selected() != 0 || !strings.Contains(v.notice, readOnlyAnswer) {
		t.Errorf("a viewer's ctrl+a: %d selected, notice %q", v.list.Selected(), v.notice)
	}
}

// Issue 22: a viewer can see who started a redeploy, as the CLI can: the task row and
// the detail pane say who.
func TestAViewerSeesWhoStartedARedeploy(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	op := ready(t, h)
	filterTo(op, idPlain)
	press(op, runes("R"), keyTab, keyEnter)
	if h.backend.redeploys.Load() != 1 {
		t.Fatalf("the redeploy was not sent: %q", op.notice)
	}
	viewer := h.model()
	viewer.deps.Identity.Role = "viewer"
	viewer.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	viewer.Update(snapshotMsg{h.view.Snapshot()})
	if v := viewer.View(); !strings.Contains(v, "by test (operator)") {
		t.Errorf("the task panel does not say who started it:\n%s", v)
	}
	filterTo(viewer, idPlain)
	press(viewer, keyEnter)
	if v := viewer.View(); !strings.Contains(v, "started by test (operator)") {
		t.Errorf("the detail pane does not say who started it:\n%s", v)
	}
}
