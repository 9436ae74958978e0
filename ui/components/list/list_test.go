package list

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/ui/internal/uitest"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keySpace = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
)

func scenarioList(t *testing.T) *Model {
	t.Helper()
	hub, clock := uitest.Fleet(t)
	l := New(uitest.Common(clock.Now(), 120, 30))
	l.SetSize(120, 30)
	l.SetSnapshot(hub.Snapshot())
	return l
}

// said is the message keys make the list say last, or nil.
func said(l *Model, keys ...tea.KeyMsg) tea.Msg {
	var msg tea.Msg
	for _, k := range keys {
		_, cmd := l.Update(k)
		msg = nil
		if cmd != nil {
			msg = cmd()
		}
	}
	return msg
}

func filterTo(l *Model, s string) { said(l, runes("/"), runes(s), keyEnter) }

// R acts on the selected rows the filter shows and names the hidden ones as left out.
func TestRedeployTargetsAreTheSelectedRowsTheFilterShows(t *testing.T) {
	l := scenarioList(t)
	for _, id := range []string{uitest.IDLocal, uitest.IDFailing} {
		filterTo(l, id)
		said(l, keySpace, keyEsc)
	}
	filterTo(l, uitest.IDPlain)
	msg, ok := said(l, runes("R")).(RedeployMsg)
	if !ok || len(msg.Targets) != 0 || len(msg.LeftOut) != 2 {
		t.Fatalf("R with the selection hidden said %+v", msg)
	}
	said(l, keyEsc)
	filterTo(l, "kafka-prod-042")
	msg = said(l, runes("R")).(RedeployMsg)
	if len(msg.Targets) != 1 || msg.Targets[0].Inst.ID != uitest.IDLocal || len(msg.LeftOut) != 1 || msg.LeftOut[0].Inst.ID != uitest.IDFailing {
		t.Fatalf("R with one selected row shown said %+v", msg)
	}
	// Nothing selected: the row under the cursor.
	said(l, keyEsc, keyEsc)
	filterTo(l, uitest.IDStopped)
	msg = said(l, runes("R")).(RedeployMsg)
	if len(msg.Targets) != 1 || msg.Targets[0].Inst.ID != uitest.IDStopped || msg.LeftOut != nil {
		t.Fatalf("R on the cursor's row said %+v", msg)
	}
}

// A burst is text: outside the filter it does nothing, inside it is the filter's text.
func TestABurstIsTextForTheFilterOnly(t *testing.T) {
	l := scenarioList(t)
	first := l.Current()
	if said(l, runes("jjjR")) != nil || l.Current() != first {
		t.Fatal("a burst acted as keys")
	}
	said(l, runes("/"), tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("kafka-prod-042"), Paste: true}, keyEnter)
	if l.Filter() != "kafka-prod-042" || l.Len() != 1 {
		t.Fatalf("a paste into the filter gave %q (%d rows)", l.Filter(), l.Len())
	}
}

func TestEnterAsksForTheDetailOfTheCursorsRow(t *testing.T) {
	l := scenarioList(t)
	said(l, runes("j"))
	msg, ok := said(l, keyEnter).(OpenDetailMsg)
	if !ok || msg.Row != l.Current() {
		t.Fatalf("enter said %+v", msg)
	}
}

// The row cache keeps, past a new snapshot, only the rows it still shows: a console left
// open must not keep old snapshots' rows alive however far it scrolled.
func TestRowCacheKeepsOnlyWhatTheLastFrameShowed(t *testing.T) {
	hub, _ := uitest.Fleet(t)
	l := scenarioList(t)
	l.View()
	for range 40 {
		said(l, runes("j"))
		l.View()
	}
	if len(l.cache) <= l.rows {
		t.Fatalf("the test needs more rows cached (%d) than shown (%d)", len(l.cache), l.rows)
	}
	l.SetSnapshot(hub.Snapshot())
	if len(l.cache) > l.rows {
		t.Fatalf("%d rows cached after a new snapshot, %d shown", len(l.cache), l.rows)
	}
}

