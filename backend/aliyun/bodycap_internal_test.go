package aliyun

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A reply of exactly its action's cap is read whole; one byte more is a
// *ReplyTooLargeError, whether or not the Content-Length said so.
func TestReplyCapBoundary(t *testing.T) {
	b := &Backend{o: Options{Endpoint: "127.0.0.1:1"}}
	limit := replyCap("RedeployInstance")
	for _, c := range []struct {
		size       int64
		withLength bool
		tooLarge   bool
	}{{limit, false, false}, {limit, true, false}, {limit + 1, false, true}, {limit + 1, true, true}} {
		body := bytes.Repeat([]byte{' '}, int(c.size))
		resp := &http.Response{Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1}
		if c.withLength {
			resp.ContentLength = c.size
		}
		b.capBody(resp, "RedeployInstance")
		got, err := io.ReadAll(resp.Body)
		var tl *ReplyTooLargeError
		switch {
		case c.tooLarge && (!errors.As(err, &tl) || int64(len(got)) > limit):
			t.Errorf("%d bytes (Content-Length %v): read %d, %v; want a *ReplyTooLargeError within the cap", c.size, c.withLength, len(got), err)
		case !c.tooLarge && (err != nil || int64(len(got)) != c.size):
			t.Errorf("%d bytes (Content-Length %v): read %d, %v; want all of it", c.size, c.withLength, len(got), err)
		}
	}
	if s := (&ReplyTooLargeError{Action: "DescribeTasks", Endpoint: "h:1", Cap: 10, Length: 20}).Error(); !strings.Contains(s, "20 bytes, more than 10 bytes") {
		t.Errorf("message %q", s)
	}
	// An action without its own cap gets the largest, never a small default.
	if replyCap("DescribeSomethingNew") != replyCaps["DescribeInstances"] {
		t.Error("an unsized action's cap is not the largest")
	}
}
