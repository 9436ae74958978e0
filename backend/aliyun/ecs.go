package aliyun

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"golang.org/x/sync/errgroup"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Page sizes are the API's maxima: fewer calls for the same answer.
const (
	eventsPageSize     = 100 // DescribeInstanceHistoryEvents MaxResults (10–100)
	instancesPerCall   = 100 // DescribeInstances InstanceIds (≤100)
	tasksPerCall       = 100 // DescribeTasks TaskIds and PageSize (≤100)
	resourceIDsPerCall = 100 // DescribeInstanceHistoryEvents ResourceId.N
)

// Regions lists the regions the account can use (DescribeRegions).
func (b *Backend) Regions(ctx context.Context) ([]model.Region, error) {
	var out []model.Region
	err := b.read(ctx, b.o.Region, "DescribeRegions", func(c *ecs.Client) error {
		req := ecs.CreateDescribeRegionsRequest()
		resp := ecs.CreateDescribeRegionsResponse()
		if err := c.DoAction(req, resp); err != nil {
			return err
		}
		if err := b.requireFields("DescribeRegions", b.o.Region, resp.GetHttpContentBytes(), "Regions"); err != nil {
			return err
		}
		if len(resp.Regions.Region) == 0 {
			return b.unproven("DescribeRegions", b.o.Region, "no region at all (RequestId %s)", resp.RequestId)
		}
		out = out[:0]
		for _, r := range resp.Regions.Region {
			out = append(out, model.Region{RegionID: r.RegionId, LocalName: r.LocalName})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.RegionID
	}
	b.regionsMu.Lock()
	b.regions = ids
	b.regionsMu.Unlock()
	return out, nil
}

// allRegions is every region, asked once and then remembered.
func (b *Backend) allRegions(ctx context.Context) ([]string, error) {
	b.regionsMu.Lock()
	ids := b.regions
	b.regionsMu.Unlock()
	if ids != nil {
		return ids, nil
	}
	if _, err := b.Regions(ctx); err != nil {
		return nil, err
	}
	b.regionsMu.Lock()
	defer b.regionsMu.Unlock()
	return b.regions, nil
}

// Instances lists the instances with a pending event (Scheduled, Executing, Inquiring) in
// the query's regions, all regions when it names none. Regions are listed concurrently, at
// most RegionConcurrency at once; the first failure cancels the rest and is the error.
func (b *Backend) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	// An empty id would be sent as no filter at all: every instance would answer.
	if err := backend.CheckInstanceIDs(q.InstanceIDs); err != nil {
		return nil, err
	}
	regions := slices.Compact(slices.Sorted(slices.Values(q.Regions)))
	if len(regions) == 0 {
		var err error
		if regions, err = b.allRegions(ctx); err != nil {
			return nil, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.o.RegionConcurrency)
	var order listingOrder
	for _, region := range regions {
		if gctx.Err() != nil {
			break // a region failed (or the caller gave up): start no more
		}
		g.Go(func() error {
			cs, err := b.regionInstances(gctx, region, q.InstanceIDs)
			if err != nil {
				return err
			}
			order.add(cs, regionOrder(cs))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return order.gather(), nil
}

// regionInstances lists one region: the pending events page by page and, overlapping the
// pages, the instances behind them (DescribeInstances, 100 ids a call, each id asked once),
// with at most CallsPerRegion calls out at once. Events are attached to instances by
// instance id once every page is read, so an instance whose events span pages gets all of
// them. The instances come in the chunks DescribeInstances answered. The first failure
// stops the region's other calls and is the error.
func (b *Backend) regionInstances(ctx context.Context, region string, only []string) ([][]model.Instance, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	fetchers := b.o.CallsPerRegion - 1 // the pager holds one call
	g.SetLimit(max(fetchers, 1))
	var (
		mu      sync.Mutex
		fetched [][]model.Instance
	)
	fetch := func(ids []string) error {
		ins, err := b.describeInstances(gctx, region, ids)
		if err != nil {
			return err
		}
		mu.Lock()
		fetched = append(fetched, ins)
		mu.Unlock()
		return nil
	}
	// Only the pager (this goroutine) touches these.
	var (
		pages []eventPage // every pending event read, page by page, each kept as read
		// seen numbers the instances seen on a page (asked for or about to be) in the order
		// they were first seen; perInstance counts their events by that number.
		seen        map[string]int32
		perInstance []int32
		unasked     []string // instances seen on a page, not yet asked for
	)
	flush := func(all bool) error {
		for len(unasked) >= instancesPerCall || (all && len(unasked) > 0) {
			n := min(len(unasked), instancesPerCall)
			ids := unasked[:n:n]
			unasked = unasked[n:]
			if fetchers < 1 {
				// One call at a time: the instances are fetched between pages.
				if err := fetch(ids); err != nil {
					return err
				}
				continue
			}
			g.Go(func() error { return fetch(ids) }) // waits for a free call: the pager slows to the fetchers' pace
		}
		return nil
	}
	page := func(got []model.Event, total int) error {
		if seen == nil {
			// Sized from the first page's TotalCount, not grown page by page; within
			// presizedItems, since it is the server's word (they grow past that).
			size := min(total, presizedItems)
			seen = make(map[string]int32, size)
			perInstance = make([]int32, 0, size)
			pages = make([]eventPage, 0, size/eventsPageSize+1)
		}
		p := eventPage{events: got, instance: make([]int32, len(got))}
		for i := range got {
			n, ok := seen[got[i].InstanceID]
			if !ok {
				n = int32(len(perInstance))
				seen[got[i].InstanceID] = n
				perInstance = append(perInstance, 0)
				unasked = append(unasked, got[i].InstanceID)
			}
			perInstance[n]++
			p.instance[i] = n
		}
		pages = append(pages, p)
		return flush(false)
	}
	var err error
	if len(only) == 0 {
		err = b.eventPages(gctx, region, nil, page)
	}
	for chunk := range slices.Chunk(only, resourceIDsPerCall) {
		if err != nil {
			break
		}
		err = b.eventPages(gctx, region, chunk, page)
	}
	if err == nil {
		err = flush(true)
	}
	if err != nil {
		cancel() // the fetchers still out are of no use now
	}
	// A fetcher's failure cancels gctx and so fails the pager too: the fetcher's error is
	// the cause, and the one to report. A pager's own failure (not a cancellation) is the
	// cause when it came first: the fetchers then failed only because it cancelled them.
	ferr := g.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	if err != nil {
		return nil, err
	}
	byInstance := groupEvents(pages, perInstance)
	for _, chunk := range fetched {
		for i := range chunk {
			if n, ok := seen[chunk[i].ID]; ok {
				chunk[i].Events = byInstance[n]
			}
		}
	}
	return fetched, nil
}

// presizedItems is the most items a listing's maps and slices are sized for from a
// TotalCount before any is read: a hundred pages, a few hundred kilobytes, whatever a
// server claims; past that they grow as the items come.
const presizedItems = 100 * eventsPageSize

// eventPage is one page's pending events, as read, and the number (regionInstances' seen)
// of each one's instance.
type eventPage struct {
	events   []model.Event
	instance []int32
}

// groupEvents is each instance's events, for instance number n (regionInstances' seen)
// byInstance[n], perInstance[n] of them: soonest first, page order among equals. An
// instance whose events lie next to each other on one page, already in that order (most
// instances: one event, or a few listed together), gets that part of the page's array, its
// capacity cut to its length so that an append copies; the others get theirs laid out in
// one array, by a counting sort, linear in their events. Before, every event was copied
// into one region-wide array: at 100,000 instances, 25 MB more to allocate, touch and
// collect (issue 20).
func groupEvents(pages []eventPage, perInstance []int32) (byInstance [][]model.Event) {
	const laidOut = -1
	// Where each instance's run of events starts, and how long it is: a run ends, and the
	// instance is laid out instead (page laidOut), at an event not next to the last one,
	// on another page, or sooner than the last one.
	type run struct{ page, at, n int32 }
	runs := make([]run, len(perInstance))
	scattered := 0 // events of the instances laid out
	for p, pg := range pages {
		for i, n := range pg.instance {
			r := &runs[n]
			switch {
			case r.n == 0:
				*r = run{int32(p), int32(i), 1}
			case r.page == int32(p) && r.at+r.n == int32(i) && !pg.events[i].NotBefore.Before(pg.events[i-1].NotBefore):
				r.n++
			case r.page != laidOut:
				r.page = laidOut
				scattered += int(perInstance[n])
			}
		}
	}
	byInstance = make([][]model.Event, len(perInstance))
	var laid []model.Event
	if scattered > 0 {
		laid = make([]model.Event, 0, scattered)
	}
	for n, r := range runs {
		if r.n == 0 {
			continue // no event (not a number regionInstances gives)
		}
		if r.page != laidOut {
			byInstance[n] = pages[r.page].events[r.at : r.at+r.n : r.at+r.n]
			continue
		}
		lo := len(laid)
		laid = laid[:lo+int(perInstance[n])]
		byInstance[n] = laid[lo:lo:len(laid)]
	}
	for _, pg := range pages {
		for i, n := range pg.instance {
			if runs[n].page == laidOut {
				byInstance[n] = append(byInstance[n], pg.events[i])
			}
		}
	}
	// Most instances have one or two pending events: an insertion sort, stable.
	for n, r := range runs {
		if r.page != laidOut {
			continue
		}
		evs := byInstance[n]
		for i := 1; i < len(evs); i++ {
			for j := i; j > 0 && evs[j].NotBefore.Before(evs[j-1].NotBefore); j-- {
				evs[j], evs[j-1] = evs[j-1], evs[j]
			}
		}
	}
	return byInstance
}

// eventPages pages through DescribeInstanceHistoryEvents for the pending cycle statuses,
// which must be named: by default the API returns only final events. Each page's pending
// events go to page once the whole page checked out, before the next page is asked for.
//
// page is also given the TotalCount the page reported.
func (b *Backend) eventPages(ctx context.Context, region string, instanceIDs []string, page func(events []model.Event, total int) error) error {
	return b.eventPagesSince(ctx, region, instanceIDs, time.Time{}, page)
}

// eventPagesSince is eventPages for the events published at or after since (all when
// zero): EventPublishTime.Start, to the second in UTC, the form the API page gives
// (yyyy-MM-ddTHH:mm:ssZ).
func (b *Backend) eventPagesSince(ctx context.Context, region string, instanceIDs []string, since time.Time, page func(events []model.Event, total int) error) error {
	statuses := make([]string, len(model.PendingCycleStatuses))
	for i, s := range model.PendingCycleStatuses {
		statuses[i] = string(s)
	}
	const action = "DescribeInstanceHistoryEvents"
	guard := b.newPageGuard(action, region)
	token := ""
	var body replyBody
	defer body.release()
	strs := interner{}
	for {
		var next, reqID string
		var total int
		var ids []string      // every event id on the page, pending or not
		var got []model.Event // this page's, kept only once the whole page checked out
		err := b.readInto(ctx, region, action, &body, func(c *ecs.Client) error {
			got, ids = got[:0], ids[:0]
			req := ecs.CreateDescribeInstanceHistoryEventsRequest()
			req.RegionId = region
			req.InstanceEventCycleStatus = &statuses
			req.MaxResults = requests.NewInteger(eventsPageSize)
			req.NextToken = token
			if !since.IsZero() {
				req.EventPublishTimeStart = since.UTC().Format(publishTimeLayout)
			}
			if len(instanceIDs) > 0 {
				ids := slices.Clone(instanceIDs)
				req.ResourceId = &ids
			}
			raw := responses.NewCommonResponse()
			if err := c.DoAction(req, raw); err != nil {
				return err
			}
			data, err := body.of(raw)
			if err != nil {
				return err
			}
			resp, err := decodeEventsWith(data, strs)
			defer resp.release()
			if err := b.replyHas(action, region, data, resp.RequestId, err,
				part{"InstanceSystemEventSet", resp.InstanceSystemEventSet != nil}, part{"TotalCount", resp.TotalCount != nil}); err != nil {
				return err
			}
			var n int
			n, total = len(resp.InstanceSystemEventSet.InstanceSystemEventType), *resp.TotalCount
			switch {
			case n > eventsPageSize || n > total:
				return b.unproven(action, region, "%d events on a page of at most %d, TotalCount %d (RequestId %s)", n, eventsPageSize, total, resp.RequestId)
			case n == 0 && total > 0 && token == "":
				return b.unproven(action, region, "an empty first page while TotalCount is %d (RequestId %s)", total, resp.RequestId)
			}
			got, ids = make([]model.Event, 0, n), make([]string, 0, n)
			// The page's attributes are copied out of the decoder's scratch into one array
			// of their number: one each was 115,000 allocations at 100,000 instances.
			var attrs []model.ExtendedAttribute
			if k := len(resp.InstanceSystemEventSet.attrs); k > 0 {
				attrs = make([]model.ExtendedAttribute, 0, k)
			}
			for _, e := range resp.InstanceSystemEventSet.InstanceSystemEventType {
				ids = append(ids, e.EventId)
				if err := b.onlyAsked(action, region, "instance", instanceIDs, e.InstanceId); err != nil {
					return err
				}
				ev := model.Event{
					ID:          e.EventId,
					InstanceID:  e.InstanceId,
					Type:        model.EventType(e.EventType),
					CycleStatus: model.EventCycleStatus(e.EventCycleStatus),
					PublishTime: parseTime(e.EventPublishTime),
					NotBefore:   parseTime(e.NotBefore),
					FinishTime:  parseTime(e.EventFinishTime),
					Reason:      e.Reason,
					ImpactLevel: e.ImpactLevel,
					ReasonCode:  e.ReasonCode,
				}
				if e.ExtendedAttribute != nil {
					// A copy for this event alone: the event owns it.
					attrs = append(attrs, *e.ExtendedAttribute)
					ev.ExtendedAttribute = &attrs[len(attrs)-1]
				}
				// The filter is the server's; a final event slipping through is not shown.
				if ev.CycleStatus.Pending() && ev.InstanceID != "" {
					got = append(got, ev)
				}
			}
			next, reqID = resp.NextToken, resp.RequestId
			return nil
		})
		if err != nil {
			return err
		}
		// Checked before the page is kept: a page that proves the listing endless is
		// not one of its pages.
		more, err := guard.page(reqID, ids, total, next, false)
		if err != nil {
			return err
		}
		if err := page(got, total); err != nil {
			return err
		}
		if !more {
			return nil
		}
		token = next
	}
}

// describeInstances fetches up to 100 instances by id. The answer is only ever about those
// ids: an instance not asked for makes it an error, never a listing to pick from.
func (b *Backend) describeInstances(ctx context.Context, region string, ids []string) ([]model.Instance, error) {
	if len(ids) == 0 {
		// "[]" is no filter at all to the API: it would list every instance.
		return nil, nil
	}
	if err := backend.CheckInstanceIDs(ids); err != nil {
		return nil, err
	}
	idJSON := instanceIDsJSON(ids)
	var out []model.Instance
	var body replyBody
	defer body.release()
	err := b.readInto(ctx, region, "DescribeInstances", &body, func(c *ecs.Client) error {
		req := ecs.CreateDescribeInstancesRequest()
		req.RegionId = region
		req.InstanceIds = idJSON
		req.PageSize = requests.NewInteger(instancesPerCall)
		const action = "DescribeInstances"
		raw := responses.NewCommonResponse()
		if err := c.DoAction(req, raw); err != nil {
			return err
		}
		data, err := body.of(raw)
		if err != nil {
			return err
		}
		resp, err := decodeInstances(data)
		defer resp.release()
		if err := b.replyHas(action, region, data, resp.RequestId, err,
			part{"Instances", resp.Instances != nil}, part{"TotalCount", resp.TotalCount != nil}); err != nil {
			return err
		}
		// Every id fits one page of 100, so the page is the whole answer.
		if err := b.checkPage(action, region, len(resp.Instances.Instance), 1, instancesPerCall, *resp.TotalCount); err != nil {
			return err
		}
		if n := len(resp.Instances.Instance); n != *resp.TotalCount {
			return b.unproven(action, region, "%d instances while TotalCount is %d (RequestId %s)", n, *resp.TotalCount, resp.RequestId)
		}
		out = make([]model.Instance, 0, len(resp.Instances.Instance))
		// Each id asked is answered at most once: an instance not asked for, or one twice
		// (two rows for one instance), makes the reply an error. A set, not a scan of ids
		// per instance: 10,000 comparisons a page otherwise.
		unanswered := make(map[string]bool, len(ids))
		for _, id := range ids {
			unanswered[id] = true
		}
		for i := range resp.Instances.Instance {
			in := &resp.Instances.Instance[i]
			if !unanswered[in.InstanceId] {
				if err := b.onlyAsked(action, region, "instance", ids, in.InstanceId); err != nil {
					return err
				}
				return b.unproven(action, region, "instance %s twice in one reply (RequestId %s)", in.InstanceId, resp.RequestId)
			}
			delete(unanswered, in.InstanceId)
			out = append(out, toInstance(in, region, &b.tags))
		}
		return nil
	})
	return out, err
}

// instanceIDsJSON is DescribeInstances' InstanceIds: ids as a JSON array. The ids passed
// CheckInstanceIDs (i- and lowercase letters and digits): nothing in them to escape, and
// json.Marshal, which wrote the same bytes, was 1 % of `events`' CPU (issue 20).
func instanceIDsJSON(ids []string) string {
	var b strings.Builder
	b.Grow(len(ids)*len(`"i-bp1azkttqpldxgtedxxx",`) + 2)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(id)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// instancesReply is the part of a DescribeInstances reply the backend reads (decodeInstances
// reads it). Names are the API's. The parts a reply must have are pointers: nil when the
// key is missing or null, which is how replyHas checks them.
type instancesReply struct {
	RequestId  string
	TotalCount *int
	Instances  *instanceSet
}

type instanceSet struct {
	Instance []listedInstance
	tags     []listedTag // what Instance's Tags are parts of
}

// listedInstance is the part of a DescribeInstances Instance that toInstance reads.
type listedInstance struct {
	InstanceId           string
	InstanceName         string
	RegionId             string
	ZoneId               string
	InstanceType         string
	InstanceTypeFamily   string
	Status               string
	InstanceChargeType   string
	ExpiredTime          string
	DeploymentSetId      string
	LocalStorageAmount   int
	LocalStorageCapacity int64
	DedicatedHostId      string   // DedicatedHostAttribute.DedicatedHostId
	LockReasons          []string // OperationLocks.LockReason[].LockReason
	Tags                 []listedTag
}

type listedTag struct {
	Key, Value, TagKey, TagValue string
}

// eventsReply is the part of a DescribeInstanceHistoryEvents reply the backend reads
// (decodeEvents reads it; see instancesReply).
type eventsReply struct {
	RequestId              string
	TotalCount             *int
	NextToken              string
	InstanceSystemEventSet *eventSet
}

type eventSet struct {
	InstanceSystemEventType []listedEvent
	attrs                   []model.ExtendedAttribute // what the events' ExtendedAttribute point to
}

// part is one part a reply must have, and whether it came.
type part struct {
	name    string
	present bool
}

// replyHas is requireFields for a reply decoded into one of the lean types above: raw (the
// body) is not empty, decoding it did not fail (decodeErr), RequestId is not empty, and
// every part is present and not null.
func (b *Backend) replyHas(action, region string, raw []byte, requestID string, decodeErr error, parts ...part) error {
	if len(raw) == 0 {
		return b.unproven(action, region, "an empty body")
	}
	if decodeErr != nil {
		if requestID != "" {
			return b.unproven(action, region, "a body that is not its reply (%v; RequestId %s)", decodeErr, requestID)
		}
		return b.unproven(action, region, "a body that is not its reply (%v)", decodeErr)
	}
	if requestID == "" {
		return b.unproven(action, region, "no RequestId")
	}
	for _, p := range parts {
		if !p.present {
			return b.unproven(action, region, "no %s (RequestId %s)", p.name, requestID)
		}
	}
	return nil
}

// listedEvent is the part of an InstanceSystemEventType the backend reads.
type listedEvent struct {
	EventId          string
	InstanceId       string
	EventPublishTime string
	EventFinishTime  string
	NotBefore        string
	Reason           string
	ImpactLevel      string
	EventType        string // EventType.Name
	EventCycleStatus string // EventCycleStatus.Name
	ReasonCode       string
	// ExtendedAttribute is nil when the reply has none (or null).
	ExtendedAttribute *model.ExtendedAttribute
}

// intern is the one copy of s kept for the whole listing: regions, zones, types, statuses,
// tag keys and values, event types and reasons repeat across 100,000 instances, and one
// string each instead of one per instance is a fifth of what a listing holds. The decoders
// intern these as they read them (interner).
func intern(s string) string { return unique.Make(s).Value() }

// toInstance is the model of a listed instance; its tag map is tags' (shared, read only).
func toInstance(in *listedInstance, region string, tags *tagSets) model.Instance {
	m := model.Instance{
		ID:                   in.InstanceId,
		Name:                 in.InstanceName,
		RegionID:             in.RegionId,
		ZoneID:               in.ZoneId,
		InstanceType:         in.InstanceType,
		Family:               in.InstanceTypeFamily,
		Status:               model.InstanceStatus(in.Status),
		ChargeType:           in.InstanceChargeType,
		ExpiredTime:          parseTime(in.ExpiredTime),
		LocalStorageAmount:   in.LocalStorageAmount,
		LocalStorageCapacity: in.LocalStorageCapacity,
		DedicatedHostID:      in.DedicatedHostId,
		DeploymentSetID:      in.DeploymentSetId,
	}
	if m.RegionID == "" {
		m.RegionID = region
	}
	if m.ChargeType != model.PrePaid {
		// Pay-as-you-go instances report a far-future placeholder (2099-12-31T15:59Z).
		m.ExpiredTime = time.Time{}
	}
	if m.Family == "" {
		m.Family = model.FamilyOf(m.InstanceType)
	}
	for _, l := range in.LockReasons {
		m.OperationLocks = append(m.OperationLocks, model.LockReason(l))
	}
	m.Tags = tags.of(in.Tags)
	return m
}

// Tasks reports tasks in region (DescribeTasks, 100 ids a call). Only the tasks asked for
// are answered; a task id the API does not list is left out.
func (b *Backend) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	var out []model.Task
	for chunk := range slices.Chunk(ids, tasksPerCall) {
		ts, _, err := b.describeTasks(ctx, region, 1, func(req *ecs.DescribeTasksRequest) {
			req.TaskIds = strings.Join(chunk, ",")
		}, taskMatch{ids: chunk})
		if err != nil {
			return nil, err
		}
		out = append(out, ts.tasks...)
	}
	return out, nil
}

// ListTasks lists the region's RedeployInstance tasks that match q (DescribeTasks), every
// page, newest first as the API orders them.
func (b *Backend) ListTasks(ctx context.Context, q backend.TaskQuery) ([]model.Task, error) {
	if err := backend.CheckInstanceIDs(q.ResourceIDs); err != nil {
		return nil, err
	}
	ts, _, err := b.listTasks(ctx, q)
	return ts, err
}

// listTasks pages through DescribeTasks for q, returning the RequestId of the first page.
// A task that moves between pages while they are read (a new one pushes the rest down) is
// listed once.
func (b *Backend) listTasks(ctx context.Context, q backend.TaskQuery) ([]model.Task, string, error) {
	set := func(req *ecs.DescribeTasksRequest) {
		req.TaskAction = model.ActionRedeployInstance
		req.TaskStatus = string(q.Status)
		if len(q.ResourceIDs) > 0 {
			ids := slices.Clone(q.ResourceIDs)
			req.ResourceIds = &ids
		}
	}
	match := taskMatch{action: model.ActionRedeployInstance, resources: q.ResourceIDs, status: q.Status}
	var out []model.Task
	var firstID string
	seen := map[string]bool{}
	guard := b.newPageGuard("DescribeTasks", q.RegionID)
	for page := 1; ; page++ {
		p, reqID, err := b.describeTasks(ctx, q.RegionID, page, set, match)
		if err != nil {
			return nil, "", err
		}
		if page == 1 {
			firstID = reqID
		}
		ids := make([]string, len(p.tasks))
		for i, t := range p.tasks {
			ids[i] = t.ID
		}
		more, err := guard.page(reqID, ids, p.total, "", page*tasksPerCall < p.total)
		if err != nil {
			return nil, "", err
		}
		for _, t := range p.tasks {
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
		if !more {
			return out, firstID, nil
		}
	}
}

// taskMatch is what a DescribeTasks answer was asked for; a task outside it makes the
// reply an error. Empty fields match all.
type taskMatch struct {
	ids       []string
	action    string
	resources []string
	status    model.TaskStatus
}

type taskPage struct {
	tasks []model.Task
	total int
}

// describeTasks is page number of DescribeTasks (100 tasks a page), checked against what
// was asked, with its RequestId.
func (b *Backend) describeTasks(ctx context.Context, region string, number int, set func(*ecs.DescribeTasksRequest), m taskMatch) (taskPage, string, error) {
	const action = "DescribeTasks"
	var out taskPage
	var reqID string
	err := b.read(ctx, region, action, func(c *ecs.Client) error {
		req := ecs.CreateDescribeTasksRequest()
		req.RegionId = region
		req.PageSize = requests.NewInteger(tasksPerCall)
		req.PageNumber = requests.NewInteger(number)
		set(req)
		resp := ecs.CreateDescribeTasksResponse()
		if err := c.DoAction(req, resp); err != nil {
			return err
		}
		if err := b.requireFields(action, region, resp.GetHttpContentBytes(), "TaskSet", "TotalCount"); err != nil {
			return err
		}
		if err := b.checkPage(action, region, len(resp.TaskSet.Task), number, tasksPerCall, resp.TotalCount); err != nil {
			return err
		}
		reqID = resp.RequestId
		out = taskPage{total: resp.TotalCount}
		for _, t := range resp.TaskSet.Task {
			if err := b.onlyAsked(action, region, "task", m.ids, t.TaskId); err != nil {
				return err
			}
			if err := b.onlyAsked(action, region, "instance", m.resources, t.ResourceId); err != nil {
				return err
			}
			if (m.action != "" && t.TaskAction != m.action) || (m.status != "" && t.TaskStatus != string(m.status)) {
				return b.unproven(action, region, "task %s (%s, %s) when only %s tasks %s were asked for (RequestId %s)",
					t.TaskId, t.TaskAction, t.TaskStatus, m.action, orAny(string(m.status)), resp.RequestId)
			}
			out.tasks = append(out.tasks, model.Task{
				ID:           t.TaskId,
				Action:       t.TaskAction,
				RegionID:     region,
				ResourceID:   t.ResourceId,
				Status:       model.TaskStatus(t.TaskStatus),
				CreationTime: parseTime(t.CreationTime),
				FinishedTime: parseTime(t.FinishedTime),
				FailedReason: t.FailedReason,
			})
		}
		return nil
	})
	return out, reqID, err
}

func orAny(s string) string {
	if s == "" {
		return "in any status"
	}
	return s
}

// parseTime reads the API's timestamps, which come with and without seconds
// (2026-11-25T03:00:00Z, 2026-11-25T03:00Z). Unparseable or empty is the zero time.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	layouts := timeLayouts
	if len(s) > 16 && s[13] == ':' && s[16] != ':' {
		// No seconds, the API's usual form: try its layout first, as a failed Parse
		// allocates its error.
		layouts = timeLayoutsMinutes
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

var (
	timeLayouts        = []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}
	timeLayoutsMinutes = []string{"2006-01-02T15:04Z07:00", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"}
)
