package aliyun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
)

// Environment variables read while resolving credentials, named as Alibaba's tools name them.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	EnvProfile         = "ALIBABA_CLOUD_PROFILE"
	EnvRegion          = "ALIBABA_CLOUD_REGION_ID"
	EnvEndpoint        = "ALIBABA_CLOUD_ENDPOINT"
	EnvECSMetadata     = "ALIBABA_CLOUD_ECS_METADATA"
	EnvCredentialsFile = "ALIBABA_CLOUD_CREDENTIALS_FILE"
)

// ErrNoCredentials says how to give the tool credentials; it is the whole message a user
// without any sees.
var ErrNoCredentials = errors.New("no Alibaba Cloud credentials found: set " + EnvAccessKeyID + " and " +
	EnvAccessKeySecret + ", or configure a profile with `aliyun configure` (~/.aliyun/config.json); " +
	"--demo runs on the built-in simulator and needs none")

// Lookup says where to look for credentials. The zero value reads the process environment
// and the user's home directory.
type Lookup struct {
	// Profile is the profile asked for on the command line (--profile). It wins over the
	// environment's keys, because it was typed for this run.
	Profile string
	// MetadataRole asks for the ECS instance RAM role of that name (--ecs-metadata-role).
	MetadataRole string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Home is the home directory; "" means os.UserHomeDir.
	Home string
}

// Credentials are resolved credentials and what came with them.
type Credentials struct {
	// Provider signs requests. It is safe for concurrent use.
	Provider credentials.CredentialsProvider
	// Source names where the credentials came from, for messages ("profile prod in
	// ~/.aliyun/config.json"); it never contains a secret.
	Source string
	// Region is the profile's region_id, if it has one.
	Region string
}

// Resolve finds credentials the way Alibaba Cloud's tools do, without ever probing the ECS
// metadata service unless asked: --ecs-metadata-role, then --profile, then the environment's
// keys, then ~/.aliyun/config.json (ALIBABA_CLOUD_PROFILE or the file's current profile),
// then ~/.alibabacloud/credentials, then ALIBABA_CLOUD_ECS_METADATA. With nothing at all it
// returns ErrNoCredentials.
func Resolve(l Lookup) (*Credentials, error) {
	getenv := l.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	home := l.Home
	if home == "" {
		// No home directory is not an error: the environment may still hold keys.
		home, _ = os.UserHomeDir()
	}
	if l.MetadataRole != "" {
		return metadataRole(l.MetadataRole, "--ecs-metadata-role")
	}
	// Without a home directory there are no per-user files; "" reads as absent, where a
	// relative path would read whatever the working directory holds.
	var cliPath, iniPath string
	if home != "" {
		cliPath = filepath.Join(home, ".aliyun", "config.json")
		iniPath = filepath.Join(home, ".alibabacloud", "credentials")
	}
	if p := getenv(EnvCredentialsFile); p != "" {
		iniPath = p
	}
	if l.Profile != "" {
		return namedProfile(l.Profile, "--profile", cliPath, iniPath)
	}
	id, secret := getenv(EnvAccessKeyID), getenv(EnvAccessKeySecret)
	switch {
	case id != "" && secret != "":
		c := &Credentials{Source: "environment (" + EnvAccessKeyID + ")"}
		if tok := getenv(EnvSecurityToken); tok != "" {
			c.Provider = locked(credentials.NewStaticSTSCredentialsProvider(id, secret, tok))
		} else {
			c.Provider = locked(credentials.NewStaticAKCredentialsProvider(id, secret))
		}
		return c, nil
	case id != "":
		return nil, fmt.Errorf("%s is set but %s is not; set both", EnvAccessKeyID, EnvAccessKeySecret)
	case secret != "":
		return nil, fmt.Errorf("%s is set but %s is not; set both", EnvAccessKeySecret, EnvAccessKeyID)
	}
	if p := getenv(EnvProfile); p != "" {
		return namedProfile(p, EnvProfile, cliPath, iniPath)
	}
	cfg, err := readCLIConfig(cliPath)
	if err != nil {
		return nil, err
	}
	if cfg != nil && cfg.Current != "" {
		if p := cfg.find(cfg.Current); p != nil {
			return cfg.credentials(p, cliPath, 0)
		}
		return nil, fmt.Errorf("%s: current profile %q is not in the file", cliPath, cfg.Current)
	}
	if cfg != nil && len(cfg.Profiles) == 1 {
		return cfg.credentials(cfg.Profiles[0], cliPath, 0)
	}
	sections, err := readINI(iniPath)
	if err != nil {
		return nil, err
	}
	if s, ok := sections["default"]; ok {
		return iniCredentials("default", s, iniPath)
	}
	if role := getenv(EnvECSMetadata); role != "" {
		return metadataRole(role, EnvECSMetadata)
	}
	if cfg != nil && len(cfg.Profiles) > 1 {
		// Not "no credentials": there are several, and nothing says which.
		return nil, fmt.Errorf("%s has profiles %s but no current one: pass --profile or set %s",
			cliPath, strings.Join(cfg.names(), ", "), EnvProfile)
	}
	return nil, ErrNoCredentials
}

