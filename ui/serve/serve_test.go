package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/backend"
	"ecs-redeploy/ui/serve/sshtest"
)

func TestAuthorizedKeySeesTheList(t *testing.T) {
	e := newEnv(t)
	v := e.connect("vera", e.viewer, 120, 30)
	v.Out.WaitFor(t, "viewer's first screen", idFirst, idSecond, "READ-ONLY")
	o := e.connect("oscar", e.operator, 120, 30)
	o.Out.WaitFor(t, "operator's first screen", idFirst, "R redeploy")
	e.logs.WaitFor(t, "log", "auth accepted", "role=viewer", "role=operator",
		gossh.FingerprintSHA256(e.viewer.PublicKey()), "key_comment=someone@laptop", "session start")
}

func TestUnknownKeyPasswordAndNoPTYAreRefused(t *testing.T) {
	e := newEnv(t)
	stranger := sshtest.NewSigner(t)
	if _, err := e.dial("mallory", gossh.PublicKeys(stranger)); err == nil {
		t.Fatal("a key in neither file logged in")
	}
	e.logs.WaitFor(t, "refused key logged with its fingerprint", "auth refused", gossh.FingerprintSHA256(stranger.PublicKey()))

	_, err := e.dial("mallory", gossh.Password("hunter2"),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil }))
	if err == nil {
		t.Fatal("password or keyboard-interactive logged in")
	}
	// The server offers neither method: the client had nothing to try but public keys.
	if !strings.Contains(err.Error(), "no supported methods remain") {
		t.Errorf("password attempt: %v", err)
	}
	if _, err := e.dial("mallory"); err == nil {
		t.Fatal("anonymous (none) logged in")
	}

	conn, err := e.dial("vera", gossh.PublicKeys(e.viewer))
	if err != nil {
		t.Fatal(err)
	}
	c := e.open(conn, "", 0, 0, false)
	if got := c.WaitExit(); got != 1 {
		t.Errorf("no-PTY session exit status %d, want 1", got)
	}
	if lines := strings.Split(strings.TrimSpace(c.ErrOut.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "needs a terminal") {
		t.Errorf("no-PTY refusal should be one line saying a terminal is needed, got %q", c.ErrOut.String())
	}
	if e.srv.Sessions() != 0 {
		t.Error("a refused session was counted")
	}
}

// openDialogAndConfirm presses R on the first row, tabs to Redeploy and confirms. The
// tab is pressed until it takes: a dialog ignores keys until its settle message is in,
// which even without timers races a key the client sends once the dialog shows (a tab
// taken before it was dropped under load: the focus stayed on Cancel).
func openDialogAndConfirm(t *testing.T, c *sshtest.Client) {
	t.Helper()
	c.Type("R")
	c.Out.WaitFor(t, "dialog", "ForceStop:")
	c.Out.PressUntil(t, c.Stdin, "\t", regexp.MustCompile(`> Redeploy <`))
	c.Out.Choose(t, c.Stdin, regexp.MustCompile(`redeploy submitted|started: task`))
}

func TestViewerCannotRedeployServerSide(t *testing.T) {
	e := newEnv(t)
	var ids []backend.Identity
	base := e.srv.newModelFunc
	e.srv.newModelFunc = func(sess ssh.Session, id backend.Identity, r *lipgloss.Renderer) (tea.Model, func()) {
		ids = append(ids, id)
		return base(sess, id, r)
	}
	v := e.connect("vera", e.viewer, 120, 30)
	v.Out.WaitFor(t, "viewer's screen", idFirst)
	// The console hides R from a viewer; pressing the dialog's keys anyway sends nothing.
	v.Type("R\t\r")
	v.Out.WaitFor(t, "read-only answer", "read-only")

	if len(ids) != 1 || ids[0].Role != backend.RoleViewer || ids[0].Name != "vera" ||
		ids[0].KeyFingerprint != gossh.FingerprintSHA256(e.viewer.PublicKey()) {
		t.Fatalf("session identity = %+v", ids)
	}
	// Below the console: the identity this session carries is refused by the guard even
	// when a redeploy is asked for directly, as a console bug would.
	_, err := e.srv.fleet.Redeploy(context.Background(), backend.RedeployRequest{
		RegionID: "cn-hangzhou", InstanceID: idFirst, Identity: ids[0]})
	if backend.Code(err) != backend.CodeForbiddenRole {
		t.Fatalf("viewer's redeploy: %v, want %s", err, backend.CodeForbiddenRole)
	}
	if n := e.backend.redeploys.Load(); n != 0 {
		t.Fatalf("the backend saw %d RedeployInstance calls from a viewer", n)
	}
}

