// Package localfile opens the files ecs-redeploy reads and writes without ever blocking on
// one that is not a regular file, and refuses state files that are not the user's.
package localfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// A FIFO at a plan's path hung `redeploy --resume` in open() for ten minutes, deaf to
// SIGTERM (issue 21): open(2) of a FIFO blocks until a writer comes, and a read of a
// device (/dev/zero, /dev/urandom) never ends. Every file is therefore opened with
// O_NONBLOCK (open returns at once whatever the file is; it changes nothing for a regular
// file) and checked with fstat on the descriptor it gave, so no rename between a check
// and the open can slip a FIFO in.

// Kind is what a file must be besides regular.
type Kind int

const (
	// Input is a file the user names for us to read (a scenario, --from-file, a
	// credentials file, a secret file): regular and readable is enough, since sharing one
	// (a team's scenario, a secret mounted by root) is ordinary.
	Input Kind = iota
	// State is a file we keep and trust (plans and their locks, the audit log, serve's
	// host key and authorized_keys): also owned by the user who runs us (or root), as
	// OpenSSH's StrictModes asks of authorized_keys, since whoever owns it decides what we
	// resume, whom we let in and what the audit says.
	State
)

// Error is a file refused: not a regular file, or (State) not the user's. Its message
// is one line naming the path and what to do.
type Error struct {
	Path string
	// Problem is "a named pipe", "owned by uid 0", …
	Problem string
	// Advice is what to do.
	Advice string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s is %s: %s", e.Path, e.Problem, e.Advice)
}

// ErrNotRegular is wrapped by the Error for a file that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrNotOwned is wrapped by the Error for a State file another user owns.
var ErrNotOwned = errors.New("not owned by the user")

// Unwrap says which refusal it is.
func (e *Error) Unwrap() error {
	if e.Problem == problemOwner {
		return ErrNotOwned
	}
	return ErrNotRegular
}

const problemOwner = "owned by another user"

// Open opens path as os.OpenFile does (flag, perm), without blocking whatever is there,
// and returns it only when it is a regular file (and, for State, the user's); otherwise
// an *Error. An open that fails for another reason returns that error.
func Open(path string, flag int, perm fs.FileMode, kind Kind) (*os.File, error) {
	f, err := os.OpenFile(path, flag|nonblock, perm)
	if err != nil {
		// O_WRONLY|O_NONBLOCK on a FIFO without a reader fails (ENXIO) rather than
		// opening it: say what is there, not the errno.
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
			return nil, notRegular(path, fi.Mode(), flag)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, notRegular(path, fi.Mode(), flag)
	}
	if kind == State {
		if uid, mine := owner(fi); !mine {
			_ = f.Close()
			return nil, &Error{Path: path, Problem: problemOwner,
				Advice: fmt.Sprintf("it belongs to uid %d, and we keep our state only in files of the user who runs us (uid %d) or root: remove it, or run as its owner", uid, os.Geteuid())}
		}
	}
	return f, nil
}

// ReadFile reads a whole file as os.ReadFile does, opened by Open with O_RDONLY.
func ReadFile(path string, kind Kind) ([]byte, error) {
	f, err := Open(path, os.O_RDONLY, 0, kind)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: its close says nothing the read did not
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return data, nil
}

func notRegular(path string, m fs.FileMode, flag int) *Error {
	what := "not a regular file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a regular file"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		what = "a device, not a regular file"
	case m&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case m.IsDir():
		what = "a directory, not a regular file"
	}
	// The advice follows what the file was opened for, and never suggests removing a
	// directory (`--audit-log /tmp` was told to remove /tmp).
	writing := flag&(os.O_WRONLY|os.O_RDWR) != 0
	advice := "nothing would ever be read from it as it is; remove it or give the path of a regular file"
	switch {
	case m.IsDir() && writing:
		advice = "give the path of a file to write (it is created if missing), for example one inside it"
	case m.IsDir():
		advice = "give the path of a regular file, for example one inside it"
	case writing:
		advice = "what is written there would not be kept as a file; remove it or give the path of a regular file"
	}
	return &Error{Path: path, Problem: what, Advice: advice}
}
