package list

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
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
	for _, r := range shownRows(l) {
		if r.Event != nil {
			shown = append(shown, shortEventType(r.Event.Type))
		}
	}
	if !slices.IsSorted(shown) {
		t.Fatalf("event sort is not in the order shown: %v", shown)
	}
}

// Issue 13: sorting keeps the cursor on its instance; a column's letter sorts by it and
// again reverses, marked in the header; :sort names a column.
func TestSortKeepsTheCursorAndReverses(t *testing.T) {
	l := scenarioList(t)
	said(l, runes("j"), runes("j"), runes("j"))
	at := l.Current().Inst.ID
	for _, k := range []string{"s", "N", "N", "Z", "D"} {
		said(l, runes(k))
		if got := l.Current().Inst.ID; got != at {
			t.Fatalf("after %s the cursor is on %s, not %s", k, got, at)
		}
	}
	said(l, runes("N"))
	names := func() []string {
		var out []string
		for _, r := range shownRows(l) {
			out = append(out, r.Inst.Name)
		}
		return out
	}
	if !slices.IsSorted(names()) || !strings.Contains(l.View(), "NAME↑") {
		t.Fatalf("N did not sort by name ascending, marked:\n%s", l.View())
	}
	said(l, runes("N"))
	n := names()
	slices.Reverse(n)
	if !slices.IsSorted(n) || !strings.Contains(l.View(), "NAME↓") || !strings.Contains(l.InfoLine(), "sort name reversed") {
		t.Fatalf("N again did not reverse:\n%s", l.View())
	}
	if !l.SortBy("deadline") || !strings.Contains(l.View(), "DEADLINE↑") || l.SortBy("nonsense") {
		t.Fatal(":sort deadline did not sort by deadline, or a nonsense column was taken")
	}
}

// Issue 13: ! inverts, /…/ is a regular expression, a|b is either, tags are searchable.
func TestFilterInvertsMatchesRegexpsAlternativesAndTags(t *testing.T) {
	l := scenarioList(t)
	total := l.Len()
	ids := func() []string {
		var out []string
		for _, r := range shownRows(l) {
			out = append(out, r.Inst.ID)
		}
		return out
	}
	filterTo(l, "team=payments")
	if got := ids(); len(got) != 1 || got[0] != uitest.IDTwoEvents {
		t.Fatalf("team=payments kept %v", got)
	}
	said(l, keyEsc)
	filterTo(l, "prod")
	prod := l.Len()
	said(l, keyEsc)
	filterTo(l, "!prod")
	if l.Len() != total-prod || l.Len() == 0 {
		t.Fatalf("!prod kept %d of %d, prod %d", l.Len(), total, prod)
	}
	said(l, keyEsc)
	filterTo(l, "kafka-prod-042|web-prod-001")
	if got := ids(); len(got) != 2 {
		t.Fatalf("a|b kept %v", got)
	}
	said(l, keyEsc)
	filterTo(l, "/^i-bp1(plain|local)/")
	if got := ids(); len(got) != 2 || !slices.Contains(got, uitest.IDPlain) || !slices.Contains(got, uitest.IDLocal) {
		t.Fatalf("/regexp/ kept %v", got)
	}
	said(l, keyEsc)
	filterTo(l, "/(/")
	if !strings.Contains(l.InfoLine(), "not a regexp") {
		t.Fatalf("a bad regexp is not said: %s", l.InfoLine())
	}
	said(l, keyEsc)
	// A growing inverted filter must not narrow what the shorter one kept.
	said(l, runes("/"), runes("!"), runes("p"))
	a := l.Len()
	said(l, runes("r"))
	if l.Len() < a {
		t.Fatalf("!pr kept %d rows, fewer than !p's %d", l.Len(), a)
	}
}

// :region scopes this session's list in place.
func TestRegionScopeIsAViewFilter(t *testing.T) {
	l := scenarioList(t)
	l.SetRegions([]string{"cn-shanghai"})
	for _, r := range shownRows(l) {
		if r.Inst.RegionID != "cn-shanghai" {
			t.Fatalf("%s of %s shown in a cn-shanghai scope", r.Inst.ID, r.Inst.RegionID)
		}
	}
	if l.Len() == 0 {
		t.Fatal("the scope kept nothing")
	}
	l.SetRegions(nil)
	if l.Len() != len(l.snap.Rows) {
		t.Fatal("all did not show every row again")
	}
}

