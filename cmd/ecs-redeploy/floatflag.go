package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/spf13/pflag"
)

// floatFlag is a float64 flag that refuses what no flag of ours means: NaN and ±Inf
// (strconv.ParseFloat takes them, and every range check after it lets NaN through), and,
// when min < max, a number outside [min, max]. A refusal is a floatRangeError: flagError
// prints its words, after the flag and the value.
type floatFlag struct {
	p        *float64
	min, max float64
	// want says what is accepted, for the refusal: "a number of calls a minute from 10 to
	// 1000000, e.g. 600".
	want string
}

// floatRangeError is a value a floatFlag refuses, with what it accepts.
type floatRangeError struct{ want string }

func (e floatRangeError) Error() string { return "expected " + e.want }

func (f *floatFlag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil, math.IsNaN(v), math.IsInf(v, 0):
		return floatRangeError{f.want}
	case f.min < f.max && (v < f.min || v > f.max):
		return floatRangeError{f.want}
	}
	*f.p = v
	return nil
}

func (f *floatFlag) String() string { return strconv.FormatFloat(*f.p, 'g', -1, 64) }

// Type is float64's: help and flagError read it so.
func (f *floatFlag) Type() string { return "float64" }

// finiteFloatVar is fs.Float64Var refusing NaN and ±Inf; the range checks after parsing
// stay where they are.
func finiteFloatVar(fs *pflag.FlagSet, p *float64, name string, def float64, usage string) {
	*p = def
	fs.Var(&floatFlag{p: p, want: fmt.Sprintf("a finite number, e.g. --%s %s", name, strconv.FormatFloat(def, 'g', -1, 64))}, name, usage)
}
