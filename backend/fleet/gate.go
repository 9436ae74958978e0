// The call gate: the one place a RedeployInstance call is made, on the hub's context.

package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// Redeploy asks the hub for one RedeployInstance of an instance it lists. The call runs on
// the hub's own context with its own timeout: ctx bounds only the wait for the outcome,
// and a caller that stops waiting (ErrDetached) cancels nothing; every session sees the
// outcome. It refuses an instance with a redeploy under way anywhere (ErrInProgress), one
// whose last call got no answer (ErrOutcomeHold), and one it does not list in
// req.RegionID or whose redeploy already finished (ErrNotListed). The backend's errors
// come back unwrapped.
func (h *Hub) Redeploy(ctx context.Context, req backend.RedeployRequest) (backend.TaskRef, error) {
	prev, before, err := h.begin(req)
	if err != nil {
		return backend.TaskRef{}, err
	}
	type outcome struct {
		ref backend.TaskRef
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer h.callEnded()
		ref, err := h.call(req, prev, before)
		done <- outcome{ref, err}
	}()
	select {
	case o := <-done:
		return o.ref, h.withFlags(o.err)
	case <-ctx.Done():
		return backend.TaskRef{}, ErrDetached
	}
}

// withFlags gives an in-progress refusal the account flags of this hub (Options.
// AccountFlags), so the follow command it prints runs as printed. The error was made for
// this call alone: nobody else holds it.
func (h *Hub) withFlags(err error) error {
	var ip *backend.InProgressError
	if h.opt.AccountFlags != "" && errors.As(err, &ip) && ip.Flags == "" {
		ip.Flags = h.opt.AccountFlags
	}
	return err
}

// begin checks that req may be sent and marks its instance submitting. It returns the
// state to go back to on a refusal, and the status the instance had when the engineer
// confirmed: the one an unanswered call's hold waits to see again. The call is counted
// in flight (Drain) before the lock is let go.
func (h *Hub) begin(req backend.RedeployRequest) (RedeployState, model.InstanceStatus, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rec := h.records[req.InstanceID]
	switch {
	case rec == nil || rec.inst.RegionID != req.RegionID:
		return 0, "", fmt.Errorf("%s in %s: %w", req.InstanceID, req.RegionID, ErrNotListed)
	case rec.state == StateOutcomeUnknown:
		return 0, "", ErrOutcomeHold
	case rec.state.InProgress():
		err := fmt.Errorf("%w (%s", ErrInProgress, rec.state)
		if rec.task != nil {
			err = fmt.Errorf("%w, task %s", err, rec.task.ID)
		}
		if by := rec.by.String(); by != "" {
			err = fmt.Errorf("%w, started by %s", err, by)
		}
		return 0, "", fmt.Errorf("%w)", err)
	case !rec.listed || rec.state == StateAvoided:
		// Its event was answered (here, or by the platform): nothing pending to redeploy
		// for, whatever an old screen still shows.
		return 0, "", fmt.Errorf("%s in %s: its redeploy finished or its event is gone: %w", req.InstanceID, req.RegionID, ErrNotListed)
	}
	prev := rec.state
	rec.state, rec.by = StateSubmitting, StartedBy{Identity: req.Identity}
	h.callBegun()
	h.markLocked(req.InstanceID)
	h.publishLocked()
	return prev, rec.inst.Status, nil
}

// senderNote is what a send lock's file says of the last process that took it: who asked
// for the RedeployInstance, and when (the backend's clock).
type senderNote struct {
	By backend.Identity `json:"by"`
	At time.Time        `json:"at"`
}

// sendLock takes the instance's send lock in the state directory, if the hub has one, and
// notes who sends.
func (h *Hub) sendLock(ctx context.Context, req backend.RedeployRequest) (func(), error) {
	if h.opt.Plans == nil {
		return func() {}, nil
	}
	return h.opt.Plans.sendLock(ctx, req.InstanceID, senderNote{By: req.Identity, At: h.opt.Now()})
}

// senders names who started the Processing tasks of ts that a process of this machine
// sent (its send lock's note), for a hub that finds them after that process died:
// "started by alice (operator)", not "elsewhere". A note counts for senderFresh after its
// call: a redeploy runs for minutes, so an older note is of another redeploy. Files are
// read here, outside the hub's lock.
func (h *Hub) senders(ts []model.Task) map[string]StartedBy {
	if h.opt.Plans == nil || len(ts) == 0 {
		return nil
	}
	now := h.opt.Now()
	out := map[string]StartedBy{}
	for _, t := range ts {
		note, ok := h.opt.Plans.lastSender(t.ResourceID)
		if ok && note.At.Before(now.Add(reconcileSlack)) && now.Sub(note.At) < senderFresh {
			out[t.ID] = StartedBy{Identity: note.By}
		}
	}
	return out
}

