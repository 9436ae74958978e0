package ecsapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// Replies encode into buffers recycled from earlier replies: calls in flight at once on
// loopback, each asking for its own instances and events, each get theirs and nothing of
// another's, whole. Under -race, a buffer recycled before its reply is written (a
// mutation tried) is a data race here.
func TestRecycledReplyBuffersAreNotShared(t *testing.T) {
	f := newFixture(t, 600, sim.Options{Seed: 3})
	ins := f.eng.Instances("cn-hangzhou", nil)
	if len(ins) < 40 {
		t.Fatalf("fixture: %d instances in cn-hangzhou", len(ins))
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var nonce atomic.Int64
	call := func(p url.Values, v any) error {
		p.Set("RegionId", "cn-hangzhou")
		ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), fmt.Sprintf("reuse-%d", nonce.Add(1)))
		req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+"/?"+p.Encode(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("%d %s", resp.StatusCode, body)
		}
		return json.Unmarshal(body, v)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for round := range 20 {
				// Sizes differ from call to call, so a buffer outgrows another's reply.
				k := 1 + (g*7+round*3)%40
				var want []string
				for i := range k {
					want = append(want, ins[(g*5+round+i*11)%len(ins)].ID)
				}
				raw, _ := json.Marshal(want)
				var got struct {
					Instances struct{ Instance []struct{ InstanceId string } }
				}
				if err := call(url.Values{"Action": {"DescribeInstances"}, "InstanceIds": {string(raw)}, "PageSize": {"100"}}, &got); err != nil {
					errs <- err
					return
				}
				var ids []string
				for _, in := range got.Instances.Instance {
					ids = append(ids, in.InstanceId)
				}
				slices.Sort(ids)
				slices.Sort(want)
				if want = slices.Compact(want); !slices.Equal(ids, want) {
					errs <- fmt.Errorf("goroutine %d round %d: asked %v, answered %v", g, round, want, ids)
					return
				}
				id := want[0]
				var evs struct {
					InstanceSystemEventSet struct{ InstanceSystemEventType []struct{ InstanceId string } }
				}
				if err := call(url.Values{"Action": {"DescribeInstanceHistoryEvents"}, "InstanceId": {id}, "EventCycleStatus": {"Scheduled"}}, &evs); err != nil {
					errs <- err
					return
				}
				for _, ev := range evs.InstanceSystemEventSet.InstanceSystemEventType {
					if ev.InstanceId != id {
						errs <- fmt.Errorf("goroutine %d round %d: events of %s answered one of %s", g, round, id, ev.InstanceId)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
