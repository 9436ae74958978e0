package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// todaysPage is the table of RedeployInstance's API reference (2014-05-26, updated 2026):
// every event type it answers and the statuses it answers it in. seedPage is the 2019 page
// (../shared/seed/RedeployInstance.md). Written out here from the pages, not from
// AnswerRules, so a row dropped or changed in the code fails.
var todaysPage = []struct {
	typ       EventType
	statuses  []EventCycleStatus
	localOnly bool
}{
	{EventMaintenanceReboot, []EventCycleStatus{CycleInquiring, CycleScheduled}, false},
	{EventMaintenanceRedeploy, []EventCycleStatus{CycleInquiring, CycleScheduled}, false},
	{EventMaintenanceIsolateDisk, []EventCycleStatus{CycleInquiring}, false},
	{EventMaintenanceRebootReinit, []EventCycleStatus{CycleInquiring}, false},
	{EventFailureRedeploy, []EventCycleStatus{CycleInquiring, CycleScheduled}, false},
	{EventFailureReboot, []EventCycleStatus{CycleExecuting}, true},
	{EventMaintenanceIsolateOnly, []EventCycleStatus{CycleInquiring}, false},
	{EventMaintenanceReInitOnly, []EventCycleStatus{CycleInquiring}, false},
}

var seedPage = []struct {
	typ       EventType
	status    EventCycleStatus
	localOnly bool
}{
	{EventMaintenanceReboot, CycleScheduled, false},
	{EventMaintenanceRedeploy, CycleScheduled, false},
	{EventFailureReboot, CycleExecuting, true},
}

var allStatuses = []EventCycleStatus{CycleInquiring, CycleScheduled, CycleExecuting, CycleAvoided, CycleExecuted, CycleCanceled, CycleFailed}

func withLocalDisks(local bool) Instance {
	in := base()
	if local {
		in.LocalStorageAmount, in.LocalStorageCapacity = 2, 3576
	}
	return in
}

// Every event type in every status, on cloud and on local disks: answered exactly where
// today's page says, and a simulated copy of an answered event never.
func TestAnswerRulesWalkTodaysPage(t *testing.T) {
	for _, typ := range AllEventTypes {
		for _, st := range allStatuses {
			for _, local := range []bool{false, true} {
				want := false
				for _, row := range todaysPage {
					if row.typ == typ && slices.Contains(row.statuses, st) && (!row.localOnly || local) {
						want = true
					}
				}
				in := withLocalDisks(local)
				in.Events[0].Type, in.Events[0].CycleStatus = typ, st
				if got := AnswersEvent(&in, &in.Events[0]); got != want {
					t.Errorf("%s %s (local disks %v): answered = %v, want %v", typ, st, local, got, want)
				}
				// The page's local-disk note: an executed isolation with no ReInit sent
				// yet allows a redeploy too.
				note := local && st == CycleExecuted && (typ == EventMaintenanceIsolateDisk || typ == EventMaintenanceIsolateOnly)
				el := Evaluate(&in, now, false)
				if el.Allowed != (want || note) {
					t.Errorf("%s %s (local disks %v): Allowed = %v, want %v (%v)", typ, st, local, el.Allowed, want, el.Blocks)
				}
				in.Events[0].Simulated = true
				if AnswersEvent(&in, &in.Events[0]) {
					t.Errorf("%s %s (local disks %v): a simulated event is answered", typ, st, local)
				}
				if el := Evaluate(&in, now, false); el.Allowed {
					t.Errorf("%s %s: allowed on a simulated event alone", typ, st)
				} else if b := el.FirstBlock(); st.Pending() && (b.Code != CodeInvalidOperation || !strings.Contains(b.Next, "drill")) {
					t.Errorf("%s %s simulated: first block %+v, want InvalidOperation.RedeployInstance naming the drill", typ, st, b)
				}
			}
		}
	}
	if len(AnswerRules) != len(todaysPage) {
		t.Errorf("AnswerRules has %d rows, today's page %d", len(AnswerRules), len(todaysPage))
	}
	for _, r := range AnswerRules {
		if r.Source != SourceToday && r.Source != SourceSeed {
			t.Errorf("row %s cites %q, neither page", r.Type, r.Source)
		}
	}
}

