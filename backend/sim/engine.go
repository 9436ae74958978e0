// Package sim is the offline ECS simulator: an in-memory fleet on a clock it owns, with the
// RedeployInstance lifecycle, the API's refusals and injectable faults. It backs --demo and
// tests in-process, and the sim-server HTTP endpoint.
package sim

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// Options tune an engine.
type Options struct {
	// Seed drives every random decision the engine makes after the fleet exists.
	Seed int64
	// FailureRate is the fraction of redeploys that fail and roll back (0..1).
	FailureRate float64
	// Faults are injected into the API faces (in-process Backend and HTTP server).
	Faults Faults
}

// Phase durations of a redeploy at real speed. The ScaledClock compresses them for demos.
var (
	StoppingDuration      = 90 * time.Second
	ForceStopDuration     = 10 * time.Second
	MigrationDuration     = 3 * time.Minute
	StartingDuration      = 100 * time.Second
	StoppedStartDuration  = 4 * time.Minute // Stopped instances: migrate and boot in Starting
	FailureRollbackReason = "The target host could not accept the instance"
)

type phase struct {
	status model.InstanceStatus
	until  time.Time
}

type taskState struct {
	task       model.Task
	inst       *instState
	origStatus model.InstanceStatus
	eventID    string
	phases     []phase
	fail       bool
}

type instState struct {
	model.Instance
	// wipes counts local-disk re-initializations, so tests can see data was wiped.
	wipes int
	// active is the in-flight redeploy, if any.
	active *taskState
	// seq is the instance's place in fleet order, and firstEvent the number of its first
	// event: events are numbered in fleet order, then in the instance's order. Neither
	// changes (the engine never adds or removes instances or events), so they are the
	// cursors that NextToken carries.
	// int32 (two billion of each is room enough) takes the state into a smaller size
	// class: 3 MB at 100,000 instances (issue 20).
	seq, firstEvent int32
	// tags are Tags sorted by key, for listings that answer them in order. Built once, as
	// an instance's tags never change.
	tags []Tag
	// drills are the instance's simulated events (CreateSimulatedSystemEvents), in the
	// order they were made, and drillSeq the number each has in the listing's order: after
	// every event of the fleet, so the fleet's numbering (seq, firstEvent) never moves.
	drills   []model.Event
	drillSeq []int
}

// eventCount keys the number of events of one region, cycle status and type, kept up to
// date as events change so a page's TotalCount does not cost a scan of the region.
type eventCount struct {
	region string
	status model.EventCycleStatus
	typ    model.EventType
}

// Engine is the simulated ECS account. All methods are safe for concurrent use; reads
// share the lock and do not wait for each other.
type Engine struct {
	// mu guards the fleet and the tasks. Reads hold it shared; settling in-flight
	// redeploys and starting one hold it alone.
	mu        sync.RWMutex
	clock     Clock
	opts      Options
	rng       *rand.Rand
	regions   []model.Region
	insts     []*instState
	byID      map[string]*instState
	byRegion  map[string][]*instState // fleet order
	counts    map[eventCount]int
	tasks     map[string]*taskState
	taskOrder []*taskState
	inflight  []*taskState
	faults    *faultState
	// settledLen and nextChange say when a read must settle first: when a redeploy was
	// started since the last settle, or an in-flight one reaches its next phase.
	settledLen int
	nextChange time.Time
	// lastPublish is the latest publish time of any event: before it, some event is not
	// yet published and listings must look at each event's.
	lastPublish time.Time
	// Request ids draw from their own generator under their own lock, so a read that
	// answers with a RequestId does not take mu exclusively.
	ridMu  sync.Mutex
	ridRng *rand.Rand
	// maint holds the maintenance attributes a scenario set or a call changed
	// (maintenance.go), under mu; the others are drawn from the instance's id (maintOf).
	maint map[string]*model.MaintenanceAttribute
	// nEvents is the number of the fleet's events; drills are numbered from it on, in
	// drillOrder.
	nEvents    int
	drillOrder []drillRef
	// timers are events that end by themselves at a time: an accepted event's default
	// action, a drill reaching its NotBefore.
	timers []timer
	// sorted are the sorted forms of the tag maps seen so far (prepare), while instances
	// may still come; nil after.
	sorted map[unsafe.Pointer][]Tag
	// loading draws the fleet's regions when they are first needed (NewGenerated); nil
	// when the engine was made whole.
	loading *loader
}

