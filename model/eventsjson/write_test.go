package eventsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// writeInstances writes ins as `events --json` does.
func writeInstances(w io.Writer, ins []model.Instance, now time.Time) error {
	return Write(w, len(ins), func(i int) Row { return FromInstance(&ins[i], now) })
}

// recordingWriter keeps what is written and the largest single write.
type recordingWriter struct {
	bytes.Buffer
	writes, largest int
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.writes++
	w.largest = max(w.largest, len(p))
	return w.Buffer.Write(p)
}

// The streamed array is, byte for byte, what encoding/json writes for the whole slice of
// rows at once (docs/cli.md's schema, indented by two spaces; the generated fleet has no
// string encoding/json would escape differently, see TestRowEncoderMatchesEncodingJSON),
// and no write holds more than a few chunks of rows: the output is never held whole
// (178 MB at 100,000 instances).
func TestEventsJSONIsStreamedRowByRow(t *testing.T) {
	eng := sim.New(sim.Generate(4, 3000, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 4})
	ins := eng.PendingInstances(nil, nil)
	model.SortByDeadline(ins)
	now := eng.Now()

	rows := make([]Row, len(ins))
	for i := range ins {
		rows[i] = FromInstance(&ins[i], now)
	}
	var whole bytes.Buffer
	enc := json.NewEncoder(&whole)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		t.Fatal(err)
	}

	var got recordingWriter
	if err := writeInstances(&got, ins, now); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), whole.Bytes()) {
		n := 0
		for n < min(got.Len(), whole.Len()) && got.Bytes()[n] == whole.Bytes()[n] {
			n++
		}
		t.Fatalf("streamed output differs from the whole-slice encoding at byte %d of %d:\n%q\nwant\n%q",
			n, whole.Len(), got.Bytes()[max(0, n-40):min(got.Len(), n+40)], whole.Bytes()[max(0, n-40):min(whole.Len(), n+40)])
	}
	if limit := 2 * whole.Len() / (len(ins) / rowsPerChunk); got.largest > limit {
		t.Errorf("largest write %d bytes of %d; want at most %d (two chunks of %d rows)", got.largest, whole.Len(), limit, rowsPerChunk)
	}

	var empty bytes.Buffer
	if err := writeInstances(&empty, nil, now); err != nil || empty.String() != "[]\n" {
		t.Errorf("no instance: %q, %v; want []", empty.String(), err)
	}
}

// failingWriter fails from its nth write on.
type failingWriter struct{ n int }

var errFull = errors.New("no space left on device")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n--; w.n < 0 {
		return 0, errFull
	}
	return len(p), nil
}

// A write that fails ends the stream with its error (and leaves no encoder behind).
func TestEventsJSONStopsAtAFailedWrite(t *testing.T) {
	eng := sim.New(sim.Generate(5, 2000, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 5})
	ins := eng.PendingInstances(nil, nil)
	if err := writeInstances(&failingWriter{n: 2}, ins, eng.Now()); !errors.Is(err, errFull) {
		t.Fatalf("err %v; want the writer's", err)
	}
}
