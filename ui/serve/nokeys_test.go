package serve

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/ui/serve/sshtest"
)

// Tester's defect 8: `serve --operator-keys alice` (the private key, a typo for
// alice.pub) or a file of random bytes started, listened, and refused every login. A key
// file with no public key is refused at start, in one line naming the file and what it
// holds, for either flag.
func TestAKeyFileWithNoPublicKeyIsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "bob.pub")
	sshtest.WriteKeys(t, good, "", sshtest.NewSigner(t))
	priv := filepath.Join(dir, "alice")
	if err := os.WriteFile(priv, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(priv+".pub", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk")
	b := make([]byte, 4096)
	_, _ = rand.Read(b)
	if err := os.WriteFile(junk, b, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nobody yet\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		viewers, operators string
		want               []string
	}{
		{good, priv, []string{"--operator-keys " + priv, "private key", priv + ".pub"}},
		{priv, good, []string{"--authorized-keys " + priv, "private key"}},
		{good, junk, []string{"--operator-keys " + junk, "is an OpenSSH public key"}},
		{junk, "", []string{"--authorized-keys " + junk}},
		{empty, good, []string{"--authorized-keys " + empty, "no key lines"}},
		{"", empty, []string{"--operator-keys " + empty, "no key lines"}},
	} {
		_, err := NewKeyring(tc.viewers, tc.operators)
		if !errors.Is(err, ErrNoKeys) {
			t.Errorf("%s / %s: %v, want a refusal", tc.viewers, tc.operators, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("not one line: %q", err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q lacks %q", err, w)
			}
		}
	}
}

// On a reload, a file overwritten with something that holds no public key (a private key,
// junk) keeps its last good keys, and says so at ERROR; a file emptied of keys is a
// revocation and is honoured (WARN): removing a key locks it out.
func TestAReloadToNoPublicKeyKeepsTheLastGoodKeys(t *testing.T) {
	dir := t.TempDir()
	viewers, operators := filepath.Join(dir, "viewers"), filepath.Join(dir, "operators")
	v, o := sshtest.NewSigner(t), sshtest.NewSigner(t)
	sshtest.WriteKeys(t, viewers, "", v)
	sshtest.WriteKeys(t, operators, "", o)
	kr, err := NewKeyring(viewers, operators)
	if err != nil {
		t.Fatal(err)
	}
	var heard []error
	kr.onReload = func(_ *keyFile, err error) { heard = append(heard, err) }
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path+".tmp", []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
	}
	write(operators, "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
	kr.Reload() // SIGHUP
	if role, ok := kr.Role(o.PublicKey()); !ok || role != backend.RoleOperator {
		t.Errorf("after a private key was written over the operators' file: %q %v, want the last good keys", role, ok)
	}
	var kept keptError
	if len(heard) != 1 || !errors.As(heard[0], &kept) || !strings.Contains(heard[0].Error(), "private key") {
		t.Fatalf("heard %v", heard)
	}
	heard = nil
	write(viewers, "# vera left\n")
	kr.Reload()
	if _, ok := kr.Role(v.PublicKey()); ok {
		t.Error("a key removed from the file (the file left with none) still logs in")
	}
	if len(heard) != 1 || !errors.Is(heard[0], ErrNoKeys) || errors.As(heard[0], &kept) {
		t.Fatalf("heard %v", heard)
	}
	// The operators' file made right again is read.
	o2 := sshtest.NewSigner(t)
	sshtest.WriteKeys(t, operators, "", o2)
	kr.Reload()
	if _, ok := kr.Role(o.PublicKey()); ok {
		t.Error("the old key stayed after a good file replaced it")
	}
	if role, _ := kr.Role(o2.PublicKey()); role != backend.RoleOperator {
		t.Errorf("the new operator is %q", role)
	}
}

// Through the server: a SIGHUP after a private key was written over the operators' file
// logs at ERROR that the last good keys stay, and the operator still logs in.
func TestServeKeepsTheLastGoodKeysOnABadReload(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(e.operators+".tmp", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(e.operators+".tmp", e.operators); err != nil {
		t.Fatal(err)
	}
	e.srv.Reload() // SIGHUP
	e.logs.WaitFor(t, "the refused reload is logged", "level=error", "key file holds no public key", "private key")
	s := e.connect("olga", e.operator, 120, 30)
	s.Out.WaitFor(t, "the operator's screen", "R redeploy")
}
