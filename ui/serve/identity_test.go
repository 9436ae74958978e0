package serve

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"

	"ecs-redeploy/backend"
)

// The SSH user name is the client's to choose, and every screen's header shows it: an
// escape sequence in it (here: clear the screen, set the window title) must not reach a
// terminal, its own or another operator's.
func TestSSHUserNameCarriesNoControlCharacters(t *testing.T) {
	e := newEnv(t)
	names := make(chan string, 1)
	base := e.srv.newModelFunc
	e.srv.newModelFunc = func(sess ssh.Session, id backend.Identity, r *lipgloss.Renderer) (tea.Model, func()) {
		names <- id.Name
		return base(sess, id, r)
	}
	c := e.connect("eve\x1b[2J\x1b]0;pwned\x07\u009b", e.viewer, 120, 30)
	c.Out.WaitFor(t, "first screen", idFirst)
	name := <-names
	if strings.ContainsAny(name, "\x1b\x07\u009b") || name != `eve\x1b[2J\x1b]0;pwned\x07<U+009B>` {
		t.Fatalf("identity name %q", name)
	}
}
