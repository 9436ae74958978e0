package safetext

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/log"
	"github.com/go-json-experiment/json/jsontext"
)

// Hostile strings of the kinds issue 21 found in instance names, tags, event reasons, API
// error messages and SSH user names.
const (
	osc52    = "web-1\x1b]52;c;cm0gLXJmIH4K\x07"
	oscTitle = "db\x1b]0;PWNED-TITLE\x07"
	wipe     = "x\x1b[2J\x1b[H"
	c1CSI    = "a\u009b31mred"
	rlo      = "invoice-\u202egnp.exe"
)

func TestTerminal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"web-1", "web-1"},
		{"数据库-主-01 🚀", "数据库-主-01 🚀"},
		{"❤️", "❤️"}, // U+2764 U+FE0F: the variation selector stays
		{osc52, `web-1\x1b]52;c;cm0gLXJmIH4K\x07`},
		{oscTitle, `db\x1b]0;PWNED-TITLE\x07`},
		{wipe, `x\x1b[2J\x1b[H`},
		{c1CSI, `a<U+009B>31mred`},
		{rlo, `invoice-<U+202E>gnp.exe`},
		{"a\u2066b\u2069c\u200ed\u200f", `a<U+2066>b<U+2069>c<U+200E>d<U+200F>`},
		{"ad\u200bmin\ufeff", `ad<U+200B>min<U+FEFF>`},
		{"line1\nline2\r\tx", `line1\nline2\r\tx`},
		{"a\u2028b\u2029c", `a<U+2028>b<U+2029>c`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"tag\U000e0041", `tag<U+E0041>`},
		{"\u3164filler", `<U+3164>filler`},
		{"del\x7f", `del\x7f`},
		{`back\slash`, `back\slash`},
	} {
		got := Terminal(c.in)
		if got != c.want {
			t.Errorf("Terminal(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := Terminal(got); again != got {
			t.Errorf("Terminal is not idempotent on %q: %q", got, again)
		}
	}
}

// TestTerminalEveryRune: nothing Terminal returns, for any character alone or after
// text, is a control, a format character or a separator a terminal could obey.
func TestTerminalEveryRune(t *testing.T) {
	for r := rune(0); r <= 0x10ffff; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		out := Terminal("x" + string(r))
		for _, o := range out {
			if o < 0x20 || (o >= 0x7f && o <= 0x9f) || shown(o) {
				t.Fatalf("Terminal(%U) = %q keeps %U", r, out, o)
			}
		}
	}
}

// TestShownFastPaths: the ranges shown answers without the tables agree with the tables.
func TestShownFastPaths(t *testing.T) {
	for r := rune(0); r <= 0x10ffff; r++ {
		if shown(r) != shownByTables(r) {
			t.Fatalf("shown(%U) = %v, the tables say %v", r, shown(r), shownByTables(r))
		}
	}
}

func TestTerminalDoesNotAllocateOnCleanText(t *testing.T) {
	s := "i-bp1abcdef0123456 web-1 数据库"
	if n := testing.AllocsPerRun(100, func() { _ = Terminal(s) }); n != 0 {
		t.Errorf("Terminal on clean text: %v allocations", n)
	}
}

