package model

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The README's rules table names every row of AnswerRules (today's RedeployInstance page,
// DESIGN §2) with its statuses, and no other status for it: it named three rows of the
// 2019 page after the code had eight (tester2 #11).
func TestREADMERulesTableMatchesAnswerRules(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "| no pending event that redeploy answers |") {
			row = l
		}
	}
	if row == "" {
		t.Fatal("README has no rules row for events a redeploy answers")
	}
	all := []EventCycleStatus{CycleInquiring, CycleScheduled, CycleExecuting}
	for _, r := range AnswerRules {
		var clause string
		for _, c := range strings.Split(row, ";") {
			if strings.Contains(c, "`"+string(r.Type)+"`") {
				clause = c
			}
		}
		if clause == "" {
			t.Errorf("README's rules row does not name %s", r.Type)
			continue
		}
		for _, s := range all {
			if has := strings.Contains(clause, string(s)); has != slices.Contains(r.Statuses, s) {
				t.Errorf("README's rules row on %s: says %s %v; AnswerRules: %v", r.Type, s, has, r.Statuses)
			}
		}
		if r.LocalDiskOnly != strings.Contains(clause, "local-disk instances only") {
			t.Errorf("README's rules row on %s: local-disk only is %v in the code", r.Type, r.LocalDiskOnly)
		}
	}
}
