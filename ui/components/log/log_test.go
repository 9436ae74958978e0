package log

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/internal/uitest"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// The ring keeps the newest Capacity entries, says how many it let go, follows the newest
// and scrolls.
func TestLogIsABoundedScrollableRing(t *testing.T) {
	l := New(uitest.Common(sim.Epoch, 60, 5))
	l.SetSize(60, 5)
	for i := range Capacity + 7 {
		l.Add(Entry{At: sim.Epoch.Add(time.Duration(i) * time.Second), Kind: Error, Text: "entry " + itoa(i)})
	}
	if l.Len() != Capacity {
		t.Fatalf("holds %d, want %d", l.Len(), Capacity)
	}
	if es := l.Entries(); es[0].Text != "entry 7" || es[len(es)-1].Text != "entry "+itoa(Capacity+6) {
		t.Fatalf("oldest %q, newest %q", es[0].Text, es[len(es)-1].Text)
	}
	if v := l.View(); !strings.Contains(v, "entry "+itoa(Capacity+6)) {
		t.Fatalf("the view does not follow the newest entry:\n%s", v)
	}
	l.Update(runes("g"))
	if v := l.View(); !strings.Contains(v, "7 older ones let go") || !strings.Contains(v, "error: entry 7") {
		t.Fatalf("g did not show the oldest:\n%s", v)
	}
	l.Update(runes("j"))
	if strings.Contains(l.View(), "let go") {
		t.Fatal("j did not scroll")
	}
	_, cmd := l.Update(runes("L"))
	if _, ok := cmd().(CloseMsg); !ok {
		t.Fatal("L did not close the log")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