// New makes an engine over fleet f. The engine owns a copy; f is not changed.
func New(f *Fleet, clock Clock, opts Options) *Engine {
	e := newEngine(f.Regions, clock, opts, len(f.Instances))
	e.learn(e.prepare(f.Instances))
	e.sorted = nil
	// Only the attributes a scenario sets are kept; the others are drawn from the id when
	// asked (maintOf): 100,000 of them made up front were 15 MB nobody reads (issue 20).
	e.maint = make(map[string]*model.MaintenanceAttribute, len(f.Maintenance))
	for id, a := range f.Maintenance {
		if _, ok := e.byID[id]; ok {
			a.InstanceID = id
			e.maint[id] = &a
		}
	}
	return e
}

// newEngine is an engine over regions with no instances yet, room made for n.
func newEngine(regions []model.Region, clock Clock, opts Options, n int) *Engine {
	e := &Engine{
		clock:    clock,
		opts:     opts,
		rng:      rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		regions:  slices.Clone(regions),
		byID:     make(map[string]*instState, n),
		byRegion: make(map[string][]*instState),
		counts:   make(map[eventCount]int),
		tasks:    make(map[string]*taskState),
		ridRng:   rand.New(rand.NewPCG(uint64(opts.Seed), 0x1d)),
		maint:    map[string]*model.MaintenanceAttribute{},
		sorted:   map[unsafe.Pointer][]Tag{},
	}
	e.faults = newFaultState(opts.Faults, opts.Seed)
	e.insts = make([]*instState, 0, n)
	return e
}

// prepare makes the engine's state of instances ins, which come next in fleet order:
// nothing another goroutine reads, so it needs no lock, but only one goroutine prepares
// at a time (it reads what learn made of the instances before).
func (e *Engine) prepare(ins []model.Instance) []instState {
	nEvents := 0
	for i := range ins {
		nEvents += len(ins[i].Events)
	}
	// Every instance's state and events each in one array, in fleet order: two
	// allocations instead of 200,000 at 100,000 instances, which were a third of the
	// engine's start (issue 20). The engine never adds or removes instances or events, so
	// nothing outgrows its place; each slice is capped, so an append could not run into
	// the next instance's.
	states := make([]instState, len(ins))
	events := make([]model.Event, 0, nEvents)
	for i := range ins {
		st := &states[i]
		st.Instance = ins[i]
		at := len(events)
		events = append(events, st.Events...)
		st.Events = events[at:len(events):len(events)]
	}
	e.number(states)
	return states
}

// number gives states, which come next in fleet order, their places (seq, firstEvent) and
// their sorted tags, and caps each state's events, so that an append could never run into
// another's. Like prepare, one goroutine at a time.
func (e *Engine) number(states []instState) {
	seq, first := len(e.insts), e.nEvents
	for i := range states {
		st := &states[i]
		st.seq, st.firstEvent = int32(seq+i), int32(first)
		st.Events = st.Events[:len(st.Events):len(st.Events)]
		first += len(st.Events)
		// Instances that share a tag map (a generated fleet makes each set once, and maps
		// are read only) share its sorted form: one per instance was 7 MB at 100,000
		// (issue 20).
		key := reflect.ValueOf(st.Tags).UnsafePointer()
		tags, ok := e.sorted[key]
		if !ok {
			tags = make([]Tag, 0, len(st.Tags))
			for k, v := range st.Tags {
				tags = append(tags, Tag{k, v})
			}
			slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
			e.sorted[key] = tags
		}
		st.tags = tags
	}
}

