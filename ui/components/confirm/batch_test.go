package confirm

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

var (
	keyUp   = tea.KeyMsg{Type: tea.KeyUp}
	keyDown = tea.KeyMsg{Type: tea.KeyDown}
)

// batchOf is a settled dialog for n copies of the scenario's plain Running instance, each
// its own id, at w×h.
func batchOf(t *testing.T, n, w, h int) *Model {
	t.Helper()
	plain := uitest.Rows(t)[uitest.IDPlain]
	targets := make([]*fleet.Row, n)
	for i := range targets {
		r := *plain
		in := *r.Inst
		in.ID = fmt.Sprintf("i-bp1batch%012d", i+1)
		in.Name = fmt.Sprintf("web-prod-%03d", i+1)
		r.Inst = &in
		targets[i] = &r
	}
	d, settle := New(uitest.Common(sim.Epoch, w, h), targets, nil, nil)
	d.SetSize(w, h)
	d.Update(settle())
	return d
}

// Issue 11: a long target list scrolls inside the dialog; the consequences, the field and
// both buttons stay on screen, and Redeploy arms only once every target was shown.
func TestALongBatchScrollsAndArmsOnlyOnceEveryTargetWasShown(t *testing.T) {
	d := batchOf(t, 40, 120, 37) // a 120×40 terminal
	v := d.View()
	if !d.Fits() {
		t.Fatalf("a 40-target batch must fit a 120x40 terminal by scrolling:\n%s", v)
	}
	for _, want := range []string{"targets 1–", "of 40 (↑/↓ scroll)", "i-bp1batch000000000001", "40 instances: Running",
		"(type it here)", "> Cancel <", "Redeploy 40 (type to arm)", "not armed until every target was shown"} {
		if !strings.Contains(v, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "i-bp1batch000000000040") || strings.Count(v, "\n") > 36 {
		t.Fatalf("the whole list is drawn, or the box is taller than the screen:\n%s", v)
	}
	said(d, keyTab)
	said(d, runes("40"))
	said(d, keyEnter)
	if d.Armed() || d.Focus() != FocusInput || !strings.Contains(d.View(), "not shown yet") {
		t.Fatalf("the count armed a batch whose targets were not all shown (armed %v, focus %d):\n%s", d.Armed(), d.Focus(), d.View())
	}
	// j is typed while the field has the focus; the arrows scroll.
	said(d, runes("j"))
	if d.Typed() != "40j" {
		t.Fatalf("j in the field should be typed, field %q", d.Typed())
	}
	said(d, tea.KeyMsg{Type: tea.KeyBackspace})
	for i := 0; i < 40 && !d.AllShown(); i++ {
		said(d, keyDown)
	}
	v = d.View()
	if !d.AllShown() || !strings.Contains(v, "i-bp1batch000000000040") || !strings.Contains(v, "–40 of 40") ||
		strings.Contains(v, "i-bp1batch000000000001 ") {
		t.Fatalf("↓ did not scroll to the last target:\n%s", v)
	}
	// Scrolling back up keeps what was shown shown.
	said(d, keyUp)
	if !d.AllShown() || !d.Armed() {
		t.Fatal("scrolling back up disarmed a batch whose targets were all shown")
	}
	said(d, keyEnter)
	if d.Focus() != FocusConfirm {
		t.Fatalf("enter on the typed count should arm and focus Redeploy, focus %d", d.Focus())
	}
	msg, ok := said(d, keyEnter).(SubmitMsg)
	if !ok || len(msg.Targets) != 40 || msg.MaxInFlight != fleet.DefaultMaxInFlight {
		t.Fatalf("enter on the armed Redeploy said %T %+v", msg, msg)
	}
}

// The same batch on a screen with the room for it all needs no scrolling and arms on the
// count; on one too short even for a window of three it says how large to make it.
func TestABatchThatFitsNeedsNoScrolling(t *testing.T) {
	d := batchOf(t, 5, 120, 37)
	if !d.AllShown() || strings.Contains(d.View(), "scroll)") {
		t.Fatalf("a 5-target batch scrolls at 120x40:\n%s", d.View())
	}
	d = batchOf(t, 40, 120, 10)
	if d.Fits() || d.AllShown() {
		t.Fatalf("a 120x13 terminal cannot show a window of the targets and all the rest:\n%s", d.View())
	}
	_, h := d.needs(sim.Epoch)
	if d = batchOf(t, 40, 120, h-3); !d.Fits() || !strings.Contains(d.View(), "targets 1–") {
		t.Fatalf("at the height it asks for (%d) the dialog must fit with a window of 3:\n%s", h, d.View())
	}
}

// Issue 11: + and - set how many of the batch run at once (1..10); raising it empties the
// typed confirmation and focuses Cancel, lowering it does not.
func TestPlusAndMinusSetTheBatchsMaxInFlight(t *testing.T) {
	d := batchOf(t, 5, 120, 37)
	said(d, keyTab)
	said(d, runes("5"))
	said(d, runes("-"))
	if d.MaxInFlight() != fleet.DefaultMaxInFlight-1 || d.Typed() != "5" || d.Focus() != FocusInput {
		t.Fatalf("- : max %d, field %q, focus %d", d.MaxInFlight(), d.Typed(), d.Focus())
	}
	if !strings.Contains(d.View(), fmt.Sprintf("at most %d at once", fleet.DefaultMaxInFlight-1)) {
		t.Fatalf("the runs-in-waves line does not show the limit:\n%s", d.View())
	}
	said(d, runes("+"))
	said(d, runes("+"))
	if d.MaxInFlight() != fleet.DefaultMaxInFlight+1 || d.Typed() != "" || d.Focus() != FocusCancel || d.Armed() {
		t.Fatalf("+ : max %d, field %q, focus %d, armed %v", d.MaxInFlight(), d.Typed(), d.Focus(), d.Armed())
	}
	if v := d.View(); !strings.Contains(v, fmt.Sprintf("at most %d at once", fleet.DefaultMaxInFlight+1)) ||
		!strings.Contains(v, "type the confirmation again") {
		t.Fatalf("after +:\n%s", v)
	}
	for range 20 {
		said(d, runes("+"))
	}
	if d.MaxInFlight() != 10 {
		t.Fatalf("+ went past 10: %d", d.MaxInFlight())
	}
	for range 20 {
		said(d, runes("-"))
	}
	if d.MaxInFlight() != 1 {
		t.Fatalf("- went below 1: %d", d.MaxInFlight())
	}
	// A paste of "+" is text, never the key.
	said(d, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("+"), Paste: true})
	if d.MaxInFlight() != 1 || d.Typed() != "+" {
		t.Fatalf("a pasted + raised the limit (%d) or was not typed (%q)", d.MaxInFlight(), d.Typed())
	}
	said(d, tea.KeyMsg{Type: tea.KeyBackspace})
	said(d, runes("5"))
	said(d, keyEnter)
	if msg, ok := said(d, keyEnter).(SubmitMsg); !ok || msg.MaxInFlight != 1 {
		t.Fatalf("the submit does not carry the limit: %T %+v", msg, msg)
	}
}

