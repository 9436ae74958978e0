package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ecs-redeploy/model/policy"
)

// dayDuration is a duration flag that also reads whole days ("2d"), as a policy file does
// (policy.ParseDuration, the one parser of "2d"): `--horizon 2d` was refused while a
// policy's `lead_time: 2d` was taken. Everything else is the flag's own (time.ParseDuration,
// then the command's checks of zero and negative values).
type dayDuration struct{ pflag.Value }

func (d dayDuration) Set(s string) error {
	if strings.HasSuffix(s, "d") {
		v, err := policy.ParseDuration(s)
		if err != nil {
			return err
		}
		return d.Value.Set(v.String())
	}
	return d.Value.Set(s)
}

// readDays makes every duration flag of root and its commands read whole days too.
func readDays(root *cobra.Command) {
	swap := func(f *pflag.Flag) {
		if f.Value.Type() == "duration" {
			if _, done := f.Value.(dayDuration); !done {
				f.Value = dayDuration{f.Value}
			}
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.PersistentFlags().VisitAll(swap)
		c.Flags().VisitAll(swap)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
