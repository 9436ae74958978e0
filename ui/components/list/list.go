// Package list is the console's instance table: the rows the filter keeps, in the chosen
// order, a cursor, a selection and a window of visible rows, and the filter field that
// narrows them. It tells the root what the engineer asked for with OpenDetailMsg and
// RedeployMsg.
package list

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/common"
)

// OpenDetailMsg asks for the detail pane of Row (enter).
type OpenDetailMsg struct{ Row *fleet.Row }

// RedeployMsg asks for a redeploy (R) of Targets: the selected rows the filter shows, or,
// with nothing selected, the row under the cursor. LeftOut are selected rows the filter
// hides: never targets, and the dialog names them. Targets is empty when the filter hides
// every selected row.
type RedeployMsg struct{ Targets, LeftOut []*fleet.Row }

// sortKey is an order of the list: one per column. `s` cycles through them; a column's
// letter (shift+letter, k9s's habit) or `:sort COLUMN` picks one, and picking the same
// one again reverses it.
type sortKey int

const (
	sortDeadline sortKey = iota
	sortStatus
	sortEvent
	sortZone
	sortInstance
	sortName
	sortCycle
	sortBadges
	numSortKeys
)

// sortCols are the sort keys by the column they order, with the letter that picks them
// and the name `:sort` takes.
var sortCols = [numSortKeys]struct {
	col    colID
	letter string
	name   string
}{
	sortDeadline: {colDeadline, "D", "deadline"},
	sortStatus:   {colStatus, "S", "status"},
	sortEvent:    {colEvent, "E", "event"},
	sortZone:     {colZone, "Z", "zone"},
	sortInstance: {colInstance, "I", "instance"},
	sortName:     {colName, "N", "name"},
	sortCycle:    {colCycle, "V", "ev.status"},
	sortBadges:   {colBadges, "B", "badges"},
}

// SortColumns are the names `:sort` takes, in column order.
func SortColumns() []string {
	out := make([]string, 0, numSortKeys)
	for _, c := range columns {
		for _, sc := range sortCols {
			if sc.col == c.id {
				out = append(out, sc.name)
			}
		}
	}
	return out
}

// Model is the instance table. Rendering is O(visible rows) and a row is rendered again
// only when its data, its countdown text, its marks or the width change.
type Model struct {
	common.Common
	// LoadingNote are lines under "loading the fleet…": how long the first listing has
	// waited for ECS and when it gives up; the root sets them each second (tester2 #16).
	LoadingNote []string
	snap        *fleet.Snapshot
	// input is the filter field; filtering is true while it has the keyboard.
	input     textinput.Model
	filtering bool
	// rows is how many instance rows fit: the height less the column titles.
	rows int
	// idx are the shown rows, as indexes into the snapshot's, in the order shown; nil when
	// whole is set.
	idx []int32
	// whole is set when the list shows every row of the snapshot in the hub's own order
	// (deadline, maybe reversed): no filter, no region scope. Then nothing is derived per
	// session: the hub's rows are the list, read only through the visible window. Under
	// serve that is most sessions, and what was 400 KB and a pass over 100,000 rows per
	// session and snapshot is nothing.
	whole  bool
	filter string
	terms  []term
	// filterErr says why part of the filter was taken literally (a bad /regexp/).
	filterErr string
	// regions is the session's region scope (:region), nil for every region the hub lists;
	// scoped are the header's counts within it.
	regions map[string]bool
	scoped  fleet.Counts
	sort    sortKey
	desc    bool
	cursor  int
	offset  int
	lay     layout
	// longestName is the widest instance name of the snapshot, in cells: the name column
	// grows to it when there is room.
	longestName int
	selected    map[string]bool
	// cache holds the rendered visible rows by instance id. An entry is good only for the
	// row it was rendered from (a Row is replaced, never changed), and entries are dropped
	// with the snapshot they came from: a cache keyed by row pointers kept every old
	// snapshot alive (issue 9).
	cache map[string]*rowCache
}

type rowCache struct {
	row    *fleet.Row
	at     time.Time
	cd     string
	styled string
	plain  string
}

