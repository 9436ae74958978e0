package ecsapi

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// repeatedIndex is how ParamRules names were found before ruleName: a regular expression.
var repeatedIndex = regexp.MustCompile(`\.[0-9]+(\.|$)`)

// ruleName writes what the regular expression writes, on names built of the characters
// that matter (dots, digits, letters, N) in every arrangement up to five, and at random.
func TestRuleNameIsTheRegexp(t *testing.T) {
	check := func(k string) {
		if got, want := ruleName(k), repeatedIndex.ReplaceAllString(k, ".N$1"); got != want {
			t.Fatalf("ruleName(%q) = %q, the regular expression %q", k, got, want)
		}
	}
	const alphabet = ".09aN"
	var walk func(prefix string)
	walk = func(prefix string) {
		check(prefix)
		if len(prefix) < 5 {
			for i := range alphabet {
				walk(prefix + alphabet[i:i+1])
			}
		}
	}
	walk("")
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = ".0123456789.abN"[rng.IntN(15)]
		}
		check(string(b))
	}
	for _, k := range []string{"Tag.1.Key", "InstanceEventCycleStatus.12", "Tag.1.2.3", "a..1", "x.1.", "ResourceId.N"} {
		check(k)
	}
}

// checkParamsSorted is checkParams as it was: every name sorted, the first refused wins.
func checkParamsSorted(r *request, action string) *apiError {
	rules := paramsByAction[action]
	if rules == nil {
		return nil
	}
	keys := make([]string, 0, len(r.params))
	for k := range r.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if commonParams[k] || r.params.Get(k) == "" {
			continue
		}
		rule, ok := rules[repeatedIndex.ReplaceAllString(k, ".N$1")]
		switch {
		case !ok:
			return errInvalid(k, action+" has no such parameter; the simulator refuses what it would not apply")
		case !rule.Applied:
			return errInvalid(k, strings.TrimPrefix(rule.Does, "refused: "))
		}
	}
	return nil
}

// checkParams refuses the same parameter, with the same words, as the sorted walk did:
// on random mixes of applied, refused, unknown, common and empty parameters, for every
// action with rules and one without.
func TestCheckParamsRefusesTheFirstByName(t *testing.T) {
	actions := []string{"DescribeRegions", "DescribeInstances", "DescribeInstanceHistoryEvents", "DescribeTasks"}
	var names []string
	for _, p := range ParamRules {
		names = append(names, strings.ReplaceAll(p.Name, ".N", ".3"))
	}
	names = append(names, "Action", "RegionId", "Signature", "Nope", "Tag.1.Nope", "Filter.2.Key", "a", "zz", "InstanceIds.1")
	rng := rand.New(rand.NewPCG(9, 10))
	refusals := 0
	for range 5000 {
		action := actions[rng.IntN(len(actions))]
		p := url.Values{}
		for range rng.IntN(6) {
			v := "x"
			if rng.IntN(5) == 0 {
				v = ""
			}
			p[names[rng.IntN(len(names))]] = []string{v}
		}
		if rng.IntN(10) == 0 {
			p["Empty"] = []string{}
		}
		r := &request{params: p}
		got, want := checkParams(r, action), checkParamsSorted(r, action)
		if (got == nil) != (want == nil) || (got != nil && (got.code != want.code || got.message != want.message)) {
			t.Fatalf("%s %v: checkParams %v, the sorted walk %v", action, p, got, want)
		}
		if got != nil {
			refusals++
		}
	}
	if refusals < 1000 {
		t.Fatalf("only %d of 5000 calls refused; the mix needs more", refusals)
	}
}

// instanceIDsAsJSON is how InstanceIds was read before instanceIDs: encoding/json alone.
func instanceIDsAsJSON(raw string) ([]string, bool) {
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil, false
	}
	return ids, true
}

// checkInstanceIDs fails t unless instanceIDs reads raw as encoding/json does: both
// refuse it, or both answer the same ids (nil and empty alike as encoding/json gives them).
func checkInstanceIDs(t *testing.T, raw string) {
	t.Helper()
	got, gotOK := instanceIDs(raw)
	want, wantOK := instanceIDsAsJSON(raw)
	if gotOK != wantOK || !slices.Equal(got, want) || (got == nil) != (want == nil) {
		t.Fatalf("instanceIDs(%q) = %q, %v; encoding/json %q, %v", raw, got, gotOK, want, wantOK)
	}
}

// InstanceIds reads as encoding/json reads it, on what clients send, on JSON the hand
// reader passes on (escapes, non-ASCII, null), and on near misses of the form.
func TestInstanceIDsReadAsEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`["i-bp1a","i-bp1b"]`, ` [ "i-bp1a" ,	"i-bp1b"
 ] `, `[]`, ` [ ] `, `["",""]`, `["a b~*"]`, `null`, `["i-\u00e9"]`, `["数据"]`, `["a\"b"]`, `["a\\b"]`,
		`["a\/b"]`, "[\"\xff\"]", `["a",]`, `["a""b"]`, `["a"] x`, `["a"`, `[`, `]`, `"a"`, `[1]`, `["a",1]`,
		`[null]`, `{"a":1}`, `["a"]]`, ` `, `[,]`, `["a" "b"]`, "[\"a\tb\"]", `[["a"]]`,
	} {
		checkInstanceIDs(t, raw)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	const alphabet = `[]", \ab-1:` + "\t\n\x01\xc3\xa9"
	for range 50000 {
		b := make([]byte, rng.IntN(16))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		checkInstanceIDs(t, string(b))
	}
}
