// Package safetext makes text from outside (the API, an SSH client, a scenario, plan or key
// file) safe for where it goes: a terminal, a text log, JSON. One function per destination.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal is s as one line of screen text or one table cell: every character a terminal
// would obey, or that reorders or hides what a person reads, is shown instead as an escape.
//
//   - C0 controls and DEL as Go writes them: \x1b, \x07, \x7f; newline, carriage return
//     and tab as \n, \r, \t (shown, never kept: one value stays one line);
//   - C1 controls (U+0080–U+009F: a terminal reads U+009B as CSI, U+009D as OSC), bidi
//     controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width and
//     other format or default-ignorable characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD,
//     U+3164, …) and the line and paragraph separators as <U+202E>;
//   - a byte that is not UTF-8 as \xff.
//
// So an ESC, CSI or OSC sequence (an OSC 52 clipboard write, an OSC 0 window title, a
// screen wipe) and a right-to-left override reach the screen as visible text, never as a
// command. Emoji variation selectors are kept: they change how a character looks, not
// which characters are read. Everything else, CJK and emoji included, is kept as is. A
// backslash is kept as is, so Terminal(Terminal(s)) == Terminal(s). Text with nothing to
// show is returned as is, without allocating.
func Terminal(s string) string {
	i := firstShown(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r < 0x20 || r == 0x7f:
			writeC0(&b, r)
		case shown(r):
			b.WriteString("<U+")
			writeHex(&b, r, 4, true)
			b.WriteByte('>')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Log is s as one value of a text log record (charmbracelet/log's text and logfmt
// formatters, slog's TextHandler): what Terminal shows is escaped in Go's syntax instead
// (\x1b, \n, \u202e, \U000e0001), and a backslash is doubled, so the value reads back with
// strconv.Unquote once the formatter has quoted it. Double quotes, spaces and '=' are left
// for the formatter, which quotes a value that has them and escapes its quotes: a value
// can then neither end its record (a newline) nor forge a key=value pair or a record of
// its own. Text with nothing to escape is returned as is.
func Log(s string) string {
	i := firstShown(s)
	if j := strings.IndexByte(s, '\\'); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			writeC0(&b, r)
		case shown(r) && r > 0xffff:
			b.WriteString(`\U`)
			writeHex(&b, r, 8, false)
		case shown(r):
			b.WriteString(`\u`)
			writeHex(&b, r, 4, false)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// JSON is b, JSON text that an encoder wrote (encoding/json escapes the controls, and
// U+2028 and U+2029), with every other character that Terminal shows written as a \u
// escape too (U+202E as \u202e; above U+FFFF as its UTF-16 surrogate pair), so a person
// reading the file with cat, less or a terminal sees the escape, not a reordered line.
// The values stay exact: a JSON decoder reads the same strings back. Outside strings, JSON
// is ASCII, so only string contents change. b is returned as is when it has nothing to
// escape; otherwise a new slice.
func JSON(b []byte) []byte {
	i := firstShownBytes(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+12)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r >= utf8.RuneSelf && shown(r) {
			out = appendJSONEscape(out, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// AppendJSONQuote appends s as a JSON string, escaped as JSON above: for writers that
// quote strings themselves. Controls are escaped as encoding/json escapes them (\n, \t,
// \u001b…), invalid UTF-8 becomes U+FFFD, and < > & are left as they are.
func AppendJSONQuote(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case shown(r):
			dst = append(dst, s[start:i]...)
			dst = appendJSONEscape(dst, r)
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hex = "0123456789abcdef"

// jsonPlain marks the ASCII bytes a JSON string holds as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// shown reports whether r, at or above U+0080, is one Terminal shows as an escape: a C1
// control, a format character (Cf: the bidi controls, zero-width space and joiners, the
// byte order mark, the soft hyphen, the tag characters), a line or paragraph separator,
// or another default-ignorable code point (Hangul fillers, U+034F…) — all of them either
// obeyed by a terminal or invisible on screen. Variation selectors are not.
func shown(r rune) bool {
	switch {
	case r < 0x80:
		return false
	case r <= 0x9f || r == 0xad:
		return true
	case r < 0x34f, r >= 0x3400 && r < 0xa000, r >= 0xac00 && r < 0xd800:
		// Latin to the combining marks, CJK ideographs, Hangul syllables: none of them
		// (TestShownFastPaths), and most names are these.
		return false
	}
	return shownByTables(r)
}

// shownByTables is shown by the Unicode tables alone.
func shownByTables(r rune) bool {
	if r <= 0x9f {
		return r >= 0x80
	}
	if unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
		return true
	}
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) && !unicode.Is(unicode.Variation_Selector, r)
}

// firstShown is the index of the first byte of s that Terminal changes, or -1.
func firstShown(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || shown(r) {
			return i
		}
		i += n
	}
	return -1
}

// firstShownBytes is the index of the first non-ASCII character of b that JSON escapes,
// or -1.
func firstShownBytes(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if shown(r) {
			return i
		}
		i += n
	}
	return -1
}

func writeC0(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		b.WriteString(`\x`)
		b.WriteByte(hex[r>>4])
		b.WriteByte(hex[r&0xf])
	}
}

// writeHex writes r in at least digits hex digits: upper case as U+ notation has it
// (Terminal), lower case as Go's escapes (Log).
func writeHex(b *strings.Builder, r rune, digits int, upper bool) {
	s := strconv.FormatInt(int64(r), 16)
	if upper {
		s = strings.ToUpper(s)
	}
	for range digits - len(s) {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// appendJSONEscape appends r as JSON's \uXXXX, as a UTF-16 surrogate pair above U+FFFF.
func appendJSONEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		r -= 0x10000
		dst = appendU(dst, 0xd800+(r>>10))
		return appendU(dst, 0xdc00+(r&0x3ff))
	}
	return appendU(dst, r)
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}
