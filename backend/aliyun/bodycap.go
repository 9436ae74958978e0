package aliyun

import (
	"fmt"
	"io"
	"net/http"

	"ecs-redeploy/backend"
)

// The SDK reads every reply whole (sdk/responses.BaseResponse.parseFromHttpResponse:
// ioutil.ReadAll of the body, then a string copy of it), before any status or field is
// looked at: a 100 MB 200 was read into memory (RSS 267–371 MB) and then accepted
// (issue 21). The only place to stop it is under the SDK, in the transport: capBody
// wraps each reply's body in a reader that fails past the action's cap, and the SDK
// returns that failure from DoAction as it is.

// Each cap is the API's page maximum × a generous size per item + envelope; a real
// reply stays well under a tenth of it.
const (
	// envelope is a reply's own members (RequestId, counts, NextToken) or an error body
	// (RequestId, HostId, Code, Message, Recommend: about 500 bytes), with room to spare.
	envelope = 64 << 10
	// An instance of DescribeInstances is 3–6 KiB; its user text is at most a name of
	// 128, a description of 256 and 20 tags of 128+128 characters, which even escaped as
	// \uXXXX surrogate pairs (12 bytes a character) is 66 KiB.
	perInstance = 128 << 10
	// An event of DescribeInstanceHistoryEvents is under 2 KiB with its ExtendedAttribute.
	perEvent = 16 << 10
	// A task of DescribeTasks is about 300 bytes.
	perTask = 4 << 10
	// A region of DescribeRegions is about 200 bytes; there are about 30, so 256 of them.
	perRegion, regionsMax = 4 << 10, 256
)

// replyCaps is the most read of a reply to each action, in bytes.
var replyCaps = map[string]int64{
	"DescribeInstances":             instancesPerCall*perInstance + envelope, // 12.6 MiB
	"DescribeInstanceHistoryEvents": eventsPageSize*perEvent + envelope,      // 1.6 MiB
	"DescribeTasks":                 tasksPerCall*perTask + envelope,         // 464 KiB
	"DescribeRegions":               regionsMax*perRegion + envelope,         // 1.1 MiB
	"RedeployInstance":              envelope,                                // {RequestId, TaskId}
	"AcceptInquiredSystemEvent":     envelope,                                // {RequestId}
}

// replyCap is action's cap. An action not in the table gets the largest, so a call added
// without sizing its reply is bounded but never fails on a real reply.
func replyCap(action string) int64 {
	if n, ok := replyCaps[action]; ok {
		return n
	}
	return replyCaps["DescribeInstances"]
}

// ReplyTooLargeError is a reply longer than its action's cap: no more of it was read,
// and it proves nothing (errors.Is(err, backend.ErrUnprovenReply)), so a read retries
// it and a RedeployInstance is reconciled, its outcome unknown until a task shows.
type ReplyTooLargeError struct {
	Action, Endpoint string
	// Cap is the most read, in bytes; Length the reply's Content-Length (-1 unknown).
	Cap, Length int64
}

func (e *ReplyTooLargeError) Error() string {
	size := "more than"
	if e.Length > e.Cap {
		size = fmt.Sprintf("%d bytes, more than", e.Length)
	}
	return fmt.Sprintf("%s answered %s with a reply of %s %d bytes, the most any real one is given; not read further", e.Endpoint, e.Action, size, e.Cap)
}

// Unwrap makes the reply one that proves nothing.
func (e *ReplyTooLargeError) Unwrap() error { return backend.ErrUnprovenReply }

// capBody bounds what is read of resp's body to action's cap.
func (b *Backend) capBody(resp *http.Response, action string) {
	limit := replyCap(action)
	resp.Body = &cappedBody{body: resp.Body, left: limit,
		tooLarge: &ReplyTooLargeError{Action: action, Endpoint: b.host(), Cap: limit, Length: resp.ContentLength}}
}

// cappedBody reads at most left more bytes of body and fails with tooLarge at the first
// byte beyond, or at once when the Content-Length is already beyond.
type cappedBody struct {
	body     io.ReadCloser
	left     int64
	tooLarge *ReplyTooLargeError
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.tooLarge.Length > c.tooLarge.Cap {
		return 0, c.tooLarge
	}
	if c.left <= 0 {
		// One byte more tells a body of exactly the cap from a longer one.
		var one [1]byte
		if n, err := c.body.Read(one[:]); n > 0 {
			return 0, c.tooLarge
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.body.Read(p)
	c.left -= int64(n)
	return n, err
}

// Close drops the connection when the body was not read to its end (net/http does not
// reuse it), so what was left unread is never read.
func (c *cappedBody) Close() error { return c.body.Close() }