// New builds an empty list; SetSnapshot gives it rows.
func New(c common.Common) *Model {
	fi := textinput.New()
	fi.Prompt = "/"
	ns := c.Styles.R.NewStyle
	fi.PromptStyle, fi.TextStyle, fi.PlaceholderStyle, fi.CompletionStyle = ns(), ns(), ns(), ns()
	fi.Cursor.Style, fi.Cursor.TextStyle = ns().Reverse(true), ns()
	fi.Placeholder = common.SearchedFields
	// A blinking cursor would redraw the screen twice a second for nothing.
	fi.Cursor.SetMode(cursor.CursorStatic)
	return &Model{Common: c, input: fi, selected: map[string]bool{}, cache: map[string]*rowCache{}, lay: newLayout(80, 0), rows: 1}
}

// SetSize fits the list, its column titles included, to width×height.
func (l *Model) SetSize(width, height int) {
	l.Common.SetSize(width, max(height, 2))
	if width != l.lay.width {
		l.lay = newLayout(width, l.longestName)
		clear(l.cache)
	}
	l.rows = l.Height - 1
	l.input.Width = max(width-20, 10)
	l.clamp()
}

// ShortHelp is the list's footer, or the filter's while it is typed.
func (l *Model) ShortHelp() []key.Binding {
	if l.filtering {
		return l.Keys.FilterHelp()
	}
	return l.Keys.ListHelp()
}

// FullHelp is every key of the console.
func (l *Model) FullHelp() [][]key.Binding { return l.Keys.FullHelp() }

// Init does nothing: the root hands the list its snapshots.
func (l *Model) Init() tea.Cmd { return nil }

// Filtering reports whether the filter field has the keyboard (it takes text).
func (l *Model) Filtering() bool { return l.filtering }

// Filter is the filter as applied.
func (l *Model) Filter() string { return l.filter }

// Len is how many rows the filter keeps.
func (l *Model) Len() int {
	if l.whole {
		if l.snap == nil {
			return 0
		}
		return len(l.snap.Rows)
	}
	return len(l.idx)
}

// at is the i-th row shown (0 ≤ i < Len).
func (l *Model) at(i int) *fleet.Row {
	if l.whole {
		if l.desc {
			i = len(l.snap.Rows) - 1 - i
		}
		return l.snap.Rows[i]
	}
	return l.snap.Rows[l.idx[i]]
}

// find is the place among the rows shown of instance id, or -1. hint, the instance's row in
// an earlier snapshot, finds it by binary search when the list is the hub's whole order and
// its deadline did not change; otherwise find looks at every row shown.
func (l *Model) find(id string, hint *fleet.Row) int {
	if l.snap == nil {
		return -1
	}
	if l.whole && hint != nil {
		rows := l.snap.Rows
		i, ok := slices.BinarySearchFunc(rows, hint, func(r, h *fleet.Row) int {
			return model.CompareDeadlines(r.Deadline, r.Inst.ID, h.Deadline, h.Inst.ID)
		})
		if ok && rows[i].Inst.ID == id {
			if l.desc {
				i = len(rows) - 1 - i
			}
			return i
		}
	}
	for i := range l.Len() {
		if l.at(i).Inst.ID == id {
			return i
		}
	}
	return -1
}

// Selected is how many rows are selected.
func (l *Model) Selected() int { return len(l.selected) }

// IsSelected reports whether instance id is selected.
func (l *Model) IsSelected(id string) bool { return l.selected[id] }

