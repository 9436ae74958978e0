package ui

import (
	"fmt"
	"maps"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/components/accept"
	"ecs-redeploy/ui/components/log"
)

// acceptDoneMsg is the hub's answer to one accept this session asked for.
type acceptDoneMsg struct {
	eventID string
	ref     backend.AcceptRef
	err     error
}

// startAccept opens the accept dialog for the row under the cursor (or in the detail
// pane): its Inquiring event, if the platform takes an accept for it. Anything else gets
// one line saying why.
func (m *Model) startAccept() tea.Cmd {
	var r *fleet.Row
	if m.mode == modeDetail && m.detail != nil {
		r = m.detail.Row()
	} else {
		r = m.list.Current()
	}
	if r == nil || m.snap == nil {
		return nil
	}
	var inquiring *model.Event
	for _, ev := range r.Inst.PendingEvents() {
		if ev.CycleStatus == model.CycleInquiring {
			inquiring = ev
			break
		}
	}
	switch {
	case inquiring == nil:
		m.setRefusal(r.Inst.ID + ": no Inquiring event: A accepts only an event the platform asks about")
		return nil
	case !inquiring.Acceptable():
		why := r.Inst.ID + ": the platform says its Inquiring event " + inquiring.ID + " cannot be accepted (CanAccept=false)"
		if r.Eligibility.Allowed && !r.InProgress {
			// Only where R answers it: a NO REDEPLOY or blocked row is never sent to R.
			why += "; R redeploys it"
		}
		m.setRefusal(why)
		return nil
	case r.InProgress:
		m.setRefusal(r.Inst.ID + ": a redeploy is under way; nothing to accept now")
		return nil
	}
	d, settle := accept.New(m.common(), r, inquiring)
	d.SetSize(m.width, m.dialogHeight())
	m.acceptDlg = d
	m.dialogFrom = m.mode
	m.mode = modeAccept
	m.notice = ""
	return settle
}

// submitAccept asks the hub to accept the event; every session sees it Executing.
func (m *Model) submitAccept(msg accept.SubmitMsg) tea.Cmd {
	m.acceptDlg = nil
	m.mode = m.dialogFrom
	req := backend.AcceptRequest{RegionID: msg.RegionID, InstanceID: msg.InstanceID, EventID: msg.EventID, Identity: m.deps.Identity}
	f, ctx := m.deps.Fleet, m.deps.Context
	m.setNotice(false, "accept submitted: "+msg.EventID+" of "+msg.InstanceID)
	return func() tea.Msg {
		ref, err := f.Accept(ctx, req)
		return acceptDoneMsg{eventID: req.EventID, ref: ref, err: err}
	}
}

func (m *Model) acceptDone(msg acceptDoneMsg) {
	if msg.err != nil {
		m.setNotice(true, errLine("accept "+msg.eventID, msg.err))
		return
	}
	m.setNotice(false, "accepted "+msg.eventID+" (RequestId "+msg.ref.RequestID+"): the platform acts now")
}

// settleAccept closes the accept dialog when the snapshot no longer has its event to
// accept (answered, accepted elsewhere, gone): nothing is sent.
func (m *Model) settleAccept(s *fleet.Snapshot) {
	if m.acceptDlg == nil {
		return
	}
	var row *fleet.Row
	for _, r := range s.Rows {
		if r.Inst.ID == m.acceptDlg.Row().Inst.ID {
			row = r
			break
		}
	}
	if m.acceptDlg.Expired(row) {
		ev := m.acceptDlg.Event()
		m.acceptDlg = nil
		if m.mode == modeAccept {
			m.mode = m.dialogFrom
		}
		m.setNotice(true, ev.ID+" is no longer an Inquiring event to accept; the dialog closed and nothing was sent")
	}
}

// acceptsEnded says, in the log and on the notice line when it is free, each event an
// accept through the hub answered that s no longer has pending: the platform acted on it,
// and its row went (tester2's defect 9: the row vanished with no note).
func (m *Model) acceptsEnded(prev, s *fleet.Snapshot) {
	if prev == nil {
		return
	}
	for _, id := range slices.Sorted(maps.Keys(prev.Accepted)) {
		if _, ok := s.Accepted[id]; ok {
			continue
		}
		a := prev.Accepted[id]
		text := safetext.Terminal(fmt.Sprintf("%s of %s, accepted by %s, is no longer pending: the platform did its default action", id, a.InstanceID, a.By))
		if m.notice == "" {
			m.setNotice(false, text) // kept in the log too
			continue
		}
		m.log.Add(log.Entry{At: m.deps.Wall(), Kind: log.Notice, Text: text})
	}
}
