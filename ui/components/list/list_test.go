package list

import (
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
