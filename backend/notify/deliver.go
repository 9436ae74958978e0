// Delivery: one POST per notice, in order, retried with back-off on what may pass.

package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"ecs-redeploy/model/safetext"
)

// defaultBackOff waits 1 s, 2 s, 4 s … up to 1 min between attempts, each ±50 % at random
// so that many senders a webhook turned away do not come back together.
func defaultBackOff() backoff.BackOff {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(time.Second),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.5),
		backoff.WithMaxInterval(time.Minute),
		backoff.WithMaxElapsedTime(0), // bounded by MaxRetries instead
	)
	return backoff.WithMaxRetries(b, MaxRetries)
}

// Run sends the queued notices until ctx ends. Call it once.
func (n *Notifier) Run(ctx context.Context) {
	for {
		nt, ok := n.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-n.wake:
				continue
			}
		}
		if n.hurried() && n.isFailing() {
			// The process is ending and the webhook was failing: trying again would
			// only hold the exit.
			n.leave(nt)
			continue
		}
		n.deliver(ctx, nt)
		if ctx.Err() != nil {
			return
		}
	}
}

// Drain is what a command does before it exits: from then on nothing is retried, what is
// queued gets one attempt each (none while the webhook is failing: those are counted as
// Unsent), and Drain waits until the queue is empty or ctx ends. Run must be running.
func (n *Notifier) Drain(ctx context.Context) error {
	n.hurryOnce.Do(func() { close(n.hurry) })
	n.mu.Lock()
	if len(n.queue) == 0 && !n.sending {
		n.mu.Unlock()
		return nil
	}
	idle := n.idle
	n.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("notify: %d notice(s) not sent: %w", n.Stats().Queued, ctx.Err())
	}
}

// Summary is one line on what did not reach the webhook since n was made (given up,
// dropped from a full queue, left unsent at exit, still queued), with the last failure;
// empty when every notice was delivered. A command prints it as it exits.
func (n *Notifier) Summary() string {
	st := n.Stats()
	n.mu.Lock()
	last := n.lastErr
	n.mu.Unlock()
	if st.Failed+st.Dropped+st.Unsent == 0 && st.Queued == 0 {
		return ""
	}
	unsent := st.Unsent + uint64(st.Queued)
	parts := []string{fmt.Sprintf("%d delivered", st.Sent)}
	add := func(v uint64, what string) {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", v, what))
		}
	}
	add(st.Failed, "given up")
	add(st.Dropped, "dropped from a full queue")
	add(unsent, "not sent at exit")
	line := fmt.Sprintf("notify: of %d notice(s) for %s, %s", st.Sent+st.Failed+st.Dropped+unsent, n.where, strings.Join(parts, ", "))
	if last != "" {
		line += "; the last failure: " + last
	}
	return line
}

func (n *Notifier) hurried() bool {
	select {
	case <-n.hurry:
		return true
	default:
		return false
	}
}

func (n *Notifier) isFailing() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.failing
}

// leave counts nt as left unsent at exit.
func (n *Notifier) leave(nt Notice) {
	n.mu.Lock()
	n.stats.Unsent++
	n.mu.Unlock()
	n.log.Warn("notify: notice not sent: exiting while the webhook fails", "kind", nt.Kind, "key", safetext.Log(nt.Key))
}

// failed records an attempt's failure: the first after a delivery (or the first attempt
// of all) starts a spell of failures, and is told once.
func (n *Notifier) failed(err error) {
	msg := safetext.Terminal(why(err))
	n.mu.Lock()
	n.lastErr = msg
	first := !n.failing
	n.failing = true
	n.mu.Unlock()
	if !first {
		return
	}
	n.log.Warn("notify: the webhook is failing; each notice is retried, then given up", "webhook", n.where, "err", safetext.Log(err.Error()))
	n.tell(Health{Kind: HealthFailing, First: true,
		Text: fmt.Sprintf("notify: the webhook %s is failing; each notice is retried for about 3 minutes, then given up: %s", n.where, msg)})
}

// delivered records a delivery: it ends a spell of failures.
func (n *Notifier) delivered() {
	n.mu.Lock()
	n.stats.Sent++
	was := n.failing
	n.failing, n.gaveUp = false, false
	failed := n.stats.Failed
	n.mu.Unlock()
	if !was {
		return
	}
	n.log.Info("notify: the webhook answers again", "webhook", n.where, "failed_total", failed)
	n.tell(Health{Kind: HealthRecovered, First: true,
		Text: fmt.Sprintf("notify: the webhook %s answers again (%d notice(s) given up so far)", n.where, failed)})
}

func (n *Notifier) tell(h Health) {
	if n.opt.OnHealth != nil {
		n.opt.OnHealth(h)
	}
}

// encode is nt's body: one JSON object and a newline, its strings made safe
// (Notice.safe), < > & as they are (a person reads them), and what safetext.JSON escapes
// escaped.
func encode(nt Notice) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(nt.safe()); err != nil {
		return nil, err
	}
	return safetext.JSON(b.Bytes()), nil
}

