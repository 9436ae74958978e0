package aliyun

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// The transport's buffers are reused as soon as a reply is decoded (replyBody.release):
// what the decoders return must hold no byte of the body. Overwriting the body after
// decoding changes nothing decoded.
func TestDecodedRepliesKeepNoByteOfTheBody(t *testing.T) {
	ins, evs := simPages(t)
	if !bytes.Contains(evs, []byte(`"ExtendedAttribute"`)) || !bytes.Contains(ins, []byte(`"Tags"`)) {
		t.Fatal("fixture: the pages lack the members worth checking")
	}
	scribble := func(b []byte) {
		for i := range b {
			b[i] = 'x'
		}
	}
	body := bytes.Clone(ins)
	gotI, err := decodeInstances(body)
	if err != nil {
		t.Fatal(err)
	}
	scribble(body)
	if wantI, _ := decodeInstances(ins); !reflect.DeepEqual(gotI, wantI) {
		t.Error("an instances page decoded, then its body overwritten: what was decoded changed")
	}
	body = bytes.Clone(evs)
	gotE, err := decodeEvents(body)
	if err != nil {
		t.Fatal(err)
	}
	scribble(body)
	if wantE, _ := decodeEvents(evs); !reflect.DeepEqual(gotE, wantE) {
		t.Error("an events page decoded, then its body overwritten: what was decoded changed")
	}
}

// failingReader gives some bytes, then fails.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// A body read whole is the bytes sent, whatever its Content-Length says; one that fails
// part way keeps the failure for the caller (what the SDK's own read returned), and the
// SDK is given an empty body either way.
func TestReplyBodyReadsWholeOrKeepsTheFailure(t *testing.T) {
	want := []byte(strings.Repeat(`{"RequestId":"R"}`, 5000))
	for _, length := range []int64{-1, int64(len(want)), 10} {
		var r replyBody
		resp := &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(want)), ContentLength: length}
		r.readFrom(resp)
		got, err := r.of(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Content-Length %d: read %d bytes, %v; want the %d sent", length, len(got), err, len(want))
		}
		if n, _ := io.ReadAll(resp.Body); len(n) != 0 || resp.ContentLength != 0 {
			t.Errorf("Content-Length %d: the SDK is left %d bytes (Content-Length %d); want an empty body", length, len(n), resp.ContentLength)
		}
		r.release()
	}
	cut := errors.New("connection reset")
	var r replyBody
	r.readFrom(&http.Response{StatusCode: 200, Body: io.NopCloser(&failingReader{want[:100], cut}), ContentLength: int64(len(want))})
	if _, err := r.of(nil); !errors.Is(err, cut) {
		t.Errorf("a body cut after 100 bytes: %v; want the read's failure", err)
	}
	r.release()
}
