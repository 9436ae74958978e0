package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionText is what --version prints, from the build info Go embeds in every binary
// (runtime/debug.ReadBuildInfo):
//
//	ecs-redeploy v1.2.0
//	commit 5f7519d2c4e1… (modified: built with uncommitted changes)
//	date   2026-11-30T10:30:34Z (the commit's time; Go records no build time)
//	go     go1.26.8
//
// The version is the one given at build time (-ldflags "-X main.version=v1.2.0"), else
// the module version Go derived from the checkout (`go build` in a git clone stamps
// v0.0.0-DATE-COMMIT, +dirty when modified), else "dev". The commit and date come from
// the vcs.revision, vcs.time and vcs.modified settings that `go build` records in a git
// checkout; `go run`, `go test` and -buildvcs=false record none, and the lines say so
// rather than inventing them.
func versionText(version string, info *debug.BuildInfo, ok bool) string {
	var b strings.Builder
	if version == "dev" && ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	fmt.Fprintf(&b, "ecs-redeploy %s\n", version)
	if !ok {
		b.WriteString("commit unknown (no build info in this binary)\n")
		return b.String()
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	switch rev := settings["vcs.revision"]; rev {
	case "":
		b.WriteString("commit unknown (built without VCS stamping: go run, go test or -buildvcs=false)\n")
	default:
		modified := ""
		if settings["vcs.modified"] == "true" {
			modified = " (modified: built with uncommitted changes)"
		}
		fmt.Fprintf(&b, "commit %s%s\n", rev, modified)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, "date   %s (the commit's time; Go records no build time)\n", t)
		}
	}
	if info.GoVersion != "" {
		fmt.Fprintf(&b, "go     %s\n", info.GoVersion)
	}
	return b.String()
}

// buildVersion is versionText for this binary.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	return versionText(version, info, ok)
}
