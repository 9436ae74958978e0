package serve

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/ui/serve/sshtest"
)

// Issue 21: a client that answers neither the background-colour query (OSC 11) nor DA1
// got a blank screen for a second, then lost its first key to the query's reader. The
// first screen now comes without a query, and the first key is the console's.
func TestASilentTerminalGetsItsScreenAndKeepsItsFirstKey(t *testing.T) {
	e := newEnv(t)
	silent := sshtest.Terminal{Term: "xterm-256color", Width: 120, Height: 30, Silent: true}
	queries := regexp.MustCompile(`\x1b\]11;\?|\x1b\[c`)

	t.Run("q quits", func(t *testing.T) {
		c := sshtest.Connect(t, e.addr, "scripted", e.viewer, silent)
		c.Out.WaitFor(t, "first screen, no query answered", idFirst)
		c.Type("q")
		if got := c.WaitExit(); got != 0 {
			t.Fatalf("exit %d after q; stderr %q", got, c.ErrOut.String())
		}
		if q := queries.FindString(c.Out.String()); q != "" {
			t.Errorf("the server asked the terminal %q", q)
		}
	})
	t.Run("/ filters", func(t *testing.T) {
		c := sshtest.Connect(t, e.addr, "scripted", e.viewer, silent)
		c.Out.WaitFor(t, "first screen, no query answered", idFirst)
		c.Type("/")
		c.Out.WaitMatch(t, regexp.MustCompile(`(?m)^/`))
		c.Type("second")
		c.Out.WaitFor(t, "the filter took every key", "1 of 2")
	})
	t.Run("R opens the dialog", func(t *testing.T) {
		c := sshtest.Connect(t, e.addr, "oscar", e.operator, silent)
		c.Out.WaitFor(t, "first screen, no query answered", idFirst)
		c.Type("R")
		c.Out.WaitFor(t, "dialog", "ForceStop:")
	})
}

func TestRendererFollowsTheClientsTerminal(t *testing.T) {
	for _, tc := range []struct {
		colorFGBG string
		dark      bool
	}{
		{"", true}, {"15;0", true}, {"0;15", false}, {"0;default;7", false}, {"7;8", true}, {"junk", true}, {"0;x", true},
	} {
		if got := darkBackground(tc.colorFGBG); got != tc.dark {
			t.Errorf("COLORFGBG=%q: dark %v, want %v", tc.colorFGBG, got, tc.dark)
		}
	}
}

// Issue 19: the log said reason=quit when the connection dropped.
func TestSessionEndSaysWhy(t *testing.T) {
	e := newEnv(t)
	q := e.connect("quitter", e.viewer, 100, 30)
	q.Out.WaitFor(t, "screen", idFirst)
	q.Type("q")
	q.WaitExit()
	e.logs.WaitMatch(t, regexp.MustCompile(`session end"? user=quitter .*reason=quit`))

	d := e.connect("dropper", e.viewer, 100, 30)
	d.Out.WaitFor(t, "screen", idFirst)
	_ = d.Conn.Close() // the laptop's connection goes, no q
	e.logs.WaitMatch(t, regexp.MustCompile(`session end"? user=dropper .*reason=dropped`))
	if regexp.MustCompile(`session end"? user=dropper .*reason=quit`).MatchString(e.logs.String()) {
		t.Fatal("a dropped connection was logged as a quit")
	}
}

