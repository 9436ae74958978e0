package accept

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

var now = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func dialog(t model.EventType) *Model {
	ev := model.Event{ID: "e-bp1ask01", InstanceID: "i-bp1ask01", Type: t, CycleStatus: model.CycleInquiring,
		NotBefore: now.Add(2 * time.Hour), ExtendedAttribute: &model.ExtendedAttribute{DiskID: "d-bp1bad", Device: "/dev/vdb", CanAccept: "true"}}
	in := &model.Instance{ID: "i-bp1ask01", Name: "kafka", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
		Status: model.StatusRunning, LocalStorageAmount: 1, Events: []model.Event{ev}}
	d, settle := New(uitest.Common(now, 120, 40), &fleet.Row{Inst: in}, &in.Events[0])
	d.SetSize(120, 40)
	d.Update(settle()) // read before the first key, as a person does
	return d
}

// press sends each key, as a person does: each after the dialog settled from the one
// before (its SettledMsg goes back to it, as the root routes it). It returns the last
// message a key made the dialog say to the root, or nil.
func press(d *Model, msgs ...tea.KeyMsg) tea.Msg {
	var last tea.Msg
	for _, m := range msgs {
		if _, cmd := d.Update(m); cmd != nil {
			msg := cmd()
			if s, ok := msg.(SettledMsg); ok {
				d.Update(s)
				continue
			}
			last = msg
		}
	}
	return last
}

