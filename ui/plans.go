package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/components/confirm"
	"ecs-redeploy/ui/components/log"
)

// Batches are the hub's plans: the hub starts, steps, pauses and ends them, and every
// session reads them from its snapshots (Snapshot.Plans). The console keeps no plan of its
// own: it asks the hub to start one, answers a paused one through the hub, and shows what
// the last snapshot says.

// submitPlan hands a confirmed batch to the hub (issue 11): at most msg.MaxInFlight at
// once (the dialog's + and -), never two of one deployment set, deadline first. The first
// failure pauses it, and any operator continues (c) or aborts the rest (x). The instances
// the dialog listed as skipped go to the plan too, which skips them with its reasons: the
// dialog, the panel and the summary count the same.
func (m *Model) submitPlan(msg confirm.SubmitMsg) tea.Cmd {
	ids := make([]string, 0, len(msg.Targets)+len(m.dialogSkipped))
	for _, r := range msg.Targets {
		ids = append(ids, r.Inst.ID)
	}
	ids = append(ids, m.dialogSkipped...)
	skipped := len(m.dialogSkipped)
	m.dialogSkipped = nil
	m.list.ClearSelection()
	line := fmt.Sprintf("batch of %d: saving the plan", len(ids))
	if skipped > 0 {
		line += fmt.Sprintf(": %d to redeploy, %d skipped", len(msg.Targets), skipped)
	}
	m.setNotice(false, line+"…")
	f := m.deps.Fleet
	opt := fleet.PlanOptions{ForceStop: msg.ForceStop, MaxInFlight: msg.MaxInFlight, Identity: m.deps.Identity, OnFailure: fleet.FailurePause,
		InWindow: msg.InWindow, Margin: fleet.DefaultMargin}
	// The hub saves the plan (file I/O) and sends its first wave: a command, never Update.
	return func() tea.Msg {
		st, err := f.StartPlan(ids, opt)
		return planStartedMsg{status: st, err: err, dialogSkipped: skipped}
	}
}

// planStartedMsg says whether the hub took a confirmed batch; dialogSkipped is how many
// the dialog listed as skipped.
type planStartedMsg struct {
	status        fleet.PlanStatus
	err           error
	dialogSkipped int
}

func (m *Model) planStarted(msg planStartedMsg) tea.Cmd {
	if msg.err != nil {
		if errors.Is(msg.err, backend.ErrForbidden) {
			m.setNotice(true, m.refusedLine("batch", "start a batch", msg.err))
			return nil
		}
		m.setNotice(true, "batch not started: "+safetext.Terminal(msg.err.Error()))
		return nil
	}
	// The counts of "saving the plan" again, with the skips the plan added (a window, a
	// state that moved): the tester saw `batch of 33: saving the plan…`, then `batch of 16
	// started … · 22 skipped` for 38 selected.
	st := msg.status
	n := st.Summary.Skipped
	line := fmt.Sprintf("batch of %d started", len(st.Items))
	if n > 0 {
		line += fmt.Sprintf(": %d to redeploy, %d skipped", len(st.Items)-n, n)
		if more := n - msg.dialogSkipped; more > 0 {
			line += fmt.Sprintf(" (%d more than the dialog listed: the task panel says why)", more)
		}
	}
	m.setNotice(false, line+" · "+st.Describe())
	return m.startFrames()
}

// pausedPlan is the first plan of the snapshot waiting for an answer, or nil: the one c
// and x answer, whoever started it.
func (m *Model) pausedPlan() *fleet.PlanStatus {
	if m.snap == nil {
		return nil
	}
	for i := range m.snap.Plans {
		if p := &m.snap.Plans[i]; p.Phase == fleet.PhasePaused && !m.heldByAutopilot(p) {
			return p
		}
	}
	return nil
}

// answerPause continues (c) or aborts (x) the paused batch. The hub decides whether this
// identity may (a viewer's answer is refused there), saves the answer and logs who gave it;
// the next snapshot shows the plan moving on.
func (m *Model) answerPause(goOn bool) tea.Cmd {
	p := m.pausedPlan()
	if p == nil {
		return nil
	}
	f, who, id := m.deps.Fleet, m.deps.Identity, p.ID
	return func() tea.Msg {
		return planAnsweredMsg{err: f.AnswerPlan(who, id, goOn)}
	}
}

