package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"ecs-redeploy/model"
)

// oneLine folds an error message onto one line, so a failure is always one clear line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// parseRegions reads the values of --region, the one rule for the simulator and the real
// API: `all` alone means every region; otherwise a list of region ids, given as repeated
// flags and/or comma-separated (cn-hangzhou,cn-beijing), spaces around items and empty
// items (a,,b) ignored, duplicates dropped, order kept. `all` mixed with names, or an item
// not shaped like a region id, is a usageError that says what to type. No values at all is
// (nil, false, nil): the caller picks its default.
func parseRegions(values []string) (names []string, all bool, err error) {
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			switch item = strings.TrimSpace(item); {
			case item == "":
			case item == "all":
				all = true
			case !model.IsRegionID(item):
				return nil, false, usageError{fmt.Errorf("--region %w", model.CheckRegion(item, nil))}
			case !slices.Contains(names, item):
				names = append(names, item)
			}
		}
	}
	if all && len(names) > 0 {
		return nil, false, usageError{fmt.Errorf("--region all cannot be combined with region names (%s): pass --region all for every region, or only the names",
			strings.Join(names, ","))}
	}
	return names, all, nil
}

// printer writes a command's output and keeps the first write error, so that a command
// whose stdout is gone (a closed pipe, a full disk) exits non-zero instead of reporting a
// success nobody saw.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

// Err is the first write error, wrapped to say what failed.
func (p *printer) Err() error {
	if p.err != nil {
		return fmt.Errorf("writing the output: %w", p.err)
	}
	return nil
}
