package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// Issue 22: the README is a five-minute page that links into docs/; a link that points at
// a moved section, or a file that moved, is a newcomer's dead end. Every relative link and
// #anchor in README.md and docs/*.md resolves to an existing file and, for an anchor, to a
// heading of that file.
func TestDocsLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{"../README.md"}, pages...)
	if len(pages) < 2 {
		t.Fatal("no docs/*.md pages next to the README")
	}
	for _, page := range pages {
		for _, problem := range brokenLinks(t, page) {
			t.Errorf("%s: %s", strings.TrimPrefix(page, "../"), problem)
		}
	}
}

// The checker itself must catch what it is for: a missing file, a missing heading, and a
// heading matched only under GitHub's anchor rules.
func TestDocsLinksCheckerFindsBrokenLinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("docs/serve.md", "# Served over SSH: `ecs-redeploy serve`\n\n## The audit log\n\n## Keys\n\n## Keys\n")
	page := write("README.md", strings.Join([]string{
		"# Top",
		"[ok](docs/serve.md#the-audit-log) [ok](docs/serve.md#served-over-ssh-ecs-redeploy-serve)",
		"[ok](docs/serve.md#keys-1) [ok](#top) [ok](https://example.com/#nothing) [ok](docs/serve.md)",
		"[gone](docs/console.md#keys) [moved](#the-audit-log) [typo](docs/serve.md#audit-log)",
		"`[in code](#nowhere)`",
		"```",
		"[in a fence](#nowhere)",
		"```",
	}, "\n"))
	got := brokenLinks(t, page)
	want := []string{"docs/console.md#keys", "#the-audit-log", "docs/serve.md#audit-log"}
	if len(got) != len(want) {
		t.Fatalf("broken links %q, want one each for %q", got, want)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w+":") {
			t.Errorf("broken link %d: %q, want %q", i, got[i], w)
		}
	}
}

var (
	mdFence    = regexp.MustCompile("(?ms)^ *```.*?^ *```[^\n]*$")
	mdCodeSpan = regexp.MustCompile("`[^`\n]*`")
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading  = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *#* *$`)
)

// brokenLinks returns, in the page's order, each relative link of the markdown file at
// path whose file or #anchor does not exist, as "TARGET: why".
func brokenLinks(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := mdCodeSpan.ReplaceAllString(mdFence.ReplaceAllString(string(raw), ""), "")
	var problems []string
	for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		resolved := path
		if file != "" {
			resolved = filepath.Join(filepath.Dir(path), file)
			if _, err := os.Stat(resolved); err != nil {
				problems = append(problems, fmt.Sprintf("%s: no such file %s", target, resolved))
				continue
			}
		}
		if anchor == "" {
			continue
		}
		if !strings.HasSuffix(resolved, ".md") {
			problems = append(problems, fmt.Sprintf("%s: an anchor into a file that is not markdown", target))
			continue
		}
		if !headingAnchors(t, resolved)[anchor] {
			problems = append(problems, fmt.Sprintf("%s: no heading with that anchor in %s", target, resolved))
		}
	}
	return problems
}

// headingAnchors returns the anchors GitHub gives the headings of a markdown file: the
// heading's text lowercased, inline code marks and punctuation dropped, spaces turned into
// '-', and -1, -2, … appended to a repeated one (GitHub's rules, github/cmark-gfm's
// anchor filter). Headings inside code fences are not headings.
func headingAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := mdFence.ReplaceAllString(string(raw), "")
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, m := range mdHeading.FindAllStringSubmatch(text, -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}
