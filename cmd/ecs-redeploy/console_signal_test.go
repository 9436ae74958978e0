package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyOutput collects what the console writes to its terminal, and says when it changes.
type ptyOutput struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func (o *ptyOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

// answerQueries answers the terminal queries written to o on tty until gone closes. The
// renderers ask the terminal for its background (OSC 11) and the cursor's place (DSR), and
// wait seconds for answers a bare pty never gives: each is answered as a terminal does.
func (o *ptyOutput) answerQueries(tty io.Writer, gone <-chan struct{}) {
	answered := 0
	for {
		o.mu.Lock()
		n, ch := strings.Count(o.b.String(), "\x1b[6n"), o.changed
		o.mu.Unlock()
		for ; answered < n; answered++ {
			_, _ = tty.Write([]byte("\x1b]11;rgb:0000/0000/0000\x07\x1b[1;1R"))
		}
		select {
		case <-ch:
		case <-gone:
			return
		}
	}
}

// startConsole runs this binary as the console with args on a 40-row pty cols wide, as
// a person's terminal would (its queries answered), until the test ends: it returns the
// command, the pty, what the console wrote, and the console's exit.
func startConsole(t *testing.T, cols uint16, args ...string) (*exec.Cmd, *os.File, *ptyOutput, <-chan error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), listingChild+"=events", "TERM=xterm-256color", "XDG_STATE_HOME="+t.TempDir())
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	out := &ptyOutput{changed: make(chan struct{})}
	go func() { _, _ = io.Copy(out, tty) }()
	exited, gone := make(chan error, 1), make(chan struct{})
	go func() { exited <- cmd.Wait(); close(gone) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // a console that did not end
		<-gone
		_ = tty.Close()
	})
	go out.answerQueries(tty, gone)
	return cmd, tty, out, exited
}

// waitFor waits until the output from offset on holds s, and returns where it ends.
func (o *ptyOutput) waitFor(t *testing.T, offset int, s string, within time.Duration) int {
	t.Helper()
	deadline := time.After(within)
	for {
		o.mu.Lock()
		out, ch := o.b.String(), o.changed
		o.mu.Unlock()
		if i := strings.Index(out[offset:], s); i >= 0 {
			return offset + i + len(s)
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("never saw %q on the terminal; it shows (last 2000 bytes) %q", s, out[max(0, len(out)-2000):])
		}
	}
}

// The sequences Bubble Tea writes to give the terminal back.
const (
	altScreenOff = "\x1b[?1049l"
	mouseOff     = "\x1b[?1002l" // cell motion, as the console asks for (WithMouseCellMotion)
	cursorOn     = "\x1b[?25h"
)

// Issue 21, kind 4: SIGHUP left the console's alternate screen and mouse tracking on,
// and SIGTERM often hung it with the screen still taken. Every way the console ends
// gives the terminal back, at once: the console runs as a process of its own (this test
// binary, see listingChild) on a real pseudo-terminal, and after each signal the
// restoring sequences follow and the process exits.
func TestConsoleRestoresTheTerminalOnEverySignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the console as a process")
	}
	for _, c := range []struct {
		name string
		sig  syscall.Signal
	}{
		{"SIGTERM", syscall.SIGTERM}, {"SIGTERM again", syscall.SIGTERM}, {"SIGTERM a third time", syscall.SIGTERM},
		{"SIGHUP", syscall.SIGHUP}, {"SIGINT", syscall.SIGINT}, {"q", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd, tty, out, exited := startConsole(t, 120, "--demo", "--instances", "200")
			at := out.waitFor(t, 0, "\x1b[?1049h", 30*time.Second) // the console took the screen
			at = out.waitFor(t, at, "pending", 30*time.Second)     // and drew the list
			if c.sig == 0 {
				if _, err := tty.Write([]byte("q")); err != nil {
					t.Fatal(err)
				}
			} else if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			select {
			case err := <-exited:
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatal(err)
				}
				if ee != nil && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
					t.Fatalf("the signal killed the console before it gave the terminal back: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("the console still runs 10s after %s", c.name)
			}
			t.Logf("%s: exited %s after", c.name, time.Since(start).Round(time.Millisecond))
			// The pty's last bytes may still be on their way: wait for each sequence.
			for _, seq := range []string{altScreenOff, mouseOff, cursorOn} {
				out.waitFor(t, at, seq, 5*time.Second)
			}
		})
	}
}
