package main

import (
	"strings"
	"testing"
)

// A line longer than redeploy - takes is one line naming the source, the line number and
// the limit, exit 2, not "bufio.Scanner: token too long" (tester2 #19).
func TestReadTargetsTooLongLine(t *testing.T) {
	in := "i-bp1aaa\n" + strings.Repeat("x", 3<<20) + "\ni-bp1bbb\n"
	_, err := readTargets([]string{"-"}, "", strings.NewReader(in))
	if exitCode(err) != 2 || err.Error() != "standard input line 2: longer than 1024 KiB; put the instance ids on lines of their own or separate them with spaces or commas" {
		t.Fatalf("err %v (exit %d)", err, exitCode(err))
	}
	// A long line of ids (100 KiB, over the scanner's default 64 KiB) is still read.
	ids := strings.Repeat("i-bp1ccc,", 100<<10/9)
	got, err := readTargets([]string{"-"}, "", strings.NewReader(ids))
	if err != nil || len(got) != 1 {
		t.Fatalf("100 KiB of ids: %v, %d ids (a repeated id counts once)", err, len(got))
	}
}