// Update moves the cursor, selects, sorts and filters; enter and R become OpenDetailMsg and
// RedeployMsg for the root.
func (l *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		if l.filtering {
			var cmd tea.Cmd
			l.input, cmd = l.input.Update(msg)
			return l, cmd
		}
		return l, nil
	}
	if l.filtering {
		return l, l.updateFilter(km)
	}
	if common.IsText(km) {
		return l, nil // text is never a key
	}
	keys := l.Keys
	switch {
	case key.Matches(km, keys.Down):
		l.move(1)
	case key.Matches(km, keys.Up):
		l.move(-1)
	case key.Matches(km, keys.PageDown):
		l.move(l.rows)
	case key.Matches(km, keys.PageUp):
		l.move(-l.rows)
	case key.Matches(km, keys.HalfPageDown):
		l.move(max(l.rows/2, 1))
	case key.Matches(km, keys.HalfPageUp):
		l.move(-max(l.rows/2, 1))
	case key.Matches(km, keys.Top):
		l.cursor = 0
		l.clamp()
	case key.Matches(km, keys.Bottom):
		l.cursor = l.Len() - 1
		l.clamp()
	case key.Matches(km, keys.Detail):
		if r := l.Current(); r != nil {
			return l, common.Emit(OpenDetailMsg{Row: r})
		}
	case key.Matches(km, keys.Filter):
		l.filtering = true
		l.input.SetValue(l.filter)
		l.input.CursorEnd()
		return l, l.input.Focus()
	case key.Matches(km, keys.Back):
		if l.filter != "" {
			l.input.Reset()
			l.setFilter("")
		} else {
			clear(l.selected)
		}
	case key.Matches(km, keys.Select):
		if r := l.Current(); r != nil {
			if l.selected[r.Inst.ID] {
				delete(l.selected, r.Inst.ID)
			} else {
				l.selected[r.Inst.ID] = true
			}
			l.move(1)
		}
	case key.Matches(km, keys.SelectAll):
		// What the filter and the region scope show, and nothing they hide.
		for i := range l.Len() {
			l.selected[l.at(i).Inst.ID] = true
		}
	case key.Matches(km, keys.ClearSelection):
		clear(l.selected)
	case key.Matches(km, keys.Redeploy):
		if msg, ok := l.redeployTargets(); ok {
			return l, common.Emit(msg)
		}
	case key.Matches(km, keys.Sort):
		l.setSort((l.sort+1)%numSortKeys, false)
	case key.Matches(km, keys.SortColumn):
		for k, sc := range sortCols {
			if string(km.Runes) == sc.letter {
				l.pickSort(sortKey(k))
			}
		}
	}
	return l, nil
}

// updateFilter is a key while the filter is typed: esc clears it, enter keeps it, and
// everything else, pastes included, is its text.
func (l *Model) updateFilter(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		l.input.Reset()
		l.input.Blur()
		l.setFilter("")
		l.filtering = false
		return nil
	case tea.KeyEnter:
		l.input.Blur()
		l.filtering = false
		return nil
	}
	var cmd tea.Cmd
	l.input, cmd = l.input.Update(msg)
	l.setFilter(l.input.Value())
	return cmd
}

// redeployTargets is what R acts on: the selected rows the filter shows (those it hides
// are left out, never targets: R acts only on what the engineer can see), or the row under
// the cursor when nothing is selected.
func (l *Model) redeployTargets() (RedeployMsg, bool) {
	if l.snap == nil {
		return RedeployMsg{}, false
	}
	if len(l.selected) == 0 {
		r := l.Current()
		return RedeployMsg{Targets: []*fleet.Row{r}}, r != nil
	}
	var msg RedeployMsg
	for _, r := range l.snap.Rows {
		switch {
		case !l.selected[r.Inst.ID]:
		case l.shows(r):
			msg.Targets = append(msg.Targets, r)
		default:
			msg.LeftOut = append(msg.LeftOut, r)
		}
	}
	return msg, true
}

// Shown are the rows the view shows, in its order: the region scope and the filter
// applied, sorted as on screen.
func (l *Model) Shown() []*fleet.Row {
	if l.snap == nil {
		return nil
	}
	out := make([]*fleet.Row, l.Len())
	for i := range out {
		out[i] = l.at(i)
	}
	return out
}

// Cursor is the cursor's index among the rows shown.
func (l *Model) Cursor() int { return l.cursor }

// Scroll moves the window by d rows (the mouse wheel), the cursor with it.
func (l *Model) Scroll(d int) { l.move(d) }

// ClickRow puts the cursor on the i-th row shown (0 is the first under the column
// titles); a click below the last row does nothing.
func (l *Model) ClickRow(i int) {
	if i < 0 || i >= l.rows || l.offset+i >= l.Len() {
		return
	}
	l.cursor = l.offset + i
	l.clamp()
}

// ClearSelection forgets the selection (after the redeploys it named were asked for).
func (l *Model) ClearSelection() { clear(l.selected) }

// JumpTo puts the cursor on instance id, clearing a filter that hides it.
func (l *Model) JumpTo(id string) {
	find := func() bool {
		if i := l.find(id, nil); i >= 0 {
			l.cursor = i
			l.clamp()
			return true
		}
		return false
	}
	if l.snap != nil && !find() && l.filter != "" {
		l.input.Reset()
		l.setFilter("")
		find()
	}
}

