package ui

import (
	"errors"
	"strings"
	"testing"

	"ecs-redeploy/backend/sim"
)

// Error text is the backend's, and a proxy or the API can put anything in it: the notice
// line and the log show it without its control characters.
func TestErrorTextReachesTheScreenWithoutControlCharacters(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.Update(redeployDoneMsg{instanceID: idPlain, err: errors.New("bad gateway\x1b[2J\x1b]52;c;cm0gLXJm\x07\u009b")})
	v := m.View()
	if strings.ContainsAny(v, "\x1b\x07\u009b") || !strings.Contains(v, `bad gateway\x1b[2J\x1b]52;c;cm0gLXJm\x07<U+009B>`) {
		t.Fatalf("the notice passed control characters on: %q", v)
	}
	press(m, runes("L"))
	if v := m.View(); strings.ContainsAny(v, "\x1b\x07\u009b") || !strings.Contains(v, "bad gateway") {
		t.Fatalf("the log passed control characters on: %q", v)
	}
}
