package ui

import (
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// drillDoneMsg ends a :drill: the drills made or canceled, or why not.
type drillDoneMsg struct {
	what string
	ids  []string
	err  error
}

// drillUsage is what :drill takes, said when it is called otherwise.
const drillUsage = ":drill ID[,ID] TYPE DURATION (e.g. :drill i-bp1… SystemMaintenance.Reboot 10m) or :drill cancel [EVENT_ID…]"

// runDrill acts on `:drill ARGS`: a rehearsal the whole team sees (CreateSimulatedSystemEvents
// through the hub, the session's identity at the guard), or `:drill cancel` of every drill
// the hub lists (or those named). The instances are named, never taken from the cursor:
// a drill pages whoever watches the account.
func (m *Model) runDrill(args string) tea.Cmd {
	f := strings.Fields(args)
	if len(f) > 0 && f[0] == "cancel" {
		return m.cancelDrills(f[1:])
	}
	if len(f) != 3 {
		m.setRefusal(drillUsage)
		return nil
	}
	ids := strings.Split(f[0], ",")
	t := model.EventType(f[1])
	in, err := time.ParseDuration(f[2])
	switch {
	case backend.CheckInstanceIDs(ids) != nil:
		m.setRefusal(":drill " + backend.CheckInstanceIDs(ids).Error())
		return nil
	case !model.ValidDrillEventType(t):
		m.setRefusal(":drill " + f[1] + ": not a drill type; one of " + model.DrillEventTypeNames())
		return nil
	case err != nil || in < time.Second:
		m.setRefusal(":drill " + f[2] + ": how long until it is due, e.g. 10m or 2h")
		return nil
	}
	region, first := "", ""
	for _, id := range ids {
		r := m.rowRegion(id)
		switch {
		case r == "":
			m.setRefusal(":drill " + id + ": not listed here; :drill names listed instances (ecs-redeploy drill --region R names any instance)")
			return nil
		case region != "" && r != region:
			// CreateSimulatedSystemEvents takes one region a call: one :drill a region works.
			m.setRefusal(":drill: " + first + " is in " + region + ", " + id + " in " + r + "; a drill is made in one region: one :drill for each region's instances")
			return nil
		}
		if region == "" {
			region, first = r, id
		}
	}
	req := backend.DrillRequest{RegionID: region, InstanceIDs: ids, EventType: t, NotBefore: m.deps.Now().Add(in), Identity: m.deps.Identity}
	fl, ctx := m.deps.Fleet, m.deps.Context
	m.setNotice(false, "drill submitted: "+string(t)+" on "+strings.Join(ids, ",")+" in "+f[2])
	return func() tea.Msg {
		ref, err := fl.Drill(ctx, req)
		return drillDoneMsg{what: "drill", ids: ref.EventIDs, err: err}
	}
}

// rowRegion is the region of a listed instance, or "".
func (m *Model) rowRegion(id string) string {
	if m.snap == nil {
		return ""
	}
	for _, r := range m.snap.Rows {
		if r.Inst.ID == id {
			return r.Inst.RegionID
		}
	}
	return ""
}

// cancelDrills cancels the pending drills the hub lists: every one, or those named.
func (m *Model) cancelDrills(named []string) tea.Cmd {
	byRegion := map[string][]string{}
	var regions []string
	if m.snap != nil {
		for _, r := range m.snap.Rows {
			for _, ev := range r.Inst.PendingEvents() {
				if !ev.Simulated || (len(named) > 0 && !slices.Contains(named, ev.ID)) {
					continue
				}
				if _, ok := byRegion[r.Inst.RegionID]; !ok {
					regions = append(regions, r.Inst.RegionID)
				}
				byRegion[r.Inst.RegionID] = append(byRegion[r.Inst.RegionID], ev.ID)
			}
		}
	}
	n := 0
	for _, ids := range byRegion {
		n += len(ids)
	}
	switch {
	case n == 0 && len(named) > 0:
		m.setRefusal(":drill cancel: no pending drill listed here has those ids")
		return nil
	case n == 0:
		m.setRefusal(":drill cancel: no pending drill listed here")
		return nil
	case len(named) > 0 && n != len(named):
		m.setRefusal(":drill cancel: only listed pending drills can be canceled here; ecs-redeploy drill --cancel EVENT_ID takes any")
		return nil
	}
	fl, ctx, who := m.deps.Fleet, m.deps.Context, m.deps.Identity
	m.setNotice(false, "drill cancel submitted")
	return func() tea.Msg {
		var done []string
		for _, r := range regions {
			for ids := range slices.Chunk(byRegion[r], model.MaxDrillIDs) {
				if _, err := fl.CancelDrills(ctx, backend.CancelDrillRequest{RegionID: r, EventIDs: ids, Identity: who}); err != nil {
					return drillDoneMsg{what: "drill cancel", ids: done, err: err}
				}
				done = append(done, ids...)
			}
		}
		return drillDoneMsg{what: "drill cancel", ids: done}
	}
}

func (m *Model) drillDone(msg drillDoneMsg) {
	if msg.err != nil {
		s := errLine(msg.what, msg.err)
		if len(msg.ids) > 0 {
			s += " (done before it: " + strings.Join(msg.ids, ",") + ")"
		}
		m.setNotice(true, s)
		return
	}
	if msg.what == "drill" {
		m.setNotice(false, "drill made: "+strings.Join(msg.ids, ",")+" (marked DRILL; :drill cancel removes it)")
		return
	}
	m.setNotice(false, "drills canceled: "+strings.Join(msg.ids, ","))
}
