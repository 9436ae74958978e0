package common

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// DialogSettles is how long a dialog ignores every key but esc after it opens, after its
// content changes, and after the focus lands on a button that would act: a paste or a
// burst arrives in microseconds, and a person's next key after reading takes far longer.
// 300 ms is below any reading time and above any burst, however late the console gets to
// each key of it (keys are timed as Update sees them, and a slow View between two keys of
// one paste delays the second).
const DialogSettles = 300 * time.Millisecond

// Settle is a dialog's guard against keys sent before anyone could read what they act
// on. The zero value is settled; Start unsettles it until its SettledMsg comes back.
type Settle struct {
	unsettled bool
	gen       int
}

// SettledMsg tells a dialog that DialogSettles has passed since it last started to
// settle; the root routes it back to the dialog it has open, whose Done takes it.
type SettledMsg struct {
	owner any
	gen   int
}

// Start makes s unsettled until the returned command's message reaches Done: at once when
// timers is false (tests that step the clock), else after DialogSettles. owner tells one
// dialog's message from another's; a later Start makes an earlier message stale.
func (s *Settle) Start(owner any, timers bool) tea.Cmd {
	s.unsettled = true
	s.gen++
	msg := SettledMsg{owner: owner, gen: s.gen}
	if !timers {
		return Emit(msg)
	}
	return tea.Tick(DialogSettles, func(time.Time) tea.Msg { return msg })
}

// Done settles s if msg is the answer to its latest Start by owner.
func (s *Settle) Done(owner any, msg SettledMsg) {
	if msg.owner == owner && msg.gen == s.gen {
		s.unsettled = false
	}
}

// Settled reports whether keys may act.
func (s *Settle) Settled() bool { return !s.unsettled }
