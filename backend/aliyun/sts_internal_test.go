package aliyun

import (
	"strings"
	"testing"
)

// Where a RAM role is assumed: a named endpoint (the profile's, then the environment's)
// beats a region, and a region picks the SDK's regional (or VPC) endpoint.
func TestSTSEndpoint(t *testing.T) {
	for _, c := range []struct {
		name    string
		profile cliProfile
		env     map[string]string
		want    string
		refused bool
	}{
		{name: "default", want: "sts.aliyuncs.com"},
		{name: "profile endpoint", profile: cliProfile{StsEndpoint: "sts-vpc.cn-hangzhou.aliyuncs.com"}, want: "sts-vpc.cn-hangzhou.aliyuncs.com"},
		{name: "https prefix dropped", profile: cliProfile{StsEndpoint: "https://sts.cn-beijing.aliyuncs.com/"}, want: "sts.cn-beijing.aliyuncs.com"},
		{name: "environment endpoint", env: map[string]string{EnvSTSEndpoint: "sts-vpc.cn-shanghai.aliyuncs.com"}, want: "sts-vpc.cn-shanghai.aliyuncs.com"},
		{name: "profile endpoint beats the environment's", profile: cliProfile{StsEndpoint: "a.example:8443"},
			env: map[string]string{EnvSTSEndpoint: "b.example"}, want: "a.example:8443"},
		{name: "an endpoint beats a region", profile: cliProfile{StsRegion: "cn-beijing"},
			env: map[string]string{EnvSTSEndpoint: "sts-vpc.cn-shanghai.aliyuncs.com"}, want: "sts-vpc.cn-shanghai.aliyuncs.com"},
		{name: "profile region", profile: cliProfile{StsRegion: "cn-beijing"}, want: "sts.cn-beijing.aliyuncs.com"},
		{name: "profile region in a VPC", profile: cliProfile{StsRegion: "cn-beijing", EnableVpc: true}, want: "sts-vpc.cn-beijing.aliyuncs.com"},
		{name: "environment region, VPC", env: map[string]string{EnvSTSRegion: "cn-shenzhen", EnvVPCEndpoint: "TRUE"}, want: "sts-vpc.cn-shenzhen.aliyuncs.com"},
		{name: "plain http refused", profile: cliProfile{StsEndpoint: "http://sts.example"}, refused: true},
		{name: "a path refused", env: map[string]string{EnvSTSEndpoint: "sts.example/x"}, refused: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := &chain{getenv: func(k string) string { return c.env[k] }}
			got, err := ch.stsEndpoint(&c.profile)
			if c.refused {
				if err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
					t.Fatalf("= %q, %v; want it refused, saying what to give", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("= %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
