package confirm

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

var (
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keyTab   = tea.KeyMsg{Type: tea.KeyTab}
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// opened builds a settled dialog for the scenario's rows ids at w×h (h: the rows between the
// console's header lines and its footer).
func opened(t *testing.T, w, h int, ids ...string) *Model {
	t.Helper()
	rows := uitest.Rows(t)
	var targets []*fleet.Row
	for _, id := range ids {
		targets = append(targets, rows[id])
	}
	d, settle := New(uitest.Common(sim.Epoch, w, h), targets, nil, nil)
	d.SetSize(w, h)
	d.Update(settle())
	d.SetReread(sim.Epoch, nil)
	return d
}

// said is the message a key makes the dialog say to the root, or nil. A SettledMsg goes
// back to the dialog at once, as the root routes it when the timers are off.
func said(d *Model, k tea.KeyMsg) tea.Msg {
	_, cmd := d.Update(k)
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if s, ok := msg.(SettledMsg); ok {
		d.Update(s)
		return nil
	}
	return msg
}

func TestCancelIsFocusedAndEnterOnItCancels(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain)
	if d.Focus() != FocusCancel || !strings.Contains(d.View(), "> Cancel <") {
		t.Fatalf("Cancel not focused:\n%s", d.View())
	}
	if msg, ok := said(d, keyEnter).(CancelMsg); !ok || !msg.From(d) {
		t.Fatalf("enter on Cancel said %T, want CancelMsg", msg)
	}
	if said(d, keyEnter) != nil {
		t.Fatal("a dialog that has said its outcome must take no more keys")
	}
}

func TestKeysBeforeTheDialogSettlesDoNothingButEsc(t *testing.T) {
	rows := uitest.Rows(t)
	d, _ := New(uitest.Common(sim.Epoch, 120, 37), []*fleet.Row{rows[uitest.IDPlain]}, nil, nil)
	d.SetSize(120, 37)
	for _, k := range []tea.KeyMsg{keyTab, runes("l"), runes("f"), keyEnter} {
		// Each key starts the settle window over (its SettledMsg is not delivered here: the
		// keys come faster than the window).
		_, cmd := d.Update(k)
		if cmd == nil {
			continue
		}
		if msg, ok := cmd().(SettledMsg); !ok {
			t.Fatalf("%s before the dialog settled said %T", k, msg)
		}
	}
	if d.Focus() != FocusCancel || d.ForceStop() {
		t.Fatal("keys before the dialog settled moved the focus or turned ForceStop on")
	}
	if _, ok := said(d, keyEsc).(CancelMsg); !ok {
		t.Fatal("esc must cancel at any time")
	}
}

// The focus landing on an armed Redeploy (tab, shift+tab, l, h) holds keys off until the
// dialog settles again: the enter of a pasted tab and enter, however late the console gets
// to it, does nothing and says why. An enter after the dialog settled redeploys.
func TestFocusOnAnArmedRedeployHoldsTheNextEnter(t *testing.T) {
	for _, move := range []tea.KeyMsg{keyTab, {Type: tea.KeyShiftTab}, runes("l"), runes("h")} {
		d := opened(t, 120, 37, uitest.IDPlain)
		for d.Focus() != FocusConfirm {
			_, cmd := d.Update(move)
			if d.Focus() == FocusConfirm {
				if cmd == nil {
					t.Fatalf("%s onto an armed Redeploy left the dialog settled", move)
				}
				// The settle is not delivered yet: the enter comes right behind.
				if _, c := d.Update(keyEnter); c == nil {
					t.Fatalf("%s then enter: the enter did not start the wait over", move)
				} else if msg, ok := c().(SettledMsg); !ok {
					t.Fatalf("%s then enter at once said %T: a paste redeployed", move, msg)
				} else {
					if !strings.Contains(d.View(), "nothing was done") {
						t.Errorf("%s then enter at once: the dialog does not say why:\n%s", move, d.View())
					}
					d.Update(msg)
				}
				if !strings.Contains(d.View(), "enter now redeploys") {
					t.Errorf("%s then enter at once: once settled, the dialog does not say enter now acts:\n%s", move, d.View())
				}
				break
			}
			if cmd != nil {
				if msg, ok := cmd().(SettledMsg); ok {
					d.Update(msg)
				}
			}
		}
		if _, ok := said(d, keyEnter).(SubmitMsg); !ok {
			t.Fatalf("%s: enter on Redeploy after the dialog settled did not submit", move)
		}
	}
}