func TestReadOnlyMakesOperatorsViewers(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.ReadOnly = true })
	o := e.connect("oscar", e.operator, 120, 30)
	o.Out.WaitFor(t, "operator under --read-only", idFirst, "READ-ONLY")
	o.Type("R\t\r")
	o.Out.WaitFor(t, "read-only answer", "read-only")
	if n := e.backend.redeploys.Load(); n != 0 {
		t.Fatalf("--read-only let %d redeploys through", n)
	}
}

func TestOperatorRedeploysAndAnotherSessionSeesItLive(t *testing.T) {
	e := newEnv(t)
	o := e.connect("oscar", e.operator, 120, 30)
	v := e.connect("vera", e.viewer, 120, 30)
	o.Out.WaitFor(t, "operator's screen", idFirst)
	v.Out.WaitFor(t, "viewer's screen", idFirst, "0 in progress")

	openDialogAndConfirm(t, o)
	o.Out.WaitFor(t, "operator sees the task", "redeploy of "+idFirst+" started")
	v.Out.WaitFor(t, "viewer sees the redeploy live", "1 in progress", "IN PROGRESS", "1 running")
	if n := e.backend.redeploys.Load(); n != 1 {
		t.Fatalf("%d RedeployInstance calls, want 1", n)
	}
	e.audit.WaitFor(t, "audit names the SSH user and key", `"name":"oscar"`,
		gossh.FingerprintSHA256(e.operator.PublicKey()), `"role":"operator"`, `"task_id":"t-`)
	e.logs.WaitFor(t, "server log names who redeployed", "redeploy started", "user=oscar", idFirst)

	// The simulated redeploy finishes; the tracker's next poll shows it to both.
	e.clock.Advance(time.Hour)
	e.hub.PollTasks(context.Background())
	v.Out.WaitFor(t, "viewer sees it finish", "1 finished")
	o.Out.WaitFor(t, "operator sees it finish", "1 finished")
}

func TestDisconnectMidRedeployLetsTheCallFinish(t *testing.T) {
	e := newEnv(t)
	entered, release := e.backend.holdRedeploys()
	o := e.connect("oscar", e.operator, 120, 30)
	v := e.connect("vera", e.viewer, 120, 30)
	o.Out.WaitFor(t, "operator's screen", idFirst)
	v.Out.WaitFor(t, "viewer's screen", idFirst)
	openDialogAndConfirm(t, o)
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the redeploy never reached the backend")
	}
	// The laptop goes away while RedeployInstance is in flight.
	_ = o.Conn.Close()
	e.waitSessions(1)
	e.logs.WaitFor(t, "the session stopped waiting", "redeploy detached")
	release()
	e.audit.WaitFor(t, "the call's result is audited", `"name":"oscar"`, `"task_id":"t-`)
	if strings.Contains(e.audit.String(), `"error"`) {
		t.Fatalf("the call failed: %s", e.audit.String())
	}
	e.backend.mu.Lock()
	ctxErrs := e.backend.ctxErrs
	e.backend.mu.Unlock()
	if len(ctxErrs) != 1 || ctxErrs[0] != nil {
		t.Fatalf("the call's context when it reached the backend: %v (a dropped session must not cancel it)", ctxErrs)
	}
	v.Out.WaitFor(t, "the other session follows the task", "IN PROGRESS", "1 running")
}

func TestRemovedKeyIsLockedOutWithoutRestart(t *testing.T) {
	e := newEnv(t)
	second := sshtest.NewSigner(t)
	sshtest.WriteKeys(t, e.viewers, "", e.viewer, second)
	conn, err := e.dial("vera", gossh.PublicKeys(e.viewer))
	if err != nil {
		t.Fatalf("before the edit: %v", err)
	}
	first := e.open(conn, "xterm", 100, 30, true)
	first.Out.WaitFor(t, "screen", idFirst)

	sshtest.WriteKeys(t, e.viewers, "# vera left the team\n", second)
	if _, err := e.dial("vera", gossh.PublicKeys(e.viewer)); err == nil {
		t.Fatal("a key removed from the file still logs in")
	}
	// Her connection that is still open cannot start another session either.
	again := e.open(conn, "xterm", 100, 30, true)
	if got := again.WaitExit(); got != 1 || !strings.Contains(again.ErrOut.String(), "no longer authorized") {
		t.Fatalf("new session on an old connection: exit %d, %q", got, again.ErrOut.String())
	}
	if _, err := e.dial("sam", gossh.PublicKeys(second)); err != nil {
		t.Fatalf("the key left in the file: %v", err)
	}
	// A key added to the operators' file is an operator at its next login.
	sshtest.WriteKeys(t, e.operators, "", e.operator, second)
	e.srv.Reload() // SIGHUP
	s := e.connect("sam", second, 120, 30)
	s.Out.WaitFor(t, "promoted key", idFirst, "R redeploy")
	e.logs.WaitFor(t, "reloads are logged", "key file loaded", "keys_with_ignored_options=1")
}