var (
	tab   = tea.KeyMsg{Type: tea.KeyTab}
	enter = tea.KeyMsg{Type: tea.KeyEnter}
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// Cancel is focused first and enter on it cancels; tab then enter accepts; a paste is
// never a key.
func TestAcceptDialogCancelIsTheDefault(t *testing.T) {
	d := dialog(model.EventMaintenanceReboot)
	if _, ok := press(d, enter).(CancelMsg); !ok {
		t.Fatal("enter on the first focus did not cancel")
	}
	d = dialog(model.EventMaintenanceReboot)
	if msg := press(d, runes("\t\r")); msg != nil || strings.Contains(d.View(), "> Accept <") {
		t.Fatalf("a paste moved the focus or chose: %v", msg)
	}
	msg, ok := press(d, tab, enter).(SubmitMsg)
	if !ok || msg.EventID != "e-bp1ask01" || msg.InstanceID != "i-bp1ask01" || msg.RegionID != "cn-hangzhou" {
		t.Fatalf("tab, enter: %#v", msg)
	}
	if !strings.Contains(d.View(), "restarts the instance") {
		t.Errorf("the dialog does not say what the platform will do:\n%s", d.View())
	}
}

// Accepting a re-initialization wipes the damaged disk: Accept arms only once the instance
// id is typed, as a destructive redeploy's does, and the dialog names the disk.
func TestAcceptDialogTypedForADataWipe(t *testing.T) {
	d := dialog(model.EventMaintenanceReInitOnly)
	if !strings.Contains(d.View(), "d-bp1bad (/dev/vdb)") || !strings.Contains(d.View(), "ALL DATA ON IT IS") {
		t.Fatalf("view:\n%s", d.View())
	}
	if msg := press(d, tab, enter); msg != nil {
		t.Fatalf("disarmed Accept sent %#v", msg)
	}
	if !strings.Contains(d.View(), "not armed") {
		t.Error("enter on the disarmed Accept did not say why")
	}
	press(d, runes("i-bp1ask01"))
	if !d.Armed() {
		t.Fatal("typed id did not arm")
	}
	if _, ok := press(d, tab, enter).(SubmitMsg); !ok {
		// tab from Cancel (typing blurred nothing) lands on Accept
		t.Fatalf("armed Accept did not submit:\n%s", d.View())
	}
}

// A dialog that does not fit accepts nothing: it says the size it needs, as the redeploy
// dialog does, and enter cancels (tester2's defect 15).
func TestAcceptDialogMustFit(t *testing.T) {
	for _, size := range [][2]int{{120, 5}, {50, 15}, {59, 40}} {
		d := dialog(model.EventMaintenanceReboot)
		d.SetSize(size[0], size[1])
		v := d.View()
		if !strings.Contains(v, "make the terminal at least 60x") || !strings.Contains(v, "enter or esc cancels: nothing is accepted") {
			t.Errorf("%dx%d: no size it needs:\n%s", size[0], size[1], v)
		}
		if strings.Contains(v, "Accept <") || strings.Contains(v, "  Accept  ") {
			t.Errorf("%dx%d: a button is drawn on a dialog cut short:\n%s", size[0], size[1], v)
		}
		for _, l := range strings.Split(v, "\n") {
			if len([]rune(l)) > size[0] {
				t.Errorf("%dx%d: a line is wider than the screen: %q", size[0], size[1], l)
			}
		}
		if _, ok := press(d, tab, enter).(CancelMsg); !ok {
			t.Errorf("%dx%d: tab, enter on a dialog cut short did not cancel", size[0], size[1])
		}
	}
	// The size it names is enough.
	d := dialog(model.EventMaintenanceReboot)
	d.SetSize(50, 15)
	w, h := d.needs()
	d.SetSize(w, h-3) // the header, the info line and the footer take 3
	if !d.Fits() {
		t.Fatalf("%dx%d, the size the dialog asked for, does not fit:\n%s", w, h, d.View())
	}
}

// A resize puts the focus back on Cancel: an Accept focused on another screen, or while
// the dialog was cut short, was not seen focused on this one.
func TestAcceptDialogResizeFocusesCancel(t *testing.T) {
	d := dialog(model.EventMaintenanceReboot)
	press(d, tab)
	if !strings.Contains(d.View(), "> Accept <") {
		t.Fatal("tab did not focus Accept")
	}
	d.SetSize(50, 15)
	d.SetSize(120, 40)
	if strings.Contains(d.View(), "> Accept <") || !strings.Contains(d.View(), "> Cancel <") {
		t.Fatalf("after a resize the focus stayed on Accept:\n%s", d.View())
	}
	if _, ok := press(d, enter).(CancelMsg); !ok {
		t.Fatal("enter after a resize did not cancel")
	}
}

// What accepting destroys comes first, unindented, marked DATA LOSS, and Accept arms only
// once the instance id is typed: a release (SystemFailure.Delete), a redeploy of an instance
// with local disks, a damaged disk isolated or re-initialized (tester2's defects 1 and 2).
// What loses nothing stays tab, enter.
func TestAcceptDialogDataLossFirstAndTyped(t *testing.T) {
	cases := []struct {
		t     model.EventType
		local int
		loss  string // "" when nothing is lost
	}{
		{model.EventFailureDelete, 0, "the instance is RELEASED"},
		{model.EventExpirationDelete, 0, "the instance is RELEASED"},
		{model.EventMaintenanceRedeploy, 2, "2 local disk(s)"},
		{model.EventFailureRedeploy, 1, "1 local disk(s)"},
		{model.EventMaintenanceIsolateOnly, 1, "the damaged local disk d-bp1bad (/dev/vdb) is isolated"},
		{model.EventMaintenanceIsolateDisk, 1, "is isolated"},
		{model.EventMaintenanceReInitOnly, 1, "is re-initialized"},
		{model.EventMaintenanceRebootReinit, 1, "is re-initialized"},
		{model.EventMaintenanceRedeploy, 0, ""},
		{model.EventMaintenanceReboot, 1, ""},
	}
	for _, c := range cases {
		for _, size := range [][2]int{{120, 40}, {80, 24}} {
			d := dialog(c.t)
			d.row.Inst.LocalStorageAmount = c.local
			d.loss = model.AcceptLoss(d.row.Inst, &d.ev)
			d.SetSize(size[0], size[1])
			lines := strings.Split(d.View(), "\n")
			name := fmt.Sprintf("%s, %d local disks, %dx%d", c.t, c.local, size[0], size[1])
			if len(lines) < 2 {
				t.Fatalf("%s: %q", name, lines)
			}
			if c.loss == "" {
				if strings.Contains(d.View(), "DATA LOSS") || d.Destructive() {
					t.Errorf("%s: loses nothing, yet:\n%s", name, d.View())
				}
				if _, ok := press(d, tab, enter).(SubmitMsg); !ok {
					t.Errorf("%s: tab, enter did not accept", name)
				}
				continue
			}
			if !strings.HasPrefix(lines[1], "│ !! DATA LOSS: ") || !strings.Contains(d.View(), c.loss) {
				t.Errorf("%s: DATA LOSS is not the first line, unindented, saying %q:\n%s", name, c.loss, d.View())
			}
			if msg := press(d, tab, enter); msg != nil {
				t.Errorf("%s: tab, enter sent %#v with nothing typed", name, msg)
			}
			press(d, runes("e-bp1ask01")) // the event id is not what is asked for
			if d.Armed() {
				t.Errorf("%s: the event id armed it; the instance id must", name)
			}
			press(d, tea.KeyMsg{Type: tea.KeyCtrlU})
			for range len("e-bp1ask01") {
				press(d, tea.KeyMsg{Type: tea.KeyBackspace})
			}
			press(d, runes("i-bp1ask01"))
			if !d.Armed() {
				t.Fatalf("%s: the typed instance id did not arm:\n%s", name, d.View())
			}
			if msg, ok := press(d, tab, enter).(SubmitMsg); !ok || msg.EventID != "e-bp1ask01" {
				t.Errorf("%s: armed Accept did not submit: %#v", name, msg)
			}
		}
	}
}

// "press R" only where R answers the event: never on a row that says NO REDEPLOY, is
// blocked, or has a redeploy under way.
func TestAcceptDialogNamesRedeployOnlyWhereItAnswers(t *testing.T) {
	d := dialog(model.EventFailureDelete)
	if strings.Contains(d.View(), "press R") {
		t.Errorf("a row R cannot answer is told to press R:\n%s", d.View())
	}
	d = dialog(model.EventMaintenanceReboot)
	d.row.Eligibility.Allowed = true
	if !strings.Contains(d.View(), "press R") {
		t.Errorf("a row R answers is not told so:\n%s", d.View())
	}
	d.row.InProgress = true
	if strings.Contains(d.View(), "press R") {
		t.Errorf("a row with a redeploy under way is told to press R:\n%s", d.View())
	}
}

// Keys that come before the dialog settles do nothing, whether it just opened or the
// focus just landed on Accept: a paste of tab and enter is two keys, and however late the
// console gets to the enter, it is never the press of an Accept nobody saw focused. esc
// still cancels at once.
func TestAcceptDialogKeysBeforeItSettlesDoNothing(t *testing.T) {
	ev := model.Event{ID: "e-bp1ask01", InstanceID: "i-bp1ask01", Type: model.EventMaintenanceReboot, CycleStatus: model.CycleInquiring,
		NotBefore: now.Add(2 * time.Hour), ExtendedAttribute: &model.ExtendedAttribute{CanAccept: "true"}}
	in := &model.Instance{ID: "i-bp1ask01", RegionID: "cn-hangzhou", Status: model.StatusRunning, Events: []model.Event{ev}}
	d, settle := New(uitest.Common(now, 120, 40), &fleet.Row{Inst: in}, &in.Events[0])
	d.SetSize(120, 40)
	first := settle()
	// Just opened: tab and enter before the settle arrive unread.
	for _, k := range []tea.KeyMsg{tab, enter} {
		if _, cmd := d.Update(k); cmd == nil {
			t.Fatalf("%v before the dialog settled did not start the wait over", k)
		} else if _, ok := cmd().(SettledMsg); !ok {
			t.Fatalf("%v before the dialog settled said something to the root", k)
		}
	}
	if strings.Contains(d.View(), "> Accept <") {
		t.Fatal("a key before the dialog settled moved the focus")
	}
	d.Update(first) // an older settle does not settle it: the keys started it over
	if _, cmd := d.Update(tab); cmd == nil || strings.Contains(d.View(), "> Accept <") {
		t.Fatal("a stale settle let a key act")
	}
	d = dialog(model.EventMaintenanceReboot)
	// Settled: tab lands on Accept and unsettles it; the enter right behind it does nothing
	// and says why.
	_, cmd := d.Update(tab)
	if !strings.Contains(d.View(), "> Accept <") || cmd == nil {
		t.Fatal("tab did not move to Accept, or did not unsettle the dialog")
	}
	if _, c := d.Update(enter); c == nil {
		t.Fatal("enter right after the focus landed did nothing at all")
	} else if _, ok := c().(SettledMsg); !ok {
		t.Fatal("enter right after the focus landed on Accept accepted")
	}
	if !strings.Contains(d.View(), "before Accept could be seen focused: nothing was done") {
		t.Errorf("the early enter is not explained:\n%s", d.View())
	}
	if _, c := d.Update(enter); c != nil {
		d.Update(c()) // settled at last
	}
	if !strings.Contains(d.View(), "enter now accepts") {
		t.Errorf("settled, the dialog does not say enter now accepts:\n%s", d.View())
	}
	// esc is never held off.
	if _, c := d.Update(tea.KeyMsg{Type: tea.KeyEsc}); c == nil {
		t.Fatal("esc did nothing on an unsettled dialog")
	} else if _, ok := c().(CancelMsg); !ok {
		t.Fatal("esc did not cancel an unsettled dialog")
	}
}
