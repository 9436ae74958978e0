package aliyun

import (
	"encoding/json"
	"fmt"
	"slices"

	"ecs-redeploy/backend"
)

// A reply is checked against what its action must return before anything is read from
// it: the SDK fills a typed response from whatever JSON came, so a proxy's `200 {}` or an
// empty 200 would otherwise read as "no events" or "no tasks" — an all-clear nobody gave.

// unproven is an error for a reply to action that does not carry what action must
// return. It names the endpoint, since whatever answered may not be ECS; the region is
// named by the caller that gives up (read), as for every other failure.
func (b *Backend) unproven(action, _, format string, args ...any) error {
	return fmt.Errorf("%w: %s answered %s: %s", backend.ErrUnprovenReply, b.host(), action, fmt.Sprintf(format, args...))
}

// requireFields checks that raw, the body of a 2xx reply, is a JSON object with a non-empty
// RequestId and every one of keys (the action's result set and counts).
func (b *Backend) requireFields(action, region string, raw []byte, keys ...string) error {
	if len(raw) == 0 {
		return b.unproven(action, region, "an empty body")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return b.unproven(action, region, "a body that is not a JSON object")
	}
	var reqID string
	if json.Unmarshal(m["RequestId"], &reqID) != nil || reqID == "" {
		return b.unproven(action, region, "no RequestId")
	}
	for _, k := range keys {
		if v, ok := m[k]; !ok || string(v) == "null" {
			return b.unproven(action, region, "no %s (RequestId %s)", k, reqID)
		}
	}
	return nil
}

// checkPage checks one page's counts: n items on page number (1-based) of size, out of
// total. A page longer than asked, or empty while the total says items remain, is not
// an answer.
func (b *Backend) checkPage(action, region string, n, number, size, total int) error {
	before := (number - 1) * size
	switch {
	case n > size:
		return b.unproven(action, region, "%d items on a page of %d", n, size)
	case total < 0:
		return b.unproven(action, region, "TotalCount %d", total)
	case n > max(total-before, 0):
		return b.unproven(action, region, "%d items on page %d while TotalCount is %d", n, number, total)
	case n == 0 && total > before:
		return b.unproven(action, region, "an empty page %d while TotalCount is %d", number, total)
	}
	return nil
}

// onlyAsked checks that every id an answer is about was asked for: an answer about
// another instance or task is an error, never a target.
func (b *Backend) onlyAsked(action, region, what string, asked []string, answered string) error {
	if len(asked) > 0 && !slices.Contains(asked, answered) {
		return b.unproven(action, region, "a reply about %s %s, which was not asked for (asked: %v)", what, answered, asked)
	}
	return nil
}