// line is the list line that shows instance id, or "".
func line(l *Model, id string) string {
	for _, s := range strings.Split(l.View(), "\n") {
		if strings.Contains(s, id) {
			return s
		}
	}
	return ""
}

// Issue 13, "the truth on every row": the reason as a word, NO REDEPLOY apart from a
// block, the second event marked, and whole names, at each width, in cells.
func TestRowsSayWhyAndWhatElse(t *testing.T) {
	hub, clock := uitest.Fleet(t)
	snap := hub.Snapshot()
	var noRedeploy string
	for _, r := range snap.Rows {
		if r.NoRedeploy && !r.Blocked {
			noRedeploy = r.Inst.ID
			break
		}
	}
	if noRedeploy == "" {
		t.Fatal("the scenario needs a row whose event a redeploy does not answer")
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			l := New(uitest.Common(clock.Now(), size[0], size[1]))
			l.SetSize(size[0], size[1]-2)
			l.SetSnapshot(snap)
			for _, s := range strings.Split(l.View(), "\n") {
				if w := lipgloss.Width(s); w != size[0] && s != "" {
					t.Errorf("a line %d cells wide, not %d: %q", w, size[0], s)
				}
			}
			for _, c := range []struct{ id, want string }{
				{uitest.IDLocked, "SECURITY LOCK"},
				{uitest.IDHost, "DEDICATED HOST"},
				{uitest.IDStopping, "WRONG STATUS"},
				{noRedeploy, "NO REDEPLOY"},
			} {
				filterTo(l, c.id)
				if s := line(l, c.id); size[0] >= 80 && !strings.Contains(s, c.want) || strings.Contains(s, "BLOCKED") {
					t.Errorf("%s: %q, want %s and never a bare BLOCKED", c.id, s, c.want)
				}
				said(l, keyEsc)
			}
			filterTo(l, uitest.IDTwoEvents)
			s := line(l, uitest.IDTwoEvents)
			if size[0] >= 120 && !strings.Contains(s, "Maint.Redeploy +1") {
				t.Errorf("the second pending event is not marked: %q", s)
			}
			if size[0] >= 80 && !strings.Contains(s, "数据库-主-01") {
				t.Errorf("the name is cut though there is room: %q", s)
			}
			said(l, keyEsc)
		})
	}
}

// The name is the last optional column to go, and takes the free room.
func TestNameDropsLastAndTakesTheRoom(t *testing.T) {
	for _, c := range []struct {
		width, longest int
		name           int // the name column's width, 0 when dropped
		event, status  bool
	}{
		{200, 30, 30, true, true},
		{120, 22, 22, true, true},
		{80, 22, 22, false, false},
		{80, 40, 25, false, false},
		{64, 22, 9, false, false},
		{50, 22, 0, false, false},
		{40, 22, 0, false, false},
	} {
		lay := newLayout(c.width, c.longest)
		name := 0
		for _, col := range lay.cols {
			if col.id == colName {
				name = col.width
			}
		}
		if name != c.name || lay.has(colEvent) != c.event || lay.has(colStatus) != c.status {
			t.Errorf("%d columns, names of %d: name %d event %v status %v; want %d %v %v",
				c.width, c.longest, name, lay.has(colEvent), lay.has(colStatus), c.name, c.event, c.status)
		}
	}
}

// The event sort orders by the short names the list shows.
func TestEventSortIsByWhatIsShown(t *testing.T) {
	l := scenarioList(t)
	for l.sort != sortEvent {
		said(l, runes("s"))
	}
	var shown []string
	for _, ix := range l.idx {
		if r := l.snap.Rows[ix]; r.Event != nil {
			shown = append(shown, shortEventType(r.Event.Type))
		}
	}
	if !slices.IsSorted(shown) {
		t.Fatalf("event sort is not in the order shown: %v", shown)
	}
}
