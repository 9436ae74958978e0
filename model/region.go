package model

import (
	"fmt"
	"regexp"
	"slices"
)

// regionIDShape is what an Alibaba Cloud region id looks like (cn-hangzhou, us-west-1,
// cn-shanghai-finance-1). A region id becomes part of an endpoint's host name, so nothing
// else may pass.
var regionIDShape = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)+$`)

// IsRegionID reports whether s is shaped like a region id.
func IsRegionID(s string) bool { return regionIDShape.MatchString(s) }

// CheckRegion is the one rule for a region named by a person (--region, :region): it must
// be shaped like a region id and, when known lists the regions there are (nil: not known
// here), be one of them. The error says what to type: the closest known region when one
// is near (eu-nowhere-9: did you mean eu-west-1?), else a few of them.
func CheckRegion(name string, known []string) error {
	if !IsRegionID(name) {
		return fmt.Errorf("%q is not a region id: give ids like cn-hangzhou (several: cn-hangzhou,cn-beijing), or all", name)
	}
	if len(known) == 0 || slices.Contains(known, name) {
		return nil
	}
	if near := closestRegion(name, known); near != "" {
		return fmt.Errorf("%s: no such region; did you mean %s?", name, near)
	}
	some := known
	if len(some) > 4 {
		some = some[:4]
	}
	return fmt.Errorf("%s: no such region; try %s, or all", name, joinOr(some))
}

// closestRegion is the known region fewest edits away from name, if it is near enough to
// be a typo: at most a third of name's length.
func closestRegion(name string, known []string) string {
	best, bestD := "", len(name)/3+1
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes (region ids are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}
