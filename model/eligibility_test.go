package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

// base is a plain cloud-disk Running instance with a Scheduled SystemMaintenance.Redeploy
// three hours out: allowed, with only the downtime warning.
func base() Instance {
	return Instance{
		ID: "i-bp1base", RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h", InstanceType: "ecs.g7.large",
		Status: StatusRunning, ChargeType: PostPaid,
		Events: []Event{{ID: "e-1", Type: EventMaintenanceRedeploy, CycleStatus: CycleScheduled, NotBefore: now.Add(3 * time.Hour)}},
	}
}

func withEvent(t EventType, s EventCycleStatus) func(*Instance) {
	return func(in *Instance) { in.Events[0].Type, in.Events[0].CycleStatus = t, s }
}

func blockKinds(el Eligibility) []BlockKind {
	var k []BlockKind
	for _, b := range el.Blocks {
		k = append(k, b.Kind)
	}
	return k
}

func warnKinds(el Eligibility) []WarningKind {
	var k []WarningKind
	for _, w := range el.Warnings {
		k = append(k, w.Kind)
	}
	return k
}

func TestEvaluate(t *testing.T) {
	localDisk := func(in *Instance) { in.LocalStorageAmount, in.LocalStorageCapacity = 2, 3576 }
	cases := []struct {
		name        string
		mutate      []func(*Instance)
		forceStop   bool
		allowed     bool
		blocks      []BlockKind
		firstCode   string
		warnings    []WarningKind
		destructive bool
	}{
		{name: "plain running instance", allowed: true, warnings: []WarningKind{WarnDowntime}},
		{name: "stopped instance only starts", mutate: []func(*Instance){func(in *Instance) { in.Status = StatusStopped }},
			allowed: true, warnings: []WarningKind{WarnStartOnly}},
		{name: "status Starting", mutate: []func(*Instance){func(in *Instance) { in.Status = StatusStarting }},
			blocks: []BlockKind{BlockStatus}, firstCode: CodeIncorrectInstanceStatus},
		{name: "status Stopping", mutate: []func(*Instance){func(in *Instance) { in.Status = StatusStopping }},
			blocks: []BlockKind{BlockStatus}, firstCode: CodeIncorrectInstanceStatus},
		{name: "status Pending", mutate: []func(*Instance){func(in *Instance) { in.Status = StatusPending }},
			blocks: []BlockKind{BlockStatus}, firstCode: CodeIncorrectInstanceStatus},
		{name: "security lock", mutate: []func(*Instance){func(in *Instance) { in.OperationLocks = []LockReason{LockSecurity} }},
			blocks: []BlockKind{BlockSecurityLock}, firstCode: CodeInstanceLockedForSecurity, warnings: []WarningKind{WarnDowntime}},
		{name: "recycling lock does not block", mutate: []func(*Instance){func(in *Instance) { in.OperationLocks = []LockReason{LockRecycling} }},
			allowed: true, warnings: []WarningKind{WarnDowntime}},
		{name: "dedicated host", mutate: []func(*Instance){func(in *Instance) { in.DedicatedHostID = "dh-bp1x" }},
			blocks: []BlockKind{BlockDedicatedHost}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnDowntime}},
		{name: "financial lock is arrears", mutate: []func(*Instance){func(in *Instance) { in.OperationLocks = []LockReason{LockFinancial} }},
			blocks: []BlockKind{BlockExpired}, firstCode: CodeInstanceExpiredOrInArrears, warnings: []WarningKind{WarnDowntime}},
		{name: "prepaid expired", mutate: []func(*Instance){func(in *Instance) { in.ChargeType, in.ExpiredTime = PrePaid, now.Add(-time.Hour) }},
			blocks: []BlockKind{BlockExpired}, firstCode: CodeInstanceExpiredOrInArrears, warnings: []WarningKind{WarnDowntime}},
		{name: "prepaid not yet expired", mutate: []func(*Instance){func(in *Instance) { in.ChargeType, in.ExpiredTime = PrePaid, now.Add(time.Hour) }},
			allowed: true, warnings: []WarningKind{WarnDowntime}},
		{name: "postpaid with past expiry is not expired", mutate: []func(*Instance){func(in *Instance) { in.ExpiredTime = now.Add(-time.Hour) }},
			allowed: true, warnings: []WarningKind{WarnDowntime}},
		{name: "no events", mutate: []func(*Instance){func(in *Instance) { in.Events = nil }},
			blocks: []BlockKind{BlockNoEvent}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnDowntime}},
		{name: "Scheduled SystemMaintenance.Reboot", mutate: []func(*Instance){withEvent(EventMaintenanceReboot, CycleScheduled)},
			allowed: true, warnings: []WarningKind{WarnDowntime}},
		{name: "Inquiring SystemMaintenance.Reboot", mutate: []func(*Instance){withEvent(EventMaintenanceReboot, CycleInquiring)},
			allowed: true, warnings: []WarningKind{WarnDowntime}},
		{name: "Executing SystemMaintenance.Redeploy is not answered", mutate: []func(*Instance){withEvent(EventMaintenanceRedeploy, CycleExecuting)},
			blocks: []BlockKind{BlockNoEvent}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnDowntime}},
		{name: "final event is not answered", mutate: []func(*Instance){withEvent(EventMaintenanceRedeploy, CycleAvoided)},
			blocks: []BlockKind{BlockNoEvent}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnDowntime}},
		{name: "InstanceExpiration.Stop is not answered", mutate: []func(*Instance){withEvent(EventExpirationStop, CycleScheduled)},
			blocks: []BlockKind{BlockNoEvent}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnDowntime}},
		{name: "Executing SystemFailure.Reboot on cloud disks is blocked", mutate: []func(*Instance){withEvent(EventFailureReboot, CycleExecuting)},
			blocks: []BlockKind{BlockNoEvent}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnDowntime}},
		{name: "Executing SystemFailure.Reboot on local disks is allowed", mutate: []func(*Instance){localDisk, withEvent(EventFailureReboot, CycleExecuting)},
			allowed: true, warnings: []WarningKind{WarnLocalDiskWipe, WarnDowntime}, destructive: true},
		{name: "Scheduled SystemFailure.Reboot on local disks is not answered", mutate: []func(*Instance){localDisk, withEvent(EventFailureReboot, CycleScheduled)},
			blocks: []BlockKind{BlockNoEvent}, firstCode: CodeInvalidOperation, warnings: []WarningKind{WarnLocalDiskWipe, WarnDowntime}, destructive: true},
		{name: "local disks wipe", mutate: []func(*Instance){localDisk},
			allowed: true, warnings: []WarningKind{WarnLocalDiskWipe, WarnDowntime}, destructive: true},
		{name: "ForceStop on running", forceStop: true,
			allowed: true, warnings: []WarningKind{WarnDowntime, WarnForceStop}, destructive: true},
		{name: "ForceStop on stopped is moot", forceStop: true, mutate: []func(*Instance){func(in *Instance) { in.Status = StatusStopped }},
			allowed: true, warnings: []WarningKind{WarnStartOnly}},
		{name: "local disk + Running + ForceStop", forceStop: true, mutate: []func(*Instance){localDisk},
			allowed: true, warnings: []WarningKind{WarnLocalDiskWipe, WarnDowntime, WarnForceStop}, destructive: true},
		{name: "security lock + local disk", mutate: []func(*Instance){localDisk, func(in *Instance) { in.OperationLocks = []LockReason{LockSecurity} }},
			blocks: []BlockKind{BlockSecurityLock}, firstCode: CodeInstanceLockedForSecurity, warnings: []WarningKind{WarnLocalDiskWipe, WarnDowntime}, destructive: true},
		{name: "Stopped with Inquiring SystemMaintenance.Redeploy", mutate: []func(*Instance){
			func(in *Instance) { in.Status = StatusStopped }, withEvent(EventMaintenanceRedeploy, CycleInquiring)},
			allowed: true, warnings: []WarningKind{WarnStartOnly}},
		{name: "every block at once, in API order", mutate: []func(*Instance){func(in *Instance) {
			in.Status, in.OperationLocks, in.DedicatedHostID, in.Events = StatusStopping, []LockReason{LockSecurity, LockFinancial}, "dh-1", nil
		}}, blocks: []BlockKind{BlockStatus, BlockSecurityLock, BlockDedicatedHost, BlockExpired, BlockNoEvent}, firstCode: CodeIncorrectInstanceStatus},
		{name: "deadline near", mutate: []func(*Instance){func(in *Instance) { in.Events[0].NotBefore = now.Add(20 * time.Minute) }},
			allowed: true, warnings: []WarningKind{WarnDowntime, WarnDeadlineNear}},
		{name: "deadline passed", mutate: []func(*Instance){func(in *Instance) { in.Events[0].NotBefore = now.Add(-5 * time.Minute) }},
			allowed: true, warnings: []WarningKind{WarnDowntime, WarnDeadlinePast}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			for _, m := range tc.mutate {
				m(&in)
			}
			el := Evaluate(&in, now, tc.forceStop)
			if el.Allowed != tc.allowed {
				t.Errorf("Allowed = %v, want %v (blocks %v)", el.Allowed, tc.allowed, el.Blocks)
			}
			if got := blockKinds(el); !slices.Equal(got, tc.blocks) {
				t.Errorf("blocks = %v, want %v", got, tc.blocks)
			}
			if tc.firstCode != "" {
				if b := el.FirstBlock(); b == nil || b.Code != tc.firstCode || b.HTTPStatus != 403 {
					t.Errorf("first block = %+v, want code %s with HTTP 403", b, tc.firstCode)
				}
			}
			if got := warnKinds(el); !slices.Equal(got, tc.warnings) {
				t.Errorf("warnings = %v, want %v", got, tc.warnings)
			}
			if el.Destructive() != tc.destructive {
				t.Errorf("Destructive = %v, want %v", el.Destructive(), tc.destructive)
			}
			if el.Allowed && el.Event == nil {
				t.Error("allowed without an answered event")
			}
		})
	}
}