// SetSnapshot shows a new snapshot, keeping the cursor on the same instance.
func (l *Model) SetSnapshot(s *fleet.Snapshot) {
	keep := l.Current()
	// The hub publishes the very same rows after a refresh that changed nothing (it never
	// changes a published slice): nothing to filter or sort again, the cost an idle
	// console pays every 5 s at 100,000 instances.
	same := l.snap != nil && len(s.Rows) > 0 && len(s.Rows) == len(l.snap.Rows) && &s.Rows[0] == &l.snap.Rows[0]
	l.snap = s
	if !same {
		l.pruneSelection()
		l.countScope()
		l.rebuild(false)
		if n := longestName(s.Rows); n != l.longestName {
			l.longestName = n
			l.lay = newLayout(l.lay.width, n)
			clear(l.cache)
		}
	}
	if keep != nil {
		if i := l.find(keep.Inst.ID, keep); i >= 0 {
			l.cursor = i
		}
	}
	l.clamp()
	// Keep only what the new snapshot still shows, unchanged, on screen.
	shown := make(map[string]*rowCache, l.rows)
	for i := l.offset; i < min(l.offset+l.rows, l.Len()); i++ {
		r := l.at(i)
		if c := l.cache[r.Inst.ID]; c != nil && c.row == r {
			shown[r.Inst.ID] = c
		}
	}
	l.cache = shown
}

// longestName is the widest name among rows, in terminal cells (CJK and emoji take two).
// Every session asks it of the same rows: the answers for the latest rows are kept, so new
// rows cost one pass for the whole process, not one per session.
func longestName(rows []*fleet.Row) int {
	if len(rows) == 0 {
		return 0
	}
	key := weak.Make(&rows[0])
	longest.mu.Lock()
	defer longest.mu.Unlock()
	for _, m := range longest.last {
		if m.rows == key && m.n == len(rows) {
			return m.width
		}
	}
	w := measureLongest(rows)
	longest.last[1], longest.last[0] = longest.last[0], longestMemo{key, len(rows), w}
	return w
}

// longest keeps longestName's answers for the last two slices of rows it measured (two, for
// sessions a snapshot apart), each known by its first element and its length: the hub
// never changes a published slice. The reference is weak, so the memo keeps no old rows
// alive, and it never matches another slice, even one at the same address.
var longest struct {
	mu   sync.Mutex
	last [2]longestMemo
}

type longestMemo struct {
	rows  weak.Pointer[*fleet.Row]
	n     int
	width int
}

func measureLongest(rows []*fleet.Row) int {
	n := 0
	for _, r := range rows {
		w := len(r.Inst.Name)
		if !common.IsASCII(r.Inst.Name) {
			w = ansi.StringWidth(safetext.Terminal(r.Inst.Name)) // as the cell shows it
		}
		n = max(n, w)
	}
	return n
}

// setFilter filters as the engineer types. A filter that only grows narrows the rows
// already kept instead of scanning the whole fleet again.
func (l *Model) setFilter(f string) {
	if f == l.filter {
		return
	}
	// Only plain words narrow as they grow: "!p" → "!pr", "/a/" → "/a|b/" and "a|" → "a|b"
	// each keep rows the shorter filter dropped.
	narrower := l.filter != "" && strings.HasPrefix(f, l.filter) && !strings.ContainsAny(f, "!/|")
	l.filter = f
	l.terms, l.filterErr = parseFilter(f)
	l.rebuild(narrower)
	l.cursor, l.offset = 0, 0
}

// SetRegions scopes the list to regions (nil or empty: every region the hub lists). It is
// this session's view over the hub's rows: the hub, shared by every session, keeps
// listing its own scope.
func (l *Model) SetRegions(regions []string) {
	l.regions = nil
	if len(regions) > 0 {
		l.regions = make(map[string]bool, len(regions))
		for _, r := range regions {
			l.regions[r] = true
		}
	}
	l.countScope()
	l.setSort(l.sort, l.desc) // rebuilds, keeping the cursor on its instance if shown
}

// countScope counts the rows in the session's region scope with the hub's own count.
func (l *Model) countScope() {
	l.scoped = fleet.Counts{}
	if l.regions == nil || l.snap == nil {
		return
	}
	l.scoped = fleet.CountRows(l.snap.Rows, func(r *fleet.Row) bool { return l.regions[r.Inst.RegionID] })
}

