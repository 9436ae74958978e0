package serve

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/backend"
	"ecs-redeploy/model/safetext"
)

// session is one admitted SSH session: its identity, its program, and why it ended.
type session struct {
	s    *Server
	sess ssh.Session
	id   backend.Identity
	conn gossh.Conn
	// lastInput is the Clock time of the last byte the client typed, in Unix ns.
	lastInput atomic.Int64

	mu      sync.Mutex
	program *tea.Program
	cleanup func()
	// reason is why the session ended, for the log: quit (left empty), dropped, idle,
	// keepalive, shutdown, panic, key_removed, role_changed. line is what the user is told
	// after the console closes; empty when the user quit.
	reason, line string
	// Keepalive state, touched by Sweep only.
	kaSent    time.Time
	kaMissed  int
	kaWaiting atomic.Bool
}

func newSession(s *Server, sess ssh.Session, id backend.Identity) *session {
	ss := &session{s: s, sess: sess, id: id}
	ss.conn, _ = sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn)
	ss.kaSent = s.opt.Clock()
	ss.touch()
	return ss
}

func (ss *session) touch() { ss.lastInput.Store(ss.s.opt.Clock().UnixNano()) }

// setProgram records the session's program; false if the session already ended.
func (ss *session) setProgram(p *tea.Program) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason != "" {
		return false
	}
	ss.program = p
	return true
}

func (ss *session) setCleanup(f func()) {
	ss.mu.Lock()
	ss.cleanup = f
	ss.mu.Unlock()
}

// close releases what the console holds (its hub subscription).
func (ss *session) close() {
	ss.mu.Lock()
	f := ss.cleanup
	ss.cleanup = nil
	ss.mu.Unlock()
	if f != nil {
		f()
	}
}

func (ss *session) ending() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.reason != ""
}

func (ss *session) endReason() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason == "" {
		return "quit"
	}
	return ss.reason
}

func (ss *session) userLine() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.line == "" {
		return ""
	}
	return "ecs-redeploy: " + ss.line
}

// end quits the session's console; line is told to the user once it has closed. The
// first reason wins.
func (ss *session) end(line, reason string) {
	ss.mu.Lock()
	if ss.reason != "" {
		ss.mu.Unlock()
		return
	}
	ss.reason, ss.line = reason, line
	p := ss.program
	ss.mu.Unlock()
	if p != nil {
		// Quit blocks until the program's loop reads it; the caller may be that loop.
		go p.Quit()
	}
}

// ended records why the session ended, when nothing did before.
func (ss *session) ended(reason string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason == "" {
		ss.reason = reason
	}
}

// send hands msg to the session's program without blocking the caller.
func (ss *session) send(msg tea.Msg) {
	ss.mu.Lock()
	p := ss.program
	ss.mu.Unlock()
	if p != nil {
		go p.Send(msg)
	}
}

// panicked logs a panic of this session's console with its stack and ends the session
// only: the server and the other sessions run on.
func (ss *session) panicked(r any, stack []byte) {
	ss.s.log.Error("session panicked", "user", safetext.Log(ss.sess.User()), "fingerprint", ss.id.KeyFingerprint,
		"panic", safetext.Log(fmt.Sprint(r)), "stack", string(stack))
	ss.end("the console hit an internal error and this session was closed (other sessions run on); reconnect to continue", "panic")
}

// activityReader is the session's input as the program reads it: every byte the client
// sends resets the idle timer.
type activityReader struct {
	r  io.Reader
	ss *session
}

func (a activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.ss.touch()
	}
	return n, err
}

// Sweep ends idle sessions and sends keepalives; the server runs it every SweepEvery.
func (s *Server) Sweep() {
	s.sweeping.Lock()
	defer s.sweeping.Unlock()
	now := s.opt.Clock()
	// Key files edited with no login and no SIGHUP since still close the sessions of the
	// keys they no longer grant, within a sweep.
	s.opt.Keys.Reload()
	s.logRefusals(now, false)
	for _, ss := range s.snapshot() {
		if d := s.opt.IdleTimeout; d > 0 && now.Sub(time.Unix(0, ss.lastInput.Load())) >= d {
			s.log.Info("idle timeout", "user", safetext.Log(ss.sess.User()), "fingerprint", ss.id.KeyFingerprint, "idle_timeout", d)
			ss.end(fmt.Sprintf("closed after %s without input (--idle-timeout); ssh in again to continue", d), "idle")
			continue
		}
		if s.opt.KeepaliveInterval > 0 {
			ss.keepalive(now)
		}
	}
}