// learn adds the prepared states to the fleet, after every instance it has. The caller
// holds mu, or is the only one who knows e.
func (e *Engine) learn(states []instState) {
	for i := range states {
		st := &states[i]
		e.insts = append(e.insts, st)
		e.byID[st.ID] = st
		e.byRegion[st.RegionID] = append(e.byRegion[st.RegionID], st)
		for j := range st.Events {
			e.countEvent(st, &st.Events[j], +1)
			if p := st.Events[j].PublishTime; p.After(e.lastPublish) {
				e.lastPublish = p
			}
		}
		e.nEvents += len(st.Events)
	}
}

func (e *Engine) countEvent(in *instState, ev *model.Event, n int) {
	e.counts[eventCount{in.RegionID, ev.CycleStatus, ev.Type}] += n
}

// rlock takes mu shared with every in-flight redeploy settled to now. Settling changes
// state, so when it is due the lock is taken alone for it first; a redeploy started in
// between is settled by the next read.
func (e *Engine) rlock() {
	e.mu.RLock()
	if e.settleDue(e.clock.Now()) {
		e.mu.RUnlock()
		e.mu.Lock()
		// The clock is read under the exclusive lock, so settles run in time order and
		// a status never steps back.
		e.settle(e.clock.Now())
		e.mu.Unlock()
		e.mu.RLock()
	}
}

func (e *Engine) settleDue(now time.Time) bool {
	return len(e.inflight) != e.settledLen || (len(e.inflight) > 0 && !now.Before(e.nextChange)) || e.timerDue(now)
}

// Now is the engine's current time.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// Until fires once the engine's clock reads t or later: the wait for an instant of the
// simulation (a maintenance window's start), whatever its speed. A clock without its own
// Until (every clock of this package has one) is taken to run at the wall clock's rate.
func (e *Engine) Until(t time.Time) <-chan time.Time {
	if c, ok := e.clock.(interface {
		Until(time.Time) <-chan time.Time
	}); ok {
		return c.Until(t)
	}
	return time.After(t.Sub(e.clock.Now()))
}

// Regions lists the fleet's regions.
func (e *Engine) Regions() []model.Region { return slices.Clone(e.regions) }

// HasRegion reports whether id is one of the fleet's regions.
func (e *Engine) HasRegion(id string) bool {
	for _, r := range e.regions {
		if r.RegionID == id {
			return true
		}
	}
	return false
}

// settle advances every in-flight redeploy and every timed event to now. Work is
// O(in-flight tasks + timers).
func (e *Engine) settle(now time.Time) {
	e.fireTimers(now)
	if len(e.inflight) == 0 {
		e.settledLen = 0
		return
	}
	keep := e.inflight[:0]
	e.nextChange = time.Time{}
	for _, t := range e.inflight {
		if !e.advance(t, now) {
			keep = append(keep, t)
			if next := t.nextPhaseEnd(now); e.nextChange.IsZero() || next.Before(e.nextChange) {
				e.nextChange = next
			}
		}
	}
	clear(e.inflight[len(keep):])
	e.inflight = keep
	e.settledLen = len(keep)
}

// nextPhaseEnd is when the task's current phase ends: the next time settling changes it.
func (t *taskState) nextPhaseEnd(now time.Time) time.Time {
	for _, p := range t.phases {
		if now.Before(p.until) {
			return p.until
		}
	}
	return now
}

