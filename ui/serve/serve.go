// Package serve serves the console to a team over SSH: public-key roles, one hub, one Bubble Tea program per session.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/recover"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui"
)

// Hub is what the server needs from the process-wide fleet hub (*fleet.Hub).
type Hub interface {
	// Fleet is what each session's console subscribes to and asks redeploys of: sessions
	// never call the backend themselves, so API calls do not grow with sessions.
	ui.Fleet
	// Drain waits until every RedeployInstance call in flight has answered, or ctx ends;
	// the hub runs each call on its own context, whoever asked and whether they still wait.
	Drain(ctx context.Context) error
}

// Options configure a Server. Fleet, Keys and HostKey are required.
type Options struct {
	// Fleet is the hub every session shares.
	Fleet Hub
	// Unbudgeted is ui.Deps.Unbudgeted: the backend is the simulator, which keeps no API
	// budget.
	Unbudgeted bool
	// GivesUpAfter is ui.Deps.GivesUpAfter: how long the backend takes to give up on a
	// read that never answers.
	GivesUpAfter time.Duration
	// Now is the backend's clock (the simulator's on --demo); Wall is the wall clock for
	// "new/listed Ns ago". Both default to time.Now.
	Now, Wall func() time.Time
	// Keys decides who may log in and with which role.
	Keys *Keyring
	// HostKey is the server's identity (LoadHostKey).
	HostKey gossh.Signer
	// ReadOnly makes every identity a viewer, whatever file its key is in.
	ReadOnly bool
	// IdleTimeout ends a session that has sent no input for this long; 0 never does.
	// Output does not count: the console redraws every second on its own.
	IdleTimeout time.Duration
	// MaxSessions caps concurrent sessions; the next one is refused with one line. 0: no cap.
	MaxSessions int
	// KeepaliveInterval is how often a keepalive@openssh.com request is sent; after
	// KeepaliveCountMax of them go unanswered the connection is closed (OpenSSH's
	// ClientAliveInterval and ClientAliveCountMax). 0 sends none.
	KeepaliveInterval time.Duration
	KeepaliveCountMax int
	// Clock reads the time for idle and keepalive decisions; time.Now by default. Tests
	// step it and call Sweep.
	Clock func() time.Time
	// SweepEvery is how often idle and keepalive checks run (1 s by default); negative
	// turns the loop off, for tests that call Sweep themselves.
	SweepEvery time.Duration
	// Logger receives the structured server log; log.Default() if nil.
	Logger *log.Logger
	// Tick is ui.Deps.Tick for every session (0: the console's default).
	Tick time.Duration
	// Limits bound the connections that have not authenticated; the zero Limits is
	// DefaultLimits (a zero field of a non-zero Limits is "none", LogEvery excepted).
	Limits Limits
	// Regions is ui.Deps.Regions for every session: the regions :region may name.
	Regions []string
}

// Server is the SSH server. Make one with New, run it with Serve, stop it with Shutdown.
type Server struct {
	opt   Options
	log   *log.Logger
	ssh   *ssh.Server
	fleet ui.Fleet

	// calls counts the sessions waiting for a redeploy's answer, and refuses new ones
	// once Shutdown begins.
	calls inflight

	mu       sync.Mutex
	sessions map[ssh.Session]*session
	closing  bool
	// changed is closed and replaced whenever a session starts, ends or answers a
	// keepalive.
	changed chan struct{}

	sweepStop chan struct{}
	sweepDone chan struct{}
	// sweeping serializes Sweep: its keepalive counters have one writer.
	sweeping sync.Mutex

	// gate holds the connections that have not authenticated yet.
	gate *gate

	// newModelFunc is newModel; tests replace it to make a session misbehave.
	newModelFunc func(sess ssh.Session, id backend.Identity, r *lipgloss.Renderer) (tea.Model, func())
}

