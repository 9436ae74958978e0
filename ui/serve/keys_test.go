package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/backend"
	"ecs-redeploy/ui/serve/sshtest"
)

func TestHostKeyIsGeneratedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_key")
	first, err := LoadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("generated host key has mode %04o, want 0600", perm)
	}
	again, err := LoadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.PublicKey().Marshal(), again.PublicKey().Marshal()) {
		t.Error("a restart changed the host key: every client would see a MITM warning")
	}
	if first.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type %s", first.PublicKey().Type())
	}
}

func TestHostKeyWithLoosePermissionsIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		path := filepath.Join(t.TempDir(), "host_key")
		if _, err := LoadHostKey(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadHostKey(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v, want a refusal that says chmod 600", mode, err)
		}
	}
}

func TestHostKeyThatIsNotAKeyIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_key")
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadHostKey(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("garbage host key: %v", err)
	}
}

func TestAuthorizedKeysToleratesOptionsCommentsAndTypos(t *testing.T) {
	a, b, c := sshtest.NewSigner(t), sshtest.NewSigner(t), sshtest.NewSigner(t)
	line := func(s gossh.Signer) string {
		return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
	}
	file := strings.Join([]string{
		"# on-call rota, 2026",
		"",
		`command="echo hi",no-pty,from="10.0.0.0/8" ` + line(a) + " alice@laptop",
		"ssh-ed25519 AAAAthis-is-not-base64 typo@laptop",
		"   " + line(b),
		"# " + line(c) + " removed last week",
	}, "\n")
	keys, skipped, optioned := parseAuthorizedKeys([]byte(file))
	if skipped != 1 || optioned != 1 {
		t.Errorf("skipped %d lines, %d keys with options; want 1 (the typo) and 1 (alice)", skipped, optioned)
	}
	for _, s := range []gossh.Signer{a, b} {
		if _, ok := keys[gossh.FingerprintSHA256(s.PublicKey())]; !ok {
			t.Errorf("key %s missing", gossh.FingerprintSHA256(s.PublicKey()))
		}
	}
	if _, ok := keys[gossh.FingerprintSHA256(c.PublicKey())]; ok {
		t.Error("a commented-out key was authorized")
	}
	if keys[gossh.FingerprintSHA256(a.PublicKey())] != "alice@laptop" {
		t.Errorf("comment = %q", keys[gossh.FingerprintSHA256(a.PublicKey())])
	}
}

func TestKeyringRolesFollowTheFiles(t *testing.T) {
	dir := t.TempDir()
	viewers, operators := filepath.Join(dir, "viewers"), filepath.Join(dir, "operators")
	v, o, both := sshtest.NewSigner(t), sshtest.NewSigner(t), sshtest.NewSigner(t)
	sshtest.WriteKeys(t, viewers, "", v, both)
	sshtest.WriteKeys(t, operators, "", o, both)
	kr, err := NewKeyring(viewers, operators)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  gossh.Signer
		role backend.Role
		ok   bool
	}{
		{"viewer", v, backend.RoleViewer, true},
		{"operator", o, backend.RoleOperator, true},
		{"in both files", both, backend.RoleOperator, true},
		{"stranger", sshtest.NewSigner(t), "", false},
	} {
		if role, ok := kr.Role(tc.key.PublicKey()); role != tc.role || ok != tc.ok {
			t.Errorf("%s: %q %v, want %q %v", tc.name, role, ok, tc.role, tc.ok)
		}
	}
	// Deleting the operators' file revokes every operator at the next login.
	if err := os.Remove(operators); err != nil {
		t.Fatal(err)
	}
	if _, ok := kr.Role(o.PublicKey()); ok {
		t.Error("an operator whose file was deleted still logs in")
	}
	if role, _ := kr.Role(both.PublicKey()); role != backend.RoleViewer {
		t.Errorf("a key left only in the viewers' file is %q", role)
	}
}

func TestKeyringNeedsAFile(t *testing.T) {
	if _, err := NewKeyring("", ""); err == nil {
		t.Error("no key files accepted")
	}
	if _, err := NewKeyring(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("a missing --authorized-keys file accepted at start")
	}
}

// A line over a scanner's limit (2 MiB) does not drop the keys after it without a word
// (tester2 #19's kind): it is skipped as a typo is.
func TestAuthorizedKeysAfterAnOverlongLine(t *testing.T) {
	a := sshtest.NewSigner(t)
	file := strings.Repeat("x", 2<<20) + "\n" + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(a.PublicKey()))) + " alice@laptop\n"
	keys, skipped, _ := parseAuthorizedKeys([]byte(file))
	if _, ok := keys[gossh.FingerprintSHA256(a.PublicKey())]; !ok || skipped != 1 {
		t.Errorf("keys %v, skipped %d; want alice's key and 1 skipped", keys, skipped)
	}
}
