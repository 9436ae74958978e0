package aliyun

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// DefaultBudget is the calls a minute --api-budget allows by default, across every region
// and action: 600 (10 a second). ECS throttles per account,
// region and API, and that quota is shared with everything else on the account — the ECS
// console, RAM users, Terraform, autoscaling (ECS API throttling page,
// help.aliyun.com/document_detail/437902, read 2026-12). An idle console must stay a
// small part of it: 600 is what a listing of 100,000 pending instances needs to finish
// every few minutes; smaller fleets spend far less (the hub's cadence, fleet.Options).
const DefaultBudget = 600

// publishTimeLayout is EventPublishTime.Start's form on the API page: UTC to the second.
const publishTimeLayout = "2006-01-02T15:04:05Z"

// budget is the one account-wide token bucket every call waits for, whatever its region
// and action, before its region's own pace (limiter). It is a golang.org/x/time/rate
// Limiter driven with explicit times, like limiter, so tests step time. Its burst is two
// seconds' worth of calls: a look at a region, a few calls, never waits behind itself.
type budget struct {
	bucket *rate.Limiter
}

// newBudget spends perMinute calls a minute at most; perMinute <= 0 turns it off. A token
// bucket lets through at most its burst plus its rate times any span, so the rate is the
// budget less the burst: no minute, however it is cut, sees more than perMinute calls.
func newBudget(perMinute float64) *budget {
	if perMinute <= 0 {
		return &budget{bucket: rate.NewLimiter(rate.Inf, 0)}
	}
	burst := max(1, int(perMinute/30))
	return &budget{bucket: rate.NewLimiter(rate.Limit(max(perMinute-float64(burst), 1)/60), burst)}
}

// wait blocks until the call may leave under the budget, or until ctx ends; a caller that
// gives up hands its slot back.
func (g *budget) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	t := now()
	r := g.bucket.ReserveN(t, 1)
	d := r.DelayFrom(t)
	if d <= 0 {
		return ctx.Err()
	}
	if err := sleep(ctx, d); err != nil {
		r.CancelAt(now())
		return err
	}
	return nil
}

// Budget is the calls a minute the backend spends at most (0: no budget).
func (b *Backend) Budget() float64 {
	return max(b.o.Budget, 0)
}

// Spent reports the calls sent so far and the Throttling replies among them.
func (b *Backend) Spent() backend.Spent {
	return backend.Spent{Calls: b.calls.Load(), Throttled: b.throttled.Load()}
}

// PendingEvents lists the region's pending events that q selects (DescribeInstanceHistoryEvents
// with the pending cycle statuses and EventPublishTime.Start), every page. Publish time
// is the platform's: when ECS announced the event, not its deadline (NotBefore.Start
// filters that); finished events are not asked for.
func (b *Backend) PendingEvents(ctx context.Context, q backend.EventQuery) ([]model.Event, error) {
	var out []model.Event
	err := b.eventPagesSince(ctx, q.RegionID, nil, q.PublishedSince, func(evs []model.Event, _ int) error {
		out = append(out, evs...)
		return nil
	})
	return out, err
}

// DefaultRetries is how many times a read is retried after a 5xx, a timeout or a transport
// error (Options.Retries).
const DefaultRetries = 2

// GivesUpAfter is about how long a read that never answers takes to fail with the default
// retries: every attempt waits timeout, and the backoffs between them (200 ms, doubling)
// add a little. The console says it while the first listing waits (tester2 #16).
func GivesUpAfter(timeout time.Duration) time.Duration {
	d := time.Duration(DefaultRetries+1) * timeout
	for i, b := 0, 200*time.Millisecond; i < DefaultRetries; i, b = i+1, 2*b {
		d += b
	}
	return d
}
