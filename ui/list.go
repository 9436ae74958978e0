package ui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// sortKey is one of the orders `s` cycles through.
type sortKey int

const (
	sortDeadline sortKey = iota
	sortStatus
	sortEvent
	sortZone
	sortInstance
	numSortKeys
)

var sortNames = [numSortKeys]string{"deadline", "status", "event", "zone", "instance"}

// list is the instance table: the rows the filter keeps, in the chosen order, a cursor and
// a window of visible rows. Rendering is O(visible rows) and a row is rendered again only
// when its data, its countdown text, its marks or the width change.
type list struct {
	common
	snap     *fleet.Snapshot
	idx      []int32
	filter   string
	terms    []string
	aliases  [][]model.EventType
	sort     sortKey
	cursor   int
	offset   int
	lay      layout
	selected map[string]bool
	// cache holds the rendered visible rows by instance id. An entry is good only for the
	// row it was rendered from, and entries are dropped with the snapshot they came from:
	// a cache keyed by row pointers kept every old snapshot alive.
	cache map[string]*rowCache
}

type rowCache struct {
	row    *fleet.Row
	at     time.Time
	cd     string
	inProg bool
	styled string
	plain  string
}

func newList(c common) list {
	return list{common: c, selected: map[string]bool{}, cache: map[string]*rowCache{}, lay: newLayout(80)}
}

// SetSize fits the list to width×height rows of instances.
func (l *list) SetSize(width, height int) {
	l.setWidth(width)
	l.setHeight(height)
}

// ShortHelp is the list's footer.
func (l *list) ShortHelp() []key.Binding { return l.keys.listHelp() }

// FullHelp is every key of the console.
func (l *list) FullHelp() [][]key.Binding { return l.keys.fullHelp() }

func (l *list) setWidth(w int) {
	l.width = w
	if w != l.lay.width {
		l.lay = newLayout(w)
		clear(l.cache)
	}
}

func (l *list) setHeight(h int) {
	l.height = max(h, 1)
	l.clamp()
}

// setSnapshot shows a new snapshot, keeping the cursor on the same instance.
func (l *list) setSnapshot(s *fleet.Snapshot) {
	keep := ""
	if r := l.current(); r != nil {
		keep = r.Inst.ID
	}
	l.snap = s
	l.pruneSelection()
	l.rebuild(false)
	if keep != "" {
		for i, ix := range l.idx {
			if s.Rows[ix].Inst.ID == keep {
				l.cursor = i
				break
			}
		}
	}
	l.clamp()
	// Keep only what the new snapshot still shows, unchanged, on screen.
	shown := make(map[string]*rowCache, l.height)
	for i := l.offset; i < min(l.offset+l.height, len(l.idx)); i++ {
		r := s.Rows[l.idx[i]]
		if c := l.cache[r.Inst.ID]; c != nil && c.row == r {
			shown[r.Inst.ID] = c
		}
	}
	l.cache = shown
}

// setFilter filters as the engineer types. A filter that only grows narrows the rows
// already kept instead of scanning the whole fleet again.
func (l *list) setFilter(f string) {
	if f == l.filter {
		return
	}
	narrower := l.filter != "" && strings.HasPrefix(f, l.filter)
	l.filter = f
	l.terms = strings.Fields(strings.ToLower(f))
	l.aliases = aliasesFor(l.terms)
	l.rebuild(narrower)
	l.cursor, l.offset = 0, 0
}

// pruneSelection forgets selected instances the snapshot no longer lists (their event was
// cancelled or executed): "2 selected" must count what R would act on.
func (l *list) pruneSelection() {
	if len(l.selected) == 0 {
		return
	}
	listed := 0
	for _, r := range l.snap.Rows {
		if l.selected[r.Inst.ID] {
			listed++
		}
	}
	if listed == len(l.selected) {
		return
	}
	keep := make(map[string]bool, listed)
	for _, r := range l.snap.Rows {
		if l.selected[r.Inst.ID] {
			keep[r.Inst.ID] = true
		}
	}
	l.selected = keep
}

func (l *list) cycleSort() {
	l.sort = (l.sort + 1) % numSortKeys
	l.rebuild(false)
	l.cursor, l.offset = 0, 0
}

func (l *list) matches(r *fleet.Row) bool {
	for i, t := range l.terms {
		if strings.Contains(r.Search, t) {
			continue
		}
		// Only terms that hit a short event name the list shows cost a look at the type.
		if alias := l.aliases[i]; len(alias) == 0 || r.Event == nil || !slices.Contains(alias, r.Event.Type) {
			return false
		}
	}
	return true
}

