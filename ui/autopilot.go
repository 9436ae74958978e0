package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
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
		m.setRefusal(strings.TrimSpace(":autopilot "+arg) + ": write :autopilot pause or :autopilot resume")
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
		m.setRefusal(m.refusedLine(":autopilot "+msg.verb, msg.verb+" the autopilot", msg.err))
	}
}

// refusedLine is errLine(what, err), except for the hub's role refusal
// (backend.ErrForbidden, whose words are a redeploy's): it says what was refused, for whom,
// and what to do, ":autopilot pause refused: a viewer cannot pause the autopilot; ask for
// an operator key". A session over SSH got its role from its key; a local one from
// --read-only.
func (m *Model) refusedLine(what, may string, err error) string {
	if !errors.Is(err, backend.ErrForbidden) {
		return errLine(what, err)
	}
	do := "run without --read-only"
	if m.deps.Identity.KeyFingerprint != "" {
		do = "ask for an operator key"
	}
	role := string(m.deps.Identity.Role)
	if role == "" {
		role = string(backend.RoleViewer)
	}
	return what + " refused: a " + role + " cannot " + may + "; " + do
}

// autopilotChanged tells this session what the autopilot did between two snapshots: a
// pause (whoever or whatever paused it), a resume, a policy reload refused or made.
func (m *Model) autopilotChanged(prev, s *fleet.Snapshot) {
	a := s.Autopilot
	if a == nil {
		return
	}
	var was fleet.AutopilotStatus
	known := prev != nil && prev.Autopilot != nil
	if known {
		was = *prev.Autopilot
	}
	m.autopilotLeftLog(&was, a)
	switch {
	case a.Paused && !was.Paused:
		// Recorded once, as what it is (a pause), and kept on screen until the next notice.
		m.say(log.Pause, a.Name+" "+a.Why+" · an operator resumes it with :autopilot resume")
		m.noticeSticky = true
	case !a.Paused && was.Paused:
		m.setNotice(false, a.Name+" resumed")
	case a.PolicyErr != "" && a.PolicyErr != was.PolicyErr:
		// Refused for its mistakes, or for a rename (which parses): the reason says which.
		m.setNotice(true, a.Name+" kept its last good policy; the new one was refused: "+a.PolicyErr)
	case a.PolicyErr == "" && (was.PolicyErr != "" || known && a.Reloads != was.Reloads):
		// A good reload, after a refused one (the refusal on screen is no longer true) or
		// not: every session's log says when the rules changed. A session that starts after
		// a reload has no earlier count to compare (known).
		m.setNotice(false, a.Name+" reloaded its policy "+a.Policy)
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

// autopilotLine is the task panel's word on the autopilot: when its next redeploy goes
// (a countdown, like the DEADLINE column, with the clock time in UTC where room allows)
// and what it leaves to humans (each is in the log, L); "" when none runs. Tiers go from
// most to fewest words (0 is "autopilot next: i-bp1… in 2h25m (20:00 UTC, web) · 1 left
// to humans (L)", 5 "autopilot in 2h25m · 1 to humans", the last "next in 2h25m"): the title
// takes the widest that fits, so the next redeploy shows at any width the title has room.
func (m *Model) autopilotLine(tier int) string {
	if m.snap == nil || m.snap.Autopilot == nil {
		return ""
	}
	a := m.snap.Autopilot
	var next, left string
	if len(a.Next) > 0 {
		n := a.Next[0]
		now := m.deps.Now()
		in, clock := "now", ""
		if n.At.After(now) {
			in = model.Countdown(n.At, now)
			clock = n.At.UTC().Format("15:04") + " UTC"
			if n.At.Sub(now) >= 24*time.Hour {
				clock = n.At.UTC().Format("Jan 2 15:04") + " UTC"
			}
		} else if n.Waiting != "" {
			in = "held"
		}
		with := func(more string) string {
			switch {
			case clock == "" && more == "":
				return ""
			case clock == "":
				return " (" + more + ")"
			case more == "":
				return " (" + clock + ")"
			}
			return " (" + clock + ", " + more + ")"
		}
		switch tier {
		case 0:
			next = "autopilot next: " + n.InstanceID + " " + in + with(safetext.Terminal(n.Rule))
		case 1:
			next = "autopilot next: " + n.InstanceID + " " + in + with("")
		case 2, 3:
			next = "autopilot next " + in + with("")
		case 4:
			next = "autopilot next " + in
		case 5:
			next = "autopilot " + in
		default:
			next = "next " + in
		}
	} else {
		switch {
		case tier < 5:
			next = "autopilot: nothing due"
		case tier == 5:
			next = "autopilot: none due"
		default:
			next = "nothing due"
		}
	}
	if k := len(a.Left); k > 0 && tier < autopilotTiers-1 {
		left = strconv.Itoa(k) + " left to humans (L)"
		if tier >= 3 {
			left = strconv.Itoa(k) + " to humans"
		}
		return next + " · " + left
	}
	return next
}

// autopilotTiers counts autopilotLine's tiers.
const autopilotTiers = 8

// panelTitle is what the task panel's title says after its task counts: the batches
// (planLine) and the autopilot (autopilotLine), in as many words as room leaves. room is
// the width left after the counts. What gives way, in order: words of each part (the
// autopilot's first, then the batch's long form), then the summary of a batch that has
// ended (it is history, and in the log), and last, with a batch still running, the end
// of the line, cut between words: the autopilot's next redeploy never vanishes for an
// ended batch, and no part is cut mid-word.
func (m *Model) panelTitle(room int) string {
	join := func(a, b string) string {
		if a == "" || b == "" {
			return a + b
		}
		return a + "  │  " + b
	}
	type try struct {
		plan  string
		tiers int
	}
	tries := []try{{m.planLine(false), autopilotTiers}, {m.planLine(true), autopilotTiers}}
	if !m.planRunning() {
		// An ended batch keeps its place while the autopilot keeps its name and its count
		// left to humans ("autopilot in 2h · 1 to humans"), then goes.
		tries = []try{{m.planLine(false), 6}, {"", autopilotTiers}}
	}
	for _, t := range tries {
		for tier := range t.tiers {
			if s := join(t.plan, m.autopilotLine(tier)); ansi.StringWidth(s) <= room {
				return s
			}
		}
	}
	return cutWords(join(m.planLine(true), m.autopilotLine(autopilotTiers-1)), room)
}

// planRunning reports whether a batch (any plan) has not ended.
func (m *Model) planRunning() bool {
	if m.snap == nil {
		return false
	}
	for i := range m.snap.Plans {
		if !m.snap.Plans[i].Ended() {
			return true
		}
	}
	return false
}

// cutWords is s in at most w columns, cut after a whole word with "…" when it is wider.
func cutWords(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	for i := strings.LastIndexByte(s, ' '); i > 0; i = strings.LastIndexByte(s[:i], ' ') {
		t := strings.TrimRight(s[:i], " ·│:,(")
		if t != "" && ansi.StringWidth(t)+1 <= w {
			return t + "…"
		}
	}
	return ""
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
