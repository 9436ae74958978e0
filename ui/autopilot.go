package ui

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/components/log"
)

// AutopilotFleet is the part of the hub that reaches the autopilot (serve --policy): a
// Fleet that has it lets `:autopilot pause` and `:autopilot resume` through. The hub asks
// the role (backend.Authorize) and the autopilot audits; the console only asks.
type AutopilotFleet interface {
	PauseAutopilot(who backend.Identity) error
	ResumeAutopilot(who backend.Identity) error
}

// autopilotAnsweredMsg says how the hub took a pause or a resume.
type autopilotAnsweredMsg struct {
	verb string
	err  error
}

// autopilotCommand runs `:autopilot pause|resume`.
func (m *Model) autopilotCommand(arg string) tea.Cmd {
	verb := strings.TrimSpace(arg)
	if verb != "pause" && verb != "resume" {
		m.setRefusal(":autopilot " + arg + ": write :autopilot pause or :autopilot resume")
		return nil
	}
	af, ok := m.deps.Fleet.(AutopilotFleet)
	if !ok || m.snap == nil || m.snap.Autopilot == nil {
		m.setRefusal(":autopilot: " + fleet.ErrNoAutopilot.Error())
		return nil
	}
	who := m.deps.Identity
	return func() tea.Msg {
		var err error
		if verb == "pause" {
			err = af.PauseAutopilot(who)
		} else {
			err = af.ResumeAutopilot(who)
		}
		return autopilotAnsweredMsg{verb: verb, err: err}
	}
}

func (m *Model) autopilotAnswered(msg autopilotAnsweredMsg) {
	if msg.err != nil {
		m.setRefusal(errLine("autopilot "+msg.verb, msg.err))
	}
}

// autopilotChanged tells this session what the autopilot did between two snapshots: a
// pause (whoever or whatever paused it), a resume, a policy reload refused.
func (m *Model) autopilotChanged(prev, s *fleet.Snapshot) {
	a := s.Autopilot
	if a == nil {
		return
	}
	var was fleet.AutopilotStatus
	if prev != nil && prev.Autopilot != nil {
		was = *prev.Autopilot
	}
	m.autopilotLeftLog(&was, a)
	switch {
	case a.Paused && !was.Paused:
		m.log.Add(log.Entry{At: m.deps.Wall(), Kind: log.Pause, Text: safetext.Terminal(a.Name + " " + a.Why)})
		m.setNotice(true, a.Name+" "+a.Why+" · an operator resumes it with :autopilot resume")
	case !a.Paused && was.Paused:
		m.setNotice(false, a.Name+" resumed")
	case a.PolicyErr != "" && a.PolicyErr != was.PolicyErr:
		m.setNotice(true, a.Name+" kept its last good policy; the new one does not parse: "+a.PolicyErr)
	}
}

// autopilotSeg is the header's word on the autopilot: "autopilot:night-shift on · 1 in
// flight", or "PAUSED · 2 held", counting what only the pause holds; "" when none runs.
func (m *Model) autopilotSeg() string {
	if m.snap == nil || m.snap.Autopilot == nil {
		return ""
	}
	a := m.snap.Autopilot
	name := safetext.Terminal(a.Name)
	if a.Paused {
		held := 0
		for _, d := range a.Next {
			if d.Waiting == a.Why {
				held++
			}
		}
		if held > 0 {
			return m.st.Warn.On(name+" PAUSED") + " · " + strconv.Itoa(held) + " held"
		}
		return m.st.Warn.On(name + " PAUSED")
	}
	s := name + " on"
	if a.InFlight > 0 {
		s += " · " + strconv.Itoa(a.InFlight) + " in flight"
	}
	return s
}

// heldByAutopilot reports whether p is a plan of a paused autopilot: its pause is
// answered with :autopilot resume, not with c or x, so the two never disagree.
func (m *Model) heldByAutopilot(p *fleet.PlanStatus) bool {
	a := m.snap.Autopilot
	return a != nil && a.Paused && p.Identity.Name == a.Name
}

// autopilotLine is the task panel's word on the autopilot: its next redeploy and what it
// leaves to humans (each is in the log, L); "" when none runs.
func (m *Model) autopilotLine() string {
	if m.snap == nil || m.snap.Autopilot == nil {
		return ""
	}
	a := m.snap.Autopilot
	var parts []string
	if len(a.Next) > 0 {
		n := a.Next[0]
		parts = append(parts, "autopilot next: "+n.InstanceID+" "+n.At.UTC().Format("15:04 UTC")+" ("+safetext.Terminal(n.Rule)+")")
	} else {
		parts = append(parts, "autopilot: nothing due")
	}
	if len(a.Left) > 0 {
		parts = append(parts, strconv.Itoa(len(a.Left))+" left to humans (L)")
	}
	return strings.Join(parts, " · ")
}

// autopilotLeftLog puts in the session's log each instance the autopilot newly leaves to
// humans, with the reason.
func (m *Model) autopilotLeftLog(prev, a *fleet.AutopilotStatus) {
	told := map[string]string{}
	if prev != nil {
		for _, l := range prev.Left {
			told[l.InstanceID] = l.Reason
		}
	}
	for _, l := range a.Left {
		if told[l.InstanceID] != l.Reason {
			m.log.Add(log.Entry{At: m.deps.Wall(), Kind: log.Notice, Text: safetext.Terminal(a.Name + " leaves " + l.InstanceID + " to humans: " + l.Reason)})
		}
	}
}