// New builds a server from opt. Nothing listens until Serve.
func New(opt Options) (*Server, error) {
	switch {
	case opt.Fleet == nil:
		return nil, errors.New("serve: no fleet hub")
	case opt.Keys == nil:
		return nil, errors.New("serve: no authorized keys")
	case opt.HostKey == nil:
		return nil, errors.New("serve: no host key")
	case opt.MaxSessions < 0:
		return nil, fmt.Errorf("--max-sessions must be 0 (no cap) or more, got %d", opt.MaxSessions)
	case opt.IdleTimeout < 0:
		return nil, fmt.Errorf("--idle-timeout must be 0 (none) or more, got %s", opt.IdleTimeout)
	case opt.Limits.LoginGraceTime < 0:
		return nil, fmt.Errorf("--login-grace-time must be 0 (none) or more, got %s", opt.Limits.LoginGraceTime)
	case opt.Limits.PerSource < 0:
		return nil, fmt.Errorf("--per-source-max-startups must be 0 (no cap) or more, got %d", opt.Limits.PerSource)
	}
	if st := opt.Limits.MaxStartups; st != (Startups{}) {
		if _, err := ParseStartups(st.String()); err != nil {
			return nil, fmt.Errorf("--max-startups %s: %w", st, err)
		}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Wall == nil {
		opt.Wall = time.Now
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.SweepEvery == 0 {
		opt.SweepEvery = time.Second
	}
	if opt.KeepaliveCountMax <= 0 {
		opt.KeepaliveCountMax = 3
	}
	if opt.Logger == nil {
		opt.Logger = log.Default()
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	if opt.Limits.LogEvery <= 0 {
		opt.Limits.LogEvery = DefaultLimits.LogEvery
	}
	s := &Server{
		opt:      opt,
		log:      opt.Logger,
		sessions: map[ssh.Session]*session{},
		changed:  make(chan struct{}),
		gate:     newGate(opt.Limits, opt.Clock),
	}
	s.fleet = &callTracker{Fleet: opt.Fleet, s: s}
	s.newModelFunc = s.newModel
	opt.Keys.mu.Lock()
	opt.Keys.onReload = func(f *keyFile, err error) {
		var kept keptError
		switch {
		case errors.As(err, &kept):
			s.log.Error("key file holds no public key: the last good keys stay until it does", "path", f.path, "role", f.role, "keys", len(f.keys), "err", safetext.Log(err.Error()))
			return
		case errors.Is(err, ErrNoKeys):
			s.log.Warn("key file has no key: every key it listed is locked out", "path", f.path, "role", f.role, "err", safetext.Log(err.Error()))
			return
		case err != nil:
			s.log.Warn("key file unreadable: its keys are locked out", "path", f.path, "role", f.role, "err", safetext.Log(err.Error()))
			return
		}
		kv := []any{"path", f.path, "role", f.role, "keys", len(f.keys), "skipped_lines", f.skipped}
		if f.optioned > 0 {
			// from="…" in an authorized_keys line reads like a restriction; say it is not one.
			kv = append(kv, "keys_with_ignored_options", f.optioned)
		}
		if f.skipped > 0 {
			s.log.Warn("key file loaded, with lines that are not keys", kv...)
			return
		}
		s.log.Info("key file loaded", kv...)
	}
	opt.Keys.onChange = s.recheckSessions
	opt.Keys.mu.Unlock()

	srv, err := wish.NewServer(
		wish.WithPublicKeyAuth(s.authPublicKey),
		func(srv *ssh.Server) error {
			// Set before wish looks: without a host key it writes id_ed25519 to the
			// working directory.
			srv.HostSigners = []ssh.Signer{opt.HostKey}
			srv.ServerConfigCallback = s.serverConfig
			// A connection that moves no byte for the idle timeout is closed: it covers
			// what the per-session timer cannot see, a login that never opens a session
			// (ssh -N) or stalls halfway. A session's console redraws every second, so
			// this never ends a live one; Sweep judges those by their input.
			srv.IdleTimeout = opt.IdleTimeout
			srv.ConnCallback = func(ctx ssh.Context, c net.Conn) net.Conn {
				// One line per knock would let whoever knocks write the log: refusals and
				// expired logins are summed up by Sweep instead.
				s.log.Debug("connect", "remote", c.RemoteAddr().String())
				if pc, ok := c.(*pendingConn); ok {
					ctx.SetValue(pendingKey{}, pc)
				}
				return c
			}
			return nil
		},
		wish.WithMiddleware(
			// Listed innermost first: recover wraps everything, the session checks run
			// before the program starts.
			recover.MiddlewareWithLogger(panicLogger{s.log},
				bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii),
				s.sessionMiddleware,
			),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// panicLogger adapts the structured log to the recover middleware's Printf.
type panicLogger struct{ l *log.Logger }

func (p panicLogger) Printf(format string, v ...any) {
	p.l.Error("session panicked", "detail", safetext.Log(fmt.Sprintf(format, v...)))
}

// pendingKey is the ssh.Context key of a connection's *pendingConn.
type pendingKey struct{}

// serverConfig is the x/crypto/ssh config of one connection: it logs refused attempts of
// methods that are never offered (password, keyboard-interactive).
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		AuthLogCallback: func(conn gossh.ConnMetadata, method string, err error) {
			if err == nil {
				// Called once the key's signature is verified (a mere query of a key is
				// answered before this): the client is who its key says, and leaves the
				// count of connections not yet authenticated.
				if pc, ok := ctx.Value(pendingKey{}).(*pendingConn); ok {
					pc.authenticated()
				}
				return
			}
			// "none" is every client's opening probe; publickey is logged with its
			// fingerprint by authPublicKey.
			if method == "none" || method == "publickey" {
				return
			}
			s.log.Warn("auth refused", "user", safetext.Log(conn.User()), "remote", conn.RemoteAddr().String(),
				"method", method, "reason", "public keys only")
		},
	}
}

// authPublicKey accepts a key listed in the viewers' or the operators' file, re-reading
// them if they changed.
func (s *Server) authPublicKey(ctx ssh.Context, key ssh.PublicKey) bool {
	g, ok := s.opt.Keys.Lookup(key)
	fp := gossh.FingerprintSHA256(key)
	if !ok {
		s.log.Warn("auth refused", "user", safetext.Log(ctx.User()), "remote", ctx.RemoteAddr().String(),
			"fingerprint", fp, "reason", "key not in --authorized-keys or --operator-keys")
		return false
	}
	// The user name is whatever the client said; the fingerprint and the key's comment in
	// the file are who it is.
	s.log.Info("auth accepted", "user", safetext.Log(ctx.User()), "remote", ctx.RemoteAddr().String(),
		"fingerprint", fp, "key_comment", safetext.Log(g.Comment), "role", s.role(g.Role))
	return true
}

// role applies --read-only to the role a key file grants.
func (s *Server) role(r backend.Role) backend.Role {
	if s.opt.ReadOnly {
		return backend.RoleViewer
	}
	return r
}

// Serve accepts connections on ln until Shutdown. It returns nil after a Shutdown.
// Connections past the Limits are closed as they are accepted.
func (s *Server) Serve(ln net.Listener) error {
	lim := s.opt.Limits
	s.log.Info("listen", "addr", ln.Addr().String(), "host_key", gossh.FingerprintSHA256(s.opt.HostKey.PublicKey()),
		"max_sessions", s.opt.MaxSessions, "idle_timeout", s.opt.IdleTimeout, "read_only", s.opt.ReadOnly,
		"login_grace_time", lim.LoginGraceTime, "max_startups", lim.MaxStartups, "per_source_max_startups", lim.PerSource)
	s.startSweep()
	err := s.ssh.Serve(gateListener{Listener: ln, g: s.gate})
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Reload re-reads the key files now (SIGHUP); logins re-read changed files anyway.
func (s *Server) Reload() {
	s.log.Info("reload key files")
	s.opt.Keys.Reload()
}

// recheckSessions holds every open session to what the key files grant now. A session
// whose key was removed is closed; so is one whose key's role changed, either way: a
// session always has the role the files give its key (the console is built for one role,
// and a demoted operator must not keep a dialog that redeploys), and the next login gets
// the new one.
func (s *Server) recheckSessions() {
	for _, ss := range s.snapshot() {
		g, ok := s.opt.Keys.Granted(ss.id.KeyFingerprint)
		kv := []any{"user", safetext.Log(ss.sess.User()), "remote", ss.sess.RemoteAddr().String(), "fingerprint", ss.id.KeyFingerprint, "role", ss.id.Role}
		switch {
		case !ok:
			if !ss.ending() {
				s.log.Warn("session closed: its key was removed from the key files", kv...)
			}
			ss.end("your key was removed from this server's key files, so this session is closed; ask its administrator", "key_removed")
		case s.role(g.Role) != ss.id.Role:
			role := s.role(g.Role)
			if !ss.ending() {
				s.log.Warn("session closed: its key's role changed", append(kv, "new_role", role)...)
			}
			ss.end(fmt.Sprintf("your key's role changed from %s to %s, so this session is closed; ssh in again to continue as %s", ss.id.Role, role, role), "role_changed")
		}
	}
}

// newModel is the one place a session gets its console: the shared hub (behind the
// call tracker), this session's renderer and identity, and its context, which ends its
// subscription and its waits, never a RedeployInstance call (the hub owns those).
func (s *Server) newModel(sess ssh.Session, id backend.Identity, r *lipgloss.Renderer) (tea.Model, func()) {
	m := ui.New(ui.Deps{
		Fleet:        s.fleet,
		Now:          s.opt.Now,
		Wall:         s.opt.Wall,
		Renderer:     r,
		Identity:     id,
		Context:      sess.Context(),
		Tick:         s.opt.Tick,
		Regions:      s.opt.Regions,
		Unbudgeted:   s.opt.Unbudgeted,
		GivesUpAfter: s.opt.GivesUpAfter,
		// The hub is the server's: a session that quits or drops leaves its redeploys
		// and batches running.
		Shared: true,
	})
	return m, m.Close
}

// GateStats is what the limits on unauthenticated connections did so far.
func (s *Server) GateStats() GateStats {
	st, _ := s.gate.stats()
	return st
}

// Sessions is the number of sessions open now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// errFull and errClosing refuse a session before it starts.
var (
	errFull    = errors.New("full")
	errClosing = errors.New("closing")
)

// register admits a session unless the server is full or shutting down.
func (s *Server) register(sess ssh.Session, id backend.Identity) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, errClosing
	}
	if s.opt.MaxSessions > 0 && len(s.sessions) >= s.opt.MaxSessions {
		return nil, errFull
	}
	ss := newSession(s, sess, id)
	s.sessions[sess] = ss
	s.notifyLocked()
	return ss, nil
}

func (s *Server) unregister(sess ssh.Session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) lookup(sess ssh.Session) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sess]
}

