package taskwait

import (
	"fmt"
	"io"
	"time"

	"ecs-redeploy/model"
)

// Retries folds a run of failed polls (Progress.Err) into one line, where a line per
// retry printed 151 "not listed (retrying)" lines in 30 s (issue 21). On a terminal the
// line is rewritten in place at each retry; elsewhere (a log, a pipe) nothing is written
// until the run ends, then one summary. End closes the run: call it before printing
// anything else, and when the wait is over.
type Retries struct {
	W io.Writer
	// TTY rewrites the line in place (carriage return, erase line).
	TTY bool

	n        int
	from, to time.Duration
	last     string
}

// Failed records one failed poll, elapsed since the wait began, with msg (one line).
func (r *Retries) Failed(elapsed time.Duration, msg string) error {
	if r.n == 0 {
		r.from = elapsed
	}
	r.n++
	r.to, r.last = elapsed, msg
	if !r.TTY {
		return nil
	}
	_, err := fmt.Fprintf(r.W, "\r\x1b[K%s", r.line())
	return err
}

// End writes the run's summary, if there was a run, and starts afresh.
func (r *Retries) End() error {
	if r.n == 0 {
		return nil
	}
	prefix := ""
	if r.TTY {
		prefix = "\r\x1b[K"
	}
	_, err := fmt.Fprintf(r.W, "%s%s\n", prefix, r.line())
	r.n = 0
	return err
}

// line is "  12s  <last error> (retried 7 times since 2s)", or "(retrying)" the first time.
func (r *Retries) line() string {
	what := "retrying"
	if r.n > 1 {
		what = fmt.Sprintf("retried %d times since %s", r.n, model.FormatDuration(r.from))
	}
	return fmt.Sprintf("%7s  %s (%s)", model.FormatDuration(r.to), r.last, what)
}
