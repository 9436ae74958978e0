package serve

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/log"
	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/serve/sshtest"
)

// Issue 21, kind 1: an SSH client with an unknown key chose a user name with a newline,
// and the text log got one "auth refused" record over five lines, one of them reading
// `INFO serve: auth accepted user=admin role=operator`. With the server's text log as
// `ecs-redeploy serve` writes it, every record stays one line, and the only "auth
// accepted" record is the real login; no escape sequence or bidi control from a user
// name or a key comment reaches the log raw.
func TestTextLogKeepsHostileUserNamesToOneRecord(t *testing.T) {
	logs := sshtest.NewBuffer()
	e := newEnv(t, func(o *Options) {
		// As cmd/ecs-redeploy's serveOptions.logger builds it for --log-format text.
		o.Logger = log.NewWithOptions(logs, log.Options{ReportTimestamp: true, TimeFormat: time.RFC3339, Prefix: "serve"})
	})
	// The viewers' file with a key comment that carries a window title and a wipe.
	b, err := os.ReadFile(e.viewers)
	if err != nil {
		t.Fatal(err)
	}
	hostileComment := strings.ReplaceAll(string(b), "someone@laptop", "bob\x1b]0;PWNED-TITLE\x07\x1b[2J\u202e")
	if err := os.WriteFile(e.viewers, []byte(hostileComment), 0o600); err != nil {
		t.Fatal(err)
	}

	forged := "x\nINFO serve: auth accepted user=admin role=operator\nWARN serve: y"
	stranger := sshtest.NewSigner(t)
	if conn, err := e.dial(forged, gossh.PublicKeys(stranger)); err == nil {
		conn.Close()
		t.Fatal("an unknown key logged in")
	}
	quoter := `a\" role=operator x=\"` + "\u202e"
	if conn, err := e.dial(quoter, gossh.PublicKeys(stranger)); err == nil {
		conn.Close()
		t.Fatal("an unknown key logged in")
	}
	c := e.connect("eve\x1b]0;PWNED-TITLE\x07\u009b\u202e\nINFO serve: forged", e.viewer, 100, 30)
	c.Out.WaitFor(t, "first screen", idFirst)
	logs.WaitFor(t, "the log", "session start") // after the refusals: the dials were one after another

	text := logs.String()
	record := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* (DEBU|INFO|WARN|ERRO) serve: `)
	accepted := 0
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !record.MatchString(line) {
			t.Errorf("line %d is not a record of its own: %q", i+1, line)
		}
		if safetext.Terminal(line) != line {
			t.Errorf("line %d carries text a terminal obeys: %q", i+1, line)
		}
		if regexp.MustCompile(`^\S+ INFO serve: auth accepted `).MatchString(line) {
			accepted++
			if !strings.Contains(line, `user="eve\x1b]0;PWNED-TITLE\x07\u009b\u202e\nINFO serve: forged"`) {
				t.Errorf("the accepted login does not name its user as escaped: %q", line)
			}
			if !strings.Contains(line, `key_comment=bob\x1b]0;PWNED-TITLE\x07\x1b[2J\u202e `) {
				t.Errorf("the accepted login does not show its key comment escaped: %q", line)
			}
		}
		if strings.Contains(line, `user="a`) && !strings.Contains(line, `user="a\\\" role=operator x=\\\"\u202e" remote=`) {
			t.Errorf("a user name with a backslash before a quote forged a key=value pair: %q", line)
		}
	}
	if accepted != 1 {
		t.Errorf("%d records say auth accepted, want the one real login:\n%s", accepted, text)
	}
	if !strings.Contains(text, `user="x\nINFO serve: auth accepted user=admin role=operator\nWARN serve: y"`) {
		t.Errorf("the refused user name is not shown escaped in its record:\n%s", text)
	}
}
