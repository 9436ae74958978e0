package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/ui/components/detail"
)

// readMaintenance asks the hub for instance id's maintenance attributes, for the detail
// pane that just opened on it. The hub reads them once for every session and keeps them a
// while; the answer comes back as a detail.MaintenanceMsg, which the pane drops if it is by
// then about another instance.
func (m *Model) readMaintenance(id string) tea.Cmd {
	f, ctx := m.deps.Fleet, m.deps.Context
	return func() tea.Msg {
		a, err := f.Maintenance(ctx, id)
		return detail.MaintenanceMsg{ID: id, Attr: a, Err: err}
	}
}