func TestMaxSessionsRefusesTheNextPolitely(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxSessions = 2 })
	a := e.connect("a", e.viewer, 100, 30)
	b := e.connect("b", e.viewer, 100, 30)
	a.Out.WaitFor(t, "a", idFirst)
	b.Out.WaitFor(t, "b", idFirst)
	c := e.connect("c", e.viewer, 100, 30)
	if got := c.WaitExit(); got != 1 {
		t.Errorf("third session exit %d, want 1", got)
	}
	if lines := strings.Split(strings.TrimSpace(c.ErrOut.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "full: 2 sessions") {
		t.Errorf("refusal = %q", c.ErrOut.String())
	}
	e.logs.WaitFor(t, "refusal logged", "reason=\"max sessions\"")
	a.Type("q")
	e.waitSessions(1)
	d := e.connect("d", e.viewer, 100, 30)
	d.Out.WaitFor(t, "a freed place is taken", idFirst)
}

func TestIdleTimeoutEndsOnlyTheIdleSession(t *testing.T) {
	e := newEnv(t)
	idle := e.connect("idle", e.viewer, 100, 30)
	busy := e.connect("busy", e.viewer, 100, 30)
	idle.Out.WaitFor(t, "idle", idFirst)
	busy.Out.WaitFor(t, "busy", idFirst)

	e.wall.Advance(10 * time.Minute)
	e.srv.Sweep()
	busy.Type("j") // moves the cursor: the screen answers once the server has read it
	busy.Out.WaitFor(t, "cursor moved", "> "+idSecond)
	e.wall.Advance(6 * time.Minute)
	e.srv.Sweep()

	if got := idle.WaitExit(); got != 1 {
		t.Errorf("idle session exit %d, want 1", got)
	}
	if !strings.Contains(idle.ErrOut.String(), "without input (--idle-timeout)") {
		t.Errorf("idle session was told %q", idle.ErrOut.String())
	}
	e.waitSessions(1)
	e.logs.WaitFor(t, "idle end logged", "idle timeout", "reason=idle")
}

func TestWindowSizesAreClampedAndFollowed(t *testing.T) {
	e := newEnv(t)
	for _, term := range []string{"xterm-256color", "dumb", "", "vt52-weird"} {
		t.Run("TERM="+term, func(t *testing.T) {
			conn, err := e.dial("vera", gossh.PublicKeys(e.viewer))
			if err != nil {
				t.Fatal(err)
			}
			c := e.open(conn, term, 0, 0, true) // a client that does not know its size
			c.Out.WaitFor(t, "0×0 gets the 80-column screen", idFirst, "NAME")
			if _, err := c.Sess.SendRequest("window-change", true, windowPayload(65535, 65535)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Sess.SendRequest("window-change", true, windowPayload(50, 12)); err != nil {
				t.Fatal(err)
			}
			// Narrow: the footer is cut to fit and the instance id still shows.
			c.Type("j")
			c.Out.WaitFor(t, "resized", "> "+idSecond)
			c.Type("q")
			if got := c.WaitExit(); got != 0 {
				t.Errorf("exit %d after resizes; stderr %q", got, c.ErrOut.String())
			}
		})
	}
	if strings.Contains(e.logs.String(), "panicked") {
		t.Fatal(e.logs.String())
	}
}

func windowPayload(w, h uint32) []byte {
	return gossh.Marshal(struct{ W, H, PW, PH uint32 }{w, h, 0, 0})
}

func TestClampWindow(t *testing.T) {
	for _, tc := range []struct{ w, h, ww, wh int }{
		{0, 0, 80, 24},
		{65535, 65535, maxWidth, maxHeight},
		{1 << 32, 1 << 31, maxWidth, maxHeight},
		{-1, 40, 80, 40},
		{120, 30, 120, 30},
	} {
		if w, h := clampWindow(tc.w, tc.h); w != tc.ww || h != tc.wh {
			t.Errorf("clampWindow(%d, %d) = %d×%d, want %d×%d", tc.w, tc.h, w, h, tc.ww, tc.wh)
		}
	}
}

// panicky is a console that panics where it is told to.
type panicky struct{ where string }

func (p panicky) Init() tea.Cmd { return nil }

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "x" {
		switch p.where {
		case "update":
			panic("boom in Update")
		case "view":
			p.where = "view now"
		case "cmd":
			return p, func() tea.Msg { panic("boom in a command") }
		}
	}
	return p, nil
}

