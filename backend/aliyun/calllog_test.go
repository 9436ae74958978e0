package aliyun_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// callLog is a client-side transport that records every call on the backend's clock: what
// was asked (the query without its signature, nonce and timestamp, so that a retry of a
// call has the same key as the call), when it left, when its reply came and whether that
// reply was a Throttling.
type callLog struct {
	base http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	calls []loggedCall
}

type loggedCall struct {
	key, action, region string
	sent, answered      time.Time
	throttled           bool
}

func newCallLog(now func() time.Time) *callLog {
	return &callLog{base: http.DefaultTransport.(*http.Transport).Clone(), now: now}
}

func (c *callLog) CloseIdleConnections() { c.base.(*http.Transport).CloseIdleConnections() }

func (c *callLog) RoundTrip(r *http.Request) (*http.Response, error) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	lc := loggedCall{action: q.Get("Action"), region: q.Get("RegionId"), sent: c.now()}
	for _, k := range []string{"Signature", "SignatureNonce", "Timestamp"} {
		q.Del(k)
	}
	lc.key = q.Encode()
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		lc.throttled = resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), `"Code":"Throttling`)
	}
	lc.answered = c.now()
	c.mu.Lock()
	c.calls = append(c.calls, lc)
	c.mu.Unlock()
	return resp, err
}

// retryGaps is, for every throttled call, how long after its Throttling reply the same call
// was sent again; a throttled call that was never sent again is reported in lost.
func (c *callLog) retryGaps() (gaps []time.Duration, lost []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byKey := map[string][]loggedCall{}
	for _, lc := range c.calls {
		byKey[lc.key] = append(byKey[lc.key], lc)
	}
	for key, cs := range byKey {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].sent.Before(cs[j].sent) })
		for i, lc := range cs {
			if !lc.throttled {
				continue
			}
			if i+1 == len(cs) {
				lost = append(lost, key)
				continue
			}
			gaps = append(gaps, cs[i+1].sent.Sub(lc.answered))
		}
	}
	return gaps, lost
}