// Counts are the header's numbers for the session's scope: the hub's, or, under
// :region, those of the rows in it.
func (l *Model) Counts() fleet.Counts {
	if l.regions == nil {
		if l.snap == nil {
			return fleet.Counts{}
		}
		return l.snap.Counts
	}
	return l.scoped
}

// Regions is the session's region scope, sorted; nil for every region.
func (l *Model) Regions() []string {
	if l.regions == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(l.regions))
}

// pruneSelection forgets selected instances the snapshot no longer lists (their event was
// cancelled or executed): "2 selected" must count what R would act on.
func (l *Model) pruneSelection() {
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

// pickSort sorts by k, or reverses the order when k is already the sort.
func (l *Model) pickSort(k sortKey) {
	desc := false
	if k == l.sort {
		desc = !l.desc
	}
	l.setSort(k, desc)
}

// SortBy sorts by the column named name (as SortColumns names them), reversing when it
// is already the sort; it reports whether there is such a column.
func (l *Model) SortBy(name string) bool {
	for k, sc := range sortCols {
		if strings.EqualFold(sc.name, name) || strings.EqualFold(sc.letter, name) {
			l.pickSort(sortKey(k))
			return true
		}
	}
	return false
}

// setSort orders the rows by k, keeping the cursor on the instance it was on.
func (l *Model) setSort(k sortKey, desc bool) {
	keep := l.Current()
	l.sort, l.desc = k, desc
	l.rebuild(false)
	l.cursor = 0
	if keep != nil {
		if i := l.find(keep.Inst.ID, keep); i >= 0 {
			l.cursor = i
		}
	}
	l.clamp()
}

// shows reports whether the region scope and the filter keep row r.
func (l *Model) shows(r *fleet.Row) bool {
	return (l.regions == nil || l.regions[r.Inst.RegionID]) && (len(l.terms) == 0 || l.matches(r))
}

// matches reports whether every term of the filter keeps row r.
func (l *Model) matches(r *fleet.Row) bool {
	for i := range l.terms {
		if !l.terms[i].keeps(r) {
			return false
		}
	}
	return true
}

// term is one word of the filter: the words are ANDed. A word is a substring of one of the
// row's searchable fields (Row.SearchText: id, name, zone, region, status, type, events,
// badges, tags as key=value), or any of several (prod|dev), or a regular expression
// (/^web-/) that matches one field at a time; ! before it keeps the rows it does not
// match.
type term struct {
	not  bool
	alts []string
	re   *regexp.Regexp
	// aliases are the event types whose short list name (Maint.Reboot) the term hits:
	// the list shows short names, so they match too.
	aliases []model.EventType
}

// parseFilter splits a filter into terms; a /regexp/ that does not compile is taken as
// the words it is, and said (the returned string).
func parseFilter(f string) ([]term, string) {
	var out []term
	bad := ""
	for _, w := range strings.Fields(f) {
		var t term
		if len(w) > 1 && w[0] == '!' {
			t.not, w = true, w[1:]
		}
		if len(w) > 2 && w[0] == '/' && w[len(w)-1] == '/' {
			// (?m): ^ and $ hold at each field's ends (Row.SearchText has one field a line), so
			// /^web-prod/ finds names that start so, not only ids.
			re, err := regexp.Compile("(?im)" + w[1:len(w)-1])
			if err == nil {
				t.re = re
				for _, et := range model.AllEventTypes {
					if re.MatchString(shortEventSearch[et]) {
						t.aliases = append(t.aliases, et)
					}
				}
				out = append(out, t)
				continue
			}
			bad = "not a regexp, taken as words: " + w
		}
		for _, a := range strings.Split(strings.ToLower(w), "|") {
			if a == "" {
				continue
			}
			t.alts = append(t.alts, a)
			for _, et := range model.AllEventTypes {
				if strings.Contains(shortEventSearch[et], a) && !slices.Contains(t.aliases, et) {
					t.aliases = append(t.aliases, et)
				}
			}
		}
		if len(t.alts) > 0 {
			out = append(out, t)
		}
	}
	return out, bad
}

// keeps reports whether the term keeps row r.
func (t *term) keeps(r *fleet.Row) bool {
	hit := false
	if t.re != nil {
		hit = t.re.MatchString(r.SearchText())
	} else {
		for _, a := range t.alts {
			if strings.Contains(r.SearchText(), a) {
				hit = true
				break
			}
		}
	}
	// Only terms that hit a short event name the list shows cost a look at the type.
	if !hit && len(t.aliases) > 0 && r.Event != nil {
		hit = slices.Contains(t.aliases, r.Event.Type)
	}
	return hit != t.not
}

// rebuild recomputes the visible order: filter, then sort. With nothing to filter and the
// deadline order, it derives nothing: the list is the hub's rows (whole).
func (l *Model) rebuild(narrow bool) {
	l.whole = false
	if l.snap == nil {
		l.idx = l.idx[:0]
		return
	}
	rows := l.snap.Rows
	if l.regions == nil && len(l.terms) == 0 && l.sort == sortDeadline {
		l.whole, l.idx = true, nil
		return
	}
	if narrow && l.idx != nil {
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
		if l.shows(r) {
			idx = append(idx, int32(i))
		}
	}
	l.idx = idx
	if l.sort != sortDeadline {
		by := l.sortKeyFunc()
		slices.SortStableFunc(l.idx, func(a, b int32) int { return by(rows[a], rows[b]) })
	}
	if l.desc {
		slices.Reverse(l.idx)
	}
}

// sortKeyFunc compares rows by the chosen key; ties keep deadline order (stable sort).
func (l *Model) sortKeyFunc() func(a, b *fleet.Row) int {
	switch l.sort {
	case sortStatus:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.Status, b.Inst.Status) }
	case sortEvent:
		// By what the list shows, the short name: sorting by the full type put
		// InstanceFailure between Expiration and Unbalanced on screen.
		return func(a, b *fleet.Row) int {
			var ta, tb string
			if a.Event != nil {
				ta = shortEventType(a.Event.Type)
			}
			if b.Event != nil {
				tb = shortEventType(b.Event.Type)
			}
			return cmp.Compare(ta, tb)
		}
	case sortZone:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.ZoneID, b.Inst.ZoneID) }
	case sortInstance:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.ID, b.Inst.ID) }
	case sortName:
		return func(a, b *fleet.Row) int { return cmp.Compare(a.Inst.Name, b.Inst.Name) }
	case sortCycle:
		return func(a, b *fleet.Row) int { return cmp.Compare(cycleOf(a), cycleOf(b)) }
	case sortBadges:
		return func(a, b *fleet.Row) int {
			return slices.Compare(a.Badges, b.Badges)
		}
	}
	return func(a, b *fleet.Row) int { return 0 }
}

