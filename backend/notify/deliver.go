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
		n.deliver(ctx, nt)
		if ctx.Err() != nil {
			return
		}
	}
}

// Drain waits until every queued notice has been sent or given up, or ctx ends: what a
// command does before it exits. Run must be running.
func (n *Notifier) Drain(ctx context.Context) error {
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
// again.
func (n *Notifier) deliver(ctx context.Context, nt Notice) {
	body, err := encode(nt)
	if err != nil { // a Notice always encodes; never a panic in the sender all the same
		n.giveUp(nt, err)
		return
	}
	// retryAfter is read by the back-off, right after the attempt that set it.
	var retryAfter time.Duration
	attempt := func() error {
		retryAfter = 0
		err := n.post(ctx, body)
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
	b := backoff.WithContext(&honourRetryAfter{BackOff: n.opt.NewBackOff(), after: &retryAfter}, ctx)
	err = backoff.RetryNotifyWithTimer(attempt, b, func(err error, wait time.Duration) {
		n.mu.Lock()
		n.stats.Retried++
		n.mu.Unlock()
		n.log.Debug("notify: retrying", "kind", nt.Kind, "in", wait, "err", safetext.Log(err.Error()))
	}, timer)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: neither sent nor failed
		}
		n.giveUp(nt, err)
		return
	}
	n.mu.Lock()
	n.stats.Sent++
	n.mu.Unlock()
}

func (n *Notifier) giveUp(nt Notice, err error) {
	n.mu.Lock()
	n.stats.Failed++
	n.mu.Unlock()
	n.log.Warn("notify: notice not delivered", "kind", nt.Kind, "key", safetext.Log(nt.Key), "err", safetext.Log(err.Error()))
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
// next attempt, and otherwise what the back-off says.
type honourRetryAfter struct {
	backoff.BackOff
	after *time.Duration
}

func (h *honourRetryAfter) NextBackOff() time.Duration {
	d := h.BackOff.NextBackOff()
	if d != backoff.Stop && *h.after > d {
		d = *h.after
	}
	return d
}