// aliasesFor finds, per term, the event types whose short list name contains it.
func aliasesFor(terms []string) [][]model.EventType {
	out := make([][]model.EventType, len(terms))
	for i, t := range terms {
		for _, et := range model.AllEventTypes {
			if strings.Contains(shortEventSearch[et], t) {
				out[i] = append(out[i], et)
			}
		}
	}
	return out
}

// rebuild recomputes the visible order: filter, then sort.
func (l *list) rebuild(narrow bool) {
	if l.snap == nil {
		l.idx = l.idx[:0]
		return
	}
	rows := l.snap.Rows
	if narrow {
		keep := l.idx[:0]
		for _, ix := range l.idx {
			if l.matches(rows[ix]) {
				keep = append(keep, ix)
			}
		}
		l.idx = keep
		return
	}
	idx := l.idx[:0]
	if cap(idx) < len(rows) {
		idx = make([]int32, 0, len(rows))
	}
	for i, r := range rows {
		if len(l.terms) == 0 || l.matches(r) {
			idx = append(idx, int32(i))
		}
	}
	l.idx = idx
	if l.sort != sortDeadline {
		by := l.sortKeyFunc()
		slices.SortStableFunc(l.idx, func(a, b int32) int { return by(rows[a], rows[b]) })
	}
}

// sortKeyFunc compares rows by the chosen key; ties keep deadline order (stable sort).
func (l *list) sortKeyFunc() func(a, b *fleet.Row) int {
	switch l.sort {
	case sortStatus:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.Status, b.Inst.Status) }
	case sortEvent:
		return func(a, b *fleet.Row) int {
			var ta, tb string
			if a.Event != nil {
				ta = string(a.Event.Type)
			}
			if b.Event != nil {
				tb = string(b.Event.Type)
			}
			return cmp.Compare(ta, tb)
		}
	case sortZone:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.ZoneID, b.Inst.ZoneID) }
	case sortInstance:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.ID, b.Inst.ID) }
	}
	return func(a, b *fleet.Row) int { return 0 }
}

func (l *list) len() int { return len(l.idx) }

// current is the row under the cursor, or nil.
func (l *list) current() *fleet.Row {
	if l.snap == nil || l.cursor < 0 || l.cursor >= len(l.idx) {
		return nil
	}
	return l.snap.Rows[l.idx[l.cursor]]
}

func (l *list) move(d int) {
	l.cursor += d
	l.clamp()
}

func (l *list) top()    { l.cursor = 0; l.clamp() }
func (l *list) bottom() { l.cursor = len(l.idx) - 1; l.clamp() }

// clamp keeps the cursor on a row and the window around the cursor.
func (l *list) clamp() {
	l.cursor = max(min(l.cursor, len(l.idx)-1), 0)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = max(min(l.offset, len(l.idx)-l.height), 0)
}

// render writes the visible rows, each exactly the layout's width, one per line.
func (l *list) render(b *strings.Builder, now time.Time, pending map[string]bool) {
	st := l.st
	end := min(l.offset+l.height, len(l.idx))
	for i := l.offset; i < end; i++ {
		r := l.snap.Rows[l.idx[i]]
		inProg := r.InProgress || pending[r.Inst.ID]
		c := l.cache[r.Inst.ID]
		if c == nil || c.row != r {
			c = &rowCache{row: r}
			l.cache[r.Inst.ID] = c
		}
		if c.styled == "" || !c.at.Equal(now) || c.inProg != inProg {
			cd := c.cd
			if !c.at.Equal(now) || c.styled == "" {
				cd = countdown(r, now)
			}
			if c.styled == "" || cd != c.cd || c.inProg != inProg {
				c.styled, c.plain = l.lay.renderRow(r, cd, now, inProg, st)
				if l.lay.overflow {
					c.plain = fit(c.plain, l.lay.width-gutter)
					c.styled = c.plain
				}
			}
			c.at, c.cd, c.inProg = now, cd, inProg
		}
		sel := l.selected[r.Inst.ID]
		cur := i == l.cursor
		switch {
		case cur && sel:
			b.WriteString(">*")
		case cur:
			b.WriteString("> ")
		case sel:
			b.WriteString(" *")
		default:
			b.WriteString("  ")
		}
		if cur {
			b.WriteString(st.Cursor.on(c.plain))
		} else {
			b.WriteString(c.styled)
		}
		b.WriteByte('\n')
	}
	for i := end - l.offset; i < l.height; i++ {
		b.WriteByte('\n')
	}
}