func TestLocalDisksNeedTheTypedIDBeforeSubmit(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDLocal)
	if !d.Destructive() || d.Armed() {
		t.Fatal("a local-disk redeploy must need the typed id")
	}
	said(d, keyTab)
	said(d, keyTab)
	if said(d, keyEnter) != nil {
		t.Fatal("an unarmed Redeploy said something")
	}
	said(d, tea.KeyMsg{Type: tea.KeyShiftTab})
	said(d, runes(uitest.IDLocal))
	said(d, keyEnter)
	if d.Focus() != FocusConfirm {
		t.Fatalf("the typed id should arm and focus Redeploy, focus %d", d.Focus())
	}
	msg, ok := said(d, keyEnter).(SubmitMsg)
	if !ok || !msg.From(d) || len(msg.Targets) != 1 || msg.Targets[0].Inst.ID != uitest.IDLocal || msg.ForceStop {
		t.Fatalf("enter on the armed Redeploy said %+v", msg)
	}
}

// A paste is text: in a dialog without a field it goes nowhere, and "Redeploy" must not
// move the focus with its l.
func TestPasteIsNeverAKeyOfTheDialog(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain)
	said(d, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Redeploy"), Paste: true})
	said(d, runes("Redeploy"))
	if d.Focus() != FocusCancel {
		t.Fatal("a paste moved the focus")
	}
}

func TestCrampedDialogSaysHowLargeAndEnterCancels(t *testing.T) {
	d := opened(t, 80, 8, uitest.IDLocal) // an 80×11 terminal
	if d.Fits() {
		t.Fatal("the local-disk dialog cannot fit in 8 rows")
	}
	if v := d.View(); !strings.Contains(v, "make the terminal at least 60x") || strings.Contains(v, "Cancel <") {
		t.Fatalf("a cramped dialog must say how large the terminal must be:\n%s", v)
	}
	said(d, runes(uitest.IDLocal))
	if _, ok := said(d, keyEnter).(CancelMsg); !ok {
		t.Fatal("enter on a cramped dialog must cancel")
	}
	// What it asks for is enough.
	w, h := d.needs(sim.Epoch)
	d2 := opened(t, w, h-3, uitest.IDLocal)
	if !d2.Fits() || !strings.Contains(d2.View(), "Cancel <") || !strings.Contains(d2.View(), "(type it here)") {
		t.Fatalf("at %dx%d the dialog should show everything:\n%s", w, h, d2.View())
	}
}

func TestLeftOutRowsAreNamed(t *testing.T) {
	rows := uitest.Rows(t)
	d, settle := New(uitest.Common(sim.Epoch, 120, 37), []*fleet.Row{rows[uitest.IDLocal]}, nil, []*fleet.Row{rows[uitest.IDFailing]})
	d.SetSize(120, 37)
	d.Update(settle())
	v := d.View()
	if !strings.Contains(v, "left out, hidden by the filter (1): "+uitest.IDFailing+" (hdfs-dn-prod-310)") {
		t.Fatalf("left-out row not named:\n%s", v)
	}
}

// "Local disks are wiped" in a batch is no use without whose.
func TestBatchConsequencesNameTheInstancesTheyHit(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain, uitest.IDLocal)
	text := strings.Join(d.consequences(), "\n")
	if !strings.Contains(text, "DATA LOSS: "+uitest.IDLocal+": ") {
		t.Errorf("the local-disk wipe does not name %s:\n%s", uitest.IDLocal, text)
	}
	d.forceStop = true
	text = strings.Join(d.consequences(), "\n")
	if !strings.Contains(text, uitest.IDPlain) || !strings.Contains(text, "2 instances: ForceStop") {
		t.Errorf("ForceStop on both does not name them:\n%s", text)
	}
}

// A refresh that changes what the dialog says starts it over at Cancel, unsettled.
func TestRefreshThatChangesTheDialogStartsItOver(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain)
	said(d, keyTab)
	if d.Focus() != FocusConfirm {
		t.Fatal("tab should reach Redeploy")
	}
	old := d.Targets()[0]
	in := *old.Inst
	in.Status = "Stopped"
	changed := *old
	changed.Inst = &in
	gone, ok, settle := d.Refresh(func(string) *fleet.Row { return &changed })
	if gone != "" || !ok || settle == nil || d.Focus() != FocusCancel {
		t.Fatalf("gone %q changed %v focus %d", gone, ok, d.Focus())
	}
	if said(d, keyEnter) != nil {
		t.Fatal("enter right after the change must do nothing")
	}
	// The same rows again change nothing.
	d.Update(settle())
	if _, ok, _ := d.Refresh(func(string) *fleet.Row { return &changed }); ok {
		t.Fatal("an unchanged refresh must not start the dialog over")
	}
	blocked := changed
	blocked.InProgress = true
	if gone, _, _ := d.Refresh(func(string) *fleet.Row { return &blocked }); gone != uitest.IDPlain {
		t.Fatal("a target now in progress must close the dialog")
	}
}

