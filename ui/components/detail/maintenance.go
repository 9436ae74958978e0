package detail

import (
	"fmt"
	"time"

	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// MaintenanceMsg is the hub's answer to the pane's question about its instance's
// maintenance attributes (the root asks when the pane opens, as a tea.Cmd). Err is set
// when they could not be read.
type MaintenanceMsg struct {
	ID   string
	Attr model.MaintenanceAttribute
	Err  error
}

// SetMaintenance shows m if it is about the pane's instance; an answer about another
// (a pane closed and opened on another instance meanwhile) is dropped.
func (d *Model) SetMaintenance(m MaintenanceMsg) {
	if m.ID != d.id {
		return
	}
	d.maint = &m
	d.lines = nil
	d.build()
}

// maintenanceLines are the pane's "Maintenance" section: the instance's windows and
// whether now is inside one, then what the platform does at maintenance time
// (DescribeInstanceMaintenanceAttributes). m is nil while the answer is awaited.
func maintenanceLines(m *MaintenanceMsg, now time.Time, st *common.Styles) []string {
	out := []string{"", st.Header.On("Maintenance")}
	add := func(format string, a ...any) { out = append(out, safetext.Terminal(fmt.Sprintf(format, a...))) }
	switch {
	case m == nil:
		return append(out, st.Dim.On("  reading the maintenance window…"))
	case m.Err != nil:
		add("  could not read the maintenance window: %v", m.Err)
		return out
	}
	a := m.Attr
	if len(a.Windows) == 0 {
		add("  window: none set")
	}
	for _, w := range a.Windows {
		when := "inside it now"
		if !w.Contains(now) {
			when = "next opens " + model.Countdown(w.NextStart(now), now)
		}
		add("  window: %s daily (%s)", w, when)
	}
	action := string(a.Action)
	if action == "" {
		action = "-"
	}
	if a.DefaultAction != "" && a.DefaultAction != a.Action {
		action += " (default " + string(a.DefaultAction) + ")"
	}
	notify := "no"
	if a.NotifyOnMaintenance {
		notify = "yes"
	}
	add("  action on maintenance: %s · notify before maintenance: %s", action, notify)
	if a.Action == model.MaintenanceAutoRedeploy {
		// The API page's own warning for this value.
		out = append(out, warning+common.WarningLine(true, "at maintenance the platform redeploys this instance by itself (AutoRedeploy), which may damage its data disks"))
	}
	return out
}
