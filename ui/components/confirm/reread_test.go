package confirm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

// Issue 20: a dialog decides on fresh facts. It asks the hub to read its targets again
// when it opens, whatever the refresh cadence, and cannot arm until the answer is in; a
// failed read leaves it disarmed and says why; once read, it shows how old what it says is.
func TestTheDialogArmsOnlyOnAFreshRead(t *testing.T) {
	rows := uitest.Rows(t)
	c := uitest.Common(sim.Epoch, 120, 37)
	d, settle := New(c, []*fleet.Row{rows[uitest.IDPlain]}, nil, nil)
	d.SetSize(120, 37)
	d.Update(settle())
	var asked []string
	msg := d.Reread(func(ids []string) (*fleet.Snapshot, time.Time, error) {
		asked = ids
		return nil, sim.Epoch.Add(-3 * time.Second), nil
	})().(RereadMsg)
	if len(asked) != 1 || asked[0] != uitest.IDPlain || !msg.From(d) {
		t.Fatalf("the re-read asked for %v (from this dialog: %v)", asked, msg.From(d))
	}

	// Not read yet: Cancel → Redeploy and enter do nothing, and it says why. The button
	// says it is reading, not "scroll to arm": one instance has nothing to scroll
	// (tester2's defect 18).
	said(d, keyTab)
	if d.Armed() || said(d, keyEnter) != nil || !strings.Contains(d.View(), "reading it again from ECS") {
		t.Fatalf("a dialog not yet read again armed or confirmed (armed %v):\n%s", d.Armed(), d.View())
	}
	if v := d.View(); strings.Contains(v, "scroll to arm") || !strings.Contains(v, "Redeploy (reading from ECS)") {
		t.Errorf("the button of a dialog being read again:\n%s", v)
	}

	d.SetReread(msg.At, errors.New("DescribeTasks in cn-hangzhou: Throttling"))
	if v := d.View(); d.Armed() || !strings.Contains(v, "NOT READ AGAIN") || !strings.Contains(v, "Throttling") {
		t.Fatalf("a failed re-read must leave the dialog disarmed and say why (armed %v):\n%s", d.Armed(), v)
	}
	if v := d.View(); strings.Contains(v, "scroll to arm") || !strings.Contains(v, "Redeploy (not read again)") {
		t.Errorf("the button of a dialog whose re-read failed:\n%s", v)
	}

	d.SetReread(msg.At, nil)
	if v := d.View(); !d.Armed() || !strings.Contains(v, "as read from ECS 3s ago") {
		t.Fatalf("after the re-read: armed %v\n%s", d.Armed(), v)
	}
	if _, ok := said(d, keyEnter).(SubmitMsg); !ok {
		t.Fatal("enter on an armed Redeploy did not confirm")
	}
}

// The hub stamps a re-read with the wall clock; on an accelerated simulator the backend's
// clock (Now) runs 60 times faster, so an age measured on it said "20m ago" for a read
// made twenty seconds before, beside a header saying "listed 19s ago".
func TestTheReadsAgeIsOnTheWallClock(t *testing.T) {
	rows := uitest.Rows(t)
	c := uitest.Common(sim.Epoch.Add(20*time.Minute), 120, 37) // the simulator, 60× ahead
	wall := time.Date(2026, 12, 7, 14, 0, 20, 0, time.UTC)
	c.Wall = func() time.Time { return wall }
	d, settle := New(c, []*fleet.Row{rows[uitest.IDPlain]}, nil, nil)
	d.SetSize(120, 37)
	d.Update(settle())
	d.SetReread(wall.Add(-20*time.Second), nil)
	if v := d.View(); !strings.Contains(v, "as read from ECS 20s ago") {
		t.Fatalf("the read's age is not on the wall clock:\n%s", v)
	}
}