func TestLog(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"admin", "admin"},
		{"x\nINFO serve: auth accepted user=admin role=operator", `x\nINFO serve: auth accepted user=admin role=operator`},
		{oscTitle, `db\x1b]0;PWNED-TITLE\x07`},
		{rlo, `invoice-\u202egnp.exe`},
		{c1CSI, `a\u009b31mred`},
		{`a\" role=operator`, `a\\" role=operator`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad\xff", `bad\xff`},
	} {
		if got := Log(c.in); got != c.want {
			t.Errorf("Log(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestLogRecordStaysOneRecord writes hostile values through the formatters serve uses:
// each record is one line, the value reads back exactly, and no forged pair appears.
func TestLogRecordStaysOneRecord(t *testing.T) {
	hostile := []string{
		"x\nINFO serve: auth accepted user=admin role=operator",
		"x\r\nWARN serve: fake",
		`a\" role=operator b=\"`,
		`a" role=operator`,
		oscTitle, osc52, rlo, c1CSI, "bad\xff\x00",
	}
	for _, f := range []log.Formatter{log.TextFormatter, log.LogfmtFormatter} {
		for _, h := range hostile {
			var buf bytes.Buffer
			l := log.NewWithOptions(&buf, log.Options{Prefix: "serve"})
			l.SetFormatter(f)
			l.Warn("auth refused", "user", Log(h), "role", "viewer")
			out := buf.String()
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("formatter %d, %q: not one line: %q", f, h, out)
				continue
			}
			if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") || strings.Contains(out, "role=operator ") && strings.Count(out, "role=") != 2 {
				t.Errorf("formatter %d, %q: %q", f, h, out)
			}
			// The value is everything between `user=` and ` role=viewer`.
			v := strings.TrimSuffix(strings.TrimSuffix(out, "\n"), " role=viewer")
			v = v[strings.Index(v, "user=")+len("user="):]
			quoted := v
			if !strings.HasPrefix(v, `"`) {
				quoted = strconv.Quote(v) // logfmt: a bare value is itself
				if f == log.TextFormatter {
					quoted = `"` + v + `"` // text: as Log escaped it
				}
			}
			// logfmt quotes the backslashes Log wrote: it reads back as Log's text.
			want := h
			if f == log.LogfmtFormatter {
				want = Log(h)
			}
			if back, err := strconv.Unquote(quoted); err != nil || back != want {
				t.Errorf("formatter %d, %q: value %s reads back as %q (%v)", f, h, v, back, err)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	vals := []string{osc52, oscTitle, wipe, c1CSI, rlo, "a\u2066b\u200bc\ufeff", "数据库 🚀 ❤️", "tag\U000e0041", `q"\`}
	b, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(b)
	for _, r := range string(got) {
		if r < 0x20 || r >= 0x7f && shown(r) {
			t.Fatalf("JSON kept %U: %s", r, got)
		}
	}
	if !bytes.Contains(got, []byte(`invoice-\u202egnp.exe`)) || !bytes.Contains(got, []byte(`tag\udb40\udc41`)) {
		t.Errorf("JSON = %s", got)
	}
	var back []string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	for i := range vals {
		if back[i] != vals[i] {
			t.Errorf("value %d reads back as %q, want %q", i, back[i], vals[i])
		}
	}
	clean := []byte(`{"a":"数据库"}`)
	if out := JSON(clean); &out[0] != &clean[0] {
		t.Error("JSON copied text with nothing to escape")
	}
}

func TestAppendJSONQuote(t *testing.T) {
	for _, s := range []string{"", "plain", osc52, oscTitle, wipe, c1CSI, rlo, "a\u2066b\u200bc\ufeff\u2028", "数据库 🚀 ❤️",
		"tag\U000e0041", `q"\`, "bad\xff", "<&>", "\x00\x1f\x7f"} {
		q := AppendJSONQuote(nil, s)
		if !utf8.Valid(q) {
			t.Errorf("%q: invalid UTF-8 %q", s, q)
		}
		for _, r := range string(q) {
			if r < 0x20 || r >= 0x7f && shown(r) {
				t.Errorf("AppendJSONQuote(%q) = %s keeps %U", s, q, r)
			}
		}
		var back string
		if err := json.Unmarshal(q, &back); err != nil {
			t.Errorf("%q: %s: %v", s, q, err)
			continue
		}
		if back != strings.ToValidUTF8(s, "\ufffd") {
			t.Errorf("%q reads back as %q", s, back)
		}
	}
}

// benchStrings are what a listing quotes most: ids, names, zones, types, a reason.
var benchStrings = []string{"i-bp1plainrunning00001", "web-prod-001", "cn-hangzhou-h", "ecs.g7.xlarge",
	"SystemMaintenance.Redeploy", "Host hardware maintenance: memory ECC errors predicted on the physical server", "数据库-主-01"}

// BenchmarkAppendJSONQuote against jsontext.AppendQuote, which events --json used before:
//
//	go test -run '^$' -bench JSONQuote -count 8 ./model/safetext
func BenchmarkAppendJSONQuote(b *testing.B) {
	buf := make([]byte, 0, 1024)
	for range b.N {
		buf = buf[:0]
		for _, s := range benchStrings {
			buf = AppendJSONQuote(buf, s)
		}
	}
}

func BenchmarkJSONTextAppendQuote(b *testing.B) {
	buf := make([]byte, 0, 1024)
	for range b.N {
		buf = buf[:0]
		for _, s := range benchStrings {
			buf, _ = jsontext.AppendQuote(buf, s)
		}
	}
}

// BenchmarkTerminal is the list's cost per row of cells with nothing to show.
func BenchmarkTerminal(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		for _, s := range benchStrings {
			_ = Terminal(s)
		}
	}
}
