//go:build !unix

package fleet

// lockFile is a no-op where flock does not exist: one process writing drills at a time is
// then the operator's to keep.
func (b *DrillBook) lockFile() (func(), error) { return func() {}, nil }
