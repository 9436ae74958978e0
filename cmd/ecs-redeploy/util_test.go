package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRegions(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []string
		want   []string
		all    bool
		says   string // a usage error saying this; "" for none
	}{
		{name: "none", values: nil},
		{name: "one", values: []string{"cn-hangzhou"}, want: []string{"cn-hangzhou"}},
		{name: "a list", values: []string{"cn-hangzhou,cn-beijing"}, want: []string{"cn-hangzhou", "cn-beijing"}},
		{name: "repeated flags", values: []string{"cn-hangzhou", "us-west-1"}, want: []string{"cn-hangzhou", "us-west-1"}},
		{name: "empty items are ignored", values: []string{"cn-hangzhou,,cn-beijing,", ""}, want: []string{"cn-hangzhou", "cn-beijing"}},
		{name: "spaces are ignored", values: []string{" cn-hangzhou , cn-beijing"}, want: []string{"cn-hangzhou", "cn-beijing"}},
		{name: "duplicates are dropped", values: []string{"cn-beijing,cn-hangzhou", "cn-beijing"}, want: []string{"cn-beijing", "cn-hangzhou"}},
		{name: "longer ids", values: []string{"cn-shanghai-finance-1,ap-southeast-1"}, want: []string{"cn-shanghai-finance-1", "ap-southeast-1"}},
		{name: "all", values: []string{"all"}, all: true},
		{name: "all twice", values: []string{"all", "all,"}, all: true},
		{name: "all with a name", values: []string{"all,cn-hangzhou"}, says: "--region all cannot be combined with region names (cn-hangzhou)"},
		{name: "all with a repeated flag", values: []string{"cn-beijing", "all"}, says: "pass --region all for every region, or only the names"},
		{name: "not a region id", values: []string{"cn-hangzhou.example.com"}, says: `"cn-hangzhou.example.com" is not a region id`},
		{name: "capitals", values: []string{"CN-HANGZHOU"}, says: "give ids like cn-hangzhou"},
		{name: "no hyphen", values: []string{"hangzhou"}, says: "not a region id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			names, all, err := parseRegions(c.values)
			if c.says != "" {
				var ue usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v; want a one-line usage error saying %q", err, c.says)
				}
				return
			}
			if err != nil || all != c.all || !slices.Equal(names, c.want) {
				t.Fatalf("= %q, all %v, %v; want %q, all %v", names, all, err, c.want, c.all)
			}
		})
	}
}