func TestAnsweredEventPicksSoonestAnswerable(t *testing.T) {
	in := base()
	in.Events = []Event{
		{ID: "e-expire", Type: EventExpirationStop, CycleStatus: CycleScheduled, NotBefore: now.Add(time.Hour)},
		{ID: "e-late", Type: EventMaintenanceReboot, CycleStatus: CycleScheduled, NotBefore: now.Add(9 * time.Hour)},
		{ID: "e-soon", Type: EventMaintenanceRedeploy, CycleStatus: CycleInquiring, NotBefore: now.Add(2 * time.Hour)},
	}
	if ev := AnsweredEvent(&in); ev == nil || ev.ID != "e-soon" {
		t.Fatalf("AnsweredEvent = %+v, want e-soon", ev)
	}
	if ev := in.NextEvent(); ev.ID != "e-expire" {
		t.Fatalf("NextEvent = %s, want e-expire (soonest pending of any type)", ev.ID)
	}
}

func TestCountdown(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{3*time.Hour + 12*time.Minute + 40*time.Second, "in 3h12m"},
		{-5*time.Minute - 10*time.Second, "overdue 5m"},
		{45 * time.Second, "in 45s"},
		{2*24*time.Hour + 4*time.Hour, "in 2d4h"},
		{2 * time.Hour, "in 2h"},
	} {
		if got := Countdown(now.Add(tc.d), now); got != tc.want {
			t.Errorf("Countdown(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := Countdown(time.Time{}, now); got != "-" {
		t.Errorf("Countdown(zero) = %q", got)
	}
}

// Issue 22: no word says BLOCKED without why, whoever asks (console, table, JSON).
func TestBadges(t *testing.T) {
	in := base()
	in.LocalStorageAmount = 1
	in.OperationLocks = []LockReason{LockSecurity}
	in.DedicatedHostID = "dh-1"
	el := Evaluate(&in, now, false)
	got := Badges(&in, el, false)
	want := []Badge{BadgeSecurityLock, BadgeDedicatedHost, BadgeLocalDisk}
	if !slices.Equal(got, want) {
		t.Fatalf("Badges = %v, want %v", got, want)
	}
	if got := Badges(&in, el, true); !slices.Equal(got, []Badge{BadgeInProgress, BadgeLocalDisk}) {
		t.Fatalf("in progress badges = %v: IN PROGRESS first, and no verdict it outdates", got)
	}
	for _, b := range got {
		if !slices.Contains(AllBadges, b) {
			t.Errorf("%q is not among AllBadges", b)
		}
	}
}

func TestSortByDeadline(t *testing.T) {
	mk := func(id string, d time.Duration, pending bool) Instance {
		s := CycleScheduled
		if !pending {
			s = CycleExecuted
		}
		return Instance{ID: id, Events: []Event{{CycleStatus: s, NotBefore: now.Add(d)}}}
	}
	ins := []Instance{mk("c", time.Hour, true), mk("none", -time.Hour, false), mk("a", -time.Minute, true), mk("b", time.Hour, true)}
	SortByDeadline(ins)
	var ids []string
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	if want := []string{"a", "b", "c", "none"}; !slices.Equal(ids, want) {
		t.Fatalf("order = %v, want %v", ids, want)
	}
}

// SortByDeadline moves each instance once after sorting keys: on random fleets, with
// deadlines that tie, instances with no pending event, and the same id twice (told apart
// by Name), it gives exactly the order of a stable sort on CompareDeadlines.
func TestSortByDeadlineIsTheStableOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := r.IntN(60)
		ins := make([]Instance, n)
		for i := range ins {
			ins[i] = Instance{ID: fmt.Sprintf("i-%d", r.IntN(n/2+1)), Name: fmt.Sprint(i)}
			if r.IntN(5) > 0 {
				ins[i].Events = []Event{{CycleStatus: CycleScheduled, NotBefore: now.Add(time.Duration(r.IntN(4)) * time.Hour)}}
			}
		}
		want := slices.Clone(ins)
		slices.SortStableFunc(want, func(a, b Instance) int { return CompareDeadlines(a.Deadline(), a.ID, b.Deadline(), b.ID) })
		SortByDeadline(ins)
		for i := range ins {
			if ins[i].Name != want[i].Name {
				t.Fatalf("round %d: position %d holds %s (%s), want %s (%s)", round, i, ins[i].Name, ins[i].ID, want[i].Name, want[i].ID)
			}
		}
	}
}

