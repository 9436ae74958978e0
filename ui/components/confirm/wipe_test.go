package confirm

import (
	"strings"
	"testing"

	"ecs-redeploy/ui/internal/uitest"
)

// Issue 11: a batch with a local-disk instance needs the word wipe typed after the count;
// one without arms on the count alone. The dialog says which.
func TestABatchThatWipesNeedsTheWordWipe(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain, uitest.IDLocal)
	said(d, keyTab)
	said(d, runes("2"))
	if d.Armed() {
		t.Fatal("the count alone armed a batch that wipes local disks")
	}
	if v := d.View(); !strings.Contains(v, "Type the number of instances and the word wipe (2 wipe)") {
		t.Fatalf("the dialog does not say what to type:\n%s", v)
	}
	said(d, runes(" wipe"))
	if !d.Armed() {
		t.Fatalf("%q did not arm", d.Typed())
	}
	if _, ok := said(d, keyEnter).(SubmitMsg); ok {
		t.Fatal("the enter that armed also confirmed")
	}

	d = opened(t, 120, 37, uitest.IDPlain, uitest.IDStopped)
	said(d, keyTab)
	said(d, runes("2"))
	if !d.Armed() || strings.Contains(d.View(), "wipe") {
		t.Fatalf("a batch without local disks: armed %v\n%s", d.Armed(), d.View())
	}
}

// The worst is read first: DATA LOSS before downtime in a batch.
func TestABatchListsDataLossBeforeDowntime(t *testing.T) {
	d := opened(t, 120, 37, uitest.IDPlain, uitest.IDLocal)
	text := strings.Join(d.consequences(), "\n")
	loss, down := strings.Index(text, "DATA LOSS"), strings.Index(text, "downtime")
	if loss < 0 || down < 0 || loss > down {
		t.Fatalf("order:\n%s", text)
	}
}
