package serve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model/safetext"
)

// LoadHostKey reads the server's host key from path, or generates an Ed25519 key there
// (mode 0600) when the file does not exist, so clients see the same host key after a
// restart. A file that group or others may read or write is refused, as OpenSSH refuses
// a private key with loose permissions: anyone who reads it can impersonate the server.
func LoadHostKey(path string) (gossh.Signer, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return generateHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("host key %s has mode %04o: others could read the server's private key; run `chmod 600 %s`", path, perm, path)
	}
	pemBytes, err := localfile.ReadFile(path, localfile.State)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	signer, err := gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w (remove it to have a new one generated)", path, err)
	}
	return signer, nil
}

func generateHostKey(path string) (gossh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: generate: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "ecs-redeploy serve host key")
	if err != nil {
		return nil, fmt.Errorf("host key: encode: %w", err)
	}
	// O_EXCL: two servers starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := pem.Encode(f, block); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return gossh.NewSignerFromKey(priv)
}

// keyFile is one authorized_keys file and the role it grants, re-read whenever its
// size, modification time or inode change.
type keyFile struct {
	path string
	role backend.Role
	// stat is what the keys were read from; nil before the first read.
	stat fs.FileInfo
	// keys maps the SHA256 fingerprint of each key to its comment.
	keys map[string]string
	// skipped counts lines that are neither keys, blank nor comments; optioned counts keys
	// with options (from=, command=…), which are not enforced.
	skipped, optioned int
	// private says a line of the file read last looks like a private key's (a typo for
	// its .pub).
	private bool
}

// ErrNoKeys is wrapped when a key file given to serve holds no public key (a private key,
// an empty file, something else): at start serve refuses it; on a reload the last good
// keys stay.
var ErrNoKeys = errors.New("holds no public key")

// keptError is a reload that found no public key in a file that had some: the last good
// keys stay (a private key or junk written over the file is a mistake, not a revocation).
type keptError struct{ error }

func (e keptError) Unwrap() error { return e.error }

// noKeysError says what a file without a public key holds, and what to give instead.
func (k *keyFile) noKeysError() error {
	flag := "--authorized-keys"
	if k.role == backend.RoleOperator {
		flag = "--operator-keys"
	}
	var what string
	switch {
	case k.private:
		what = "it holds a private key; give its public key"
		if _, err := os.Stat(k.path + ".pub"); err == nil {
			what += " (" + k.path + ".pub)"
		}
	case k.skipped > 0:
		what = fmt.Sprintf("none of its %d line(s) is an OpenSSH public key (ssh-ed25519 AAAA… comment)", k.skipped)
	default:
		what = "it has no key lines (only blank lines or # comments)"
	}
	return fmt.Errorf("%s %s %w: %s", flag, safetext.Terminal(k.path), ErrNoKeys, what)
}

// changed reports whether the file on disk is not the one the keys came from.
func (k *keyFile) changed(fi fs.FileInfo) bool {
	return k.stat == nil || !os.SameFile(k.stat, fi) || k.stat.Size() != fi.Size() ||
		!k.stat.ModTime().Equal(fi.ModTime()) || k.stat.Mode() != fi.Mode()
}

// load re-reads the file if it changed; it reports whether it did. A file that cannot be
// read grants nothing: a revocation by deleting the file must lock its keys out.
func (k *keyFile) load() (reloaded bool, err error) {
	fi, err := os.Stat(k.path)
	if err != nil {
		reloaded = k.stat != nil || k.keys != nil
		k.stat, k.keys = nil, nil
		return reloaded, fmt.Errorf("%s keys %s: %w", k.role, k.path, err)
	}
	if !k.changed(fi) {
		return false, nil
	}
	data, err := localfile.ReadFile(k.path, localfile.State)
	if err != nil {
		k.stat, k.keys = nil, nil
		return true, fmt.Errorf("%s keys %s: %w", k.role, k.path, err)
	}
	keys, skipped, optioned := parseAuthorizedKeys(data)
	k.private = bytes.Contains(data, []byte("PRIVATE KEY-----"))
	if len(keys) == 0 && len(k.keys) > 0 && (skipped > 0 || k.private) {
		// Something that is not an authorized_keys file was written over one: keep the
		// last good keys (an empty file, or one of comments, is a revocation and honoured).
		k.stat, k.skipped = fi, skipped
		return true, keptError{k.noKeysError()}
	}
	k.keys, k.skipped, k.optioned = keys, skipped, optioned
	k.stat = fi
	if len(keys) == 0 {
		return true, k.noKeysError()
	}
	return true, nil
}