// TestReasonBadges pins issue 13 (Badges): a blocked row says why in a word, and a row whose event a
// redeploy does not answer reads differently from a blocked one.
func TestReasonBadges(t *testing.T) {
	cases := []struct {
		name       string
		mutate     func(*Instance)
		inProgress bool
		want       []Badge
		blocked    bool
		noRedeploy bool
	}{
		{name: "allowed", mutate: func(*Instance) {}, want: nil},
		{name: "security lock", mutate: func(in *Instance) { in.OperationLocks = []LockReason{LockSecurity} },
			want: []Badge{BadgeSecurityLock}, blocked: true},
		{name: "dedicated host", mutate: func(in *Instance) { in.DedicatedHostID = "dh-1" },
			want: []Badge{BadgeDedicatedHost}, blocked: true},
		{name: "expired", mutate: func(in *Instance) { in.OperationLocks = []LockReason{LockFinancial} },
			want: []Badge{BadgeExpired}, blocked: true},
		{name: "wrong status", mutate: func(in *Instance) { in.Status = StatusStarting },
			want: []Badge{BadgeWrongStatus}, blocked: true},
		{name: "event with no redeploy", mutate: withEvent(EventExpirationStop, CycleScheduled),
			want: []Badge{BadgeNoRedeploy}, noRedeploy: true},
		{name: "disk event on local disks", mutate: func(in *Instance) {
			withEvent(EventMaintenanceRebootReinit, CycleScheduled)(in)
			in.LocalStorageAmount = 1
		}, want: []Badge{BadgeNoRedeploy, BadgeLocalDisk}, noRedeploy: true},
		{name: "two reasons in the API's order", mutate: func(in *Instance) {
			in.OperationLocks = []LockReason{LockSecurity}
			in.Status = StatusStopping
		}, want: []Badge{BadgeWrongStatus, BadgeSecurityLock}, blocked: true},
		{name: "blocked and no redeploy", mutate: func(in *Instance) {
			in.DedicatedHostID = "dh-1"
			withEvent(EventUnbalancedStop, CycleScheduled)(in)
		}, want: []Badge{BadgeDedicatedHost, BadgeNoRedeploy}, blocked: true, noRedeploy: true},
		{name: "in progress first, and nothing of a verdict it outdates", mutate: func(in *Instance) { in.LocalStorageAmount = 1; in.Status = StatusStopping }, inProgress: true,
			want: []Badge{BadgeInProgress, BadgeLocalDisk}, blocked: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base()
			c.mutate(&in)
			el := Evaluate(&in, now, false)
			if got := Badges(&in, el, c.inProgress); !slices.Equal(got, c.want) {
				t.Errorf("Badges = %v, want %v", got, c.want)
			}
			if el.Blocked() != c.blocked || el.NoRedeploy() != c.noRedeploy {
				t.Errorf("Blocked, NoRedeploy = %v, %v; want %v, %v", el.Blocked(), el.NoRedeploy(), c.blocked, c.noRedeploy)
			}
		})
	}
}