// advance moves one task along its phases; it reports whether the task ended.
func (e *Engine) advance(t *taskState, now time.Time) bool {
	in := t.inst
	for _, p := range t.phases {
		if now.Before(p.until) {
			in.Status = p.status
			return false
		}
	}
	end := t.phases[len(t.phases)-1].until
	t.task.FinishedTime = end
	in.active = nil
	if t.fail {
		in.Status = t.origStatus
		t.task.Status = model.TaskFailed
		t.task.FailedReason = FailureRollbackReason
		return true
	}
	in.Status = model.StatusRunning
	t.task.Status = model.TaskFinished
	// The instance now runs on another host, so every pending event about its old host
	// is Avoided, not only the one answered; expiry and account events follow the
	// instance and stay.
	for i := range in.Events {
		if ev := &in.Events[i]; ev.CycleStatus.Pending() && hostEvent(ev.Type) {
			e.countEvent(in, ev, -1)
			ev.CycleStatus = model.CycleAvoided
			ev.FinishTime = end
			e.countEvent(in, ev, +1)
		}
	}
	// A drill of a maintenance reboot is Avoided by restarting the instance before its
	// time (CreateSimulatedSystemEvents), and a redeploy restarts it.
	for i := range in.drills {
		if ev := &in.drills[i]; ev.CycleStatus.Pending() && ev.Type == model.EventMaintenanceReboot {
			e.countEvent(in, ev, -1)
			ev.CycleStatus = model.CycleAvoided
			ev.FinishTime = end
			e.countEvent(in, ev, +1)
		}
	}
	if in.HasLocalDisks() {
		in.wipes++
	}
	return true
}

// hostEvent reports whether an event of type t is about the physical host (ECS's
// SystemMaintenance.* and SystemFailure.* families), which a move to another host answers.
func hostEvent(t model.EventType) bool {
	return strings.HasPrefix(string(t), "SystemMaintenance.") || strings.HasPrefix(string(t), "SystemFailure.")
}

// Redeploy starts a redeploy of instance id in region, or refuses it with the API's error.
func (e *Engine) Redeploy(region, id string, forceStop bool) (model.Task, error) {
	e.await(region)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.settle(now)
	in, ok := e.byID[id]
	if !ok || in.RegionID != region {
		return model.Task{}, &backend.APIError{Code: model.CodeInstanceNotFound, HTTPStatus: 404,
			Message: "The specified InstanceId does not exist.", RequestID: e.requestIDLocked()}
	}
	// ECS refuses a second redeploy while one is under way, whoever started it; the
	// instance passes through Stopped, where the eligibility rules alone would accept it.
	if t := in.active; t != nil {
		return model.Task{}, &backend.APIError{Code: model.CodeIncorrectInstanceStatus, HTTPStatus: 403,
			Message:   fmt.Sprintf("The instance is being redeployed by task %s (Processing); wait for it to end.", t.task.ID),
			RequestID: e.requestIDLocked()}
	}
	el := model.Evaluate(in.withDrills(), now, forceStop)
	if b := el.FirstBlock(); b != nil {
		return model.Task{}, backend.NewAPIError(*b, e.requestIDLocked())
	}
	t := &taskState{
		inst:       in,
		origStatus: in.Status,
		eventID:    el.Event.ID,
		fail:       e.opts.FailureRate > 0 && e.rng.Float64() < e.opts.FailureRate,
	}
	t.task = model.Task{
		ID:           "t-" + idStem(in.ID) + randID(e.rng, 17),
		Action:       model.ActionRedeployInstance,
		RegionID:     region,
		ResourceID:   id,
		Status:       model.TaskProcessing,
		CreationTime: now,
	}
	at := now
	add := func(s model.InstanceStatus, d time.Duration) {
		at = at.Add(d)
		t.phases = append(t.phases, phase{status: s, until: at})
	}
	if in.Status == model.StatusRunning {
		stop := StoppingDuration
		if forceStop {
			stop = ForceStopDuration
		}
		add(model.StatusStopping, stop)
		add(model.StatusStopped, MigrationDuration)
		if !t.fail {
			add(model.StatusStarting, StartingDuration)
		}
	} else {
		add(model.StatusStarting, StoppedStartDuration)
	}
	in.Status = t.phases[0].status
	in.active = t
	e.tasks[t.task.ID] = t
	e.taskOrder = append(e.taskOrder, t)
	e.inflight = append(e.inflight, t)
	return t.task, nil
}

