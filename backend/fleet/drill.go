// Drills (CreateSimulatedSystemEvents, CancelSimulatedSystemEvents): the hub sends them on
// its own context, keeps the ids it made in the state directory, and marks those events
// as drills in every listing, since DescribeInstanceHistoryEvents does not say so.

package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// DrillRecord is one drill event this tool made, as the state directory keeps it.
type DrillRecord struct {
	EventID   string          `json:"EventId"`
	RegionID  string          `json:"RegionId"`
	EventType model.EventType `json:"EventType"`
	NotBefore time.Time       `json:"NotBefore"`
	// InstanceIDs are the instances of the call that made it: the API answers event ids
	// without saying which instance each is for.
	InstanceIDs []string `json:"InstanceIds"`
	// Where names the account (PlanRecord.Where): `drill --cancel --all` cancels only the
	// drills of the account it runs against.
	Where     string    `json:"Where"`
	CreatedBy string    `json:"CreatedBy"`
	Created   time.Time `json:"Created"`
}

// DrillBook keeps the drill events this tool made in a state directory (drills.json,
// written whole and atomically), so that every process on the host (the console, serve, a
// headless command) marks them as drills even on the real API, whose events do not say
// so. A process reads the file again when it changes.
type DrillBook struct {
	// Dir is the state directory (StateDir), made 0700 on the first save.
	Dir string

	mu    sync.Mutex
	recs  []DrillRecord
	ids   map[string]bool
	stamp fileStamp
}

// fileStamp is what says the file changed: every save renames a new file over it (a new
// inode, os.SameFile), and its time and size.
type fileStamp struct {
	info fs.FileInfo
	mod  time.Time
	size int64
}

func (a fileStamp) same(b fileStamp) bool {
	return a.info != nil && b.info != nil && os.SameFile(a.info, b.info) && a.mod.Equal(b.mod) && a.size == b.size
}

type drillFile struct {
	Drills []DrillRecord `json:"Drills"`
}

// NewDrillBook is the book kept in dir.
func NewDrillBook(dir string) *DrillBook { return &DrillBook{Dir: dir} }

func (b *DrillBook) path() string { return filepath.Join(b.Dir, "drills.json") }

// loadLocked reads the file again when it changed since the last read. A missing file
// holds no drill.
func (b *DrillBook) loadLocked() error {
	st, err := os.Stat(b.path())
	if errors.Is(err, fs.ErrNotExist) {
		b.recs, b.ids, b.stamp = nil, map[string]bool{}, fileStamp{}
		return nil
	}
	if err != nil {
		return err
	}
	now := fileStamp{info: st, mod: st.ModTime(), size: st.Size()}
	if now.same(b.stamp) && b.ids != nil {
		return nil
	}
	data, err := localfile.ReadFile(b.path(), localfile.State)
	if err != nil {
		return err
	}
	var f drillFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%s: %w; remove it to forget the drills it names", b.path(), err)
	}
	b.recs, b.ids, b.stamp = f.Drills, map[string]bool{}, now
	for _, r := range f.Drills {
		b.ids[r.EventID] = true
	}
	return nil
}

// Records are the drills kept, oldest first.
func (b *DrillBook) Records() ([]DrillRecord, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.loadLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(b.recs), nil
}

// idSet is the ids of the drills kept, read again if the file changed (one stat a
// listing, not one an event). A file that cannot be read keeps what was read before. The
// map is never changed: a reload makes a new one.
func (b *DrillBook) idSet() map[string]bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.loadLocked()
	return b.ids
}

// change applies f to the records read afresh and saves them.
func (b *DrillBook) change(f func([]DrillRecord) []DrillRecord) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	unlock, err := b.lockFile()
	if err != nil {
		return err
	}
	defer unlock()
	b.stamp = fileStamp{} // read it afresh: another process may have written it
	if err := b.loadLocked(); err != nil {
		return err
	}
	recs := f(slices.Clone(b.recs))
	data, err := json.MarshalIndent(drillFile{Drills: recs}, "", "  ")
	if err != nil {
		return err
	}
	if err := localfile.WriteAtomic(b.path(), safetext.JSON(data)); err != nil {
		return err
	}
	b.stamp = fileStamp{}
	return b.loadLocked()
}

// drillMarks marks as drills (model.Event.Simulated) the events of every listing whose ids
// the book keeps: the rows, the eligibility (never redeployed) and the deadline alarms all
// read the mark.
type drillMarks struct {
	backend.Backend
	book *DrillBook
}

// Unwrap is the backend under the marks (backend.Note finds the audit log through it).
func (d drillMarks) Unwrap() backend.Backend { return d.Backend }

func mark(evs []model.Event, ids map[string]bool) {
	for i := range evs {
		if !evs[i].Simulated && ids[evs[i].ID] {
			evs[i].Simulated = true
		}
	}
}

func (d drillMarks) Instances(ctx context.Context, q backend.Query) ([]model.Instance, error) {
	ins, err := d.Backend.Instances(ctx, q)
	if ids := d.book.idSet(); len(ids) > 0 {
		for i := range ins {
			mark(ins[i].Events, ids)
		}
	}
	return ins, err
}

