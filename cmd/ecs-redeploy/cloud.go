package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
)

// cloudOptions are the flags only the real API needs.
type cloudOptions struct {
	MetadataRole string
	APITimeout   time.Duration
}

// cloudFlags holds each root command's cloud flags. globalOptions belongs to main.go, so
// the flags this file adds are kept beside it rather than in it.
var cloudFlags sync.Map // *globalOptions → *cloudOptions

// addCloudFlags adds the flags only the real API needs.
func addCloudFlags(root *cobra.Command, g *globalOptions) {
	co := &cloudOptions{}
	cloudFlags.Store(g, co)
	pf := root.PersistentFlags()
	pf.StringVar(&co.MetadataRole, "ecs-metadata-role", "",
		"use the RAM role ROLE of the ECS instance this runs on (asks the metadata service at 100.100.100.200; default: ALIBABA_CLOUD_ECS_METADATA, never probed otherwise)")
	pf.DurationVar(&co.APITimeout, "api-timeout", 10*time.Second, "time limit of one ECS API call, reply included")
}

// openCloudBackend builds the real Alibaba Cloud backend from the flags and environment,
// and returns it with the region scope (empty: every region).
func openCloudBackend(_ context.Context, g *globalOptions) (backend.Backend, []string, error) {
	co := &cloudOptions{APITimeout: 10 * time.Second}
	if v, ok := cloudFlags.Load(g); ok {
		co = v.(*cloudOptions)
	}
	if co.APITimeout <= 0 {
		return nil, nil, usageError{fmt.Errorf("--api-timeout must be above 0, got %s", co.APITimeout)}
	}
	creds, err := aliyun.Resolve(aliyun.Lookup{Profile: g.Profile, MetadataRole: co.MetadataRole})
	if err != nil {
		return nil, nil, err
	}
	endpoint := g.Endpoint
	if endpoint == "" {
		endpoint = os.Getenv(aliyun.EnvEndpoint)
	}
	region := os.Getenv(aliyun.EnvRegion)
	if region == "" {
		region = creds.Region
	}
	var scope []string
	all := false
	for _, r := range g.Regions {
		for _, r := range strings.Split(r, ",") {
			switch r = strings.TrimSpace(r); r {
			case "":
			case "all":
				all = true
			default:
				scope = append(scope, r)
			}
		}
	}
	switch {
	case all && len(scope) > 0:
		return nil, nil, usageError{fmt.Errorf("--region all cannot be combined with named regions (%s)", strings.Join(scope, ","))}
	case !all && len(scope) == 0 && region == "":
		return nil, nil, usageError{fmt.Errorf("no region: pass --region (cn-hangzhou; several: cn-hangzhou,cn-beijing; every region: all), set %s, or set region_id in the profile", aliyun.EnvRegion)}
	case !all && len(scope) == 0:
		scope = []string{region}
	}
	if region == "" && len(scope) > 0 {
		region = scope[0]
	}
	b, err := aliyun.New(aliyun.Options{Credentials: creds, Region: region, Endpoint: endpoint, Timeout: co.APITimeout})
	if err != nil {
		return nil, nil, usageError{err}
	}
	return b, scope, nil
}