// Issue 21: a key removed from the key files left its open sessions with their role.
func TestRemovedKeyClosesItsSessions(t *testing.T) {
	e := newEnv(t)
	other := sshtest.NewSigner(t)
	sshtest.WriteKeys(t, e.viewers, "", e.viewer, other)
	v := e.connect("vera", e.viewer, 120, 30)
	s := e.connect("sam", other, 120, 30)
	v.Out.WaitFor(t, "vera's screen", idFirst)
	s.Out.WaitFor(t, "sam's screen", idFirst)

	sshtest.WriteKeys(t, e.viewers, "# vera left the team\n", other)
	e.srv.Sweep() // no login, no SIGHUP: the sweep finds the edit
	if got := v.WaitExit(); got != 1 {
		t.Errorf("vera's session exit %d, want 1", got)
	}
	if lines := strings.Split(strings.TrimSpace(v.ErrOut.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "your key was removed") {
		t.Errorf("vera was told %q, want one line", v.ErrOut.String())
	}
	e.logs.WaitFor(t, "logged", "session closed: its key was removed", gossh.FingerprintSHA256(e.viewer.PublicKey()), "reason=key_removed")
	e.waitSessions(1)
	s.Type("j")
	s.Out.WaitFor(t, "sam's session runs on", "> "+idSecond)
}

// A key whose role changes closes its sessions too, promotion or demotion: a session has
// the role the files give its key, and the next login gets the new one.
func TestAKeysNewRoleClosesItsSessions(t *testing.T) {
	e := newEnv(t)
	o := e.connect("oscar", e.operator, 120, 30)
	o.Out.WaitFor(t, "operator's screen", idFirst, "R redeploy")
	sshtest.WriteKeys(t, e.operators, "")
	sshtest.WriteKeys(t, e.viewers, "", e.viewer, e.operator)
	e.srv.Reload() // SIGHUP
	if got := o.WaitExit(); got != 1 {
		t.Errorf("demoted session exit %d, want 1", got)
	}
	if !strings.Contains(o.ErrOut.String(), "role changed from operator to viewer") {
		t.Errorf("the demoted operator was told %q", o.ErrOut.String())
	}
	e.logs.WaitFor(t, "logged", "session closed: its key's role changed", "new_role=viewer", "reason=role_changed")
	again := e.connect("oscar", e.operator, 120, 30)
	again.Out.WaitFor(t, "the next login is a viewer", idFirst, "READ-ONLY")
}

// What the server tells a client it turns away is one line that says what to do, on
// stderr, with exit status 1.
func TestEveryRefusalIsOneLine(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxSessions = 1 })
	oneLine := func(t *testing.T, c *sshtest.Client, want string) {
		t.Helper()
		if got := c.WaitExit(); got != 1 {
			t.Errorf("exit %d, want 1", got)
		}
		got := c.ErrOut.String()
		if !strings.HasPrefix(got, "ecs-redeploy: ") || !strings.HasSuffix(got, "\r\n") || strings.Count(got, "\n") != 1 || !strings.Contains(got, want) {
			t.Errorf("told %q, want one line with %q", got, want)
		}
	}
	t.Run("a command", func(t *testing.T) {
		conn, err := e.dial("vera", gossh.PublicKeys(e.viewer))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out, errOut := sshtest.NewBuffer(), sshtest.NewBuffer()
		sess.Stdout, sess.Stderr = out, errOut
		if err := sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{}); err != nil { // ssh -t host uptime
			t.Fatal(err)
		}
		err = sess.Run("uptime")
		var ee *gossh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Errorf("a command: %v, want exit status 1", err)
		}
		if got := errOut.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "connect without a command") {
			t.Errorf("told %q", got)
		}
	})
	t.Run("no terminal", func(t *testing.T) {
		conn, err := e.dial("vera", gossh.PublicKeys(e.viewer))
		if err != nil {
			t.Fatal(err)
		}
		oneLine(t, e.open(conn, "", 0, 0, false), "needs a terminal")
	})
	t.Run("full", func(t *testing.T) {
		first := e.connect("a", e.viewer, 100, 30)
		first.Out.WaitFor(t, "first", idFirst)
		oneLine(t, e.connect("b", e.viewer, 100, 30), "the console is full")
		first.Type("q")
		first.WaitExit()
		e.waitSessions(0)
	})
	t.Run("idle", func(t *testing.T) {
		c := e.connect("idle", e.viewer, 100, 30)
		c.Out.WaitFor(t, "screen", idFirst)
		e.wall.Advance(time.Hour)
		e.srv.Sweep()
		oneLine(t, c, "without input (--idle-timeout)")
		e.waitSessions(0)
	})
	t.Run("shutdown", func(t *testing.T) {
		c := e.connect("late", e.viewer, 100, 30)
		c.Out.WaitFor(t, "screen", idFirst)
		if err := e.srv.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		oneLine(t, c, "shutting down")
	})
}
