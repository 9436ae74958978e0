package ui

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/ui/common"
)

// keyNames are how docs/console.md and the help write keys bubbles/key names otherwise.
var keyNames = map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "pgdown": "pgdn", " ": "space"}

// Issue 13: the Keys table (docs/console.md since issue 22 cut the README down) and the ?
// overlay come from the same key map: every key the console matches is in both.
func TestREADMEKeysTableListsEveryKeyOfTheKeyMap(t *testing.T) {
	raw, err := os.ReadFile("../docs/console.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "\n## Keys\n")
	if start < 0 {
		t.Fatal("docs/console.md has no ## Keys section")
	}
	end := strings.Index(text[start+1:], "\n## ") + start + 1
	if end <= start {
		end = len(text)
	}
	documented := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(text[start:end], "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		first := strings.SplitN(line[2:], " | ", 2)[0]
		for _, m := range code.FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	km := common.DefaultKeyMap()
	h := newHarness(t, sim.Options{}, false)
	m := ready(t, h)
	m.overlay.SetSize(200, 200)
	overlay := strings.Join(strings.Fields(strings.Join(m.overlay.Lines(), " ")), " ")
	for _, g := range append(km.FullHelp(), km.DialogFullHelp()...) {
		for _, b := range g {
			for _, k := range b.Keys() {
				if n, ok := keyNames[k]; ok {
					k = n
				}
				if !documented[k] {
					t.Errorf("docs/console.md's Keys table lacks %q (%s)", k, b.Help().Desc)
				}
			}
			if !strings.Contains(overlay, b.Help().Key+" "+b.Help().Desc) {
				t.Errorf("? lacks %q", b.Help().Key+" "+b.Help().Desc)
			}
		}
	}
}
