package aliyun_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
)

// pageGate holds every event page after the second until a DescribeInstances call has
// arrived: a listing that fetches instances only after the last page never gets past it.
// (Two pages, 200 events, name at least the 100 instances one DescribeInstances asks for:
// an instance has at most a few pending events.)
type pageGate struct {
	base http.RoundTripper

	mu      sync.Mutex
	pages   int
	once    sync.Once
	fetched chan struct{}
}

func (g *pageGate) CloseIdleConnections() { g.base.(*http.Transport).CloseIdleConnections() }

func (g *pageGate) RoundTrip(r *http.Request) (*http.Response, error) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	switch {
	case q.Get("Action") == "DescribeInstances":
		g.once.Do(func() { close(g.fetched) })
	case q.Get("Action") == "DescribeInstanceHistoryEvents":
		g.mu.Lock()
		g.pages++
		held := g.pages > 2
		g.mu.Unlock()
		if !held {
			break
		}
		select {
		case <-g.fetched:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return g.base.RoundTrip(r)
}

// The instances of the pages already read are fetched while the next pages are read.
func TestInstancesAreFetchedWhileEventPagesAreRead(t *testing.T) {
	gate := &pageGate{base: http.DefaultTransport.(*http.Transport).Clone(), fetched: make(chan struct{})}
	f := newFixture(t, sim.Generate(31, 1500, sim.Epoch), sim.Options{Seed: 31}, func(o *aliyun.Options) { o.Transport = gate })
	if n := pendingByRegion(f.eng)["cn-hangzhou"]; n <= 2*100 {
		t.Fatalf("fixture: cn-hangzhou has %d instances with pending events; want several pages", n)
	}
	// Real time bounds only a failure: a listing that does not overlap waits here for ever.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := f.b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}})
	if err != nil {
		t.Fatalf("listing: %v; the second event page waited for a DescribeInstances that never came", err)
	}
	if want := len(f.eng.PendingInstances([]string{"cn-hangzhou"}, nil)); len(got) != want {
		t.Fatalf("listed %d instances, engine has %d", len(got), want)
	}
}

// reverseInstances answers every DescribeInstances with its instances in reverse order.
func reverseInstances(status int, body []byte) (int, []byte) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return status, body
	}
	set, _ := m["Instances"].(map[string]any)
	list, _ := set["Instance"].([]any)
	slices.Reverse(list)
	out, _ := json.Marshal(m)
	return status, out
}

// Answers are matched to what was asked by instance id, never by position: a reply in
// another order changes nothing, and every instance carries its own events, all of them,
// even when they came on different pages.
func TestInstancesAreMatchedToTheirEventsByID(t *testing.T) {
	f := newFixture(t, sim.Generate(32, 1500, sim.Epoch), sim.Options{Seed: 32}, rewriting("DescribeInstances", reverseInstances))
	regions := []string{"cn-hangzhou", "cn-shanghai"}
	got, err := f.b.Instances(context.Background(), backend.Query{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	want := f.eng.PendingInstances(regions, nil)
	if len(got) != len(want) {
		t.Fatalf("listed %d instances, engine has %d", len(got), len(want))
	}
	events := map[string][]string{}
	twice := 0
	for _, w := range want {
		for _, e := range w.Events {
			events[w.ID] = append(events[w.ID], e.ID)
		}
		if len(w.Events) > 1 {
			twice++
		}
	}
	if twice == 0 {
		t.Fatal("fixture: no instance has two pending events; the test proves less")
	}
	for _, g := range got {
		var ids []string
		for _, e := range g.Events {
			if e.InstanceID != g.ID {
				t.Fatalf("%s carries event %s of %s", g.ID, e.ID, e.InstanceID)
			}
			ids = append(ids, e.ID)
		}
		if w := events[g.ID]; !slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(w))) {
			t.Fatalf("%s: events %v; engine has %v", g.ID, ids, w)
		}
	}
}

// duplicateFirstInstance repeats the first instance of a DescribeInstances reply of fewer
// than 100 (a full one would break the page size) and counts it in TotalCount, so only the
// repetition is wrong.
func duplicateFirstInstance(status int, body []byte) (int, []byte) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return status, body
	}
	set, _ := m["Instances"].(map[string]any)
	list, _ := set["Instance"].([]any)
	if len(list) == 0 || len(list) >= 99 {
		return status, body
	}
	set["Instance"] = append(list, list[0])
	m["TotalCount"] = m["TotalCount"].(float64) + 1
	out, _ := json.Marshal(m)
	return status, out
}

// A reply naming one instance twice proves nothing (it would be two rows): the listing
// fails with ErrUnprovenReply, and the calls still out in the region are stopped.
func TestInstancesRefuseAReplyRepeatingAnInstance(t *testing.T) {
	f := newFixture(t, sim.Generate(33, 1500, sim.Epoch), sim.Options{Seed: 33}, rewriting("DescribeInstances", duplicateFirstInstance))
	if n := pendingByRegion(f.eng)["cn-hangzhou"]; n%100 == 0 || n%100 == 99 {
		t.Fatalf("fixture: cn-hangzhou has %d instances; want a last DescribeInstances of fewer than 99", n)
	}
	_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	if !errors.Is(err, backend.ErrUnprovenReply) {
		t.Fatalf("err %v; want ErrUnprovenReply", err)
	}
}

// Each part a listing reply must have is checked on the decoded reply: missing or null,
// the reply proves nothing and the listing says which part was not there.
func TestListingRepliesLackingAPartProveNothing(t *testing.T) {
	for _, c := range []struct{ action, key string }{
		{"DescribeInstanceHistoryEvents", "InstanceSystemEventSet"},
		{"DescribeInstanceHistoryEvents", "TotalCount"},
		{"DescribeInstanceHistoryEvents", "RequestId"},
		{"DescribeInstances", "Instances"},
		{"DescribeInstances", "TotalCount"},
		{"DescribeInstances", "RequestId"},
	} {
		for _, null := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/null=%v", c.action, c.key, null), func(t *testing.T) {
				drop := func(status int, body []byte) (int, []byte) {
					var m map[string]any
					if json.Unmarshal(body, &m) != nil {
						return status, body
					}
					if null {
						m[c.key] = nil
					} else {
						delete(m, c.key)
					}
					out, _ := json.Marshal(m)
					return status, out
				}
				f := newFixture(t, sim.Generate(34, 300, sim.Epoch), sim.Options{Seed: 34}, rewriting(c.action, drop))
				_, err := f.b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
				if !errors.Is(err, backend.ErrUnprovenReply) || !strings.Contains(err.Error(), "no "+c.key) {
					t.Fatalf("err %v; want ErrUnprovenReply saying there is no %s", err, c.key)
				}
			})
		}
	}
}
