package aliyun

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/localfile"
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
	// EnvSTSEndpoint is the STS endpoint (HOST or HOST:PORT) that RAM role profiles assume
	// their role at, when the profile has no sts_endpoint of its own: inside a VPC that
	// cannot reach sts.aliyuncs.com, e.g. sts-vpc.cn-hangzhou.aliyuncs.com.
	EnvSTSEndpoint = "ALIBABA_CLOUD_STS_ENDPOINT"
	// EnvSTSRegion and EnvVPCEndpoint pick the regional (and VPC) STS endpoint when no
	// endpoint is named, as the SDK and the aliyun CLI read them.
	EnvSTSRegion   = "ALIBABA_CLOUD_STS_REGION"
	EnvVPCEndpoint = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"
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
//
// The order and the files are ours; each mode's provider is the SDK's own
// (sdk/auth/credentials: static AK, static STS token, RAM role ARN, ECS RAM role). A RAM
// role assumes its role at the profile's sts_endpoint, else ALIBABA_CLOUD_STS_ENDPOINT,
// else the regional endpoint of sts_region (ALIBABA_CLOUD_STS_REGION; sts-vpc with
// enable_vpc or ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true), else sts.aliyuncs.com; when
// that call fails, the error is an *AssumeRoleError naming it.
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
	c := &chain{getenv: getenv, cliPath: cliPath, iniPath: iniPath}
	if l.Profile != "" {
		return c.namedProfile(l.Profile, "--profile")
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
		return c.namedProfile(p, EnvProfile)
	}
	cfg, err := readCLIConfig(c.cliPath)
	if err != nil {
		return nil, err
	}
	if cfg != nil && cfg.Current != "" {
		if p := cfg.find(cfg.Current); p != nil {
			return c.profileCredentials(cfg, p, 0)
		}
		return nil, fmt.Errorf("%s: current profile %q is not in the file", cliPath, cfg.Current)
	}
	if cfg != nil && len(cfg.Profiles) == 1 {
		return c.profileCredentials(cfg, cfg.Profiles[0], 0)
	}
	sections, err := readINI(c.iniPath)
	if err != nil {
		return nil, err
	}
	if s, ok := sections["default"]; ok {
		return c.iniCredentials("default", s)
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

// chain is where one Resolve looks: the environment and the two per-user files ("" for a
// file that cannot exist).
type chain struct {
	getenv           func(string) string
	cliPath, iniPath string
}

// namedProfile resolves a profile asked for by name: from the aliyun CLI's config.json if it
// is there, else from the credentials ini file.
func (c *chain) namedProfile(name, askedBy string) (*Credentials, error) {
	cfg, err := readCLIConfig(c.cliPath)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if p := cfg.find(name); p != nil {
			return c.profileCredentials(cfg, p, 0)
		}
	}
	sections, err := readINI(c.iniPath)
	if err != nil {
		return nil, err
	}
	if s, ok := sections[name]; ok {
		return c.iniCredentials(name, s)
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
	return nil, fmt.Errorf("profile %q (from %s) is not in %s or %s; %s", name, askedBy, c.cliPath, c.iniPath, hint)
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
	StsEndpoint     string `json:"sts_endpoint"`
	EnableVpc       bool   `json:"enable_vpc"`
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

// profileCredentials builds the provider of one profile of cfg. depth bounds
// source_profile chains, which a config file could make circular.
func (c *chain) profileCredentials(cfg *cliConfig, p *cliProfile, depth int) (*Credentials, error) {
	where := fmt.Sprintf("profile %q in %s", p.Name, c.cliPath)
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
		prov, err := c.ramRole(credentials.NewStaticAKCredentialsProvider(p.AccessKeyID, p.AccessKeySecret), p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out.Provider = prov
	case "ChainableRamRoleArn":
		if err := need("source_profile", p.SourceProfile, "ram_role_arn", p.RAMRoleArn); err != nil {
			return nil, err
		}
		src := cfg.find(p.SourceProfile)
		if src == nil || depth > 4 {
			return nil, fmt.Errorf("%s: source_profile %q is missing or the chain is circular", where, p.SourceProfile)
		}
		base, err := c.profileCredentials(cfg, src, depth+1)
		if err != nil {
			return nil, err
		}
		prov, err := c.ramRole(base.Provider, p)
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

// ramRole assumes a RAM role through STS with base's keys; the SDK's provider makes the
// AssumeRole call and refreshes the session. We name the endpoint ourselves (stsEndpoint)
// and hand it to the SDK, so the endpoint an error names is the one that was called.
func (c *chain) ramRole(base credentials.CredentialsProvider, p *cliProfile) (credentials.CredentialsProvider, error) {
	endpoint, err := c.stsEndpoint(p)
	if err != nil {
		return nil, err
	}
	session := p.RAMSessionName
	if session == "" {
		session = "ecs-redeploy"
	}
	b := credentials.NewRAMRoleARNCredentialsProviderBuilder().
		WithCredentialsProvider(sourceOf(base)).
		WithRoleArn(p.RAMRoleArn).
		WithRoleSessionName(session).
		WithPolicy(p.Policy).
		WithExternalId(p.ExternalID).
		WithStsEndpoint(endpoint)
	if p.ExpiredSeconds > 0 {
		b = b.WithDurationSeconds(p.ExpiredSeconds)
	}
	prov, err := b.Build()
	if err != nil {
		return nil, err
	}
	return &assumeRoleProvider{CredentialsProvider: locked(prov), endpoint: endpoint, roleArn: p.RAMRoleArn}, nil
}

// stsEndpoint is the host (HOST or HOST:PORT) a RAM role profile assumes its role at. An
// endpoint named for the profile wins over the environment's, and a named endpoint over a
// region; the regional names are the SDK's (sts.REGION.aliyuncs.com, sts-vpc.… in a VPC).
func (c *chain) stsEndpoint(p *cliProfile) (string, error) {
	for _, e := range []struct{ v, from string }{{p.StsEndpoint, "sts_endpoint"}, {c.getenv(EnvSTSEndpoint), EnvSTSEndpoint}} {
		if e.v == "" {
			continue
		}
		// The SDK calls STS over HTTPS only: an https:// prefix is allowed and dropped,
		// anything else that is not a host is refused here rather than failing later.
		host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(e.v), "https://"), "/")
		if host == "" || strings.ContainsAny(host, "/?#@ ") {
			return "", fmt.Errorf("%s %q is not an STS host: give HOST or HOST:PORT, e.g. sts-vpc.cn-hangzhou.aliyuncs.com (STS is called over HTTPS)", e.from, e.v)
		}
		return host, nil
	}
	region := p.StsRegion
	if region == "" {
		region = c.getenv(EnvSTSRegion)
	}
	if region == "" {
		return "sts.aliyuncs.com", nil
	}
	prefix := "sts"
	if p.EnableVpc || strings.EqualFold(c.getenv(EnvVPCEndpoint), "true") {
		prefix = "sts-vpc"
	}
	return prefix + "." + region + ".aliyuncs.com", nil
}

// AssumeRoleError is the STS AssumeRole call of a RAM role profile failing: it runs before
// an ECS call can be signed, so it is reported as itself, naming the endpoint called and
// the role, never as the ECS action that needed the credentials. When STS answered with an
// error body, Err is a *backend.APIError with STS's Code, HTTP status and RequestId.
type AssumeRoleError struct {
	Endpoint, RoleArn string
	Err               error
	// noReply is set when nothing came back from Endpoint (unreachable, timed out).
	noReply bool
}

// Error says which call failed, how, and what to check, on one line.
func (e *AssumeRoleError) Error() string {
	call := "STS AssumeRole of " + e.RoleArn + " at " + e.Endpoint
	if e.Err == nil {
		return call + " failed"
	}
	if e.noReply {
		what := "no reply"
		var oe *net.OpError
		if errors.As(e.Err, &oe) && oe.Op == "dial" {
			what = "cannot reach it"
		}
		return call + ": " + what + " (" + e.Err.Error() + "); check the network, or set the profile's sts_endpoint (or " +
			EnvSTSEndpoint + ") to an STS endpoint this machine reaches, e.g. sts-vpc.REGION.aliyuncs.com inside a VPC"
	}
	var ae *backend.APIError
	if errors.As(e.Err, &ae) {
		if ce := credentialError(ae); ce != nil {
			return call + " refused: " + ce.Error()
		}
		return call + " refused: " + ae.Error() + "; check that the profile's AccessKey may assume the role (its RAM policy and the role's trust policy)"
	}
	return call + " failed: " + e.Err.Error()
}

// Unwrap gives the cause: STS's *backend.APIError when it answered with one.
func (e *AssumeRoleError) Unwrap() error { return e.Err }

// assumeRoleProvider reports the failures of a RAM role provider as *AssumeRoleError.
type assumeRoleProvider struct {
	credentials.CredentialsProvider
	endpoint, roleArn string
}

func (a *assumeRoleProvider) GetCredentials() (*credentials.Credentials, error) {
	cc, err := a.CredentialsProvider.GetCredentials()
	if err == nil {
		return cc, nil
	}
	var se sourceError
	if errors.As(err, &se) {
		// The keys the role is assumed with failed first (a source profile's own role, an
		// ECS role): that failure is the one to report.
		return nil, se.err
	}
	out := &AssumeRoleError{Endpoint: a.endpoint, RoleArn: a.roleArn, Err: err}
	var sdkErr *sdkerrors.ServerError
	var ue *url.Error
	switch {
	case errors.As(err, &sdkErr):
		ae := &backend.APIError{Code: sdkErr.ErrorCode(), HTTPStatus: sdkErr.HttpStatus(), Message: sdkErr.Message(),
			RequestID: sdkErr.RequestId(), Recommend: sdkErr.Recommend()}
		if ae.Code == "" {
			// Not an STS error body (a proxy's page, say): say what came back, briefly.
			ae.Code = "HTTP" + strconv.Itoa(ae.HTTPStatus)
			ae.Message = clip(strings.Join(strings.Fields(ae.Message), " "), 200)
		}
		out.Err = ae
	case errors.As(err, &ue):
		// The SDK's transport error repeats the whole signed URL: keep the cause only.
		out.Err, out.noReply = ue.Err, true
	}
	return nil, out
}

// sourceError marks a failure of the keys a role is assumed with, so that the role's
// provider passes it through instead of blaming AssumeRole.
type sourceError struct{ err error }

func (e sourceError) Error() string { return e.err.Error() }
func (e sourceError) Unwrap() error { return e.err }

type sourceProvider struct {
	credentials.CredentialsProvider
}

func sourceOf(p credentials.CredentialsProvider) credentials.CredentialsProvider {
	return sourceProvider{p}
}

func (s sourceProvider) GetCredentials() (*credentials.Credentials, error) {
	cc, err := s.CredentialsProvider.GetCredentials()
	if err != nil {
		return nil, sourceError{err}
	}
	return cc, nil
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
func (c *chain) iniCredentials(name string, s map[string]string) (*Credentials, error) {
	where := fmt.Sprintf("profile [%s] in %s", name, c.iniPath)
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
		prov, err := c.ramRole(credentials.NewStaticAKCredentialsProvider(id, secret), &cliProfile{
			RAMRoleArn: s["role_arn"], RAMSessionName: s["role_session_name"], Policy: s["policy"],
			StsEndpoint: s["sts_endpoint"], StsRegion: s["sts_region"]})
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
	// Split, not a bufio.Scanner: a line over its 64 KiB would end the reading with
	// "token too long" and no line number.
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
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
	return out, nil
}

// readOptional reads a credentials file that may not exist: no path (no home directory)
// or no file is (nil, nil); an empty file is not nil.
func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := localfile.ReadFile(path, localfile.Input)
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