func (p panicky) View() string {
	if p.where == "view now" {
		panic("boom in View")
	}
	return "PANICKY CONSOLE"
}

func TestAPanickingSessionLeavesTheOthersRunning(t *testing.T) {
	for _, where := range []string{"update", "view", "cmd"} {
		t.Run(where, func(t *testing.T) {
			e := newEnv(t)
			base := e.srv.newModelFunc
			e.srv.newModelFunc = func(sess ssh.Session, id backend.Identity, r *lipgloss.Renderer) (tea.Model, func()) {
				if id.Name == "boom" {
					return panicky{where: where}, func() {}
				}
				return base(sess, id, r)
			}
			other := e.connect("vera", e.viewer, 100, 30)
			other.Out.WaitFor(t, "other session", idFirst)
			boom := e.connect("boom", e.viewer, 100, 30)
			boom.Out.WaitFor(t, "panicky console", "PANICKY CONSOLE")
			boom.Type("x")
			if got := boom.WaitExit(); got != 1 {
				t.Errorf("panicked session exit %d, want 1", got)
			}
			if !strings.Contains(boom.ErrOut.String(), "internal error") {
				t.Errorf("panicked session was told %q", boom.ErrOut.String())
			}
			e.logs.WaitFor(t, "panic logged with its stack", "session panicked", "boom in", "goroutine", "reason=panic")
			e.waitSessions(1)
			other.Type("j")
			other.Out.WaitFor(t, "the other session still answers", "> "+idSecond)
			late := e.connect("late", e.viewer, 100, 30)
			late.Out.WaitFor(t, "the server still accepts", idFirst)
		})
	}
}

func TestTwentySessionsCostTheBackendWhatOneDoes(t *testing.T) {
	run := func(sessions int) map[string]int32 {
		e := newEnv(t)
		// The hub's own loops, as serve runs them; their timers never fire here, so every
		// call after the first refresh would come from a session asking for one.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go e.hub.Run(ctx)
		var clients []*sshtest.Client
		for i := range sessions {
			clients = append(clients, e.connect(fmt.Sprintf("u%d", i), e.viewer, 100, 30))
		}
		for _, c := range clients {
			c.Out.WaitFor(t, "first screen", idFirst)
		}
		// Each engineer looks around, down to the second row and into its detail pane,
		// then quits.
		for _, c := range clients {
			c.Type("j")
			c.Out.WaitFor(t, "cursor", "> "+idSecond)
			c.Type("\r")
			c.Out.WaitFor(t, "detail pane", "Planned host firmware upgrade")
			c.Type("q")
		}
		e.waitSessions(0)
		return e.backend.calls()
	}
	one, twenty := run(1), run(20)
	if fmt.Sprint(one) != fmt.Sprint(twenty) {
		t.Fatalf("backend calls: one session %v, twenty sessions %v", one, twenty)
	}
	if one["Instances"] == 0 {
		t.Fatal("the hub made no calls at all: the test proves nothing")
	}
}

func TestShutdownLetsInFlightRedeploysFinish(t *testing.T) {
	e := newEnv(t)
	entered, release := e.backend.holdRedeploys()
	o := e.connect("oscar", e.operator, 120, 30)
	v := e.connect("vera", e.viewer, 120, 30)
	o.Out.WaitFor(t, "screen", idFirst)
	v.Out.WaitFor(t, "screen", idFirst)
	openDialogAndConfirm(t, o)
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the redeploy never reached the backend")
	}
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(context.Background()) }()
	v.Out.WaitFor(t, "sessions are told", "server shutting down: waiting for 1 redeploy call")
	if _, err := e.dial("late", gossh.PublicKeys(e.viewer)); err == nil {
		t.Error("a connection was accepted during the shutdown")
	}
	select {
	case err := <-done:
		t.Fatalf("shutdown returned before the redeploy answered: %v", err)
	default:
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.audit.String(), `"task_id":"t-`) {
		t.Fatalf("audit after shutdown: %s", e.audit.String())
	}
	for _, c := range []*sshtest.Client{o, v} {
		c.WaitExit()
		if !strings.Contains(c.ErrOut.String(), "shutting down") {
			t.Errorf("session was told %q", c.ErrOut.String())
		}
	}
	if _, err := e.srv.fleet.Redeploy(context.Background(), backend.RedeployRequest{InstanceID: idSecond}); !errors.Is(err, errShuttingDown) {
		t.Errorf("a redeploy after shutdown: %v", err)
	}
}