// parseAuthorizedKeys reads OpenSSH authorized_keys lines: options before the key type
// and comments after it are allowed (sshd(8), AUTHORIZED_KEYS FILE FORMAT). A line that is
// not a key is skipped rather than voiding the file, so one typo does not lock a whole
// team out. Options such as from= are not enforced: the file only says who may log in;
// optioned counts the keys that have some, so the log can say so.
func parseAuthorizedKeys(data []byte) (keys map[string]string, skipped, optioned int) {
	keys = map[string]string{}
	// Split, not a bufio.Scanner: a line over the scanner's limit would end the reading
	// there, and every key after it would be dropped without a word.
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pk, comment, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			skipped++
			continue
		}
		if len(options) > 0 {
			optioned++
		}
		keys[gossh.FingerprintSHA256(pk)] = comment
	}
	return keys, skipped, optioned
}

// Keyring decides the role of a public key from two authorized_keys files: viewers and
// operators. A key listed in both is an operator. It is safe for concurrent use.
type Keyring struct {
	mu    sync.Mutex
	files []*keyFile
	// onReload is told about each file that was re-read (or failed to be), under mu.
	onReload func(f *keyFile, err error)
	// onChange is called, without mu, after any file was re-read: the server checks the
	// sessions it holds against the new grants.
	onChange func()
}

// NewKeyring reads the viewers' file (required) and the operators' file (optional: "").
func NewKeyring(viewers, operators string) (*Keyring, error) {
	if viewers == "" && operators == "" {
		return nil, errors.New("no authorized keys: give --authorized-keys FILE (viewers) and/or --operator-keys FILE (operators)")
	}
	kr := &Keyring{}
	if viewers != "" {
		kr.files = append(kr.files, &keyFile{path: viewers, role: backend.RoleViewer})
	}
	if operators != "" {
		kr.files = append(kr.files, &keyFile{path: operators, role: backend.RoleOperator})
	}
	for _, f := range kr.files {
		if _, err := f.load(); err != nil {
			return nil, err // a file with no public key too: every login would be refused
		}
	}
	return kr, nil
}

// Grant is what the key files say about one key.
type Grant struct {
	Role backend.Role
	// Comment is the text after the key in its file, often who it belongs to
	// (alice@laptop). Unlike the SSH user name, the client cannot choose it.
	Comment string
}

// Lookup returns what the key is granted, re-reading any file that changed on disk first,
// so an edit takes effect at the next login without a restart. ok is false for a key in
// neither file. A key in both is an operator.
func (kr *Keyring) Lookup(key gossh.PublicKey) (g Grant, ok bool) {
	fp := gossh.FingerprintSHA256(key)
	kr.mu.Lock()
	changed := kr.reloadLocked()
	g, ok = kr.grantLocked(fp)
	onChange := kr.onChange
	kr.mu.Unlock()
	if changed && onChange != nil {
		onChange()
	}
	return g, ok
}

// Granted is what the files read last grant the key of SHA256 fingerprint fp, without
// re-reading them.
func (kr *Keyring) Granted(fp string) (Grant, bool) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	return kr.grantLocked(fp)
}

func (kr *Keyring) grantLocked(fp string) (g Grant, ok bool) {
	for _, f := range kr.files {
		if comment, listed := f.keys[fp]; listed {
			if !ok || f.role == backend.RoleOperator {
				g, ok = Grant{Role: f.role, Comment: comment}, true
			}
		}
	}
	return g, ok
}

// Role is Lookup's role.
func (kr *Keyring) Role(key gossh.PublicKey) (backend.Role, bool) {
	g, ok := kr.Lookup(key)
	return g.Role, ok
}

// Reload re-reads every file that changed (SIGHUP and the server's sweep do this; Lookup
// does it on each login).
func (kr *Keyring) Reload() {
	kr.mu.Lock()
	changed := kr.reloadLocked()
	onChange := kr.onChange
	kr.mu.Unlock()
	if changed && onChange != nil {
		onChange()
	}
}

func (kr *Keyring) reloadLocked() (changed bool) {
	for _, f := range kr.files {
		reloaded, err := f.load()
		// A file that stays missing is reported once, when its keys go, not at every login.
		if reloaded && kr.onReload != nil {
			kr.onReload(f, err)
		}
		changed = changed || reloaded
	}
	return changed
}
