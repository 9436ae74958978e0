package detail

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"ecs-redeploy/model"
	"ecs-redeploy/ui/internal/uitest"
)

// openOn opens a 100×60 pane on uitest.IDLocal.
func openOn(t *testing.T) (*Model, time.Time) {
	t.Helper()
	hub, clock := uitest.Fleet(t)
	d := New(uitest.Common(clock.Now(), 100, 60), uitest.Rows(t)[uitest.IDLocal])
	d.SetSnapshot(hub.Snapshot())
	d.SetSize(100, 60)
	return d, clock.Now()
}

// section is the pane's Maintenance section, from its header to the end.
func section(t *testing.T, d *Model) string {
	t.Helper()
	v := d.View()
	i := strings.Index(v, "Maintenance\n")
	if i < 0 {
		t.Fatalf("no Maintenance section:\n%s", v)
	}
	return strings.TrimRight(v[i:], " \n")
}

func TestDetailMaintenanceSection(t *testing.T) {
	d, now := openOn(t)
	if s := section(t, d); !strings.Contains(s, "reading the maintenance window") {
		t.Errorf("before the answer:\n%s", s)
	}
	// Inside a window that runs past midnight (the epoch is 11:00 in UTC+8).
	in := model.MaintenanceAttribute{InstanceID: uitest.IDLocal, Action: model.MaintenanceAutoRedeploy, DefaultAction: model.MaintenanceAutoRecover,
		NotifyOnMaintenance: true, Windows: []model.MaintenanceWindow{{Start: 10 * time.Hour, End: 2 * time.Hour}}}
	// An answer about another instance (a pane that closed and opened elsewhere) is dropped.
	d.SetMaintenance(MaintenanceMsg{ID: uitest.IDPlain, Attr: in})
	if s := section(t, d); !strings.Contains(s, "reading the maintenance window") {
		t.Errorf("another instance's answer was shown:\n%s", s)
	}
	d.SetMaintenance(MaintenanceMsg{ID: uitest.IDLocal, Attr: in})
	golden.RequireEqual(t, []byte(section(t, d)+"\n"))
	if !in.Windows[0].Contains(now) {
		t.Fatalf("the test's window does not hold %s", now)
	}

	for _, c := range []struct {
		name string
		msg  MaintenanceMsg
		want string
	}{
		{"no window", MaintenanceMsg{ID: uitest.IDLocal, Attr: model.MaintenanceAttribute{Action: model.MaintenanceAutoRecover, DefaultAction: model.MaintenanceAutoRecover}},
			"  window: none set\n  action on maintenance: AutoRecover · notify before maintenance: no"},
		{"next window", MaintenanceMsg{ID: uitest.IDLocal, Attr: model.MaintenanceAttribute{Action: model.MaintenanceStop,
			Windows: []model.MaintenanceWindow{{Start: 14 * time.Hour, End: 16 * time.Hour}}}},
			"  window: 14:00:00–16:00:00 UTC+8 daily (next opens in 3h)\n  action on maintenance: Stop · notify before maintenance: no"},
		{"could not read", MaintenanceMsg{ID: uitest.IDLocal, Err: errors.New("Throttling: Request was denied\x1b[2J (RequestId 1A)")},
			"  could not read the maintenance window: Throttling: Request was denied"},
	} {
		d.SetMaintenance(c.msg)
		s := section(t, d)
		if !strings.Contains(s, c.want) {
			t.Errorf("%s:\n%s\nwant it to contain\n%s", c.name, s, c.want)
		}
		if strings.Contains(s, "\x1b") {
			t.Errorf("%s: an escape from outside reached the screen: %q", c.name, s)
		}
	}
}