func (s *Server) snapshot() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

// waitSessions waits until at most n sessions are open, or ctx ends.
func (s *Server) waitSessions(ctx context.Context, atMost int) error {
	for {
		s.mu.Lock()
		n, ch := len(s.sessions), s.changed
		s.mu.Unlock()
		if n <= atMost {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sessionMiddleware admits or refuses a session, each refusal in one line, and logs its
// end with its duration.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		key := sess.PublicKey()
		if key == nil {
			refuse(sess, "this server accepts public keys only")
			return
		}
		fp := gossh.FingerprintSHA256(key)
		// The key is checked again per session: one removed from the file since this
		// connection logged in opens no new session.
		g, ok := s.opt.Keys.Lookup(key)
		if !ok {
			s.log.Warn("session refused", "user", safetext.Log(sess.User()), "remote", remote, "fingerprint", fp, "reason", "key no longer authorized")
			refuse(sess, "your key is no longer authorized on this server; ask its administrator")
			return
		}
		// The user name is the client's to choose: shown in every session's header and
		// written to the audit log, it carries no control character (an ESC would be a
		// terminal command on every screen that shows it).
		id := backend.Identity{Name: safetext.Terminal(sess.User()), KeyFingerprint: fp, Role: s.role(g.Role)}
		if _, _, isPty := sess.Pty(); !isPty {
			s.log.Warn("session refused", "user", safetext.Log(sess.User()), "remote", remote, "fingerprint", fp, "reason", "no pty")
			refuse(sess, "this server needs a terminal: connect with plain `ssh -p PORT host` (no -T, no -N, no command)")
			return
		}
		if len(sess.Command()) > 0 || sess.Subsystem() != "" {
			s.log.Warn("session refused", "user", safetext.Log(sess.User()), "remote", remote, "fingerprint", fp, "reason", "command given")
			refuse(sess, "this server only serves the console: connect without a command")
			return
		}
		ss, err := s.register(sess, id)
		switch {
		case errors.Is(err, errFull):
			s.log.Warn("session refused", "user", safetext.Log(sess.User()), "remote", remote, "fingerprint", fp, "reason", "max sessions", "max_sessions", s.opt.MaxSessions)
			refuse(sess, fmt.Sprintf("the console is full: %d sessions are open, the most this server allows; try again in a few minutes", s.opt.MaxSessions))
			return
		case err != nil:
			refuse(sess, "the server is shutting down; try again in a minute")
			return
		}
		start := s.opt.Clock()
		pty, _, _ := sess.Pty()
		s.log.Info("session start", "user", safetext.Log(sess.User()), "remote", remote, "fingerprint", fp, "key_comment", safetext.Log(g.Comment), "role", id.Role,
			"term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
		defer func() {
			ss.close()
			s.unregister(sess)
			s.log.Info("session end", "user", safetext.Log(sess.User()), "remote", remote, "fingerprint", fp,
				"duration", s.opt.Clock().Sub(start).Round(time.Millisecond), "reason", ss.endReason())
		}()
		next(sess)
		// The program ended on its own (the user quit) unless the server ended it, or the
		// connection went first: its context ends when the connection closes, and the
		// program's with it.
		if sess.Context().Err() != nil {
			ss.ended("dropped")
		}
		if line := ss.userLine(); line != "" {
			_, _ = fmt.Fprint(sess.Stderr(), line+"\r\n")
			_ = sess.Exit(1)
		}
	}
}

// refuse tells the client why in one line and ends the session with status 1.
func refuse(sess ssh.Session, line string) {
	_, _ = fmt.Fprint(sess.Stderr(), "ecs-redeploy: "+line+"\r\n")
	_ = sess.Exit(1)
}

// sessionFPS caps how often a session's renderer looks for a new frame. Its ticker wakes
// that often whether or not anything changed: at Bubble Tea's default 60, fifty idle
// sessions woke the server 3,000 times a second. 30 still draws every spinner frame
// (10 a second) and adds at most 33 ms to a keystroke's echo, less than an SSH round trip
// to most bastions.
const sessionFPS = 30

// program builds the session's Bubble Tea program: its own renderer (the client's colour
// profile and background), its console, input that counts as activity.
func (s *Server) program(sess ssh.Session) *tea.Program {
	ss := s.lookup(sess)
	if ss == nil || ss.ending() {
		return nil
	}
	r := newRenderer(sess)
	m, closeModel := s.newModelFunc(sess, ss.id, r)
	ss.setCleanup(closeModel)
	opts := append(bm.MakeOptions(sess),
		tea.WithInput(activityReader{sess, ss}),
		tea.WithAltScreen(),
		// Signals belong to the server, not to each session's program.
		tea.WithoutSignalHandler(),
		tea.WithFPS(sessionFPS),
	)
	p := tea.NewProgram(&sessionModel{inner: m, ss: ss, r: r}, opts...)
	if !ss.setProgram(p) {
		return nil
	}
	return p
}

// Shutdown stops accepting connections, tells every session, waits for the redeploy
// calls in flight to answer (the audit gets its result line), those of sessions that have
// left included, then ends the sessions and closes the connections. If ctx ends first,
// the sessions are closed all the same and the error says calls are still in flight:
// they end with the process, their outcome unknown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	already := s.closing
	s.closing = true
	s.mu.Unlock()
	if already {
		return nil
	}
	s.stopSweep()
	stopped := make(chan error, 1)
	// charmbracelet/ssh's Shutdown closes the listeners now, then waits for connections.
	go func() { stopped <- s.ssh.Shutdown(context.Background()) }()

	n := s.calls.count()
	s.log.Info("shutting down", "sessions", s.Sessions(), "redeploys_in_flight", n)
	for _, ss := range s.snapshot() {
		ss.send(shutdownMsg{inFlight: n})
	}
	// First the sessions still waiting for an answer (none can start a call now), then
	// every call the hub runs, those whose session left included.
	err := s.calls.wait(ctx)
	if err == nil {
		err = s.opt.Fleet.Drain(ctx)
	}
	if err != nil {
		s.log.Error("shutdown: redeploy calls still in flight; check their tasks with DescribeTasks", "err", err)
	}
	for _, ss := range s.snapshot() {
		ss.end("the server is shutting down; reconnect in a minute", "shutdown")
	}
	if werr := s.waitSessions(ctx, 0); werr != nil && err == nil {
		err = werr
	}
	// Clients keep their connections open after the session ends; close them, and those
	// still logging in.
	_ = s.ssh.Close()
	s.gate.closeAll()
	s.logRefusals(s.opt.Clock(), true)
	if serr := <-stopped; serr != nil {
		s.log.Debug("closing the listener", "err", serr)
	}
	s.log.Info("stopped")
	return err
}

// callTracker counts the redeploy calls in flight, so that Shutdown can wait for them,
// and logs each with who asked.
type callTracker struct {
	ui.Fleet
	s *Server
}

// errShuttingDown refuses a redeploy asked for after Shutdown began.
var errShuttingDown = errors.New("the server is shutting down: this redeploy was not sent; reconnect when it is back")

func (c *callTracker) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	if !c.s.calls.begin() {
		return backend.TaskRef{}, errShuttingDown
	}
	defer c.s.calls.done()
	kv := []any{"user", safetext.Log(req.Identity.Name), "fingerprint", req.Identity.KeyFingerprint, "role", req.Identity.Role,
		"region", req.RegionID, "instance", req.InstanceID, "force_stop", req.ForceStop}
	c.s.log.Info("redeploy asked", kv...)
	ref, err := c.Fleet.Redeploy(ctx, req)
	if errors.Is(err, fleet.ErrDetached) {
		c.s.log.Info("redeploy detached: the session stopped waiting; the hub finishes the call and audits it", kv...)
		return ref, err
	}
	if err != nil {
		kv = append(kv, "err", safetext.Log(err.Error()))
		if ae, ok := backend.AsAPIError(err); ok {
			kv = append(kv, "code", safetext.Log(ae.Code), "request_id", safetext.Log(ae.RequestID))
		}
		c.s.log.Warn("redeploy refused or failed", kv...)
		return ref, err
	}
	c.s.log.Info("redeploy started", append(kv, "task", safetext.Log(ref.TaskID), "request_id", safetext.Log(ref.RequestID))...)
	return ref, nil
}

// inflight counts calls and lets one waiter see the count reach zero.
type inflight struct {
	mu     sync.Mutex
	n      int
	closed bool
	zero   chan struct{} // closed when n drops to 0; nil while n is 0
}

// begin counts a call, unless wait has been called: no call starts during a shutdown.
func (f *inflight) begin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	if f.n == 0 {
		f.zero = make(chan struct{})
	}
	f.n++
	return true
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.zero)
		f.zero = nil
	}
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// wait refuses new calls and waits for the running ones, or for ctx.
func (f *inflight) wait(ctx context.Context) error {
	f.mu.Lock()
	f.closed = true
	ch := f.zero
	f.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
