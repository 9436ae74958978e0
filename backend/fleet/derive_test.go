package fleet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The rows are laid out by merging the new and derived rows into the ones that stayed
// (issue 20: the first listing no longer sorts every row again for each region). Whatever
// comes, goes or changes, the order is the one a full sort gives.
func TestRowsStayInTheOrderOfAFullSort(t *testing.T) {
	fleet := sim.Generate(7, 3000, sim.Epoch)
	h := New(nil, Options{Now: func() time.Time { return sim.Epoch }})
	r := rand.New(rand.NewPCG(7, 20))
	put := func(i int, move bool) {
		in := fleet.Instances[i]
		if move && r.IntN(3) == 0 && len(in.Events) > 0 { // a moved deadline
			in.Events = slices.Clone(in.Events)
			in.Events[0].NotBefore = in.Events[0].NotBefore.Add(time.Duration(r.IntN(7200)-3600) * time.Second)
		}
		rec := h.records[in.ID]
		if rec == nil {
			rec = &record{}
			h.records[in.ID] = rec
			h.rebuild = true
		}
		rec.inst = ownCopy(&in)
		h.markLocked(in.ID)
	}
	for step := range 60 {
		switch {
		case step < 10: // a region at a time: only new rows
			for i := step * 300; i < (step+1)*300; i++ {
				put(i, false)
			}
		case step < 20: // rows derived again in place, none moved
			for range r.IntN(200) {
				put(r.IntN(len(fleet.Instances)), false)
			}
		default:
			for range r.IntN(200) {
				put(r.IntN(len(fleet.Instances)), true)
			}
			for range r.IntN(50) {
				h.dropLocked(fleet.Instances[r.IntN(len(fleet.Instances))].ID)
			}
		}
		h.deriveLocked(sim.Epoch)
		if len(h.rows) != len(h.records) {
			t.Fatalf("step %d: %d rows for %d records", step, len(h.rows), len(h.records))
		}
		want := make([]*Row, 0, len(h.records))
		for _, rec := range h.records {
			want = append(want, rec.row)
		}
		slices.SortFunc(want, compareRows)
		if !slices.Equal(h.rows, want) {
			t.Fatalf("step %d: the rows are not in the order of a full sort", step)
		}
	}
}

// The search text is written lower-case as it is made (issue 20: it was made twice);
// it reads as strings.ToLower of every field, ASCII or not.
func TestSearchTextIsLowerCaseAsWritten(t *testing.T) {
	fleet := sim.Generate(3, 300, sim.Epoch)
	in := fleet.Instances[0]
	in.Name = "Web-ÄÖ-Prod-İ"
	in.Tags = map[string]string{"Team": "Zahlungsverkehr-ÜBER", "env": "PROD"}
	fleet.Instances[0] = in
	for i := range fleet.Instances {
		r := deriveRow(ownCopy(&fleet.Instances[i]), sim.Epoch, StateIdle, StartedBy{}, nil, false)
		if r.SearchText() != strings.ToLower(r.SearchText()) {
			t.Fatalf("%s: search text not lower-case: %q", fleet.Instances[i].ID, r.SearchText())
		}
		for _, want := range []string{strings.ToLower(fleet.Instances[i].ID), strings.ToLower(fleet.Instances[i].Name), strings.ToLower(string(fleet.Instances[i].Status))} {
			if !strings.Contains(r.SearchText(), want+string(SearchSep)) {
				t.Fatalf("%s: search text %q lacks the field %q", fleet.Instances[i].ID, r.SearchText(), want)
			}
		}
	}
	r := deriveRow(ownCopy(&fleet.Instances[0]), sim.Epoch, StateIdle, StartedBy{}, nil, false)
	for _, want := range []string{strings.ToLower("Web-ÄÖ-Prod-İ") + "\n", "team=zahlungsverkehr-über\n", "env=prod\n"} {
		if !strings.Contains(r.SearchText(), want) {
			t.Errorf("search text %q lacks %q", r.SearchText(), want)
		}
	}
}

// Rows whose verdicts say the same thing share their warnings and blocks (issue 20: a copy
// per row was 11 MB at 100,000 rows), and what one row's reader appends is its own.
func TestEqualVerdictsAreSharedReadOnly(t *testing.T) {
	fleet := sim.Generate(5, 400, sim.Epoch)
	byKey := map[string]*Row{}
	shared := 0
	for i := range fleet.Instances {
		r := deriveRow(ownCopy(&fleet.Instances[i]), sim.Epoch, StateIdle, StartedBy{}, nil, false)
		ws := r.Eligibility.Warnings
		if cap(ws) != len(ws) || cap(r.Eligibility.Blocks) != len(r.Eligibility.Blocks) {
			t.Fatalf("%s: a verdict with room to append in place", r.Inst.ID)
		}
		if len(ws) == 0 {
			continue
		}
		k := fmt.Sprint(ws)
		if o, ok := byKey[k]; ok {
			if &o.Eligibility.Warnings[0] != &ws[0] {
				t.Fatalf("%s and %s say %s each in their own copy", o.Inst.ID, r.Inst.ID, k)
			}
			shared++
			grown := append(ws, model.Warning{Message: "mine"})
			if len(o.Eligibility.Warnings) != len(ws) || grown[len(ws)].Message != "mine" {
				t.Fatal("an append changed another row's verdict")
			}
		} else {
			byKey[k] = r
		}
		want := model.Evaluate(r.Inst, sim.Epoch, false)
		if !slices.Equal(ws, want.Warnings) || !slices.Equal(r.Eligibility.Blocks, want.Blocks) {
			t.Fatalf("%s: shared verdict %v, evaluated %v", r.Inst.ID, ws, want.Warnings)
		}
	}
	if shared < 100 {
		t.Fatalf("only %d of 400 rows shared a verdict", shared)
	}
}