// The seed's rows are a subset of today's, and each rule that has one cites it.
func TestAnswerRulesKeepTheSeed(t *testing.T) {
	for _, row := range seedPage {
		in := withLocalDisks(row.localOnly)
		in.Events[0].Type, in.Events[0].CycleStatus = row.typ, row.status
		if !AnswersEvent(&in, &in.Events[0]) {
			t.Errorf("seed row %s %s is not answered", row.typ, row.status)
		}
		if row.localOnly {
			cloud := withLocalDisks(false)
			cloud.Events[0].Type, cloud.Events[0].CycleStatus = row.typ, row.status
			if AnswersEvent(&cloud, &cloud.Events[0]) {
				t.Errorf("seed row %s %s is local-disk only, answered on cloud disks", row.typ, row.status)
			}
		}
		i := slices.IndexFunc(AnswerRules, func(r AnswerRule) bool { return r.Type == row.typ })
		if i < 0 || AnswerRules[i].Source != SourceSeed {
			t.Errorf("seed row %s: rule does not cite the seed", row.typ)
		}
	}
}

// The example: a SystemFailure.Redeploy in Inquiring was shown as NO REDEPLOY.
func TestInquiringSystemFailureRedeployIsAnswered(t *testing.T) {
	in := base()
	in.Events[0].Type, in.Events[0].CycleStatus = EventFailureRedeploy, CycleInquiring
	el := Evaluate(&in, now, false)
	if !el.Allowed || slices.Contains(Badges(&in, el, false), BadgeNoRedeploy) {
		t.Fatalf("Inquiring SystemFailure.Redeploy: allowed %v, badges %v", el.Allowed, Badges(&in, el, false))
	}
}

// The local-disk note: isolated, no re-initialize event yet → allowed; once the ReInit
// event is sent, the note no longer applies (the ReInit row does, in Inquiring).
func TestIsolatedAwaitingReInit(t *testing.T) {
	isolated := func() Instance {
		in := withLocalDisks(true)
		in.Events = []Event{{ID: "e-iso", Type: EventMaintenanceIsolateOnly, CycleStatus: CycleExecuted,
			PublishTime: now.Add(-2 * time.Hour), NotBefore: now.Add(-time.Hour)}}
		return in
	}
	in := isolated()
	el := Evaluate(&in, now, false)
	if !el.Allowed || el.Event == nil || el.Event.ID != "e-iso" {
		t.Fatalf("isolated, ReInit not sent: allowed %v event %+v blocks %v", el.Allowed, el.Event, el.Blocks)
	}
	cloud := isolated()
	cloud.LocalStorageAmount = 0
	if Evaluate(&cloud, now, false).Allowed {
		t.Error("the note is for local-disk instances only")
	}
	sent := isolated()
	sent.Events = append(sent.Events, Event{ID: "e-reinit", Type: EventMaintenanceReInitOnly, CycleStatus: CycleScheduled,
		PublishTime: now.Add(-time.Hour), NotBefore: now.Add(time.Hour)})
	if Evaluate(&sent, now, false).Allowed {
		t.Error("ReInit sent (Scheduled): the note no longer applies and Scheduled ReInit is not a row")
	}
	still := isolated()
	still.Events[0].CycleStatus = CycleExecuting
	if Evaluate(&still, now, false).Allowed {
		t.Error("isolation still Executing: the disk is not isolated yet")
	}
}

