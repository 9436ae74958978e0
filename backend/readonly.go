package backend

import (
	"context"
)

// readOnly refuses every Redeploy. It is the one place read-only mode is enforced; the UI
// only reflects it.
type readOnly struct{ Backend }

// ReadOnly wraps b so that Redeploy always fails with ErrReadOnly and never reaches b.
func ReadOnly(b Backend) Backend { return readOnly{b} }

// IsReadOnly reports whether b refuses redeploys.
func IsReadOnly(b Backend) bool {
	_, ok := b.(readOnly)
	return ok
}

func (readOnly) Redeploy(context.Context, RedeployRequest) (TaskRef, error) {
	return TaskRef{}, ErrReadOnly
}

// Compile-time check that the guard still satisfies the interface.
var _ Backend = readOnly{}
