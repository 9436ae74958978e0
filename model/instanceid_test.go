package model

import (
	"strings"
	"testing"
)

func TestValidInstanceID(t *testing.T) {
	for _, c := range []struct {
		id   string
		want bool
	}{
		{"i-bp1azkttqpldxgtedxxx", true},
		{"i-uf6locked00000000004", true},
		{"i-1", true},
		{"i-" + strings.Repeat("a", 62), true},
		{"i-" + strings.Repeat("a", 63), false},
		{"", false},
		{"i-", false},
		{"i", false},
		{" i-bp1abc", false},
		{"i-bp1abc ", false},
		{"i-bp1abc\n", false},
		{"I-BP1ABC", false},
		{"i-BP1abc", false},
		{"i-bp1abc,i-bp1def", false},
		{`["i-bp1abc"]`, false},
		{"i-bp1 i-bp2", false},
		{"i-bp1-abc", false},
		{"i-bp1_abc", false},
		{"t-bp1abc", false},
		{"bp1abc", false},
		{"i-bp1abcé", false},
	} {
		if got := ValidInstanceID(c.id); got != c.want {
			t.Errorf("ValidInstanceID(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}
