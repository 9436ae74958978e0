package ui

import (
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/model"
	"ecs-redeploy/ui/components/cmdline"
	"ecs-redeploy/ui/components/list"
)

// runCommand acts on a command line (`:`). A refusal says what would have worked.
func (m *Model) runCommand(c cmdline.RunMsg) tea.Cmd {
	switch c.Name {
	case "":
		return nil
	case "q", "quit":
		// As q: asks first with work in flight, which goes on in the hub either way.
		return m.quit(false)
	case "q!":
		return m.quit(true)
	case "sort":
		if !m.list.SortBy(c.Args) {
			m.setRefusal(":sort " + c.Args + ": no such column; one of " + strings.Join(list.SortColumns(), ", "))
		}
		return nil
	case "region", "regions":
		m.setRegions(c.Args)
		return nil
	case "drill":
		return m.runDrill(c.Args)
	case "autopilot":
		return m.autopilotCommand(c.Args)
	}
	m.setRefusal(":" + c.Name + ": no such command; :region NAME[,NAME]|all, :sort COLUMN, :drill, :autopilot pause|resume or :q")
	return nil
}

// setRegions scopes this session to the regions named in arg (comma-separated, or all).
// The hub is one per process and shared by every session, so a session's scope is a view
// over the hub's rows: a region the hub does not list (outside --region) cannot be shown
// by narrowing, and the answer says so.
func (m *Model) setRegions(arg string) {
	var names []string
	all := false
	for item := range strings.SplitSeq(arg, ",") {
		switch item = strings.TrimSpace(item); {
		case item == "":
		case item == "all":
			all = true
		case !slices.Contains(names, item):
			names = append(names, item)
		}
	}
	switch {
	case all && len(names) > 0:
		m.setRefusal(":region all cannot be combined with names: :region all, or only the names")
		return
	case all:
		m.list.SetRegions(nil)
		m.setNotice(false, "region scope: every region this console lists")
		return
	case len(names) == 0:
		m.setRefusal(":region needs NAME[,NAME] or all (tab completes the names)")
		return
	}
	for _, n := range names {
		// As --region refuses it: a typo is not an empty region.
		if err := model.CheckRegion(n, m.deps.Regions); err != nil {
			m.setRefusal(":region " + err.Error())
			return
		}
	}
	if m.snap != nil && len(m.snap.Scope) > 0 {
		var outside []string
		for _, n := range names {
			if !slices.Contains(m.snap.Scope, n) {
				outside = append(outside, n)
			}
		}
		if len(outside) > 0 {
			m.setRefusal(":region " + strings.Join(outside, ",") + ": outside this console's scope (" + strings.Join(m.snap.Scope, ",") +
				"); the hub every session shares lists only those: restart with --region to widen it")
			return
		}
	}
	m.list.SetRegions(names)
	s := "region scope for this session: " + strings.Join(names, ",") + " (a view over the shared hub; :region all undoes it)"
	if m.list.Len() == 0 {
		s += "; no instance there has a pending event"
	}
	m.setNotice(false, s)
}

// knownRegions are the regions :region completes: the hub's scope, or the regions its
// rows are in when it lists every region.
func (m *Model) knownRegions() []string {
	if m.snap == nil {
		return nil
	}
	if len(m.snap.Scope) > 0 {
		return slices.Clone(m.snap.Scope)
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range m.snap.Rows {
		if !seen[r.Inst.RegionID] {
			seen[r.Inst.RegionID] = true
			out = append(out, r.Inst.RegionID)
		}
	}
	slices.Sort(out)
	return out
}