// Instances returns copies of the instances in region ("" for all) in fleet order, with
// every event, pending and final. ids restricts the answer when not empty.
func (e *Engine) Instances(region string, ids []string) []model.Instance {
	e.await(region)
	e.rlock()
	defer e.mu.RUnlock()
	var out []model.Instance
	if len(ids) > 0 {
		for _, id := range ids {
			if in, ok := e.byID[id]; ok && (region == "" || in.RegionID == region) {
				out = append(out, in.copy())
			}
		}
		return out
	}
	for _, in := range e.insts {
		if region == "" || in.RegionID == region {
			out = append(out, in.copy())
		}
	}
	return out
}

// PendingInstances returns copies of the instances that have a pending event, with only
// their pending events, in the regions given (all when empty).
func (e *Engine) PendingInstances(regions []string, ids []string) []model.Instance {
	e.await(regions...)
	e.rlock()
	defer e.mu.RUnlock()
	// Two passes: count, then copy every pending event into one backing array, so a
	// listing of 100,000 instances costs two allocations instead of one per instance.
	now := e.clock.Now()
	pending := func(in *instState) int {
		if len(regions) > 0 && !slices.Contains(regions, in.RegionID) {
			return 0
		}
		n := 0
		for i := range in.Events {
			if in.Events[i].CycleStatus.Pending() && published(&in.Events[i], now) {
				n++
			}
		}
		for i := range in.drills {
			if in.drills[i].CycleStatus.Pending() {
				n++
			}
		}
		return n
	}
	var picked []*instState
	if len(ids) > 0 {
		for _, id := range ids {
			if in, ok := e.byID[id]; ok {
				picked = append(picked, in)
			}
		}
	} else {
		picked = e.insts
	}
	nInst, nEv := 0, 0
	for _, in := range picked {
		if n := pending(in); n > 0 {
			nInst++
			nEv += n
		}
	}
	out := make([]model.Instance, 0, nInst)
	evs := make([]model.Event, 0, nEv)
	for _, in := range picked {
		if pending(in) == 0 {
			continue
		}
		c := in.Instance
		start := len(evs)
		for _, ev := range in.Events {
			if ev.CycleStatus.Pending() && published(&ev, now) {
				evs = append(evs, ev)
			}
		}
		for _, ev := range in.drills {
			if ev.CycleStatus.Pending() {
				evs = append(evs, ev)
			}
		}
		// A full slice expression: a caller appending to one instance's events must not
		// overwrite the next instance's.
		c.Events = evs[start:len(evs):len(evs)]
		out = append(out, c)
	}
	return out
}

func (in *instState) copy() model.Instance {
	c := in.Instance
	c.Events = append(slices.Clone(in.Events), in.drills...)
	return c
}

// withDrills is the instance as the rules must see it: its events and its drills. Without
// drills it is the instance itself, not a copy.
func (in *instState) withDrills() *model.Instance {
	if len(in.drills) == 0 {
		return &in.Instance
	}
	c := in.copy()
	return &c
}

// EventFilter selects events as DescribeInstanceHistoryEvents does. Empty fields match all.
type EventFilter struct {
	Region        string
	InstanceIDs   []string
	EventIDs      []string
	CycleStatuses []model.EventCycleStatus
	Types         []model.EventType
}