// senderFresh is how long a send lock's note names who started a Processing task of its
// instance.
const senderFresh = time.Hour

// call sends one RedeployInstance and records its outcome. A panic in the backend is an
// unknown outcome, never an instance stuck submitting.
func (h *Hub) call(req backend.RedeployRequest, prev RedeployState, before model.InstanceStatus) (backend.TaskRef, error) {
	ctx, cancel := context.WithTimeout(h.base, h.opt.CallTimeout)
	defer cancel()
	var ref backend.TaskRef
	var panicked bool
	// Held across the check-then-call window, until the task is recorded below: another
	// process of this machine waits, then finds the task (the deferred calls run first).
	unlock, err := h.sendLock(ctx, req)
	if err == nil {
		defer unlock()
		err = h.recovered("RedeployInstance "+req.InstanceID, func() error {
			panicked = true
			var err error
			ref, err = h.b.Redeploy(ctx, req)
			panicked = false
			return err
		})
	} else {
		err = fmt.Errorf("RedeployInstance %s: not sent: %w", req.InstanceID, err)
	}
	// A task that started though its audit result line was lost is still a task to follow;
	// the error goes back to the session.
	started := ref.TaskID != "" && errors.Is(err, backend.ErrAuditResult)
	if panicked {
		// The call may have left before the panic: nobody knows whether it started.
		err = fmt.Errorf("%w: %w", backend.ErrOutcomeUnknown, err)
	} else if (err == nil || started) && (ref.TaskID == "" || (ref.InstanceID != "" && ref.InstanceID != req.InstanceID)) {
		// An answer that names no task, or another instance, proves nothing.
		if err == nil {
			err = fmt.Errorf("RedeployInstance %s: %w: the answer named task %q of instance %q", req.InstanceID, backend.ErrOutcomeUnknown, ref.TaskID, ref.InstanceID)
		} else {
			err = fmt.Errorf("RedeployInstance %s: %w: the answer named task %q of instance %q; and %w", req.InstanceID, backend.ErrOutcomeUnknown, ref.TaskID, ref.InstanceID, err)
		}
	} else if err != nil && !errors.Is(err, backend.ErrOutcomeUnknown) && h.log.Enabled(ctx, slog.LevelDebug) {
		h.log.Debug("redeploy refused", "instance", req.InstanceID, "err", safetext.Log(err.Error()))
	}
	now := h.opt.Now()
	h.mu.Lock()
	defer func() {
		// A bug in deriving a row must not leave the hub locked for every session.
		if p := recover(); p != nil {
			h.log.Error("panic", "in", "recording a RedeployInstance outcome", "panic", safetext.Log(fmt.Sprint(p)), "stack", string(debug.Stack()))
		}
		h.mu.Unlock()
	}()
	defer h.publishLocked()
	rec := h.records[req.InstanceID]
	if rec == nil { // never dropped while submitting, but never a panic either
		return ref, err
	}
	h.markLocked(req.InstanceID)
	switch {
	case errors.Is(err, backend.ErrOutcomeUnknown):
		// The hold waits to see the status the engineer confirmed on: a status seen while
		// the call was out may be a move the call itself started.
		rec.state, rec.held = StateOutcomeUnknown, &outcomeHold{at: now, status: before}
		h.heldLocked(req.InstanceID)
		return ref, err
	case err != nil && !started:
		rec.state = prev
		if prev == StateIdle {
			rec.by = StartedBy{}
		}
		if errors.Is(err, backend.ErrAlreadyInProgress) {
			// Started elsewhere since the last refresh: the next one adopts its task.
			h.RequestRefresh()
		}
		return ref, err
	}
	ref.InstanceID = req.InstanceID
	task := &Task{ID: ref.TaskID, RegionID: req.RegionID, InstanceID: req.InstanceID, InstanceName: rec.inst.Name,
		Status: model.TaskProcessing, Phase: rec.inst.Status, ForceStop: req.ForceStop,
		StartedBy: StartedBy{Identity: req.Identity}, RequestID: ref.RequestID, Created: now}
	h.startLocked(rec, task, now)
	return ref, err
}
