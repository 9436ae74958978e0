package main

import (
	"ecs-redeploy/model"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
)

// addCloudFlags adds the flags only the real API needs.
func addCloudFlags(root *cobra.Command, g *globalOptions) {
	pf := root.PersistentFlags()
	pf.StringVar(&g.MetadataRole, "ecs-metadata-role", "",
		"use the RAM role ROLE of the ECS instance this runs on (asks the metadata service at 100.100.100.200; default: ALIBABA_CLOUD_ECS_METADATA, never probed otherwise)")
	pf.DurationVar(&g.APITimeout, "api-timeout", 10*time.Second, "time limit of one ECS API call, reply included")
	g.APIBudget = aliyun.DefaultBudget
	pf.Var(&floatFlag{p: &g.APIBudget, min: minBudget, max: maxBudget, want: budgetWant}, "api-budget",
		"CALLS/MIN: the most ECS API calls a minute, over every region and action; the console refreshes what changes often and the full listing as rarely as this requires (the account's quota is shared with every other tool); events, one listing, keeps one only when this is given")
}

// adjustCloudOptions, when set, changes the real backend's options before it is built:
// tests give it a clock and a sleep that do not wait. It is nil in the binary.
var adjustCloudOptions func(*aliyun.Options)

// openCloudBackend builds the real Alibaba Cloud backend from the flags and environment,
// and returns it with the region scope (empty: every region).
func openCloudBackend(g *globalOptions) (backend.Backend, []string, error) {
	if g.APITimeout <= 0 {
		return nil, nil, usageError{fmt.Errorf("--api-timeout must be above 0, got %s", g.APITimeout)}
	}

	endpoint, endpointFrom := g.Endpoint, "--endpoint"
	if endpoint == "" {
		endpoint, endpointFrom = os.Getenv(aliyun.EnvEndpoint), aliyun.EnvEndpoint
	}
	if endpoint != "" {
		if err := checkAddr(endpointFrom, endpoint, false); err != nil {
			return nil, nil, err
		}
	}
	creds, err := aliyun.Resolve(aliyun.Lookup{Profile: g.Profile, MetadataRole: g.MetadataRole})
	if err != nil {
		return nil, nil, err
	}
	region, regionFrom := os.Getenv(aliyun.EnvRegion), aliyun.EnvRegion
	if region == "" {
		region, regionFrom = creds.Region, "region_id of the "+creds.Source
	}
	// Held to the same shape as --region: it becomes part of the endpoint's host name.
	if region != "" && !model.IsRegionID(region) {
		return nil, nil, usageError{fmt.Errorf("%s %q is not a region id: set it to one like cn-hangzhou", regionFrom, region)}
	}
	scope, all, err := parseRegions(g.Regions)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case !all && len(scope) == 0 && region == "":
		return nil, nil, usageError{fmt.Errorf("no region: pass --region (cn-hangzhou; several: cn-hangzhou,cn-beijing; every region: all), set %s, or set region_id in the profile", aliyun.EnvRegion)}
	case !all && len(scope) == 0:
		scope = []string{region}
	}
	if region == "" && len(scope) > 0 {
		region = scope[0]
	}
	budget := g.APIBudget
	if g.oneShot {
		budget = 0 // none: see oneShotBudget
	}
	o := aliyun.Options{Credentials: creds, Region: region, Endpoint: endpoint, Timeout: g.APITimeout, Budget: budget, OnCall: g.onCall}
	if adjustCloudOptions != nil {
		adjustCloudOptions(&o)
	}
	b, err := aliyun.New(o)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return b, scope, nil
}

// oneShotBudget marks cmd as one that makes its calls once and ends, unless --api-budget
// was given: its calls are then held to no budget. The default budget is a team console's
// (aliyun.DefaultBudget: a console left open must not be the account's biggest API
// consumer, issue 20); a one-shot listing is one burst of the calls its pages need, as the
// aliyun CLI loop it replaces is, and at the console's 600 calls a minute the 2,200 calls
// of 100,000 instances took almost four minutes instead of seconds. ECS's own Throttling
// still paces it (each region's adaptive limiter), and an explicit --api-budget holds it.
func oneShotBudget(cmd *cobra.Command, g *globalOptions) {
	g.oneShot = !cmd.Flags().Changed("api-budget")
}

// minBudget is the smallest --api-budget that still lets the console notice anything:
// one round of cheap questions over a handful of regions a minute.
const minBudget = 10

// maxBudget is the largest --api-budget: far above any account's ECS quota, so a larger
// number is a typo.
const maxBudget = 1_000_000

// budgetWant is what --api-budget accepts, in its refusal. There is no "no budget" value
// (docs/real-account.md): a one-shot command without the flag keeps none (oneShotBudget).
var budgetWant = fmt.Sprintf("calls a minute, a number from %d to %d, e.g. --api-budget %d (the default)", minBudget, maxBudget, aliyun.DefaultBudget)

// checkBudget refuses an --api-budget the console cannot work within; 0 (options built
// without the flag) is the default.
func checkBudget(perMinute *float64) error {
	if *perMinute == 0 {
		*perMinute = aliyun.DefaultBudget
	}
	if !(*perMinute >= minBudget && *perMinute <= maxBudget) { // NaN too
		return usageError{fmt.Errorf("--api-budget %g: expected %s", *perMinute, budgetWant)}
	}
	return nil
}
