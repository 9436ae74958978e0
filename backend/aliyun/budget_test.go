package aliyun_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// publishedFleet has three instances in cn-hangzhou whose events ECS published an hour
// ago, ten minutes ago, and (not yet) in ten minutes.
func publishedFleet() *sim.Fleet {
	in := func(id string, published time.Duration) model.Instance {
		return model.Instance{ID: id, Name: id, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", Status: model.StatusRunning,
			InstanceType: "ecs.g7.large", Events: []model.Event{{ID: "e-" + id[2:], InstanceID: id, Type: model.EventMaintenanceRedeploy,
				CycleStatus: model.CycleScheduled, PublishTime: sim.Epoch.Add(published), NotBefore: sim.Epoch.Add(48 * time.Hour)}}}
	}
	return &sim.Fleet{Regions: []model.Region{{RegionID: "cn-hangzhou"}, {RegionID: "cn-shanghai"}, {RegionID: "cn-beijing"}}, Instances: []model.Instance{
		in("i-bp1hourago000000000001", -time.Hour), in("i-bp1tenminago0000000001", -10*time.Minute),
		in("i-bp1intenmin0000000001", 10*time.Minute)}}
}

// TestPendingEventsAsksForWhatWasPublishedSince pins the question the console asks every
// region often: DescribeInstanceHistoryEvents with the pending cycle statuses and
// EventPublishTime.Start in the API page's form (UTC to the second), answered with only
// the events published since, never one ECS has not published yet.
func TestPendingEventsAsksForWhatWasPublishedSince(t *testing.T) {
	var log *callLog
	f := newFixture(t, publishedFleet(), sim.Options{}, func(o *aliyun.Options) {
		log = newCallLog(time.Now)
		o.Transport = log
	})
	since := sim.Epoch.Add(-30*time.Minute + 500*time.Millisecond)
	evs, err := f.b.PendingEvents(context.Background(), backend.EventQuery{RegionID: "cn-hangzhou", PublishedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].InstanceID != "i-bp1tenminago0000000001" {
		t.Fatalf("events published since %s: %+v", since, evs)
	}
	if len(log.calls) != 1 {
		t.Fatalf("%d calls, want one", len(log.calls))
	}
	q, _ := url.ParseQuery(log.calls[0].key)
	if got, want := q.Get("EventPublishTime.Start"), "2026-11-25T02:30:00Z"; got != want {
		t.Errorf("EventPublishTime.Start=%q, want %q (UTC, to the second)", got, want)
	}
	if q.Get("InstanceEventCycleStatus.1") == "" {
		t.Errorf("no InstanceEventCycleStatus: the API would answer only final events (%v)", q)
	}

	// Ten minutes on, the third event is published and shows.
	f.clock.Advance(10 * time.Minute)
	evs, err = f.b.PendingEvents(context.Background(), backend.EventQuery{RegionID: "cn-hangzhou", PublishedSince: since})
	if err != nil || len(evs) != 2 {
		t.Fatalf("after its publish time: %+v, %v", evs, err)
	}
}

// TestTheBudgetHoldsEveryCallOfEveryRegion: with Budget 60 a minute, the calls of three
// regions wait for the one account-wide bucket, whatever the region: two at once, then 58
// a minute, so that no minute sees more than 60.
func TestTheBudgetHoldsEveryCallOfEveryRegion(t *testing.T) {
	f := newFixture(t, publishedFleet(), sim.Options{}, func(o *aliyun.Options) { o.Budget = 60 })
	start := f.time.Now()
	var sent []time.Time
	for i := range 150 {
		region := []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}[i%3]
		if _, err := f.b.Tasks(context.Background(), region, []string{"t-none"}); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, f.time.Now())
	}
	// Any minute, however cut: from each call, the calls within the next 60 s.
	for i, at := range sent {
		n := 0
		for _, s := range sent[i:] {
			if s.Sub(at) < time.Minute {
				n++
			}
		}
		if n > 60 {
			t.Fatalf("%d calls in the minute from %v, budget 60", n, at.Sub(start))
		}
	}
	if took := sent[len(sent)-1].Sub(start); took < 150*time.Second-5*time.Second {
		t.Fatalf("150 calls at 60 a minute took %v on the backend's clock", took)
	}
	if s := f.b.Spent(); s.Calls != 150 || s.Throttled != 0 {
		t.Fatalf("spent %+v", s)
	}
}
