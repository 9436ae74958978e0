package serve

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
)

// newRenderer builds the session's renderer from what the client said when it asked for
// its terminal: the colour profile from TERM (pty-req) and the environment it sent
// (COLORTERM, NO_COLOR), the background from COLORFGBG when sent, dark otherwise.
//
// It asks the terminal nothing. wish v1.4.7's bubbletea.MakeRenderer asks for the
// background (OSC 11) and the device attributes (DA1) and waits up to a second for the
// answer; a client that answers neither got a blank screen for that second, and its
// query reader, which cannot be interrupted on an SSH channel, stayed blocked on the
// session's input and ate the first key typed (issue 21).
func newRenderer(sess ssh.Session) *lipgloss.Renderer {
	pty, _, _ := sess.Pty()
	if pty.Term == "" || pty.Term == "dumb" {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	// The pty's TERM first: environ answers the first match.
	env := environ(append([]string{"TERM=" + pty.Term}, sess.Environ()...))
	// WithUnsafe: an SSH channel is no TTY, the client's terminal is.
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	// Set, so that lipgloss never asks the terminal either.
	r.SetHasDarkBackground(darkBackground(env.Getenv("COLORFGBG")))
	return r
}

// darkBackground reads COLORFGBG ("fg;bg" or "fg;default;bg", ANSI colour numbers, as
// rxvt and Konsole set it): background 7 (light grey) or 9–15 (bright) is light; anything
// else, or no value, is dark, as most terminals are.
func darkBackground(colorFGBG string) bool {
	i := strings.LastIndexByte(colorFGBG, ';')
	if i < 0 {
		return true
	}
	bg, err := strconv.Atoi(colorFGBG[i+1:])
	if err != nil {
		return true
	}
	return !(bg == 7 || (bg >= 9 && bg <= 15))
}

// environ is the client's environment as termenv reads it.
type environ []string

func (e environ) Environ() []string { return e }

func (e environ) Getenv(k string) string {
	for _, v := range e {
		if val, ok := strings.CutPrefix(v, k+"="); ok {
			return val
		}
	}
	return ""
}