func TestPendingEventsByDeadline(t *testing.T) {
	in := base()
	in.Events = []Event{
		{ID: "late", CycleStatus: CycleScheduled, NotBefore: now.Add(5 * time.Hour)},
		{ID: "done", CycleStatus: CycleAvoided, NotBefore: now.Add(time.Hour)},
		{ID: "soon", CycleStatus: CycleInquiring, NotBefore: now.Add(2 * time.Hour)},
	}
	var ids []string
	for _, e := range in.PendingEvents() {
		ids = append(ids, e.ID)
	}
	if want := []string{"soon", "late"}; !slices.Equal(ids, want) {
		t.Fatalf("PendingEvents = %v, want %v", ids, want)
	}
}

// A verdict's warnings are kept at their exact size, the lone downtime warning shared by
// every Running instance (issue 20: room for three per row was 6 MB at 100,000 rows).
// Appending to one verdict's warnings must never show in another's.
func TestVerdictWarningsAreExactAndAppendCopies(t *testing.T) {
	a, b := base(), base()
	b.ID = "i-bp1other"
	ea, eb := Evaluate(&a, now, false), Evaluate(&b, now, false)
	if len(ea.Warnings) != 1 || ea.Warnings[0].Kind != WarnDowntime || cap(ea.Warnings) != 1 {
		t.Fatalf("warnings %v (cap %d), want the downtime warning alone at its size", ea.Warnings, cap(ea.Warnings))
	}
	grown := append(ea.Warnings, Warning{Kind: WarnDeadlineNear, Message: "changed"})
	grown[0].Message = "changed"
	if eb.Warnings[0].Message == "changed" || len(eb.Warnings) != 1 {
		t.Fatalf("another verdict changed with an append: %v", eb.Warnings)
	}
	near := base()
	near.Events[0].NotBefore = now.Add(10 * time.Minute)
	en := Evaluate(&near, now, true)
	if got := warnKinds(en); !slices.Equal(got, []WarningKind{WarnDowntime, WarnForceStop, WarnDeadlineNear}) || cap(ForceStopWarnings(&near)) != 1 {
		t.Fatalf("warnings with ForceStop %v", got)
	}
	if Evaluate(&a, now, false).Warnings[0].Message != "instance is Running: it goes Stopping → Stopped → Starting → Running; expect downtime" {
		t.Fatal("the shared downtime warning was changed by an append")
	}
}

// The advice of an instance with no event a redeploy answers names billing only for a
// billing event (a tester saw "renew or top up" offered for a SystemFailure.Reboot).
func TestNoEventAdviceNamesBillingOnlyForBillingEvents(t *testing.T) {
	now := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		typ     EventType
		billing bool
	}{{EventExpirationStop, true}, {EventUnbalancedDelete, true}, {"SystemFailure.Reboot", false}} {
		in := Instance{ID: "i-bp1x", Status: StatusRunning, Events: []Event{{ID: "e-1", Type: tc.typ,
			CycleStatus: CycleScheduled, NotBefore: now.Add(time.Hour)}}}
		b := Evaluate(&in, now, false).FirstBlock()
		if b == nil || b.Next == "" {
			t.Fatalf("%s: no block with advice: %+v", tc.typ, b)
		}
		if got := strings.Contains(b.Next, "renew"); got != tc.billing {
			t.Errorf("%s: %q", tc.typ, b.Next)
		}
	}
}