// namedProfile resolves a profile asked for by name: from the aliyun CLI's config.json if it
// is there, else from the credentials ini file.
func namedProfile(name, askedBy, cliPath, iniPath string) (*Credentials, error) {
	cfg, err := readCLIConfig(cliPath)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if p := cfg.find(name); p != nil {
			return cfg.credentials(p, cliPath, 0)
		}
	}
	sections, err := readINI(iniPath)
	if err != nil {
		return nil, err
	}
	if s, ok := sections[name]; ok {
		return iniCredentials(name, s, iniPath)
	}
	var known []string
	if cfg != nil {
		known = cfg.names()
	}
	for s := range sections {
		known = append(known, s)
	}
	sort.Strings(known)
	hint := "no profiles are configured"
	if len(known) > 0 {
		hint = "known profiles: " + strings.Join(known, ", ")
	}
	return nil, fmt.Errorf("profile %q (from %s) is not in %s or %s; %s", name, askedBy, cliPath, iniPath, hint)
}

// cliProfile is one profile of the aliyun CLI's ~/.aliyun/config.json.
type cliProfile struct {
	Name            string `json:"name"`
	Mode            string `json:"mode"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	StsToken        string `json:"sts_token"`
	RegionID        string `json:"region_id"`
	RAMRoleArn      string `json:"ram_role_arn"`
	RAMSessionName  string `json:"ram_session_name"`
	ExpiredSeconds  int    `json:"expired_seconds"`
	StsRegion       string `json:"sts_region"`
	RAMRoleName     string `json:"ram_role_name"`
	SourceProfile   string `json:"source_profile"`
	Policy          string `json:"policy"`
	ExternalID      string `json:"external_id"`
}

type cliConfig struct {
	Current  string        `json:"current"`
	Profiles []*cliProfile `json:"profiles"`
}

// readCLIConfig reads the aliyun CLI's config file; a missing file is (nil, nil).
func readCLIConfig(path string) (*cliConfig, error) {
	data, err := readOptional(path)
	if data == nil || err != nil {
		return nil, err
	}
	var cfg cliConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("%s is not a valid aliyun CLI config: %w", path, err)
	}
	// A hand-edited file may hold null profiles; nothing below need check for them.
	cfg.Profiles = slices.DeleteFunc(cfg.Profiles, func(p *cliProfile) bool { return p == nil })
	return &cfg, nil
}

func (c *cliConfig) names() []string {
	var out []string
	for _, p := range c.Profiles {
		out = append(out, p.Name)
	}
	return out
}

func (c *cliConfig) find(name string) *cliProfile {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// credentials builds the provider of one profile. depth bounds source_profile chains,
// which a config file could make circular.
func (c *cliConfig) credentials(p *cliProfile, path string, depth int) (*Credentials, error) {
	where := fmt.Sprintf("profile %q in %s", p.Name, path)
	out := &Credentials{Source: where, Region: p.RegionID}
	need := func(fields ...string) error {
		for i := 0; i < len(fields); i += 2 {
			if fields[i+1] == "" {
				return fmt.Errorf("%s (mode %s) has no %s", where, p.Mode, fields[i])
			}
		}
		return nil
	}
	switch p.Mode {
	case "AK", "":
		if err := need("access_key_id", p.AccessKeyID, "access_key_secret", p.AccessKeySecret); err != nil {
			return nil, err
		}
		out.Provider = locked(credentials.NewStaticAKCredentialsProvider(p.AccessKeyID, p.AccessKeySecret))
	case "StsToken":
		if err := need("access_key_id", p.AccessKeyID, "access_key_secret", p.AccessKeySecret, "sts_token", p.StsToken); err != nil {
			return nil, err
		}
		out.Provider = locked(credentials.NewStaticSTSCredentialsProvider(p.AccessKeyID, p.AccessKeySecret, p.StsToken))
	case "RamRoleArn":
		if err := need("access_key_id", p.AccessKeyID, "access_key_secret", p.AccessKeySecret, "ram_role_arn", p.RAMRoleArn); err != nil {
			return nil, err
		}
		prov, err := ramRole(credentials.NewStaticAKCredentialsProvider(p.AccessKeyID, p.AccessKeySecret), p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out.Provider = prov
	case "ChainableRamRoleArn":
		if err := need("source_profile", p.SourceProfile, "ram_role_arn", p.RAMRoleArn); err != nil {
			return nil, err
		}
		src := c.find(p.SourceProfile)
		if src == nil || depth > 4 {
			return nil, fmt.Errorf("%s: source_profile %q is missing or the chain is circular", where, p.SourceProfile)
		}
		base, err := c.credentials(src, path, depth+1)
		if err != nil {
			return nil, err
		}
		prov, err := ramRole(base.Provider, p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out.Provider = prov
	case "EcsRamRole":
		if err := need("ram_role_name", p.RAMRoleName); err != nil {
			return nil, err
		}
		m, err := metadataRole(p.RAMRoleName, where)
		if err != nil {
			return nil, err
		}
		out.Provider = m.Provider
	default:
		return nil, fmt.Errorf("%s uses mode %s, which ecs-redeploy does not support; use AK, StsToken, RamRoleArn, ChainableRamRoleArn or EcsRamRole",
			where, p.Mode)
	}
	return out, nil
}

// ramRole assumes a RAM role through STS with base's keys; the SDK refreshes the session.
func ramRole(base credentials.CredentialsProvider, p *cliProfile) (credentials.CredentialsProvider, error) {
	session := p.RAMSessionName
	if session == "" {
		session = "ecs-redeploy"
	}
	b := credentials.NewRAMRoleARNCredentialsProviderBuilder().
		WithCredentialsProvider(base).
		WithRoleArn(p.RAMRoleArn).
		WithRoleSessionName(session).
		WithPolicy(p.Policy).
		WithExternalId(p.ExternalID).
		WithStsRegion(p.StsRegion)
	if p.ExpiredSeconds > 0 {
		b = b.WithDurationSeconds(p.ExpiredSeconds)
	}
	prov, err := b.Build()
	if err != nil {
		return nil, err
	}
	return locked(prov), nil
}

// metadataRole uses the ECS instance RAM role, which only exists on an ECS instance. Short
// timeouts, because off ECS the metadata address does not answer at all.
func metadataRole(role, askedBy string) (*Credentials, error) {
	prov, err := credentials.NewECSRAMRoleCredentialsProviderBuilder().
		WithRoleName(role).
		WithHttpOptions(&credentials.HttpOptions{ConnectTimeout: time.Second, ReadTimeout: 5 * time.Second}).
		Build()
	if err != nil {
		if strings.EqualFold(os.Getenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED"), "true") {
			err = fmt.Errorf("%w (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true forbids the metadata service)", err)
		}
		return nil, fmt.Errorf("ECS instance RAM role %q (from %s): %w", role, askedBy, err)
	}
	return &Credentials{Provider: locked(prov), Source: fmt.Sprintf("ECS instance RAM role %q (from %s)", role, askedBy)}, nil
}

// iniCredentials builds the provider of one section of ~/.alibabacloud/credentials.
func iniCredentials(name string, s map[string]string, path string) (*Credentials, error) {
	where := fmt.Sprintf("profile [%s] in %s", name, path)
	out := &Credentials{Source: where, Region: s["region_id"]}
	id, secret := s["access_key_id"], s["access_key_secret"]
	switch t := s["type"]; t {
	case "access_key", "sts":
		if id == "" || secret == "" {
			return nil, fmt.Errorf("%s needs access_key_id and access_key_secret", where)
		}
		if tok := s["security_token"]; tok != "" || t == "sts" {
			if tok == "" {
				return nil, fmt.Errorf("%s (type sts) has no security_token", where)
			}
			out.Provider = locked(credentials.NewStaticSTSCredentialsProvider(id, secret, tok))
		} else {
			out.Provider = locked(credentials.NewStaticAKCredentialsProvider(id, secret))
		}
	case "ram_role_arn":
		if id == "" || secret == "" || s["role_arn"] == "" {
			return nil, fmt.Errorf("%s needs access_key_id, access_key_secret and role_arn", where)
		}
		prov, err := ramRole(credentials.NewStaticAKCredentialsProvider(id, secret), &cliProfile{
			RAMRoleArn: s["role_arn"], RAMSessionName: s["role_session_name"], Policy: s["policy"]})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out.Provider = prov
	case "ecs_ram_role":
		if s["role_name"] == "" {
			return nil, fmt.Errorf("%s needs role_name", where)
		}
		m, err := metadataRole(s["role_name"], where)
		if err != nil {
			return nil, err
		}
		out.Provider = m.Provider
	default:
		return nil, fmt.Errorf("%s has type %q; ecs-redeploy supports access_key, sts, ram_role_arn and ecs_ram_role", where, t)
	}
	return out, nil
}

// readINI reads the credentials file's sections; a missing file has none. The format is
// plain enough (sections, key = value, # and ; comments) not to need a library.
func readINI(path string) (map[string]map[string]string, error) {
	data, err := readOptional(path)
	if data == nil || err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			name := strings.TrimSpace(line[1 : len(line)-1])
			cur = map[string]string{}
			out[name] = cur
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == nil {
				return nil, fmt.Errorf("%s:%d: expected [section] or key = value", path, n)
			}
			cur[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return out, nil
}

// readOptional reads a credentials file that may not exist: no path (no home directory)
// or no file is (nil, nil); an empty file is not nil.
func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	case data == nil:
		return []byte{}, nil
	}
	return data, nil
}

// lockedProvider serializes a provider: the SDK's refreshing providers (RAM role, ECS role)
// cache their session without a lock, and every concurrent call asks for credentials.
type lockedProvider struct {
	mu sync.Mutex
	p  credentials.CredentialsProvider
}

func locked(p credentials.CredentialsProvider) credentials.CredentialsProvider {
	return &lockedProvider{p: p}
}

func (l *lockedProvider) GetCredentials() (*credentials.Credentials, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p.GetCredentials()
}

func (l *lockedProvider) GetProviderName() string { return l.p.GetProviderName() }