// Enter in the field arms Redeploy and focuses it: a second enter in the same burst (held
// down, or pasted after the id) must not press it before it was shown focused.
func TestEnterThatArmsCannotAlsoConfirm(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDLocal)
	said(d, keyTab)
	said(d, runes(uitest.IDLocal))
	_, settle := d.Update(keyEnter)
	if d.Focus() != FocusConfirm || settle == nil {
		t.Fatalf("enter on the typed id should focus Redeploy and settle again, focus %d", d.Focus())
	}
	if said(d, keyEnter) != nil {
		t.Fatal("the enter right after arming pressed Redeploy")
	}
	d.Update(settle())
	if _, ok := said(d, keyEnter).(SubmitMsg); !ok {
		t.Fatal("once Redeploy was shown focused, enter must press it")
	}
}

// Issue 13: the dialog names the instance's other pending event, so the row flipping to
// it after this redeploy surprises no one.
func TestDialogSaysTheInstanceAlsoHasAnotherEvent(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDTwoEvents)
	v := d.View()
	if !strings.Contains(v, "answers SystemMaintenance.Redeploy") ||
		!strings.Contains(v, "the instance also has SystemMaintenance.Reboot pending (Scheduled), deadline in 6h") {
		t.Fatalf("the second pending event is not in the dialog:\n%s", v)
	}
}

// Issue 13: the focus shows on every control in every state, in words (NO_COLOR), and an
// enter that did nothing says why.
func TestFocusShowsOnEveryControlAndEnterSaysWhy(t *testing.T) {
	for _, size := range [][2]int{{120, 37}, {80, 21}} {
		d := opened(t, size[0], size[1], uitest.IDLocal) // local disks: the id must be typed
		if !strings.Contains(d.View(), "> Cancel <") {
			t.Fatalf("%v: Cancel's focus not shown:\n%s", size, d.View())
		}
		said(d, keyTab)
		if d.Focus() != FocusInput || !strings.Contains(d.View(), "> ") {
			t.Fatalf("%v: the field's focus not shown:\n%s", size, d.View())
		}
		said(d, keyEnter)
		if v := d.View(); !strings.Contains(v, "enter did nothing") || !strings.Contains(v, "type "+uitest.IDLocal) {
			t.Errorf("%v: enter in an empty field said nothing:\n%s", size, v)
		}
		said(d, runes("abc"))
		said(d, keyEnter)
		if v := d.View(); !strings.Contains(v, `the field says "abc"`) {
			t.Errorf("%v: enter with a wrong id said nothing:\n%s", size, v)
		}
		said(d, keyTab)
		if d.Focus() != FocusConfirm || !strings.Contains(d.View(), "> Redeploy (type to arm) <") {
			t.Fatalf("%v: focus on the disarmed Redeploy is invisible:\n%s", size, d.View())
		}
		if strings.Contains(d.View(), "enter did nothing") {
			t.Fatalf("%v: the answer outlived the next key:\n%s", size, d.View())
		}
		if msg := said(d, keyEnter); msg != nil {
			t.Fatalf("enter on a disarmed Redeploy said %T", msg)
		}
		if v := d.View(); !strings.Contains(v, "enter did nothing: the field says") {
			t.Errorf("%v: enter on the disarmed button said nothing:\n%s", size, v)
		}
	}
}

// Issue 13: a dialog opened, or left open, on data whose refresh failed says so.
func TestDialogSaysItsDataIsStale(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain)
	if strings.Contains(d.View(), "STALE") {
		t.Fatal("a fresh dialog says STALE")
	}
	d.SetStale(errors.New("InternalError: the server failed"), sim.Epoch.Add(-40*time.Second))
	if v := d.View(); !strings.Contains(v, "STALE: the last refresh failed; what this says is as of 40s ago") {
		t.Fatalf("stale data not said:\n%s", v)
	}
}

