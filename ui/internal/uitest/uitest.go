// Package uitest is what the console's tests share: a scenario fleet with one instance per
// case a screen must show, and the hub and session pieces to show it without a terminal.
package uitest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/ui/common"
)

// Instances of the scenario, named for what they show.
const (
	IDPlain    = "i-bp1plainrunning00001"
	IDStopped  = "i-bp1stoppeddb00000001"
	IDLocal    = "i-bp1localssd000000001"
	IDLocked   = "i-bp1seclocked00000001"
	IDHost     = "i-bp1dedicated00000001"
	IDExpired  = "i-uf6expired0000000001"
	IDFailing  = "i-uf6failinghost000001"
	IDStopping = "i-2zestopping000000001"
	// IDTwoEvents has two pending events, a name in CJK (two cells a character) and tags.
	IDTwoEvents = "i-bp1twoevents00000001"
)

// Scenario is a small fleet with one instance per case the console must show, padded
// with a generated fleet so the list scrolls.
func Scenario() *sim.Fleet {
	ev := func(id string, t model.EventType, s model.EventCycleStatus, d time.Duration) []model.Event {
		return []model.Event{{ID: "e-" + id[2:], InstanceID: id, Type: t, CycleStatus: s,
			NotBefore: sim.Epoch.Add(d), PublishTime: sim.Epoch.Add(-26 * time.Hour),
			Reason: "Host hardware maintenance: memory ECC errors predicted on the physical server", ImpactLevel: "2"}}
	}
	inst := func(id, name, region, zone string, st model.InstanceStatus, evs []model.Event) model.Instance {
		return model.Instance{ID: id, Name: name, RegionID: region, ZoneID: zone, InstanceType: "ecs.g7.xlarge",
			Family: "ecs.g7", Status: st, ChargeType: model.PostPaid, Events: evs}
	}
	plain := inst(IDPlain, "web-prod-001", "cn-hangzhou", "cn-hangzhou-h", model.StatusRunning,
		ev(IDPlain, model.EventMaintenanceRedeploy, model.CycleScheduled, 3*time.Hour+12*time.Minute))
	stopped := inst(IDStopped, "pg-replica-007", "cn-hangzhou", "cn-hangzhou-i", model.StatusStopped,
		ev(IDStopped, model.EventMaintenanceReboot, model.CycleScheduled, 5*time.Hour))
	local := inst(IDLocal, "kafka-prod-042", "cn-hangzhou", "cn-hangzhou-j", model.StatusRunning,
		ev(IDLocal, model.EventMaintenanceRedeploy, model.CycleScheduled, 45*time.Minute))
	local.InstanceType, local.Family, local.LocalStorageAmount, local.LocalStorageCapacity = "ecs.i2.4xlarge", "ecs.i2", 2, 3576
	locked := inst(IDLocked, "api-prod-013", "cn-hangzhou", "cn-hangzhou-h", model.StatusRunning,
		ev(IDLocked, model.EventMaintenanceReboot, model.CycleScheduled, 2*time.Hour))
	locked.OperationLocks = []model.LockReason{model.LockSecurity}
	host := inst(IDHost, "batch-prod-100", "cn-hangzhou", "cn-hangzhou-k", model.StatusRunning,
		ev(IDHost, model.EventMaintenanceRedeploy, model.CycleScheduled, 8*time.Hour))
	host.DedicatedHostID = "dh-bp1host0000000000001"
	expired := inst(IDExpired, "redis-dev-220", "cn-shanghai", "cn-shanghai-e", model.StatusRunning,
		ev(IDExpired, model.EventExpirationStop, model.CycleScheduled, 20*time.Hour))
	expired.ChargeType, expired.ExpiredTime = model.PrePaid, sim.Epoch.Add(-2*time.Hour)
	failing := inst(IDFailing, "hdfs-dn-prod-310", "cn-shanghai", "cn-shanghai-f", model.StatusRunning,
		ev(IDFailing, model.EventFailureReboot, model.CycleExecuting, -5*time.Minute))
	failing.InstanceType, failing.Family, failing.LocalStorageAmount, failing.LocalStorageCapacity = "ecs.d1.2xlarge", "ecs.d1", 4, 22000
	stopping := inst(IDStopping, "worker-staging-5", "cn-beijing", "cn-beijing-g", model.StatusStopping,
		ev(IDStopping, model.EventMaintenanceReboot, model.CycleScheduled, 90*time.Minute))

	two := inst(IDTwoEvents, "数据库-主-01", "cn-hangzhou", "cn-hangzhou-g", model.StatusRunning,
		append(ev(IDTwoEvents, model.EventMaintenanceReboot, model.CycleScheduled, 6*time.Hour),
			ev(IDTwoEvents, model.EventMaintenanceRedeploy, model.CycleScheduled, 4*time.Hour)...))
	two.Events[1].ID = "e-second-" + IDTwoEvents[2:]
	two.Tags = map[string]string{"team": "payments", "env": "prod"}

	f := sim.Generate(7, 40, sim.Epoch)
	f.Instances = append([]model.Instance{plain, stopped, local, locked, host, expired, failing, stopping, two}, f.Instances...)
	return f
}

// AsciiRenderer is a renderer with no colours, like NO_COLOR: goldens do not depend on
// the terminal the tests run in.
func AsciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// Fleet is the scenario's hub after one refresh, on a stepped clock at sim.Epoch.
func Fleet(t testing.TB) (*fleet.Hub, *sim.StepClock) {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	h := fleet.New(sim.NewBackend(sim.New(Scenario(), clock, sim.Options{})), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, clock
}

// Rows are the scenario's rows as the hub derives them, by instance id.
func Rows(t testing.TB) map[string]*fleet.Row {
	h, _ := Fleet(t)
	out := map[string]*fleet.Row{}
	for _, r := range h.Snapshot().Rows {
		out[r.Inst.ID] = r
	}
	return out
}

// Common is a session's shared part for a component test: no colours, default keys, an
// operator, the clock stopped at now, timers off.
func Common(now time.Time, width, height int) common.Common {
	st := common.NewStyles(AsciiRenderer())
	km := common.DefaultKeyMap()
	return common.Common{Styles: &st, Keys: &km, Identity: backend.Identity{Name: "test", Role: backend.RoleOperator},
		Now: func() time.Time { return now }, Width: width, Height: height}
}

// Help is a bubbles help model in the given styles, as the root builds it.
func Help(st *common.Styles) help.Model {
	h := help.New()
	h.Styles = help.Styles{ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep, Ellipsis: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep}
	return h
}
