package aliyun

import (
	"fmt"

	"ecs-redeploy/backend"
)

// A listing ends when the server says so: the last NextToken is empty, or the pages
// reach TotalCount. A server that never says so — a NextToken cycling A→B→A, empty pages
// that still carry a token, a TotalCount that the items outgrow — kept `events` paging
// for a minute (19,731 calls, 1.1 GB, the same 100 events appended each page; issue 21).
// One pageGuard watches every page loop of this package and stops it at the first page
// that proves the listing endless.

// maxPages bounds a listing whatever the server says: 100,000 pages of 100 is ten
// million items, a hundred times the largest fleet this tool was measured on.
const maxPages = 100_000

// PagingError is a listing stopped because the server's pages would not let it end. It is
// a reply that proves nothing (errors.Is(err, backend.ErrUnprovenReply)): what was read
// is dropped, never taken as the whole listing. Its message is one line naming the
// action, the region and the endpoint.
type PagingError struct {
	Action, Region, Endpoint string
	// Pages is how many pages were read, the last one included.
	Pages int
	// Reason says what the last page did: a NextToken already followed, items beyond
	// TotalCount, an empty page promising more, a page of items all read before.
	Reason string
	// RequestID is the last page's.
	RequestID string
}

func (e *PagingError) Error() string {
	return fmt.Sprintf("%s in %s at %s: the listing does not end: %s (RequestId %s); stopped after %d pages: check --endpoint and the proxy settings, or quote the RequestId to Alibaba Cloud support if this is ECS",
		e.Action, e.Region, e.Endpoint, e.Reason, e.RequestID, e.Pages)
}

// Unwrap makes the listing a reply that proves nothing.
func (e *PagingError) Unwrap() error { return backend.ErrUnprovenReply }

// pageGuard follows one listing, page by page. The zero value is not ready: use
// newPageGuard.
type pageGuard struct {
	b              *Backend
	action, region string

	pages int
	items int // items on the pages so far, as the server sent them
	// limit is the largest TotalCount a page reported: what the listing promised. A
	// count that grows while the pages are read (an event published meanwhile) is taken;
	// items beyond every count are not a listing.
	limit  int
	tokens map[string]bool // NextTokens followed (token paging)
	seen   map[string]bool // item ids read so far
}

func (b *Backend) newPageGuard(action, region string) *pageGuard {
	return &pageGuard{b: b, action: action, region: region, tokens: map[string]bool{}, seen: map[string]bool{}}
}

// page checks one page that was asked with token ("" for the first, or for page-number
// paging) and answered with ids (its items' ids, as sent), total (its TotalCount) and
// next (its NextToken; for page-number paging, "" and more set from the counts). It
// returns whether to ask for another page, or a *PagingError.
//
// Stops with an error: a NextToken already followed (or the one just used), items beyond
// the largest TotalCount reported, an empty page that promises more (a NextToken, or fewer
// items so far than TotalCount), a non-empty page whose every item was read before, and
// more than maxPages pages.
func (g *pageGuard) page(requestID string, ids []string, total int, next string, more bool) (bool, error) {
	g.pages++
	if g.pages == 1 && len(g.seen) == 0 {
		// Sized from the first page's TotalCount, within presizedItems (the server's word).
		g.seen = make(map[string]bool, min(max(total, len(ids)), presizedItems))
	}
	g.limit = max(g.limit, total)
	g.items += len(ids)
	fresh := 0
	for _, id := range ids {
		if !g.seen[id] {
			g.seen[id] = true
			fresh++
		}
	}
	more = more || next != ""
	fail := func(format string, args ...any) (bool, error) {
		return false, &PagingError{Action: g.action, Region: g.region, Endpoint: g.b.host(), Pages: g.pages,
			Reason: fmt.Sprintf(format, args...), RequestID: requestID}
	}
	switch {
	case g.items > g.limit:
		return fail("%d items read by page %d, beyond TotalCount %d", g.items, g.pages, g.limit)
	case len(ids) == 0 && next != "":
		return fail("an empty page with a NextToken (page %d)", g.pages)
	case len(ids) == 0 && more:
		return fail("an empty page %d while TotalCount %d says %d items remain", g.pages, total, total-g.items)
	case next != "" && g.tokens[next]:
		return fail("page %d gives NextToken %q again", g.pages, next)
	case len(ids) > 0 && fresh == 0 && g.pages > 1:
		return fail("every item of page %d was on an earlier page", g.pages)
	case more && g.pages >= maxPages:
		return fail("more than %d pages", maxPages)
	}
	if next != "" {
		g.tokens[next] = true
	}
	return more, nil
}