// An enter held down after arming: its auto-repeats arrive faster than the dialog settles,
// and each one starts the settle window over, so the settle the arming enter asked for
// finds the dialog still unsettled and the next repeat does not press Redeploy. Only a
// pause as long as the window (its own settle arriving) lets enter act again.
func TestHeldEnterNeverSettlesTheDialog(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDLocal)
	said(d, keyTab)
	said(d, runes(uitest.IDLocal))
	_, first := d.Update(keyEnter) // arms and focuses Redeploy, unsettled
	var last tea.Cmd
	for i := 0; i < 5; i++ {
		_, last = d.Update(keyEnter) // auto-repeat inside the window
		if last == nil {
			t.Fatal("a key while unsettled must start the settle window over")
		}
	}
	d.Update(first()) // the arming enter's window passed: stale now
	_, cmd := d.Update(keyEnter)
	if cmd != nil {
		if msg, ok := cmd().(SubmitMsg); ok {
			t.Fatalf("a held enter confirmed: %+v", msg)
		}
	}
	// The engineer lets go: the window passes with no key, and enter presses Redeploy.
	_, last = d.Update(keyEnter)
	d.Update(last())
	if _, ok := said(d, keyEnter).(SubmitMsg); !ok {
		t.Fatal("after a pause as long as the settle window, enter must press Redeploy")
	}
}

// Esc cancels while unsettled and never waits for the window.
func TestEscDoesNotRestartTheSettleWindow(t *testing.T) {
	rows := uitest.Rows(t)
	d, _ := New(uitest.Common(sim.Epoch, 120, 37), []*fleet.Row{rows[uitest.IDPlain]}, nil, nil)
	d.SetSize(120, 37)
	_, cmd := d.Update(keyEsc)
	if cmd == nil {
		t.Fatal("esc said nothing")
	}
	if _, ok := cmd().(CancelMsg); !ok {
		t.Fatal("esc while unsettled must cancel")
	}
}

// A name wider than the dialog's 84-column cap (ECS allows 128 characters, and one word of
// them) is shown whole: on one line on a screen with the room, broken over lines on an
// 80-column one; the dialog fits either way (a tester could not confirm such an instance
// below 135 columns), and never cuts it while Fits says everything is shown.
func TestANameWiderThanTheCapIsShownWhole(t *testing.T) {
	name := "kafka-" + strings.Repeat("x", 110) + "-end"
	for _, w := range []int{200, 110, 80} {
		rows := uitest.Rows(t)
		r := *rows[uitest.IDPlain]
		in := *r.Inst
		in.Name = name
		r.Inst = &in
		d, settle := New(uitest.Common(sim.Epoch, w, 37), []*fleet.Row{&r}, nil, nil)
		d.SetSize(w, 37)
		d.Update(settle())
		v := d.View()
		if !d.Fits() {
			t.Errorf("width %d: the dialog does not fit:\n%s", w, v)
		}
		flat := strings.NewReplacer("│", "", " ", "", "\n", "").Replace(v)
		if !strings.Contains(flat, name) {
			t.Errorf("width %d: the name is not shown whole:\n%s", w, v)
		}
		if w == 200 && !strings.Contains(v, name) {
			t.Errorf("width %d has the room for the name on one line:\n%s", w, v)
		}
	}
}

// Issue 22: the dialog's minimum size is one rule from one constant: the size it asks for
// is the same on every terminal too small for it (it was 60x16 on one, 40x21 on another),
// and a terminal of that size fits it.
func TestTheSizeAskedForIsOneSize(t *testing.T) {
	var asked string
	for _, size := range [][2]int{{40, 9}, {60, 9}, {80, 8}, {120, 6}} {
		d := opened(t, size[0], size[1], uitest.IDLocal)
		if d.Fits() {
			t.Fatalf("%dx%d fits", size[0], size[1]+3)
		}
		v := strings.Join(strings.Fields(d.View()), " ")
		i := strings.Index(v, "make the terminal at least ")
		if i < 0 {
			t.Fatalf("%dx%d says no size:\n%s", size[0], size[1]+3, d.View())
		}
		got := strings.Fields(v[i+len("make the terminal at least "):])[0]
		if asked == "" {
			asked = got
		}
		if got != asked {
			t.Errorf("%dx%d asks for %s, another asked for %s", size[0], size[1]+3, got, asked)
		}
	}
	w, h := opened(t, 40, 9, uitest.IDLocal).needs(sim.Epoch)
	if w != MinWidth {
		t.Errorf("the local-disk dialog asks for %d columns, want MinWidth %d", w, MinWidth)
	}
	if d := opened(t, w, h-3, uitest.IDLocal); !d.Fits() {
		t.Errorf("at the %dx%d it asks for, the dialog does not fit", w, h)
	}
	if d := opened(t, MinWidth-1, 60, uitest.IDLocal); d.Fits() {
		t.Errorf("%d columns fit", MinWidth-1)
	}
}