func (d drillMarks) PendingEvents(ctx context.Context, q backend.EventQuery) ([]model.Event, error) {
	evs, err := d.Backend.PendingEvents(ctx, q)
	if ids := d.book.idSet(); len(ids) > 0 {
		mark(evs, ids)
	}
	return evs, err
}

// Drill asks the hub for one CreateSimulatedSystemEvents: a drill event of req.EventType on
// each of req.InstanceIDs, due at req.NotBefore. The call runs on the hub's own context
// with its own timeout (ctx bounds only the wait: ErrDetached). The ids made are kept in
// the hub's DrillBook (Options.Drills), when it has one, before Drill returns, and a
// refresh is asked for. The backend's errors (the guard's, the audit's, the API's with
// Code and RequestId) come back unwrapped; a failure to keep the ids is wrapped after the
// ids are returned, since the drills exist.
func (h *Hub) Drill(ctx context.Context, req backend.DrillRequest) (backend.DrillRef, error) {
	if err := req.Check(); err != nil {
		return backend.DrillRef{}, err
	}
	var ref backend.DrillRef
	err := h.detached(ctx, "CreateSimulatedSystemEvents", func(cctx context.Context) error {
		var err error
		ref, err = h.b.CreateSimulatedSystemEvents(cctx, req)
		if err != nil || h.opt.Drills == nil {
			return err
		}
		now := h.opt.Now()
		return h.opt.Drills.change(func(recs []DrillRecord) []DrillRecord {
			for _, id := range ref.EventIDs {
				recs = append(recs, DrillRecord{EventID: id, RegionID: ref.RegionID, EventType: req.EventType,
					NotBefore: req.NotBefore.UTC().Truncate(time.Second), InstanceIDs: req.InstanceIDs,
					Where: h.opt.Where, CreatedBy: req.Identity.String(), Created: now.UTC()})
			}
			return recs
		})
	})
	if errors.Is(err, ErrDetached) {
		return backend.DrillRef{}, err // the call goes on; its ref is the goroutine's
	}
	if err != nil && len(ref.EventIDs) > 0 {
		err = fmt.Errorf("drills %v were made, but the state directory could not keep them, so the console will not mark them as drills: %w", ref.EventIDs, err)
	}
	h.RequestRefresh()
	return ref, err
}

// CancelDrills asks the hub for one CancelSimulatedSystemEvents, as Drill asks for one
// CreateSimulatedSystemEvents. The ids canceled leave the hub's DrillBook.
func (h *Hub) CancelDrills(ctx context.Context, req backend.CancelDrillRequest) (backend.CancelDrillRef, error) {
	if err := req.Check(); err != nil {
		return backend.CancelDrillRef{}, err
	}
	var ref backend.CancelDrillRef
	err := h.detached(ctx, "CancelSimulatedSystemEvents", func(cctx context.Context) error {
		var err error
		ref, err = h.b.CancelSimulatedSystemEvents(cctx, req)
		if err != nil {
			return err
		}
		_, err = h.ForgetDrills(req.EventIDs...)
		return err
	})
	h.RequestRefresh()
	if errors.Is(err, ErrDetached) {
		return backend.CancelDrillRef{}, err
	}
	return ref, err
}

// ForgetDrills removes ids from the hub's DrillBook (none: nothing to do): drills canceled,
// or that the API no longer knows. It returns how many it kept.
func (h *Hub) ForgetDrills(ids ...string) (int, error) {
	if h.opt.Drills == nil || len(ids) == 0 {
		return 0, nil
	}
	n := 0
	err := h.opt.Drills.change(func(recs []DrillRecord) []DrillRecord {
		before := len(recs)
		recs = slices.DeleteFunc(recs, func(r DrillRecord) bool { return slices.Contains(ids, r.EventID) })
		n = before - len(recs)
		return recs
	})
	return n, err
}

// KeptDrills are the drills the hub's DrillBook keeps for the account it runs against
// (Options.Where), oldest first; none without a book.
func (h *Hub) KeptDrills() ([]DrillRecord, error) {
	if h.opt.Drills == nil {
		return nil, nil
	}
	recs, err := h.opt.Drills.Records()
	return slices.DeleteFunc(recs, func(r DrillRecord) bool { return r.Where != h.opt.Where }), err
}

// DrillRegion is the region of drill event id: the one the book kept, else the one of the
// listed instance that has it pending.
func (h *Hub) DrillRegion(id string) (string, bool) {
	if h.opt.Drills != nil {
		if recs, err := h.opt.Drills.Records(); err == nil {
			for _, r := range recs {
				if r.EventID == id {
					return r.RegionID, true
				}
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if rec, _ := h.findEventLocked(id); rec != nil {
		return rec.inst.RegionID, true
	}
	return "", false
}

// detached runs call on the hub's own context, bounded by CallTimeout and counted for
// Drain; ctx bounds only the wait (ErrDetached).
func (h *Hub) detached(ctx context.Context, what string, call func(context.Context) error) error {
	h.calls.Add(1)
	done := make(chan error, 1)
	go func() {
		defer h.calls.Done()
		cctx, cancel := context.WithTimeout(h.base, h.opt.CallTimeout)
		defer cancel()
		done <- h.recovered(what, func() error { return call(cctx) })
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ErrDetached
	}
}