func cycleOf(r *fleet.Row) model.EventCycleStatus {
	if r.Event == nil {
		return ""
	}
	return r.Event.CycleStatus
}

// Current is the row under the cursor, or nil.
func (l *Model) Current() *fleet.Row {
	if l.snap == nil || l.cursor < 0 || l.cursor >= l.Len() {
		return nil
	}
	return l.at(l.cursor)
}

func (l *Model) move(d int) {
	l.cursor += d
	l.clamp()
}

// clamp keeps the cursor on a row and the window around the cursor.
func (l *Model) clamp() {
	l.cursor = max(min(l.cursor, l.Len()-1), 0)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.rows {
		l.offset = l.cursor - l.rows + 1
	}
	l.offset = max(min(l.offset, l.Len()-l.rows), 0)
}

// View is the column titles and exactly the rows that fit, each the layout's width; or,
// with no rows, why.
func (l *Model) View() string {
	var b strings.Builder
	b.Grow(l.Width * (l.Height + 1) * 2)
	l.Render(&b)
	return strings.TrimSuffix(b.String(), "\n")
}

// Render writes View to b, each line ending in a newline: the root's hot path, without a
// second copy of the screen.
func (l *Model) Render(b *strings.Builder) {
	st := l.Styles
	switch {
	case l.snap == nil || l.snap.Loading:
		b.WriteString(l.lines(l.Height, append([]string{"", "  loading the fleet…"}, l.LoadingNote...)...))
		b.WriteByte('\n')
		return
	case l.Len() == 0:
		msg := "  no instance has a pending event"
		switch {
		case l.filter != "":
			msg = "  nothing matches the filter; esc clears it"
		case l.snap.Updated.IsZero() && l.snap.Err != nil:
			msg = "  the fleet could not be loaded yet; retrying (the notice below says why)"
		}
		b.WriteString(l.lay.headerLine(st, sortCols[l.sort].col, l.desc) + "\n" + l.lines(l.Height-1, msg))
		b.WriteByte('\n')
		return
	}
	now := l.Now()
	b.WriteString(l.lay.headerLine(st, sortCols[l.sort].col, l.desc))
	b.WriteByte('\n')
	end := min(l.offset+l.rows, l.Len())
	for i := l.offset; i < end; i++ {
		r := l.at(i)
		c := l.cache[r.Inst.ID]
		if c == nil || c.row != r {
			c = &rowCache{row: r}
			l.cache[r.Inst.ID] = c
		}
		if c.styled == "" || !c.at.Equal(now) {
			cd := countdown(r, now)
			if _, ok := l.snap.Accepted[eventID(r)]; ok {
				// Accepted here or in another session: the platform acts now, and a
				// countdown to a deadline it no longer waits for would say otherwise.
				cd = actingNow
			}
			if c.styled == "" || cd != c.cd {
				c.styled, c.plain = l.lay.renderRow(r, cd, now, st)
				if l.lay.overflow {
					c.plain = common.Fit(c.plain, l.lay.width-gutter)
					c.styled = c.plain
				}
			}
			c.at, c.cd = now, cd
		}
		sel := l.selected[r.Inst.ID]
		cur := i == l.cursor
		if cur {
			b.WriteByte('>')
		} else {
			b.WriteByte(' ')
		}
		switch {
		case sel:
			b.WriteByte('*')
		case l.lay.noBadges:
			// No room for the badges: one mark keeps the row's truth (help explains it).
			if mk := stateMark(r); mk == markLocalDisk {
				b.WriteString(st.Danger.On(string(mk)))
			} else {
				b.WriteByte(mk)
			}
		default:
			b.WriteByte(' ')
		}
		if cur {
			b.WriteString(st.Cursor.On(c.plain))
		} else {
			b.WriteString(c.styled)
		}
		b.WriteByte('\n')
	}
	for i := end - l.offset; i < l.rows; i++ {
		b.WriteByte('\n')
	}
}

