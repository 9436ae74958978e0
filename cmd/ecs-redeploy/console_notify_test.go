package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// Tester's defect 5: `--demo --notify http://127.0.0.1:1/x` said nothing for minutes (`L`
// showed `Log: 0 entries`), then q left the screen blank for 5.2 s and exited without a
// word. The console says the webhook is failing on its notice line (and in L), and after q
// one line counts what did not go out.
func TestConsoleSaysADeadWebhookAndWhatItLost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the console as a process")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A webhook that hangs up on every connection: each delivery fails at once. The port
	// stays ours (a closed one may be taken by another process before the console posts).
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	dead := "http://" + l.Addr().String() + "/T0/SECRET"
	_, tty, out, exited := startConsole(t, 200, "--demo", "--instances", "50", "--notify", dead)
	// Either may come first: the notifier sees the first listing as the screen does, and
	// a notice drawn while the header still says loading is not drawn again (the renderer
	// writes only the lines that changed), so each is looked for from the start.
	at := max(out.waitFor(t, 0, "is failing", 30*time.Second), // the notice line, once
		out.waitFor(t, 0, "pending", 30*time.Second))
	if _, err := tty.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("the console still runs 20s after q")
	}
	out.waitFor(t, at, "not sent at exit", 5*time.Second)
	out.mu.Lock()
	all := out.b.String()
	out.mu.Unlock()
	if strings.Contains(all, "SECRET") {
		t.Error("the webhook's path reached the terminal")
	}
}
