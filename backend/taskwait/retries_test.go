package taskwait

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// Issue 21, kind 3: a wait through a task not listed for 30 s printed 151 "not listed
// (retrying)" lines. A run of failed polls is one line: a summary when the output is not
// a terminal, a line rewritten in place when it is.
// retried14 is the folded line's count; when the first poll lands (0 s or one interval
// in, as the stepped clock and the follower's goroutine meet) is not what the test pins.
var retried14 = regexp.MustCompile(`\(retried 14 times since [0-9]+s\)`)

func TestRetriesAreOneLine(t *testing.T) {
	for _, tty := range []bool{false, true} {
		e, clock, ref := setup(t, sim.Options{})
		start := clock.Now()
		var out strings.Builder
		r := &Retries{W: &out, TTY: tty}
		_, seen, err := followEvery(t, &lagging{Backend: sim.NewBackend(e), misses: 14}, clock, ref, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// As the CLI prints them: retries folded, every other change a line of its own.
		for _, p := range seen {
			if p.Err != nil {
				if err := r.Failed(p.At.Sub(start), p.Err.Error()); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := r.End(); err != nil {
				t.Fatal(err)
			}
			out.WriteString("status " + string(p.Task.Status) + "\n")
		}
		if err := r.End(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) < 2 || !retried14.MatchString(lines[0]) || !strings.Contains(lines[0], "not listed") {
			t.Fatalf("tty %v: output %q; want the 14 retries as one line, then the statuses", tty, out.String())
		}
		for _, l := range lines[1:] {
			if !strings.HasPrefix(l, "status ") {
				t.Errorf("tty %v: line %q; want only status lines after the retries", tty, l)
			}
		}
		if rewrites := strings.Count(lines[0], "\r\x1b[K"); tty && rewrites != 15 || !tty && rewrites != 0 {
			t.Errorf("tty %v: the retry line was rewritten %d times", tty, rewrites)
		}
	}
}
