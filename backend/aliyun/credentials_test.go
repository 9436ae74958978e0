package aliyun_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
)

// twoProfiles is an aliyun CLI config whose current profile is dev.
const twoProfiles = `{
  "current": "dev",
  "profiles": [
    {"name": "dev", "mode": "AK", "access_key_id": "LTAIdev", "access_key_secret": "dev-secret", "region_id": "cn-shanghai"},
    {"name": "prod", "mode": "StsToken", "access_key_id": "STS.prod", "access_key_secret": "prod-secret", "sts_token": "prod-token", "region_id": "cn-beijing"}
  ]
}`

// home makes a home directory holding files (path relative to it → content).
func home(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveFromConfigFileAndEnvironment(t *testing.T) {
	dir := home(t, map[string]string{".aliyun/config.json": twoProfiles})
	keys := map[string]string{aliyun.EnvAccessKeyID: "LTAIenv", aliyun.EnvAccessKeySecret: "env-secret"}
	cases := []struct {
		name                string
		profile             string
		env                 map[string]string
		wantID, wantToken   string
		wantRegion, wantSrc string
	}{
		{name: "current profile", wantID: "LTAIdev", wantRegion: "cn-shanghai", wantSrc: `profile "dev"`},
		{name: "ALIBABA_CLOUD_PROFILE", env: map[string]string{aliyun.EnvProfile: "prod"},
			wantID: "STS.prod", wantToken: "prod-token", wantRegion: "cn-beijing", wantSrc: `profile "prod"`},
		{name: "environment keys beat the file", env: keys, wantID: "LTAIenv", wantSrc: "environment"},
		{name: "environment keys beat ALIBABA_CLOUD_PROFILE",
			env:    map[string]string{aliyun.EnvAccessKeyID: "LTAIenv", aliyun.EnvAccessKeySecret: "env-secret", aliyun.EnvProfile: "prod"},
			wantID: "LTAIenv", wantSrc: "environment"},
		{name: "environment token", env: map[string]string{aliyun.EnvAccessKeyID: "STS.env", aliyun.EnvAccessKeySecret: "s", aliyun.EnvSecurityToken: "env-token"},
			wantID: "STS.env", wantToken: "env-token", wantSrc: "environment"},
		{name: "--profile beats environment keys", profile: "prod", env: keys,
			wantID: "STS.prod", wantToken: "prod-token", wantRegion: "cn-beijing", wantSrc: `profile "prod"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			creds, err := aliyun.Resolve(aliyun.Lookup{Profile: c.profile, Getenv: envOf(c.env), Home: dir})
			if err != nil {
				t.Fatal(err)
			}
			cc, err := creds.Provider.GetCredentials()
			if err != nil {
				t.Fatal(err)
			}
			if cc.AccessKeyId != c.wantID || cc.SecurityToken != c.wantToken || creds.Region != c.wantRegion || !strings.Contains(creds.Source, c.wantSrc) {
				t.Fatalf("got key %s token %q region %q from %q; want %s %q %q from %q",
					cc.AccessKeyId, cc.SecurityToken, creds.Region, creds.Source, c.wantID, c.wantToken, c.wantRegion, c.wantSrc)
			}
			if strings.Contains(creds.Source, "secret") {
				t.Errorf("source %q names a secret", creds.Source)
			}
		})
	}
}

func TestResolveWithTemporaryHOME(t *testing.T) {
	dir := home(t, map[string]string{".aliyun/config.json": twoProfiles})
	t.Setenv("HOME", dir)
	for _, k := range []string{aliyun.EnvAccessKeyID, aliyun.EnvAccessKeySecret, aliyun.EnvSecurityToken, aliyun.EnvCredentialsFile, aliyun.EnvECSMetadata} {
		t.Setenv(k, "")
	}
	t.Setenv(aliyun.EnvProfile, "prod")
	creds, err := aliyun.Resolve(aliyun.Lookup{})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := creds.Provider.GetCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if cc.AccessKeyId != "STS.prod" || creds.Region != "cn-beijing" {
		t.Fatalf("got %s in %s; want prod's key and region", cc.AccessKeyId, creds.Region)
	}
}

func TestResolveFromCredentialsINI(t *testing.T) {
	dir := home(t, map[string]string{".alibabacloud/credentials": `
# written by hand
[default]
enable = true
type = access_key
access_key_id = LTAIini
access_key_secret = ini-secret

[ops]
type = sts
access_key_id = STS.ops
access_key_secret = ops-secret
security_token = ops-token
`})
	for _, c := range []struct {
		env       map[string]string
		wantID    string
		wantToken string
	}{
		{nil, "LTAIini", ""},
		{map[string]string{aliyun.EnvProfile: "ops"}, "STS.ops", "ops-token"},
	} {
		creds, err := aliyun.Resolve(aliyun.Lookup{Getenv: envOf(c.env), Home: dir})
		if err != nil {
			t.Fatal(err)
		}
		cc, _ := creds.Provider.GetCredentials()
		if cc.AccessKeyId != c.wantID || cc.SecurityToken != c.wantToken {
			t.Errorf("env %v: got %s %q", c.env, cc.AccessKeyId, cc.SecurityToken)
		}
	}
}

func TestResolveFailures(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		env     map[string]string
		profile string
		says    []string
	}{
		{name: "nothing at all", says: []string{aliyun.EnvAccessKeyID, "aliyun configure", "--demo"}},
		{name: "bad config file", files: map[string]string{".aliyun/config.json": "{not json"},
			says: []string{filepath.Join(".aliyun", "config.json"), "not a valid"}},
		{name: "bad ini file", files: map[string]string{".alibabacloud/credentials": "[default]\nthis line is wrong\n"},
			says: []string{filepath.Join(".alibabacloud", "credentials") + ":2"}},
		{name: "unknown profile", files: map[string]string{".aliyun/config.json": twoProfiles}, profile: "staging",
			says: []string{`"staging"`, "--profile", "known profiles: dev, prod"}},
		{name: "several profiles, none current", files: map[string]string{".aliyun/config.json": strings.Replace(twoProfiles, `"current": "dev",`, "", 1)},
			says: []string{"dev, prod", "--profile", aliyun.EnvProfile}},
		{name: "null profiles", files: map[string]string{".aliyun/config.json": `{"profiles":[null,null]}`},
			says: []string{aliyun.EnvAccessKeyID, "--demo"}},
		{name: "null profile asked for", files: map[string]string{".aliyun/config.json": `{"profiles":[null]}`}, profile: "prod",
			says: []string{`"prod"`, "no profiles are configured"}},
		{name: "half the keys", env: map[string]string{aliyun.EnvAccessKeyID: "LTAI"}, says: []string{aliyun.EnvAccessKeySecret}},
		{name: "profile without secret", files: map[string]string{".aliyun/config.json": `{"current":"x","profiles":[{"name":"x","mode":"AK","access_key_id":"LTAI"}]}`},
			says: []string{`profile "x"`, "access_key_secret"}},
		{name: "unsupported mode", files: map[string]string{".aliyun/config.json": `{"current":"x","profiles":[{"name":"x","mode":"CloudSSO"}]}`},
			says: []string{"CloudSSO", "not support"}},
		// Asked for, the metadata role is tried; METADATA_DISABLED (TestMain) stops the
		// SDK before any traffic, which is what makes this test safe off ECS.
		{name: "metadata role asked for by a profile", files: map[string]string{".aliyun/config.json": `{"current":"x","profiles":[{"name":"x","mode":"EcsRamRole","ram_role_name":"ops-role"}]}`},
			says: []string{`"ops-role"`, `profile "x"`}},
		{name: "metadata role asked for by the environment", env: map[string]string{aliyun.EnvECSMetadata: "env-role"},
			says: []string{`"env-role"`, aliyun.EnvECSMetadata}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := aliyun.Resolve(aliyun.Lookup{Profile: c.profile, Getenv: envOf(c.env), Home: home(t, c.files)})
			if err == nil {
				t.Fatal("resolved; want an error")
			}
			msg := err.Error()
			t.Log(msg)
			for _, s := range c.says {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not say %q", msg, s)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
		})
	}
	_, err := aliyun.Resolve(aliyun.Lookup{Getenv: envOf(nil), Home: t.TempDir()})
	if !errors.Is(err, aliyun.ErrNoCredentials) {
		t.Errorf("nothing at all: %v; want ErrNoCredentials", err)
	}
}

// The chosen profile is the one that signs: against sim-server, only the right key lists.
func TestChosenProfileSignsTheCalls(t *testing.T) {
	f := newFixture(t, sim.Generate(12, 30, sim.Epoch), sim.Options{Seed: 12}, nil)
	dir := home(t, map[string]string{".aliyun/config.json": `{"current": "stale", "profiles": [
		{"name": "stale", "mode": "AK", "access_key_id": "` + testKeyID + `", "access_key_secret": "rotated-away"},
		{"name": "live", "mode": "AK", "access_key_id": "` + testKeyID + `", "access_key_secret": "` + testSecret + `", "region_id": "cn-hangzhou"}]}`})
	for _, c := range []struct {
		profile string
		ok      bool
	}{{"live", true}, {"", false}} {
		creds, err := aliyun.Resolve(aliyun.Lookup{Profile: c.profile, Getenv: envOf(nil), Home: dir})
		if err != nil {
			t.Fatal(err)
		}
		b := f.backend(t, "", "", func(o *aliyun.Options) { o.Credentials = creds })
		_, err = b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
		if c.ok && err != nil {
			t.Errorf("profile %q: %v", c.profile, err)
		}
		if !c.ok && backend.Code(err) != "SignatureDoesNotMatch" {
			t.Errorf("profile %q (current, stale secret): %v; want SignatureDoesNotMatch", c.profile, err)
		}
	}
}

func TestNoHomeReadsNoFilesFromTheWorkingDirectory(t *testing.T) {
	t.Chdir(home(t, map[string]string{".aliyun/config.json": twoProfiles}))
	t.Setenv("HOME", "")
	_, err := aliyun.Resolve(aliyun.Lookup{Getenv: envOf(nil)})
	if !errors.Is(err, aliyun.ErrNoCredentials) {
		t.Fatalf("%v; want ErrNoCredentials", err)
	}
}