// Issue 13: at 40 columns, with no room for badges, a mark keeps each row's truth.
func TestNarrowRowsKeepAStateMark(t *testing.T) {
	hub, clock := uitest.Fleet(t)
	l := New(uitest.Common(clock.Now(), 40, 12))
	l.SetSize(40, 10)
	l.SetSnapshot(hub.Snapshot())
	for _, c := range []struct{ id, mark string }{{uitest.IDLocked, "!"}, {uitest.IDPlain, " "}, {uitest.IDLocal, "#"}} {
		filterTo(l, c.id)
		said(l, runes("j")) // the cursor's row too: the mark is the second character
		if s := line(l, c.id); !strings.HasPrefix(s, ">"+c.mark+c.id) {
			t.Errorf("%s at 40 columns: %q, want mark %q", c.id, s, c.mark)
		}
		said(l, keyEsc)
	}
}

// shownRows are the rows the list shows, in its order.
func shownRows(l *Model) []*fleet.Row { return l.Shown() }

// Under serve every session shows the same snapshot: with no filter, no scope and the
// deadline order, a session derives nothing of its own per snapshot (the hub's rows are
// the list), keeps its cursor on its instance through new rows, and reverses in place.
func TestUnfilteredListIsTheHubsRows(t *testing.T) {
	l := scenarioList(t)
	snap := l.snap
	if !l.whole || l.idx != nil || l.Len() != len(snap.Rows) {
		t.Fatalf("an unfiltered list derived its own order: whole %v, %d indexes", l.whole, len(l.idx))
	}
	said(l, runes("j"), runes("j"))
	at := l.Current()
	// New rows, as after a refresh: the cursor's row replaced, its deadline the same, then
	// moved to the end of the order (its deadline changed).
	next := *snap
	next.Rows = slices.Clone(snap.Rows)
	moved := *at
	next.Rows[2] = &moved
	l.SetSnapshot(&next)
	if l.Current() != &moved || l.idx != nil {
		t.Fatalf("the cursor went to %s, not its instance's new row", l.Current().Inst.ID)
	}
	last := next
	last.Rows = append(slices.Delete(slices.Clone(next.Rows), 2, 3), &moved)
	l.SetSnapshot(&last)
	if l.Current() != &moved || l.Cursor() != len(last.Rows)-1 {
		t.Fatalf("after its row moved the cursor is at %d on %s", l.Cursor(), l.Current().Inst.ID)
	}
	said(l, runes("D")) // deadline again: reversed
	if !l.whole || l.Current() != &moved || l.Cursor() != 0 || l.at(l.Len()-1) != last.Rows[0] {
		t.Fatalf("the reversed deadline order is not the hub's rows reversed (cursor %d)", l.Cursor())
	}
	filterTo(l, "prod")
	if l.whole || l.Len() == len(last.Rows) {
		t.Fatal("a filter did not derive the session's own rows")
	}
	said(l, keyEsc)
	if !l.whole {
		t.Fatal("clearing the filter did not go back to the hub's rows")
	}
}

// Issue 22: a /regexp/ matches each field on its own, so ^ and $ hold at a name's ends
// (they ran on one string that started with the id, and matched nothing).
func TestRegexpMatchesEachField(t *testing.T) {
	l := scenarioList(t)
	ids := func() []string {
		var out []string
		for _, r := range shownRows(l) {
			out = append(out, r.Inst.ID)
		}
		return out
	}
	// The kafka instances with local disks, the scenario's and the generated padding's, in
	// the list's order.
	var kafkaLocal []string
	for _, r := range shownRows(l) {
		if strings.HasPrefix(r.Inst.Name, "kafka") && r.Inst.HasLocalDisks() {
			kafkaLocal = append(kafkaLocal, r.Inst.ID)
		}
	}
	if !slices.Contains(kafkaLocal, uitest.IDLocal) {
		t.Fatalf("fixture: %s is not among the kafka instances with local disks %v", uitest.IDLocal, kafkaLocal)
	}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"/^web-prod-00/", []string{uitest.IDPlain}},
		{"/prod-001$/", []string{uitest.IDPlain}},
		{"/042$/", []string{uitest.IDLocal}},
		{"/^cn-shanghai-f$/ /^hdfs/", []string{uitest.IDFailing}},
		{"/^local.disk$/ /^kafka/", kafkaLocal},
		// A field's end is not the next field's start: . never crosses.
		{"/web-prod-001.*cn-hangzhou-h/", nil},
	} {
		filterTo(l, c.filter)
		if got := ids(); !slices.Equal(got, c.want) {
			t.Errorf("%s kept %v, want %v", c.filter, got, c.want)
		}
		said(l, keyEsc)
	}
}
