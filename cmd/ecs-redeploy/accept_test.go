package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// inquiringEvent is an event of the demo fleet that may be accepted and loses nothing (with
// can "false", one whose platform said CanAccept=false; with can "destroys", one that may be
// accepted and loses data), from `events --json`.
func inquiringEvent(t *testing.T, can string) string {
	t.Helper()
	out, err := run(t, "events", "--demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		LocalStorageAmount int
		Events             []struct {
			EventId           string
			EventType         string
			EventCycleStatus  string
			ExtendedAttribute struct{ CanAccept string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, e := range r.Events {
			in := &model.Instance{LocalStorageAmount: r.LocalStorageAmount}
			harmless := model.AcceptLoss(in, &model.Event{Type: model.EventType(e.EventType)}) == ""
			if e.EventCycleStatus != "Inquiring" {
				continue
			}
			switch can {
			case "false":
				if e.ExtendedAttribute.CanAccept == "false" {
					return e.EventId
				}
			case "true", "destroys":
				if e.ExtendedAttribute.CanAccept == "true" && harmless == (can == "true") {
					return e.EventId
				}
			}
		}
	}
	t.Fatalf("the demo fleet has no Inquiring event with CanAccept=%q", can)
	return ""
}

func TestAcceptCommand(t *testing.T) {
	ok := inquiringEvent(t, "true")
	out, err := run(t, "accept", "--demo", ok)
	if err != nil || !strings.Contains(out, ok+": accepted (RequestId ") {
		t.Fatalf("accept: %v\n%s", err, out)
	}

	never := inquiringEvent(t, "false")
	out, err = run(t, "accept", "--demo", never, ok)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, never+": not accepted: ") || !strings.Contains(out, ok+": accepted") {
		t.Fatalf("one refused, one accepted: %v\n%s", err, out)
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("each event ends in one line:\n%s", out)
	}

	out, err = run(t, "accept", "--demo", "--read-only", ok)
	if err == nil || !strings.Contains(out, "viewer cannot accept") {
		t.Fatalf("read-only: %v\n%s", err, out)
	}

	for _, bad := range [][]string{{"accept", "--demo"}, {"accept", "--demo", "i-bp1notanevent"}, {"accept", "--demo", "e-a,e-b"}} {
		if _, err := run(t, bad...); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
}

// An accept that loses data needs --yes, as a destructive redeploy does: without it nothing
// is sent and one line says what it would do, exit 2 (tester2's defects 1 and 2). A repeated
// id is one accept, not a refusal of the second (defect 13).
func TestAcceptDestructiveNeedsYes(t *testing.T) {
	bad := inquiringEvent(t, "destroys")
	ok := inquiringEvent(t, "true")
	out, err := run(t, "accept", "--demo", ok, bad)
	if exitCode(err) != 2 || out != "" {
		t.Fatalf("without --yes: exit %d, out %q, err %v; want exit 2 and nothing sent", exitCode(err), out, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, bad) || !strings.Contains(msg, "re-run with --yes if you mean it") || strings.Contains(msg, "\n") ||
		(!strings.Contains(msg, "WIPED") && !strings.Contains(msg, "data is lost")) {
		t.Errorf("the refusal is not one line saying what it would do: %q", msg)
	}
	if strings.Contains(msg, ok+" ") {
		t.Errorf("the refusal names the harmless event too: %q", msg)
	}
	out, err = run(t, "accept", "--demo", "--yes", bad)
	if err != nil || !strings.Contains(out, "DATA LOSS: "+bad) || !strings.Contains(out, bad+": accepted") {
		t.Fatalf("--yes: %v\n%s", err, out)
	}

	out, err = run(t, "accept", "--demo", ok, ok)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, ok+": accepted") {
		t.Fatalf("a repeated id: %v\n%s", err, out)
	}
}

// The API's refusals each end in one line that names the code, says what to do and keeps
// the RequestId; control characters in the API's message are shown, not run.
func TestAcceptRefusalLines(t *testing.T) {
	for code, want := range map[string]string{
		"InvalidEventId.NoInquiringEventFound": "not Inquiring any more",
		"OperationDenied.AcceptNotSupported":   "does not take an accept",
		"OperationConflict":                    "under way",
		"IncorrectInstanceStatus":              "Running or Stopped",
		"SwitchToOffline.OnlineIsolateFail":    `isolation\x1b[31m failed\nsecond line`, // shown, not obeyed (safetext)
	} {
		err := fmt.Errorf("AcceptInquiredSystemEvent e-1: %w", &backend.APIError{Code: code, HTTPStatus: 403,
			Message: "isolation\x1b[31m failed\nsecond line", RequestID: "R-1", Action: "AcceptInquiredSystemEvent"})
		line := acceptRefusal(err)
		if !strings.HasPrefix(line, code) || !strings.Contains(line, want) || !strings.Contains(line, "(RequestId R-1)") ||
			strings.ContainsAny(line, "\n\x1b") {
			t.Errorf("%s: %q", code, line)
		}
	}
}