// DiskError: the damaged disk is being re-initialized.
func TestDiskBusyIsDiskError(t *testing.T) {
	in := withLocalDisks(true)
	in.Events = append(in.Events, Event{ID: "e-re", Type: EventMaintenanceRebootReinit, CycleStatus: CycleExecuting, NotBefore: now})
	el := Evaluate(&in, now, false)
	b := el.FirstBlock()
	if el.Allowed || b == nil || b.Code != CodeDiskError || b.APIMessage != MessageDiskError {
		t.Fatalf("re-initializing: allowed %v, first block %+v", el.Allowed, b)
	}
}

// Every block says what to do next in one line; the dedicated host's code is the documented one.
func TestBlocksSayWhatNext(t *testing.T) {
	in := base()
	in.Status, in.OperationLocks, in.DedicatedHostID = StatusStopping, []LockReason{LockSecurity, LockFinancial}, "dh-1"
	in.LocalStorageAmount = 1
	in.Events = []Event{
		{ID: "e-inq", Type: EventExpirationStop, CycleStatus: CycleInquiring, NotBefore: now.Add(time.Hour)},
		{ID: "e-re", Type: EventMaintenanceReInitOnly, CycleStatus: CycleExecuting, NotBefore: now},
	}
	el := Evaluate(&in, now, false)
	if got, want := blockKinds(el), []BlockKind{BlockStatus, BlockSecurityLock, BlockDedicatedHost, BlockExpired, BlockDisk, BlockNoEvent}; !slices.Equal(got, want) {
		t.Fatalf("blocks = %v, want %v", got, want)
	}
	for _, b := range el.Blocks {
		if b.Next == "" || strings.Contains(b.Next, "\n") {
			t.Errorf("%s: Next = %q, want one line", b.Kind, b.Next)
		}
		if b.Kind == BlockDedicatedHost && b.Code != "InvalidOperation.RedeployInstance" {
			t.Errorf("dedicated host code %s, want the documented InvalidOperation.RedeployInstance", b.Code)
		}
	}
	if next := el.Blocks[len(el.Blocks)-1].Next; !strings.Contains(next, "accept") || !strings.Contains(next, "e-inq") {
		t.Errorf("no-event block with an Inquiring event: Next = %q, want the accept", next)
	}
}

func TestAcceptableAndMovedDeadline(t *testing.T) {
	ev := Event{CycleStatus: CycleInquiring, NotBefore: now}
	if !ev.Acceptable() || ev.DeadlineMoved() {
		t.Fatalf("plain Inquiring: acceptable %v moved %v", ev.Acceptable(), ev.DeadlineMoved())
	}
	ev.ExtendedAttribute = &ExtendedAttribute{CanAccept: "false", InitialNotBefore: now.Add(-time.Hour)}
	if ev.Acceptable() || !ev.DeadlineMoved() {
		t.Fatalf("CanAccept=false, moved: acceptable %v moved %v", ev.Acceptable(), ev.DeadlineMoved())
	}
	ev.ExtendedAttribute = &ExtendedAttribute{CanAccept: "true", InitialNotBefore: now}
	if !ev.Acceptable() || ev.DeadlineMoved() {
		t.Fatal("CanAccept=true, same deadline")
	}
	ev.CycleStatus = CycleScheduled
	if ev.Acceptable() {
		t.Fatal("Scheduled events are not accepted")
	}
}

// The wipe warning names the damaged disk the answered event names, so the dialog shows it
// before the typed confirmation.
func TestWipeWarningNamesTheDamagedDisk(t *testing.T) {
	in := withLocalDisks(true)
	in.Events[0].Type, in.Events[0].CycleStatus = EventMaintenanceRebootReinit, CycleInquiring
	in.Events[0].ExtendedAttribute = &ExtendedAttribute{DiskID: "d-bp1bad", Device: "/dev/vdc"}
	el := Evaluate(&in, now, false)
	if !el.Allowed || len(el.Warnings) == 0 || el.Warnings[0].Kind != WarnLocalDiskWipe ||
		!strings.Contains(el.Warnings[0].Message, "d-bp1bad (/dev/vdc)") {
		t.Fatalf("allowed %v, warnings %+v", el.Allowed, el.Warnings)
	}
}
