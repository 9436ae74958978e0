package aliyun_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
)

// streamPadded writes head, then size bytes of JSON whitespace, then tail: a valid reply
// of any size, streamed, never held whole. It counts what the client took.
func streamPadded(w http.ResponseWriter, head string, size int, tail string, withLength bool, written *atomic.Int64) {
	if withLength {
		w.Header().Set("Content-Length", strconv.Itoa(len(head)+size+len(tail)))
	}
	w.Header().Set("Content-Type", "application/json")
	if _, err := w.Write([]byte(head)); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte(" "), 64<<10)
	for left := size; left > 0; left -= len(chunk) {
		n, err := w.Write(chunk[:min(left, len(chunk))])
		written.Add(int64(n))
		if err != nil {
			return
		}
	}
	_, _ = w.Write([]byte(tail))
}

// Issue 21, kind 3: a 100 MB 200 was read whole (RSS 267–371 MB) and accepted as an empty
// listing. Every action's reply is cut at its cap and proves nothing, with or without a
// Content-Length.
func TestHugeListingReplyIsCutAndProvesNothing(t *testing.T) {
	id := hostileInstanceID(3)
	calls := []struct {
		action, head string
		call         func(*aliyun.Backend) error
	}{{
		"DescribeInstanceHistoryEvents", `{"RequestId":"R-big","TotalCount":0,"NextToken":"","InstanceSystemEventSet":{"InstanceSystemEventType":[]}`,
		func(b *aliyun.Backend) error {
			_, err := b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
			return err
		},
	}, {
		"DescribeTasks", `{"RequestId":"R-big","TotalCount":0,"PageNumber":1,"PageSize":100,"TaskSet":{"Task":[]}`,
		func(b *aliyun.Backend) error {
			_, err := b.ListTasks(context.Background(), backend.TaskQuery{RegionID: "cn-hangzhou", ResourceIDs: []string{id}})
			return err
		},
	}, {
		"DescribeRegions", `{"RequestId":"R-big","Regions":{"Region":[{"RegionId":"cn-hangzhou","LocalName":"Hangzhou"}]}`,
		func(b *aliyun.Backend) error {
			_, err := b.Regions(context.Background())
			return err
		},
	}}
	for _, c := range calls {
		for _, withLength := range []bool{false, true} {
			t.Run(c.action+" Content-Length "+strconv.FormatBool(withLength), func(t *testing.T) {
				var written atomic.Int64
				h := newHostile(t)
				h.handle(c.action, func(w http.ResponseWriter, _ map[string]string) {
					streamPadded(w, c.head, 100<<20, `}`, withLength, &written)
				})
				b := h.backend(t, nil)
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := c.call(b)
				runtime.ReadMemStats(&after)
				var tl *aliyun.ReplyTooLargeError
				if !errors.As(err, &tl) || !errors.Is(err, backend.ErrUnprovenReply) {
					t.Fatalf("error %v; want a *ReplyTooLargeError, a reply that proves nothing", err)
				}
				if msg := err.Error(); !strings.Contains(msg, c.action) || !strings.Contains(msg, h.addr()) || strings.Contains(msg, "\n") {
					t.Errorf("message %q: want one line naming the action and the endpoint", msg)
				}
				// Three attempts (the read policy retries a reply that proves nothing), each
				// cut at its cap (1.6 MiB at most here): nowhere near the 100 MB sent.
				if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
					t.Errorf("%d MB allocated reading the replies; want them cut at the cap", alloc>>20)
				}
			})
		}
	}
}

// A RedeployInstance reply cut at its cap proves nothing: the outcome is unknown (never
// "did not start"), and nothing is sent again.
func TestHugeRedeployReplyIsOutcomeUnknown(t *testing.T) {
	var written atomic.Int64
	id := hostileInstanceID(7)
	h := newHostile(t)
	h.handle("DescribeTasks", func(w http.ResponseWriter, q map[string]string) {
		_, _ = w.Write(tasksPage(atoi(q["PageNumber"]), 0, nil))
	})
	h.handle("DescribeInstances", answerInstances)
	h.handle("RedeployInstance", func(w http.ResponseWriter, _ map[string]string) {
		streamPadded(w, `{"RequestId":"R-big","TaskId":"t-bp1big"`, 100<<20, `}`, false, &written)
	})
	b := h.backend(t, nil)
	ref, err := b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id})
	var tl *aliyun.ReplyTooLargeError
	if !errors.Is(err, backend.ErrOutcomeUnknown) || !errors.As(err, &tl) || ref.TaskID != "" {
		t.Fatalf("ref %+v, error %v; want outcome unknown on a *ReplyTooLargeError", ref, err)
	}
	if n := h.calledFor("RedeployInstance"); n != 1 {
		t.Fatalf("RedeployInstance sent %d times; want once", n)
	}
}
