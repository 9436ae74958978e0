package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/model/safetext"
)

// cloudEnv gives the test a home of its own and an environment without credentials.
func cloudEnv(t *testing.T, config string) {
	t.Helper()
	dir := t.TempDir()
	if config != "" {
		if err := os.MkdirAll(filepath.Join(dir, ".aliyun"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".aliyun", "config.json"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", dir)
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	for _, k := range []string{aliyun.EnvAccessKeyID, aliyun.EnvAccessKeySecret, aliyun.EnvSecurityToken, aliyun.EnvProfile,
		aliyun.EnvRegion, aliyun.EnvEndpoint, aliyun.EnvECSMetadata, aliyun.EnvCredentialsFile} {
		t.Setenv(k, "")
	}
}

// cloudOptionsWith is the options a root command would hold after --region regions.
func cloudOptionsWith(regions ...string) *globalOptions {
	g := &globalOptions{Regions: regions}
	addCloudFlags(&cobra.Command{}, g)
	return g
}

func TestOpenCloudBackendRegionScope(t *testing.T) {
	const cfg = `{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_id":"LTAI","access_key_secret":"s","region_id":"cn-shanghai"}]}`
	for _, c := range []struct {
		name      string
		regions   []string
		envRegion string
		want      []string
	}{
		{"profile region", nil, "", []string{"cn-shanghai"}},
		{"environment region beats the profile", nil, "cn-beijing", []string{"cn-beijing"}},
		{"flag list", []string{"cn-hangzhou,cn-beijing"}, "cn-shenzhen", []string{"cn-hangzhou", "cn-beijing"}},
		{"repeated flag", []string{"cn-hangzhou", "us-west-1"}, "", []string{"cn-hangzhou", "us-west-1"}},
		{"all", []string{"all"}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cloudEnv(t, cfg)
			t.Setenv(aliyun.EnvRegion, c.envRegion)
			g := cloudOptionsWith(c.regions...)
			b, scope, err := openCloudBackend(g)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil || !slices.Equal(scope, c.want) {
				t.Fatalf("scope %v; want %v", scope, c.want)
			}
		})
	}
}

func TestOpenCloudBackendFailures(t *testing.T) {
	t.Run("no credentials", func(t *testing.T) {
		cloudEnv(t, "")
		_, _, err := openCloudBackend(cloudOptionsWith("cn-hangzhou"))
		if !errors.Is(err, aliyun.ErrNoCredentials) || !strings.Contains(safetext.Terminal(err.Error()), "--demo") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no region", func(t *testing.T) {
		cloudEnv(t, "")
		t.Setenv(aliyun.EnvAccessKeyID, "LTAI")
		t.Setenv(aliyun.EnvAccessKeySecret, "s")
		_, _, err := openCloudBackend(cloudOptionsWith())
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--region") || !strings.Contains(err.Error(), aliyun.EnvRegion) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("all and names", func(t *testing.T) {
		cloudEnv(t, "")
		t.Setenv(aliyun.EnvAccessKeyID, "LTAI")
		t.Setenv(aliyun.EnvAccessKeySecret, "s")
		_, _, err := openCloudBackend(cloudOptionsWith("all,cn-hangzhou"))
		var ue usageError
		if !errors.As(err, &ue) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("environment region not a region id", func(t *testing.T) {
		cloudEnv(t, "")
		t.Setenv(aliyun.EnvAccessKeyID, "LTAI")
		t.Setenv(aliyun.EnvAccessKeySecret, "s")
		t.Setenv(aliyun.EnvRegion, "cn-hangzhou.evil.example")
		_, _, err := openCloudBackend(cloudOptionsWith())
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), aliyun.EnvRegion) || !strings.Contains(err.Error(), "not a region id") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("profile region not a region id", func(t *testing.T) {
		cloudEnv(t, `{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_id":"LTAI","access_key_secret":"s","region_id":"Hangzhou"}]}`)
		_, _, err := openCloudBackend(cloudOptionsWith())
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), `region_id of the profile "p"`) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("bad endpoint", func(t *testing.T) {
		cloudEnv(t, "")
		t.Setenv(aliyun.EnvAccessKeyID, "LTAI")
		t.Setenv(aliyun.EnvAccessKeySecret, "s")
		t.Setenv(aliyun.EnvEndpoint, "no-port")
		_, _, err := openCloudBackend(cloudOptionsWith("cn-hangzhou"))
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "HOST:PORT") {
			t.Fatalf("%v", err)
		}
	})
}