// retryable is an attempt that may pass if sent again: a network error, 429, 5xx.
type retryable struct {
	err error
	// after is the webhook's Retry-After, when it gave one.
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// deliver POSTs nt until the webhook takes it, refuses it for good, or the retries are
// spent. Only a network error, 429 and 5xx are retried: another answer would be the same
// again. Once Drain is called nothing is retried, and a wait for a retry ends at once.
func (n *Notifier) deliver(ctx context.Context, nt Notice) {
	body, err := encode(nt)
	if err != nil { // a Notice always encodes; never a panic in the sender all the same
		n.giveUp(nt, err)
		return
	}
	// retryAfter is read by the back-off, right after the attempt that set it.
	var retryAfter time.Duration
	var last error // the last attempt's failure
	attempt := func() error {
		retryAfter = 0
		err := n.post(ctx, body)
		last = err
		if err != nil && ctx.Err() == nil {
			n.failed(err)
		}
		var r *retryable
		if errors.As(err, &r) {
			retryAfter = r.after
			return err
		}
		if err != nil {
			return backoff.Permanent(err)
		}
		return nil
	}
	var timer backoff.Timer
	if n.opt.NewTimer != nil {
		timer = n.opt.NewTimer()
	}
	// The waits between attempts end with ctx, or at once when Drain hurries.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-n.hurry:
			cancel()
		case <-wctx.Done():
		}
	}()
	hb := &honourRetryAfter{BackOff: n.opt.NewBackOff(), after: &retryAfter, hurry: n.hurry, ctx: wctx}
	err = backoff.RetryNotifyWithTimer(attempt, hb, func(err error, wait time.Duration) {
		n.mu.Lock()
		n.stats.Retried++
		n.mu.Unlock()
		n.log.Debug("notify: retrying", "kind", nt.Kind, "in", wait, "err", safetext.Log(err.Error()))
	}, timer)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: neither sent nor failed
		}
		if hb.spent {
			n.giveUp(nt, last)
			return
		}
		if hb.cut || errors.Is(err, context.Canceled) {
			n.leave(nt) // its retries were cut short by the exit: left, not given up
			return
		}
		n.giveUp(nt, err)
		return
	}
	n.delivered()
}

func (n *Notifier) giveUp(nt Notice, err error) {
	n.mu.Lock()
	n.stats.Failed++
	first := !n.gaveUp
	n.gaveUp, n.failing = true, true
	n.mu.Unlock()
	n.log.Warn("notify: notice not delivered", "kind", nt.Kind, "key", safetext.Log(nt.Key), "err", safetext.Log(err.Error()))
	n.tell(Health{Kind: HealthGaveUp, First: first,
		Text: fmt.Sprintf("notify: gave up on a notice (%s): %s", nt.Kind, safetext.Terminal(why(err)))})
}

// why is err without the "POST scheme://host: " that post puts before a network error:
// a line that names the webhook already says where.
func why(err error) string {
	var r *retryable
	if errors.As(err, &r) {
		if inner := errors.Unwrap(r.err); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// post sends body once. A *retryable error may pass if sent again.
func (n *Notifier) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ecs-redeploy-notify/1")
	resp, err := n.opt.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The client's error names the whole URL, secret included: name the host only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &retryable{err: fmt.Errorf("POST %s: %w", n.where, err)}
	}
	// Read a little of the answer so the connection can be reused; a webhook's page is
	// not ours to keep.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests || code >= 500:
		return &retryable{err: fmt.Errorf("the webhook answered %s", resp.Status), after: parseRetryAfter(resp.Header.Get("Retry-After"))}
	case code >= 300 && code < 400:
		return fmt.Errorf("the webhook answered %s (a redirect): give --notify the URL it redirects to", resp.Status)
	default:
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
}

// parseRetryAfter reads Retry-After in seconds (RFC 9110 §10.2.3; the HTTP-date form is
// not used by webhooks we know and is ignored), capped at maxRetryAfter.
func parseRetryAfter(s string) time.Duration {
	secs, err := strconv.Atoi(s)
	if err != nil || secs <= 0 {
		return 0
	}
	return min(time.Duration(secs)*time.Second, maxRetryAfter)
}

// honourRetryAfter waits at least what the webhook asked for (Retry-After) before the
// next attempt, and otherwise what the back-off says; none once hurry is closed. Its
// waits end with ctx (backoff.BackOffContext).
type honourRetryAfter struct {
	backoff.BackOff
	after *time.Duration
	ctx   context.Context
	// hurry closed: the process is ending; no retry. spent says the back-off stopped
	// (the retries were spent: given up); cut says hurry stopped it (left at exit).
	hurry      <-chan struct{}
	spent, cut bool
}

// Context is where the waits end: backoff.RetryNotifyWithTimer reads it.
func (h *honourRetryAfter) Context() context.Context { return h.ctx }

func (h *honourRetryAfter) NextBackOff() time.Duration {
	d := h.BackOff.NextBackOff()
	if d == backoff.Stop {
		h.spent = true
		return d
	}
	select {
	case <-h.hurry:
		h.cut = true
		return backoff.Stop
	default:
	}
	if d != backoff.Stop && *h.after > d {
		d = *h.after
	}
	return d
}
