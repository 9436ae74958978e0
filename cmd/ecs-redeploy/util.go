package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/charmbracelet/x/term"

	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

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

// printf writes format with a's values, each shown as text from outside: a string (or a
// string type), an error or a Stringer passes safetext.Terminal, so no instance name, tag,
// event reason or API message a command prints reaches the terminal as a control or bidi
// sequence, and a value never spans lines. The format is the program's own and written
// as is; byte slices (JSON lines, already escaped) too.
func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, shownArgs(a)...)
	}
}

// shownArgs is a with every text value passed through safetext.Terminal.
func shownArgs(a []any) []any {
	out := make([]any, len(a))
	for i, v := range a {
		switch v := v.(type) {
		case string:
			out[i] = safetext.Terminal(v)
		case error:
			out[i] = safetext.Terminal(v.Error())
		case fmt.Stringer:
			out[i] = safetext.Terminal(v.String())
		default:
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
				out[i] = safetext.Terminal(rv.String())
			} else {
				out[i] = v
			}
		}
	}
	return out
}

// Err is the first write error, wrapped to say what failed.
func (p *printer) Err() error {
	if p.err != nil {
		return fmt.Errorf("writing the output: %w", p.err)
	}
	return nil
}

// printerWriter writes through p, so that its first write error is kept with the others.
type printerWriter struct{ p *printer }

func (w printerWriter) Write(b []byte) (int, error) {
	w.p.printf("%s", b)
	if w.p.err != nil {
		return 0, w.p.err
	}
	return len(b), nil
}

// isTerminal reports whether w is a terminal, where a line may be rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
