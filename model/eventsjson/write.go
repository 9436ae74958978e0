package eventsjson

import (
	"io"
	"runtime"
	"slices"
)

// rowsPerChunk is how many rows are encoded together: enough to keep the encoders busy,
// few enough that the chunks in flight stay small (about 1.5 kB a row).
const rowsPerChunk = 256

// rowBytes is about what one row takes (1.5–2 kB): the chunk's buffer is sized once.
const rowBytes = 2048

// Write streams n rows, row(0) to row(n-1), in order, as one indented JSON array (the
// layout json.Encoder with SetIndent("", "  ") gives the whole slice; see rowEncoder),
// without ever holding the whole output (178 MB at 100,000 instances). Chunks of rows are
// encoded on every CPU at once and written in order; at most a few chunks are held. row
// is called from several goroutines at once. The first write error ends the stream and
// is returned.
func Write(w io.Writer, n int, row func(i int) Row) error {
	if n == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	type chunk struct {
		buf  []byte
		done chan struct{}
	}
	workers := runtime.GOMAXPROCS(0)
	ordered := make(chan *chunk, workers) // chunks in output order; its size bounds those held
	// Written chunks' buffers are encoded into again (a Writer keeps no part of a Write):
	// fresh ones for every chunk were 20 MB of new memory at 10,000 instances, and the page
	// faults and collections that go with it.
	free := make(chan []byte, workers+2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ordered)
		for lo := 0; lo < n; lo += rowsPerChunk {
			c := &chunk{done: make(chan struct{})}
			select {
			case ordered <- c:
			case <-stop:
				return
			}
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			go func(lo, hi int) {
				defer close(c.done)
				c.buf = encodeRows(buf[:0], lo, hi, row)
			}(lo, min(lo+rowsPerChunk, n))
		}
	}()
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	for c := range ordered {
		<-c.done
		if _, err := w.Write(c.buf); err != nil {
			return err
		}
		select {
		case free <- c.buf:
		default:
		}
	}
	_, err := io.WriteString(w, "\n]\n")
	return err
}

// encodeRows appends to buf the array elements row(lo) to row(hi-1), each indented as
// inside the array and all but the first of the whole array preceded by a comma (see
// rowEncoder).
func encodeRows(buf []byte, lo, hi int, row func(i int) Row) []byte {
	e := rowEncoder{b: slices.Grow(buf, (hi-lo)*rowBytes)}
	for i := lo; i < hi; i++ {
		r := row(i)
		e.row(&r, i == 0)
	}
	return e.b
}

// Marshal is one row as `events --json` prints an element of its array, without the
// array's indent: what the console copies (Y).
func Marshal(r Row) []byte {
	e := rowEncoder{}
	e.row(&r, true)
	// The element starts with a newline and two spaces of the array's indent: a row on
	// its own has neither.
	out := make([]byte, 0, len(e.b))
	for i, line := range splitLines(e.b[1:]) {
		if i > 0 {
			out = append(out, '\n')
		}
		out = append(out, trimIndent(line)...)
	}
	return append(out, '\n')
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := slices.Index(b, '\n')
		if i < 0 {
			return append(out, b)
		}
		out = append(out, b[:i])
		b = b[i+1:]
	}
	return out
}

// trimIndent drops the array's two spaces of indent from a line.
func trimIndent(line []byte) []byte {
	if len(line) >= 2 && line[0] == ' ' && line[1] == ' ' {
		return line[2:]
	}
	return line
}
