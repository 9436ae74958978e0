package sim

import (
	"fmt"
	"slices"

	"ecs-redeploy/model"
)

// scenarioMaintenance is an instance's `maintenance:` in a scenario file:
//
//	maintenance:
//	  windows: [{start: "02:00:00", end: "06:00:00"}] # UTC+8, on the hour, 1–23 hours
//	  action: AutoRecover                             # Stop, AutoRecover or AutoRedeploy
//	  notify: true                                    # NotifyOnMaintenance
//
// Every field is optional: no windows is none, no action is AutoRecover (the API's
// default), no notify is false.
type scenarioMaintenance struct {
	Windows []struct {
		Start string `yaml:"start"`
		End   string `yaml:"end"`
	} `yaml:"windows"`
	Action string `yaml:"action"`
	Notify bool   `yaml:"notify"`
}

// attribute checks m by the rules ModifyInstanceMaintenanceAttributes applies, so a
// scenario never holds what the API would refuse to set.
func (m *scenarioMaintenance) attribute(id string) (model.MaintenanceAttribute, error) {
	a := model.MaintenanceAttribute{
		InstanceID:          id,
		Action:              model.MaintenanceAutoRecover,
		DefaultAction:       model.MaintenanceAutoRecover,
		SupportedActions:    slices.Clone(model.MaintenanceActions),
		NotifyOnMaintenance: m.Notify,
	}
	if m.Action != "" {
		a.Action = model.MaintenanceAction(m.Action)
		if !model.ValidMaintenanceAction(a.Action) {
			return a, fmt.Errorf("action %q is not one of Stop, AutoRecover, AutoRedeploy", m.Action)
		}
	}
	if len(m.Windows) > 1 {
		return a, fmt.Errorf("%d windows; an instance has at most one (the API sets MaintenanceWindow.1 only)", len(m.Windows))
	}
	for _, sw := range m.Windows {
		w, err := model.ParseMaintenanceWindow(sw.Start, sw.End)
		if err == nil {
			err = w.CheckSettable()
		}
		if err != nil {
			return a, err
		}
		a.Windows = append(a.Windows, w)
	}
	return a, nil
}
