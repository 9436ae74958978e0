package aliyun_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/model"
)

// Issue 21, kind 3: paging trusted the server. Each case is a listing that never ends by
// itself; the backend must stop it within a few calls, with one line that names the
// action, the region and the endpoint, and never take what it read as the listing.
func TestEventPagingThatNeverEndsIsStopped(t *testing.T) {
	cases := []struct {
		name string
		// page answers the page asked with token (the first is "").
		page     func(token string) []byte
		maxCalls int
		says     string
	}{{
		// 19,731 calls in 60 s before: the same 100 events appended each page.
		name: "token cycles A→B→A",
		page: func(token string) []byte {
			next := map[string]string{"": "A", "A": "B", "B": "A"}[token]
			from := map[string]int{"": 0, "A": 100, "B": 200}[token]
			return eventsPage(from, 100, 100_000, next)
		},
		maxCalls: 3,
		says:     `NextToken "A" again`,
	}, {
		// 8,971 calls in 20 s before.
		name: "empty pages that carry a token",
		page: func(token string) []byte {
			return eventsPage(0, 0, 0, token+"x")
		},
		maxCalls: 1,
		says:     "an empty page with a NextToken",
	}, {
		name: "more events than TotalCount",
		page: func(token string) []byte {
			from := len(token) * 100
			return eventsPage(from, 100, 150, token+"x")
		},
		maxCalls: 2,
		says:     "TotalCount 150",
	}, {
		name: "the same page under fresh tokens",
		page: func(token string) []byte {
			return eventsPage(0, 100, 100_000, token+"x")
		},
		maxCalls: 2,
		says:     "every item of page 2 was on an earlier page",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHostile(t)
			h.handle("DescribeInstanceHistoryEvents", func(w http.ResponseWriter, q map[string]string) {
				_, _ = w.Write(c.page(q["NextToken"]))
			})
			h.handle("DescribeInstances", answerInstances)
			b := h.backend(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got, err := b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}})
			var pe *aliyun.PagingError
			if !errors.As(err, &pe) {
				t.Fatalf("%d instances, error %v, after %d pages; want a *PagingError", len(got), err, h.calledFor("DescribeInstanceHistoryEvents"))
			}
			if n := h.calledFor("DescribeInstanceHistoryEvents"); n > c.maxCalls {
				t.Errorf("%d pages asked for; want at most %d", n, c.maxCalls)
			}
			msg := err.Error()
			for _, want := range []string{"DescribeInstanceHistoryEvents", "cn-hangzhou", h.addr(), c.says, "RequestId R-ev-"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.ContainsAny(msg, "\r\n") || !errors.Is(err, backend.ErrUnprovenReply) {
				t.Errorf("message %q: want one line, and a reply that proves nothing", msg)
			}
			if got != nil {
				t.Errorf("%d instances returned beside the error", len(got))
			}
		})
	}
}

// The same for DescribeTasks, paged by PageNumber: a server that answers every page with
// the same tasks while its TotalCount promises a million.
func TestTaskPagingThatNeverEndsIsStopped(t *testing.T) {
	id := hostileInstanceID(1)
	var same [][3]string
	for i := range 100 {
		same = append(same, [3]string{"t-bp1same" + string(rune('a'+i/26)) + string(rune('a'+i%26)), id, "Finished"})
	}
	h := newHostile(t)
	h.handle("DescribeTasks", func(w http.ResponseWriter, q map[string]string) {
		_, _ = w.Write(tasksPage(atoi(q["PageNumber"]), 1_000_000, same))
	})
	b := h.backend(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := b.ListTasks(ctx, backend.TaskQuery{RegionID: "cn-hangzhou", ResourceIDs: []string{id}})
	var pe *aliyun.PagingError
	if !errors.As(err, &pe) || pe.Action != "DescribeTasks" || pe.Region != "cn-hangzhou" || pe.Endpoint != h.addr() {
		t.Fatalf("error %v after %d pages; want a *PagingError naming DescribeTasks, cn-hangzhou and %s", err, h.calledFor("DescribeTasks"), h.addr())
	}
	if n := h.calledFor("DescribeTasks"); n > 2 {
		t.Errorf("%d pages asked for; want at most 2", n)
	}
	// Redeploy's check before the call reads the same pages: nothing is sent on them.
	_, err = b.Redeploy(ctx, backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id})
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("Redeploy: %v; want not sent, on a *PagingError", err)
	}
	if n := h.calledFor("RedeployInstance"); n != 0 {
		t.Fatalf("%d RedeployInstance sent", n)
	}
}

// An honest listing of several pages still reads to its end: the guard stops only what
// proves itself endless.
func TestHonestPagesStillReadToTheEnd(t *testing.T) {
	h := newHostile(t)
	h.handle("DescribeInstanceHistoryEvents", func(w http.ResponseWriter, q map[string]string) {
		switch q["NextToken"] {
		case "":
			_, _ = w.Write(eventsPage(0, 100, 250, "p2"))
		case "p2":
			_, _ = w.Write(eventsPage(100, 100, 250, "p3"))
		default:
			_, _ = w.Write(eventsPage(200, 50, 250, ""))
		}
	})
	h.handle("DescribeInstances", answerInstances)
	b := h.backend(t, nil)
	got, err := b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil || len(got) != 250 {
		t.Fatalf("%d instances, %v; want 250", len(got), err)
	}
	for _, in := range got {
		if len(in.Events) != 1 || in.Events[0].CycleStatus != model.CycleScheduled {
			t.Fatalf("instance %s: events %+v", in.ID, in.Events)
		}
	}
}

// An event published while the pages are read raises TotalCount on a later page: the
// listing is whole, not a lie.
func TestTotalCountGrowingWhilePagingIsTaken(t *testing.T) {
	h := newHostile(t)
	h.handle("DescribeInstanceHistoryEvents", func(w http.ResponseWriter, q map[string]string) {
		if q["NextToken"] == "" {
			_, _ = w.Write(eventsPage(0, 100, 150, "p2"))
			return
		}
		_, _ = w.Write(eventsPage(100, 51, 151, ""))
	})
	h.handle("DescribeInstances", answerInstances)
	got, err := h.backend(t, nil).Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil || len(got) != 151 {
		t.Fatalf("%d instances, %v; want 151", len(got), err)
	}
}
