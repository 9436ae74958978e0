package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecs-redeploy/backend"
)

// A line over a scanner's limit in the audit log (2 MiB) does not hide the records after
// it: the one that started the task is still found (tester2 #19's kind).
func TestStarterFoundAfterAnOverlongAuditLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	const id = "i-bp1starter00000000001"
	log := strings.Repeat("x", 2<<20) + "\n" +
		`{"time":"2026-12-07T20:00:00Z","id":"a1","phase":"result","identity":{"name":"carol","role":"operator"},"action":"RedeployInstance","instance":"` + id + `","task_id":"t-1"}` + "\n"
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	by, _, ok := backend.StarterFromAuditLog(path, id, "t-1")
	if !ok || !strings.Contains(by, "carol") {
		t.Fatalf("starter %q, %v; want carol", by, ok)
	}
}
