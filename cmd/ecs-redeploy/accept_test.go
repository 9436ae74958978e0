package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"ecs-redeploy/backend"
)

// inquiringEvent is an event of the demo fleet that may be accepted (or, with can false,
// one whose platform said CanAccept=false), from `events --json`.
func inquiringEvent(t *testing.T, can string) string {
	t.Helper()
	out, err := run(t, "events", "--demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Events []struct {
			EventId           string
			EventCycleStatus  string
			ExtendedAttribute struct{ CanAccept string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, e := range r.Events {
			if e.EventCycleStatus == "Inquiring" && e.ExtendedAttribute.CanAccept == can {
				return e.EventId
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
