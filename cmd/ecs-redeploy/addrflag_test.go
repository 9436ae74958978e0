package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad address or port in any HOST:PORT flag is a usage mistake, exit 2, one line naming
// the flag (docs/cli.md); `serve --listen 0.0.0.0:99999` exited 1 (tester2 #20).
func TestBadAddressFlagsAreUsageMistakes(t *testing.T) {
	cloudEnv(t, "")
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"serve", "--demo", "--authorized-keys", keys, "--listen", "0.0.0.0:99999"}, "--listen"},
		{[]string{"serve", "--demo", "--authorized-keys", keys, "--listen", "nonsense"}, "--listen"},
		{[]string{"serve", "--demo", "--authorized-keys", keys, "--listen", ":-1"}, "--listen"},
		{[]string{"serve", "--demo", "--authorized-keys", keys, "--metrics", "127.0.0.1:70000"}, "--metrics"},
		{[]string{"sim-server", "--listen", "0.0.0.0:99999"}, "--listen"},
		{[]string{"sim-server", "--listen", "127.0.0.1"}, "--listen"},
		{[]string{"events", "--endpoint", "127.0.0.1:99999", "--region", "cn-hangzhou"}, "--endpoint"},
		{[]string{"events", "--endpoint", "127.0.0.1:0", "--region", "cn-hangzhou"}, "--endpoint"},
	} {
		_, err := run(t, tc.args...)
		if exitCode(err) != 2 || !strings.HasPrefix(err.Error(), tc.flag+" ") {
			t.Errorf("%v: exit %d, %v", tc.args, exitCode(err), err)
		}
	}
}
