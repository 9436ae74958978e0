package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecs-redeploy/backend/aliyun"
)

// TestSimServerKeysStayOffTheCommandLine: the secret comes from a file or the environment,
// so it need not show in ps; the id and the secret may come from different places, and a
// half pair is refused with what to add.
func TestSimServerKeysStayOffTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	multi := filepath.Join(dir, "two-lines")
	if err := os.WriteFile(multi, []byte("a\nb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name               string
		opts               simServerOptions
		envID, envSecret   string
		wantID, wantSecret string
		wantErr            string
	}{
		{name: "file", opts: simServerOptions{AccessKeyID: "LTAIfile", AccessKeySecretFile: file}, wantID: "LTAIfile", wantSecret: "from-file"},
		{name: "id flag, secret env", opts: simServerOptions{AccessKeyID: "LTAIflag"}, envSecret: "from-env", wantID: "LTAIflag", wantSecret: "from-env"},
		{name: "both env", envID: "LTAIenv", envSecret: "from-env", wantID: "LTAIenv", wantSecret: "from-env"},
		{name: "file beats env", opts: simServerOptions{AccessKeySecretFile: file}, envID: "LTAIenv", envSecret: "from-env", wantID: "LTAIenv", wantSecret: "from-file"},
		{name: "flag still works", opts: simServerOptions{AccessKeyID: "LTAIflag", AccessKeySecret: "on-cmdline"}, wantID: "LTAIflag", wantSecret: "on-cmdline"},
		{name: "id without secret", opts: simServerOptions{AccessKeyID: "LTAIflag"}, wantErr: "--access-key-secret-file"},
		{name: "secret without id", opts: simServerOptions{AccessKeySecretFile: file}, wantErr: "--access-key-id"},
		{name: "missing file", opts: simServerOptions{AccessKeyID: "x", AccessKeySecretFile: filepath.Join(dir, "nope")}, wantErr: "--access-key-secret-file"},
		{name: "two lines", opts: simServerOptions{AccessKeyID: "x", AccessKeySecretFile: multi}, wantErr: "one line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(aliyun.EnvAccessKeyID, tc.envID)
			t.Setenv(aliyun.EnvAccessKeySecret, tc.envSecret)
			id, secret, source, err := tc.opts.keys()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || id != tc.wantID || secret != tc.wantSecret || source == "generated" {
				t.Errorf("keys() = %q %q %q %v; want %q %q", id, secret, source, err, tc.wantID, tc.wantSecret)
			}
		})
	}

	t.Run("help says so", func(t *testing.T) {
		out, err := run(t, "sim-server", "--help")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"--access-key-secret-file", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "visible to every local user in ps"} {
			if !strings.Contains(out, want) {
				t.Errorf("--help does not mention %s:\n%s", want, out)
			}
		}
	})
	t.Run("secret twice", func(t *testing.T) {
		o := simServerOptions{AccessKeySecret: "a", AccessKeySecretFile: file}
		if err := o.validate(); err == nil {
			t.Error("--access-key-secret with --access-key-secret-file accepted")
		}
	})
}
