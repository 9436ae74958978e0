package main

import "strings"

// oneLine folds an error message onto one line, so a failure is always one clear line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