// Events returns the events that match f, in fleet order, soonest deadline first within an
// instance.
func (e *Engine) Events(f EventFilter) []model.Event {
	e.await(f.Region)
	e.rlock()
	defer e.mu.RUnlock()
	match := func(ev *model.Event) bool {
		return (len(f.EventIDs) == 0 || slices.Contains(f.EventIDs, ev.ID)) &&
			(len(f.CycleStatuses) == 0 || slices.Contains(f.CycleStatuses, ev.CycleStatus)) &&
			(len(f.Types) == 0 || slices.Contains(f.Types, ev.Type))
	}
	var out []model.Event
	scan := func(in *instState) {
		if f.Region != "" && in.RegionID != f.Region {
			return
		}
		for i := range in.Events {
			if match(&in.Events[i]) {
				out = append(out, in.Events[i])
			}
		}
		for i := range in.drills {
			if match(&in.drills[i]) {
				out = append(out, in.drills[i])
			}
		}
	}
	if len(f.InstanceIDs) > 0 {
		for _, id := range f.InstanceIDs {
			if in, ok := e.byID[id]; ok {
				scan(in)
			}
		}
		return out
	}
	for _, in := range e.insts {
		scan(in)
	}
	return out
}

// TaskFilter selects tasks as DescribeTasks does. Empty fields match all.
type TaskFilter struct {
	TaskIDs     []string
	Action      string
	Status      model.TaskStatus
	ResourceIDs []string
	// GroupID is DescribeTasks' TaskGroupId: a RedeployInstance task belongs to no group,
	// so a GroupID matches none of the simulator's tasks.
	GroupID string
	// CreatedStart and CreatedEnd bound CreationTime, inclusive; zero ends are open.
	CreatedStart, CreatedEnd time.Time
}

// Tasks returns the tasks in region that match f, newest first.
func (e *Engine) Tasks(region string, f TaskFilter) []model.Task {
	e.rlock()
	defer e.mu.RUnlock()
	var out []model.Task
	for i := len(e.taskOrder) - 1; i >= 0; i-- {
		t := &e.taskOrder[i].task
		if t.RegionID != region ||
			(len(f.TaskIDs) > 0 && !slices.Contains(f.TaskIDs, t.ID)) ||
			(f.Action != "" && t.Action != f.Action) ||
			(f.Status != "" && t.Status != f.Status) ||
			(len(f.ResourceIDs) > 0 && !slices.Contains(f.ResourceIDs, t.ResourceID)) ||
			f.GroupID != "" || !within(t.CreationTime, f.CreatedStart, f.CreatedEnd) {
			continue
		}
		out = append(out, *t)
	}
	return out
}

// Wipes reports how many times instance id's local disks were re-initialized.
func (e *Engine) Wipes(id string) int {
	e.await()
	e.rlock()
	defer e.mu.RUnlock()
	if in, ok := e.byID[id]; ok {
		return in.wipes
	}
	return 0
}

// idStem is the region part of an instance id (i-bp1… → bp1), which ECS reuses in the ids
// of the instance's events and tasks.
func idStem(id string) string {
	s := strings.TrimPrefix(id, "i-")
	return s[:min(3, len(s))]
}

// NewRequestID returns a RequestId shaped like ECS's.
func (e *Engine) NewRequestID() string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 36)
	e.ridMu.Lock()
	defer e.ridMu.Unlock()
	for i := range b {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
		default:
			b[i] = hex[e.ridRng.IntN(16)]
		}
	}
	return string(b)
}

// requestIDLocked is NewRequestID for callers holding mu; request ids have their own lock.
func (e *Engine) requestIDLocked() string { return e.NewRequestID() }

// EndEvent ends a pending event as the platform does on its own (executed at its deadline,
// or cancelled): status is final, and the event's finish time is now. Tests use it for an
// event that ends without a redeploy.
func (e *Engine) EndEvent(id string, status model.EventCycleStatus) error {
	if status.Pending() || model.CycleStatusCode(status) == 0 {
		return fmt.Errorf("EndEvent %s: %q is not a final cycle status", id, status)
	}
	e.await()
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.settle(now)
	for _, in := range e.insts {
		for i := range in.Events {
			if ev := &in.Events[i]; ev.ID == id && ev.CycleStatus.Pending() {
				e.countEvent(in, ev, -1)
				ev.CycleStatus, ev.FinishTime = status, now
				e.countEvent(in, ev, +1)
				return nil
			}
		}
	}
	return fmt.Errorf("EndEvent %s: no such pending event", id)
}