// noPausedPlan answers c or x when no batch waits for an answer: a key with no meaning
// says so, as any other does (unbound), and names what would have had one.
func (m *Model) noPausedPlan(msg tea.KeyMsg) {
	if s, _ := m.noticeText(); s != "" && !strings.HasSuffix(s, unboundNote) && !strings.HasSuffix(s, noPauseNote) && !strings.HasSuffix(s, heldPauseNote) &&
		!strings.HasSuffix(s, noRunNote) && !strings.HasSuffix(s, autoRunNote) {
		return // a notice still on screen is not covered by a key's answer
	}
	if m.snap != nil {
		for i := range m.snap.Plans {
			if p := &m.snap.Plans[i]; p.Phase == fleet.PhasePaused && m.heldByAutopilot(p) {
				m.say(log.Refusal, msg.String()+heldPauseNote)
				return
			}
		}
	}
	m.say(log.Refusal, msg.String()+noPauseNote)
}

// What c and x say when no batch waits for their answer, and p when none is sending.
const (
	noPauseNote   = ": no batch is paused (c and x answer a paused batch; p pauses a running one)"
	heldPauseNote = ": the paused batch is the autopilot's; an operator resumes it with :autopilot resume"
	noRunNote     = ": no batch is running (p pauses a running batch; c and x then answer it)"
	autoRunNote   = ": the running batch is the autopilot's; :autopilot pause stops it"
)

// runningPlans are the ids of the batches of the snapshot that may still send (running,
// with something queued), whoever started them, and whether the autopilot runs one: p
// pauses the people's batches, and :autopilot pause the autopilot's, so the two pauses
// never disagree about who resumes.
func (m *Model) runningPlans() (ids []string, autopilot bool) {
	if m.snap == nil {
		return nil, false
	}
	a := m.snap.Autopilot
	for i := range m.snap.Plans {
		p := &m.snap.Plans[i]
		if p.Phase != fleet.PhaseRunning || p.Ended() {
			continue
		}
		if a != nil && p.Identity.Name == a.Name {
			autopilot = true
			continue
		}
		ids = append(ids, p.ID)
	}
	return ids, autopilot
}

// pauseBatches pauses (p) every batch that is sending, for this identity, through the
// hub (fleet.Hub.PausePlan): it decides whether this identity may (a viewer is refused
// there, not here), stops the sends, saves the pause, logs and audits who paused. What is
// in flight goes on; c continues, x aborts, as after a failure. It is an emergency stop:
// one key, nothing sent by it, and undone with c.
func (m *Model) pauseBatches(msg tea.KeyMsg) tea.Cmd {
	ids, auto := m.runningPlans()
	if len(ids) == 0 {
		note := noRunNote
		if auto {
			note = autoRunNote
		}
		m.say(log.Refusal, msg.String()+note)
		return nil
	}
	f, who := m.deps.Fleet, m.deps.Identity
	why := "paused by " + who.String()
	return func() tea.Msg {
		out := planPausedMsg{}
		for _, id := range ids {
			if err := f.PausePlan(who, id, why); err != nil {
				out.err = err
				break
			}
			out.n++
		}
		return out
	}
}

// planPausedMsg says how many batches the hub paused for p, and why it paused no more.
type planPausedMsg struct {
	n   int
	err error
}

func (m *Model) planPaused(msg planPausedMsg) {
	if msg.err != nil {
		m.setRefusal(m.refusedLine("batch pause", "pause a batch", msg.err))
		return
	}
	what := "batch paused"
	if msg.n > 1 {
		what = fmt.Sprintf("%d batches paused", msg.n)
	}
	m.setNotice(false, what+": nothing more is sent; what is in flight goes on · c continues, x aborts")
}

// planAnsweredMsg says how the hub took an answer to a paused batch.
type planAnsweredMsg struct{ err error }

// plansChanged tells of what the plans did between two snapshots: a batch that paused
// (logged as a pause, the question on screen until it is answered), one an operator
// answered, one that ended (its summary).
func (m *Model) plansChanged(prev, s *fleet.Snapshot) {
	before := map[string]*fleet.PlanStatus{}
	if prev != nil {
		for i := range prev.Plans {
			before[prev.Plans[i].ID] = &prev.Plans[i]
		}
	}
	for i := range s.Plans {
		p := &s.Plans[i]
		was := before[p.ID]
		switch {
		case p.Phase == fleet.PhasePaused && (was == nil || was.Phase != fleet.PhasePaused):
			// The question stays on screen (pauseLines) until someone answers it; the log
			// keeps it as what it is, a pause.
			m.log.Add(log.Entry{At: m.deps.Wall(), Kind: log.Pause, Text: safetext.Terminal("batch paused: " + p.Stopped)})
		case was == nil || was.Phase == p.Phase && was.Ended() == p.Ended():
			// New to this session, or nothing it must be told.
		case was.Phase == fleet.PhasePaused && p.Phase == fleet.PhaseRunning:
			m.setNotice(false, "batch "+p.Answered+": the next targets go as the rules allow")
		case p.Ended():
			line := "batch: " + p.Summary.String()
			if p.Stopped != "" {
				line += " · stopped: " + p.Stopped
			}
			m.setNotice(p.Summary.Failed > 0, line)
		case p.Phase == fleet.PhaseAborted:
			m.setNotice(false, "batch "+p.Answered+": nothing more is sent; what is in flight goes on")
		}
	}
}