// markLocalDisk marks, at a width without badges, a row whose redeploy wipes its local
// disks (LOCAL DISK): data loss is never left unsaid.
const markLocalDisk = '#'

// stateMark is a row's state in one character, for a width without the badge column:
// ~ a redeploy in progress, ! refused (a reason badge), - no event a redeploy answers,
// # local disks a redeploy would wipe.
func stateMark(r *fleet.Row) byte {
	switch {
	case r.InProgress:
		return '~'
	case r.Blocked:
		return '!'
	case r.NoRedeploy:
		return '-'
	case r.Inst.HasLocalDisks():
		return markLocalDisk
	}
	return ' '
}

// lines is text cut to the width, exactly n lines.
func (l *Model) lines(n int, text ...string) string {
	out := make([]string, max(n, 0))
	for i, t := range text {
		if i < len(out) {
			out[i] = common.FitStyled(t, l.Width)
		}
	}
	return strings.Join(out, "\n")
}

// InfoLine is the line above the list: the sort, the count, the filter and the selection;
// while the filter is typed, the field and how many rows it keeps.
func (l *Model) InfoLine() string {
	st := l.Styles
	if l.filtering {
		// The count answers "did I type it right?" while typing.
		count := ""
		if l.snap != nil {
			count = " " + st.Dim.On(common.Thousands(l.Len())+" of "+common.Thousands(len(l.snap.Rows)))
		}
		return common.FitStyled(l.input.View()+count, l.Width)
	}
	s := "sort " + sortCols[l.sort].name
	if l.desc {
		s += " reversed"
	}
	s += " (s)"
	if l.snap != nil {
		// Where the cursor is, k9s-like: 1,204/100,000; and how many a filter or scope left.
		pos := 0
		if l.Len() > 0 {
			pos = l.cursor + 1
		}
		s += " · " + common.Thousands(pos) + "/" + common.Thousands(l.Len())
		if l.Len() != len(l.snap.Rows) {
			s += " of " + common.Thousands(len(l.snap.Rows))
		}
	}
	if l.filter != "" {
		s += " · filter /" + l.filter + " (esc clears)"
	}
	if l.filterErr != "" {
		s += " · " + l.filterErr
	}
	if n := len(l.selected); n > 0 {
		s += " · " + common.Thousands(n) + " selected"
	}
	return st.Dim.On(common.Fit(safetext.Terminal(s), l.Width)) // a pasted filter is anybody's text
}
