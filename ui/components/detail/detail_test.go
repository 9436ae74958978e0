package detail

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

func said(d *Model, k tea.KeyMsg) tea.Msg {
	_, cmd := d.Update(k)
	if cmd == nil {
		return nil
	}
	return cmd()
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// G shows the pane's end, where the redeploy tasks are; R asks for this instance only;
// esc goes back.
func TestDetailScrollsAndAsksForItsOwnInstance(t *testing.T) {
	hub, clock := uitest.Fleet(t)
	var d *Model
	for _, r := range hub.Snapshot().Rows {
		if r.Inst.ID == uitest.IDLocal {
			d = New(uitest.Common(clock.Now(), 80, 10), r)
		}
	}
	d.SetSnapshot(hub.Snapshot())
	d.SetSize(80, 10)
	if strings.Contains(d.View(), "none from this console") {
		t.Fatal("the test needs a pane longer than its height")
	}
	said(d, runes("G"))
	if v := d.View(); !strings.Contains(v, "none from this console") || strings.Count(v, "\n") != 9 {
		t.Fatalf("G did not show the end in exactly 10 lines:\n%s", v)
	}
	said(d, runes("g"))
	if !strings.Contains(d.View(), uitest.IDLocal+" (kafka-prod-042)") {
		t.Fatalf("g did not go back to the top:\n%s", d.View())
	}
	if msg, ok := said(d, runes("R")).(RedeployMsg); !ok || msg.Row.Inst.ID != uitest.IDLocal {
		t.Fatalf("R said %+v", msg)
	}
	if said(d, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Redeploy")}) != nil {
		t.Fatal("a burst acted as R")
	}
	if _, ok := said(d, tea.KeyMsg{Type: tea.KeyEsc}).(CloseMsg); !ok {
		t.Fatal("esc did not close the pane")
	}
}

// Issue 13: the pane lists events by deadline, says which a redeploy answers, and shows
// the tags the filter searches.
func TestDetailListsEventsByDeadlineAndTags(t *testing.T) {
	hub, clock := uitest.Fleet(t)
	var d *Model
	for _, r := range hub.Snapshot().Rows {
		if r.Inst.ID == uitest.IDTwoEvents {
			d = New(uitest.Common(clock.Now(), 120, 40), r)
		}
	}
	d.SetSize(120, 40)
	v := d.View()
	first, second := strings.Index(v, "SystemMaintenance.Redeploy"), strings.Index(v, "SystemMaintenance.Reboot")
	if first < 0 || second < 0 || first > second {
		t.Fatalf("events not by deadline (Redeploy in 4h, then Reboot in 6h):\n%s", v)
	}
	if !strings.Contains(v, "tags: env=prod, team=payments") {
		t.Fatalf("tags not shown as the filter matches them:\n%s", v)
	}
}

// Tag values and event reasons are the API's text: no control character of theirs reaches
// the terminal (ESC, BEL, the C1 CSI).
func TestDetailShowsNoControlCharactersFromTheAPI(t *testing.T) {
	hub, clock := uitest.Fleet(t)
	for _, r := range hub.Snapshot().Rows {
		if r.Inst.ID != uitest.IDLocal {
			continue
		}
		row := *r
		in := *r.Inst
		in.Tags = map[string]string{"team": "kafka\x1b]52;c;cm0gLXJm\x07"}
		in.Events = append([]model.Event(nil), in.Events...)
		in.Events[0].Reason = "host\x1b[2J\u009b31m failing"
		row.Inst = &in
		d := New(uitest.Common(clock.Now(), 120, 60), &row)
		d.SetSize(120, 60)
		v := d.View()
		if strings.ContainsAny(v, "\x1b\x07\u009b") {
			t.Fatalf("the pane passed control characters on: %q", v)
		}
		for _, want := range []string{`team=kafka\x1b]52;c;cm0gLXJm\x07`, `reason: host\x1b[2J<U+009B>31m failing`} {
			if !strings.Contains(v, want) {
				t.Errorf("the pane lacks %q:\n%s", want, v)
			}
		}
		return
	}
	t.Fatal("no row for the local-disk instance")
}