// planLine is where the batches stand, for the task panel's title: while any runs, their
// instances by state, PAUSED when one waits for an answer; after, the last one's summary.
// short leaves out the states no instance is in, for a title short of room.
func (m *Model) planLine(short bool) string {
	if m.snap == nil || len(m.snap.Plans) == 0 {
		return ""
	}
	var s fleet.Summary
	active, paused := 0, false
	var window time.Time // the next maintenance window a queued target waits for
	now := m.deps.Now()
	for i := range m.snap.Plans {
		p := &m.snap.Plans[i]
		if p.Ended() {
			continue
		}
		for _, it := range p.Items {
			if p.InWindow && it.Status == fleet.ItemQueued && it.Due.After(now) && (window.IsZero() || it.Due.Before(window)) {
				window = it.Due
			}
		}
		active++
		paused = paused || p.Phase == fleet.PhasePaused
		x := p.Summary
		s.InFlight += x.InFlight
		s.Queued += x.Queued
		s.Redeployed += x.Redeployed
		s.Failed += x.Failed
		s.Skipped += x.Skipped
	}
	if active == 0 {
		return "last batch: " + m.snap.Plans[len(m.snap.Plans)-1].Summary.String()
	}
	title := "batch"
	if paused {
		title = "batch PAUSED"
	}
	line := fmt.Sprintf("%s: %d in flight · %d queued · %d done · %d failed · %d skipped",
		title, s.InFlight, s.Queued, s.Redeployed, s.Failed, s.Skipped)
	if short {
		var parts []string
		for _, c := range []struct {
			n    int
			what string
		}{{s.InFlight, "in flight"}, {s.Queued, "queued"}, {s.Redeployed, "done"}, {s.Failed, "failed"}, {s.Skipped, "skipped"}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
			}
		}
		line = title
		if len(parts) > 0 {
			line += ": " + strings.Join(parts, " · ")
		}
	}
	if !window.IsZero() {
		// Queued targets that wait for their maintenance window: nothing is stuck.
		line += " · next window " + model.Countdown(window, now)
	}
	return line
}

// pauseLines is the question a paused batch asks, wrapped to the width: the decision
// first, so that no width cuts it, then why it paused. Empty when no batch waits.
func (m *Model) pauseLines() []string {
	p := m.pausedPlan()
	if p == nil || m.mode == modeDialog || m.mode == modeDialogGone {
		return nil
	}
	ask := "BATCH PAUSED — c continues the rest, x aborts it (what is in flight goes on)"
	if !m.deps.Identity.CanRedeploy() {
		ask = "BATCH PAUSED — an operator continues (c) or aborts (x) it"
	}
	text := ask + ": " + p.Stopped
	if by := p.Identity.Name; by != "" {
		text += " · started by " + p.Identity.String()
	}
	lines := common.Wrap(safetext.Terminal(text), m.width)
	if len(lines) > maxPauseLines {
		lines = lines[:maxPauseLines]
		lines[maxPauseLines-1] = fitNotice(lines[maxPauseLines-1]+" …", m.width)
	}
	return lines
}

// maxPauseLines bounds the room a paused batch's question takes from the list.
const maxPauseLines = 3

// pauseHelp are the keys a batch adds to the footer, first, so they are never cut: c and
// x while one is paused, p while one is sending.
func (m *Model) pauseHelp() []key.Binding {
	if m.mode != modeList || !m.deps.Identity.CanRedeploy() {
		return nil
	}
	if m.pausedPlan() != nil {
		return []key.Binding{m.keys.Continue, m.keys.Abort}
	}
	if ids, _ := m.runningPlans(); len(ids) > 0 {
		return []key.Binding{m.keys.Pause}
	}
	return nil
}
