package accept

import (
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
	d := New(uitest.Common(now, 120, 40), &fleet.Row{Inst: in}, &in.Events[0])
	d.SetSize(120, 40)
	return d
}

func press(d *Model, msgs ...tea.KeyMsg) tea.Msg {
	var last tea.Msg
	for _, m := range msgs {
		if _, cmd := d.Update(m); cmd != nil {
			last = cmd()
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

// Accepting a re-initialization wipes the damaged disk: Accept arms only once the event id
// is typed, and the dialog names the disk.
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
	press(d, runes("e-bp1ask01"))
	if !d.Armed() {
		t.Fatal("typed id did not arm")
	}
	if _, ok := press(d, tab, enter).(SubmitMsg); !ok {
		// tab from Cancel (typing blurred nothing) lands on Accept
		t.Fatalf("armed Accept did not submit:\n%s", d.View())
	}
}

// A dialog that does not fit sends nothing.
func TestAcceptDialogMustFit(t *testing.T) {
	d := dialog(model.EventMaintenanceReboot)
	d.SetSize(120, 5)
	if msg := press(d, tab, enter); msg != nil {
		t.Fatalf("a dialog cut short sent %#v", msg)
	}
}
