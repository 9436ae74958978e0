package aliyun

import (
	"testing"
	"time"
)

// Three attempts of 10 s and the two backoffs between them: what the console tells a
// user waiting on a network that does not answer (tester2 #16).
func TestGivesUpAfter(t *testing.T) {
	if got, want := GivesUpAfter(10*time.Second), 30*time.Second+600*time.Millisecond; got != want {
		t.Errorf("GivesUpAfter(10s) = %s, want %s", got, want)
	}
}
