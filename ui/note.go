package ui

import (
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/components/log"
)

// NoteMsg is news from beside the fleet that the console keeps (the webhook behind
// --notify failing or answering again): always in the log (L), and on the notice line
// too when Notice is set. Error marks it as an error. The sender decides how often a
// person is told (once per spell of failures, not once per notice).
type NoteMsg struct {
	Text   string
	Error  bool
	Notice bool
}

// note keeps msg: in the log, and on the notice line when it asks to be.
func (m *Model) note(msg NoteMsg) {
	kind := log.Notice
	if msg.Error {
		// It stays until esc: said once, and the pages it stands for are not going out.
		kind = log.Error
	}
	if msg.Notice {
		m.say(kind, msg.Text)
		return
	}
	m.log.Add(log.Entry{At: m.deps.Wall(), Kind: kind, Text: safetext.Terminal(msg.Text)})
}