// freezer is a TCP proxy on 127.0.0.1 that can stop carrying bytes, as a laptop that went
// to sleep behind NAT does: no FIN, no RST, just silence.
type freezer struct {
	ln   net.Listener
	mu   sync.Mutex
	stop bool
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				return
			}
			t.Cleanup(func() { _ = in.Close(); _ = out.Close() })
			go f.pipe(in, out)
			go f.pipe(out, in)
		}
	}()
	return f
}

func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		f.mu.Lock()
		stop := f.stop
		f.mu.Unlock()
		if stop {
			return // frozen: what was read is dropped, nothing more is read
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *freezer) freeze() {
	f.mu.Lock()
	f.stop = true
	f.mu.Unlock()
}

// waitUntil waits for cond, re-checking it whenever the server's state changes.
func (e *env) waitUntil(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.After(wait)
	for {
		e.srv.mu.Lock()
		ch := e.srv.changed
		e.srv.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			e.t.Fatalf("never: %s", what)
		}
	}
}

func TestKeepalivesCloseADeadConnection(t *testing.T) {
	e := newEnv(t)
	proxy := newFreezer(t, e.addr)
	conn, err := gossh.Dial("tcp", proxy.ln.Addr().String(), &gossh.ClientConfig{
		User: "laptop", Auth: []gossh.AuthMethod{gossh.PublicKeys(e.viewer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: wait})
	if err != nil {
		t.Fatal(err)
	}
	c := e.open(conn, "xterm", 100, 30, true)
	c.Out.WaitFor(t, "screen", idFirst)
	ss := e.srv.snapshot()[0]

	// Alive: every keepalive is answered, however many intervals pass.
	for range 5 {
		e.wall.Advance(15 * time.Second)
		e.srv.Sweep()
		e.waitUntil("keepalive answered", func() bool { return !ss.kaWaiting.Load() })
	}
	if e.srv.Sessions() != 1 {
		t.Fatal("a live connection was closed")
	}

	proxy.freeze()
	// One interval sends a keepalive that is never answered; three more silent intervals
	// close the connection (--keepalive 15s, 3 unanswered).
	for i := range 4 {
		if e.srv.Sessions() != 1 {
			t.Fatalf("closed after %d silent intervals, want 4", i)
		}
		e.wall.Advance(15 * time.Second)
		e.srv.Sweep()
	}
	e.waitSessions(0)
	e.logs.WaitFor(t, "logged", "keepalive unanswered", "reason=keepalive")
}

func TestAConnectionWithoutASessionIsClosedWhenIdle(t *testing.T) {
	// The connection-level timeout runs on real deadlines; a short one keeps this quick.
	e := newEnv(t, func(o *Options) { o.IdleTimeout = 300 * time.Millisecond })
	conn, err := e.dial("lurker", gossh.PublicKeys(e.viewer)) // like ssh -N: no session
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- conn.Wait() }()
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("a connection with no session and no traffic was never closed")
	}
}

func TestShutdownWaitsForTheCallOfASessionThatLeft(t *testing.T) {
	e := newEnv(t)
	entered, release := e.backend.holdRedeploys()
	defer release()
	o := e.connect("oscar", e.operator, 120, 30)
	o.Out.WaitFor(t, "screen", idFirst)
	openDialogAndConfirm(t, o)
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the redeploy never reached the backend")
	}
	_ = o.Conn.Close() // nobody waits for the call any more; the hub still runs it
	e.waitSessions(0)
	// The call never answers within the shutdown's deadline: Shutdown must say so, not
	// report a clean stop with a RedeployInstance in flight.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown with a call in flight: %v, want the deadline", err)
	}
	e.logs.WaitFor(t, "logged", "redeploy calls still in flight")
}
