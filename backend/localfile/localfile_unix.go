//go:build unix

package localfile

import (
	"io/fs"
	"os"
	"syscall"
)

const nonblock = syscall.O_NONBLOCK | syscall.O_NOCTTY

// owner is the file's owner, and whether it is the user who runs us or root.
func owner(fi fs.FileInfo) (uid int, mine bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, true
	}
	return int(st.Uid), int(st.Uid) == os.Geteuid() || st.Uid == 0
}