// keepalive sends keepalive@openssh.com once per interval. A connection whose peer went
// away without a FIN (a laptop asleep behind NAT) answers nothing; after
// KeepaliveCountMax silent intervals it is closed, which ends its sessions.
func (ss *session) keepalive(now time.Time) {
	opt := ss.s.opt
	if ss.conn == nil || now.Sub(ss.kaSent) < opt.KeepaliveInterval {
		return
	}
	ss.kaSent = now
	if ss.kaWaiting.Load() {
		ss.kaMissed++
		if ss.kaMissed >= opt.KeepaliveCountMax {
			ss.s.log.Warn("keepalive unanswered: closing the connection", "user", safetext.Log(ss.sess.User()),
				"fingerprint", ss.id.KeyFingerprint, "missed", ss.kaMissed)
			ss.end("", "keepalive")
			_ = ss.conn.Close()
		}
		return
	}
	ss.kaMissed = 0
	ss.kaWaiting.Store(true)
	go func() {
		// Any reply proves the peer alive: OpenSSH answers this request with a failure.
		if _, _, err := ss.conn.SendRequest("keepalive@openssh.com", true, nil); err == nil {
			ss.kaWaiting.Store(false)
			ss.s.mu.Lock()
			ss.s.notifyLocked()
			ss.s.mu.Unlock()
		}
	}()
}

// logRefusals sums up the connections refused before authentication, once per LogEvery.
func (s *Server) logRefusals(now time.Time, final bool) {
	if kv := s.gate.summary(now, final); kv != nil {
		s.log.Warn("connections refused before authentication (--max-startups, --per-source-max-startups, --login-grace-time)", kv...)
	}
}

func (s *Server) startSweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opt.SweepEvery < 0 || s.sweepStop != nil || s.closing {
		return
	}
	s.sweepStop, s.sweepDone = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(s.opt.SweepEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s.Sweep()
			}
		}
	}(s.sweepStop, s.sweepDone)
}

func (s *Server) stopSweep() {
	s.mu.Lock()
	stop, done := s.sweepStop, s.sweepDone
	s.sweepStop = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// Screen limits. A client may claim any size in pty-req and window-change, up to 2³²-1
// cells a side; the console allocates per row and column, so a claim is clamped.
const (
	defaultWidth, defaultHeight = 80, 24
	maxWidth, maxHeight         = 1000, 500
)

// clampWindow turns what the client claims into a size the console can draw: 0 (the
// client does not know) is the classic 80×24, and no side exceeds the maximum.
func clampWindow(w, h int) (int, int) {
	if w <= 0 {
		w = defaultWidth
	}
	if h <= 0 {
		h = defaultHeight
	}
	return min(w, maxWidth), min(h, maxHeight)
}

// shutdownMsg tells a session the server is stopping.
type shutdownMsg struct{ inFlight int }

// sessionModel wraps a session's console: it clamps window sizes, shows the shutdown
// notice, and turns a panic in the console into the end of this session alone.
type sessionModel struct {
	inner  tea.Model
	ss     *session
	r      *lipgloss.Renderer
	width  int
	notice string
	broken bool
}

func (m *sessionModel) Init() (cmd tea.Cmd) {
	defer m.recover(&cmd)
	return m.guard(m.inner.Init())
}

func (m *sessionModel) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case shutdownMsg:
		m.notice = "server shutting down: no new redeploys; sessions close once the calls in flight answer"
		if msg.inFlight > 0 {
			m.notice = fmt.Sprintf("server shutting down: waiting for %d redeploy call(s) to answer, then this session closes", msg.inFlight)
		}
		return m, nil
	case tea.WindowSizeMsg:
		msg.Width, msg.Height = clampWindow(msg.Width, msg.Height)
		m.width = msg.Width
		return m.update(msg)
	}
	return m.update(msg)
}

func (m *sessionModel) update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	if m.broken {
		return m, nil
	}
	// On a panic the named results are what Bubble Tea gets: never a nil model.
	model = m
	defer m.recover(&cmd)
	inner, cmd := m.inner.Update(msg)
	m.inner = inner
	return m, m.guard(cmd)
}

func (m *sessionModel) View() (v string) {
	if m.broken {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			m.broken = true
			m.ss.panicked(r, debug.Stack())
			v = ""
		}
	}()
	v = m.inner.View()
	if m.notice != "" {
		// The notice takes the header's line, so the layout keeps its height.
		_, rest, _ := strings.Cut(v, "\n")
		line := m.r.NewStyle().Reverse(true).Render(ansi.Truncate(m.notice, max(m.width, 1), "…"))
		v = line + "\n" + rest
	}
	return v
}

// recover ends the session on a panic in Init or Update; Bubble Tea's own recovery
// would print to the server's stdout and leave no structured trace.
func (m *sessionModel) recover(cmd *tea.Cmd) {
	if r := recover(); r != nil {
		m.broken = true
		m.ss.panicked(r, debug.Stack())
		*cmd = tea.Quit
	}
}

// guard runs cmd under the same recovery: commands run on their own goroutines.
func (m *sessionModel) guard(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				m.ss.panicked(r, debug.Stack())
				msg = tea.Quit()
			}
		}()
		msg = cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for i := range batch {
				batch[i] = m.guard(batch[i])
			}
		}
		return msg
	}
}
