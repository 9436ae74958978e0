// Package sshtest is the client side of every test of `serve`: keys and key files, a real
// x/crypto/ssh client with a terminal that answers the terminal queries (or stays silent),
// and buffers a test waits on instead of sleeping (net/http/httptest's shape, for SSH).
package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// Wait is how long a test waits for something the server must do at once; reaching it
// is a failure, never a pass.
const Wait = 15 * time.Second

// TermAnswer is what a terminal answers to a background-colour query (OSC 11) and a
// device-attributes query (DA1): black, and a VT220.
const TermAnswer = "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c"

// Buffer is a writer a test reads, and waits on, while the server writes to it.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

// NewBuffer returns an empty Buffer.
func NewBuffer() *Buffer { return &Buffer{changed: make(chan struct{})} }

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return n, err
}

// String is everything written so far, escape sequences included.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Len is the number of bytes written so far.
func (s *Buffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// until waits until ok holds of the text (escape sequences stripped unless raw), or d
// passes; it reports whether ok held and the last text seen.
func (s *Buffer) until(d time.Duration, raw bool, ok func(string) bool) (bool, string) {
	return s.untilFrom(0, d, raw, ok)
}

// untilFrom is until on what was written from byte from on.
func (s *Buffer) untilFrom(from int, d time.Duration, raw bool, ok func(string) bool) (bool, string) {
	deadline := time.After(d)
	for {
		s.mu.Lock()
		text, ch := s.b.String()[from:], s.changed
		s.mu.Unlock()
		if !raw {
			text = ansi.Strip(text)
		}
		if ok(text) {
			return true, text
		}
		select {
		case <-ch:
		case <-deadline:
			return false, text
		}
	}
}

// WaitFor waits until the text, escape sequences stripped, contains every want.
func (s *Buffer) WaitFor(t testing.TB, what string, want ...string) {
	t.Helper()
	s.WaitForAfter(t, 0, what, want...)
}

// WaitForAfter is WaitFor on what was written from byte from on (a Len taken before the
// key that should bring it): text from earlier in the session does not count.
func (s *Buffer) WaitForAfter(t testing.TB, from int, what string, want ...string) {
	t.Helper()
	ok, text := s.untilFrom(from, Wait, false, func(text string) bool {
		for _, w := range want {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("%s: never saw %q in:\n%s", what, want, tail(text, 3000))
	}
}

// WaitMatch waits until re matches the text, escape sequences stripped, and returns the
// last submatch, or the whole match.
func (s *Buffer) WaitMatch(t testing.TB, re *regexp.Regexp) string {
	t.Helper()
	var m []string
	ok, text := s.until(Wait, false, func(text string) bool {
		m = re.FindStringSubmatch(text)
		return m != nil
	})
	if !ok {
		t.Fatalf("never matched %s in:\n%s", re, tail(text, 3000))
	}
	return m[len(m)-1]
}

// Within reports whether the text, escape sequences stripped, matches re before d passes.
func (s *Buffer) Within(re *regexp.Regexp, d time.Duration) bool {
	ok, _ := s.until(d, false, re.MatchString)
	return ok
}

// PressUntil sends key until the text matches re: a dialog ignores keys until it has
// settled (300 ms on the server's real clock), as it ignores the rest of a burst.
func (s *Buffer) PressUntil(t testing.TB, in io.Writer, key string, re *regexp.Regexp) {
	t.Helper()
	for range 30 {
		_, _ = io.WriteString(in, key)
		if s.Within(re, 500*time.Millisecond) {
			return
		}
	}
	t.Fatalf("%q never brought %s", key, re)
}

// Choose presses enter on a dialog's focused, armed button until done matches what the
// console wrote after the press. A dialog ignores keys until 300 ms after the focus lands
// on its button (common.DialogSettles, on the server's real clock), as it does after it
// opens: an enter that came sooner is answered "… could be seen focused: nothing was
// done …", and once the dialog has settled it says "enter now …": Choose presses again
// then. It never presses twice when the first press was taken, which would reach the list
// behind the dialog.
func (s *Buffer) Choose(t testing.TB, in io.Writer, done *regexp.Regexp) {
	t.Helper()
	early, ready := regexp.MustCompile(`could be seen\s+focused`), regexp.MustCompile(`enter\s+now\s+(redeploys|accepts)`)
	for range 10 {
		from := s.Len()
		_, _ = io.WriteString(in, "\r")
		refused := false
		ok, text := s.untilFrom(from, Wait, false, func(text string) bool {
			refused = early.MatchString(text)
			return refused || done.MatchString(text)
		})
		if !ok {
			t.Fatalf("enter on the focused button: never matched %s in:\n%s", done, tail(text, 3000))
		}
		if !refused {
			return
		}
		if ok, text := s.untilFrom(from, Wait, false, ready.MatchString); !ok {
			t.Fatalf("a dialog that refused an early enter never said it was ready:\n%s", tail(text, 3000))
		}
	}
	t.Fatalf("enter on the focused button was too soon ten times; never matched %s", done)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// NewSigner makes an Ed25519 key.
func NewSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// WriteKeys writes an authorized_keys file as people do: head first (comments), then one
// line per key with a comment, every other one with options. It is written to a new file
// renamed over path, as editors do: the inode changes.
func WriteKeys(t testing.TB, path, head string, keys ...gossh.Signer) {
	t.Helper()
	var b strings.Builder
	b.WriteString(head)
	for i, k := range keys {
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
		if i%2 == 0 {
			line = `no-port-forwarding,from="127.0.0.1" ` + line
		}
		b.WriteString(line + " someone@laptop\n")
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// KeyFile makes a key and an authorized_keys file dir/name that lists it.
func KeyFile(t testing.TB, dir, name string) (gossh.Signer, string) {
	t.Helper()
	s := NewSigner(t)
	path := filepath.Join(dir, name)
	WriteKeys(t, path, "", s)
	return s, path
}

// Dial logs in to addr as user; it does not trust the host key (tests make a new one).
func Dial(addr, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: Wait,
	})
}

// Terminal is what a client asks for: a PTY of Term at Width×Height, or none.
type Terminal struct {
	Term          string
	Width, Height int
	// NoPTY asks for no terminal at all (ssh -T).
	NoPTY bool
	// Silent never answers the terminal queries (OSC 11, DA1), as scripted clients and
	// some terminals do not; otherwise the client answers TermAnswer once asked.
	Silent bool
}

// Client is one SSH session: what the server writes to its stdout and stderr, and its
// exit.
type Client struct {
	t      testing.TB
	Conn   *gossh.Client
	Sess   *gossh.Session
	Stdin  io.Writer
	Out    *Buffer
	ErrOut *Buffer
	exited chan error
}

// Connect logs in to addr as user with key and opens a session on term.
func Connect(t testing.TB, addr, user string, key gossh.Signer, term Terminal) *Client {
	t.Helper()
	conn, err := Dial(addr, user, gossh.PublicKeys(key))
	if err != nil {
		t.Fatalf("dial as %s: %v", user, err)
	}
	return Open(t, conn, term)
}

// Open starts a session with a shell on conn, which is closed when the test ends.
func Open(t testing.TB, conn *gossh.Client, term Terminal) *Client {
	t.Helper()
	t.Cleanup(func() { _ = conn.Close() })
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{t: t, Conn: conn, Sess: sess, Out: NewBuffer(), ErrOut: NewBuffer(), exited: make(chan error, 1)}
	sess.Stdout, sess.Stderr = c.Out, c.ErrOut
	if c.Stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if !term.NoPTY {
		if err := sess.RequestPty(term.Term, term.Height, term.Width, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- sess.Wait() }()
	if !term.NoPTY && !term.Silent {
		go c.answerQueries()
	}
	return c
}

// answerQueries answers the terminal queries as a terminal does, once they are asked: a
// client is asked nothing it must answer, and must not send keys it was not asked for.
func (c *Client) answerQueries() {
	asked, _ := c.Out.until(Wait, true, func(raw string) bool { return strings.Contains(raw, "\x1b]11;?") })
	if asked {
		_, _ = io.WriteString(c.Stdin, TermAnswer)
	}
}

// Type sends s as typed keys.
func (c *Client) Type(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.Stdin, s); err != nil {
		c.t.Fatalf("type %q: %v", s, err)
	}
}

// WaitExit waits for the session to end and returns its exit status, -1 for none.
func (c *Client) WaitExit() int {
	c.t.Helper()
	select {
	case err := <-c.exited:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			var missing *gossh.ExitMissingError
			if errors.As(err, &missing) {
				return -1
			}
			c.t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(Wait):
		c.t.Fatalf("the session never ended; stderr: %q", c.ErrOut.String())
		return 0
	}
}
