package model

import (
	"strings"
	"testing"
)

func TestCheckRegion(t *testing.T) {
	known := []string{"cn-hangzhou", "cn-shanghai", "eu-west-1", "us-west-1"}
	for _, c := range []struct {
		name, want string
	}{
		{"cn-hangzhou", ""},
		{"cn-hangzou", "did you mean cn-hangzhou?"},
		{"eu-west-2", "did you mean eu-west-1?"},
		{"eu-nowhere-9", "no such region; try cn-hangzhou, cn-shanghai, eu-west-1 or us-west-1, or all"},
		{"Hangzhou", "is not a region id"},
		{"cn-hangzhou.evil.example", "is not a region id"},
	} {
		err := CheckRegion(c.name, known)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Nothing known: only the shape is checked.
	if err := CheckRegion("eu-nowhere-9", nil); err != nil {
		t.Errorf("with no known regions: %v", err)
	}
}
