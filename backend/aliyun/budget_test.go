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

// TestTheBudgetHoldsEveryCallOfEveryRegion: with Budget 60 a minute, 30 calls over three
// regions wait for the one account-wide bucket (two seconds' worth at once, then one a
// second), whatever the region.
func TestTheBudgetHoldsEveryCallOfEveryRegion(t *testing.T) {
	f := newFixture(t, publishedFleet(), sim.Options{}, func(o *aliyun.Options) { o.Budget = 60 })
	start := f.time.Now()
	for i := range 30 {
		region := []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}[i%3]
		if _, err := f.b.Tasks(context.Background(), region, []string{"t-none"}); err != nil {
			t.Fatal(err)
		}
	}
	if took := f.time.Now().Sub(start); took < 28*time.Second {
		t.Fatalf("30 calls at 60 a minute took %v on the backend's clock, want about 28s", took)
	}
	if s := f.b.Spent(); s.Calls != 30 || s.Throttled != 0 {
		t.Fatalf("spent %+v", s)
	}
}