// A refresh that changes what a scrolled batch says starts the list over: the targets must
// be shown again before Redeploy arms.
func TestARefreshThatChangesALongBatchMustBeScrolledAgain(t *testing.T) {
	d := batchOf(t, 40, 120, 37)
	for i := 0; i < 40 && !d.AllShown(); i++ {
		said(d, keyDown)
	}
	if !d.AllShown() {
		t.Fatal("↓ did not reach the last target")
	}
	last := d.Targets()[39]
	in := *last.Inst
	in.Status = "Stopped"
	changed := *last
	changed.Inst = &in
	rows := map[string]*fleet.Row{}
	for _, r := range d.Targets() {
		rows[r.Inst.ID] = r
	}
	rows[in.ID] = &changed
	if _, ok, settle := d.Refresh(func(id string) *fleet.Row { return rows[id] }); !ok {
		t.Fatal("a target's new status did not change the dialog")
	} else {
		d.Update(settle())
	}
	if d.AllShown() || !strings.Contains(d.View(), "targets 1–") {
		t.Fatalf("after the change the list should start over, not all shown:\n%s", d.View())
	}
}

// pgdn moves the window a window on and skips no target: each page starts where the last
// one ended, and pages reach the end.
func TestPageDownSkipsNoTarget(t *testing.T) {
	d := batchOf(t, 40, 120, 37)
	_, first := d.layout(d.Now(), d.Width, d.Height)
	said(d, tea.KeyMsg{Type: tea.KeyPgDown})
	_, next := d.layout(d.Now(), d.Width, d.Height)
	if next.lo != first.hi || d.seen != next.hi {
		t.Fatalf("pgdn: window %+v after %+v, seen %d", *next, *first, d.seen)
	}
	for range 5 {
		said(d, tea.KeyMsg{Type: tea.KeyPgDown})
	}
	if !d.AllShown() || !strings.Contains(d.View(), "–40 of 40") {
		t.Fatalf("pgdn did not reach the end:\n%s", d.View())
	}
	for range 5 {
		said(d, tea.KeyMsg{Type: tea.KeyPgUp})
	}
	if !strings.Contains(d.View(), "targets 1–") {
		t.Fatalf("pgup did not go back to the first target:\n%s", d.View())
	}
}
