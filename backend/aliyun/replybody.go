package aliyun

import (
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"
)

// The SDK reads every reply into a buffer grown as it goes (io.ReadAll), then copies it
// into a string it keeps beside the bytes (responses.BaseResponse.parseFromHttpResponse):
// each reply allocated three to five times its size, all of it garbage once decoded. At
// 100,000 instances the listing replies are about 150 MB, and reading them that way was a
// tenth of `events`' CPU, besides the collections its garbage caused (issue 20).
// The listing replies (DescribeInstanceHistoryEvents, DescribeInstances) are read under
// the SDK instead, in the transport, where the reply cap already is (capBody): into a
// buffer reused from call to call, sized by the Content-Length. The SDK is then handed
// the 2xx with an empty body, which it takes as a CommonResponse it need not decode. A
// reply that is not a 2xx is left to the SDK, which reads ECS's error body as before.

// replyBody is the body of one listing call's 2xx reply, read by the transport. One
// replyBody serves the attempts of one call, one after the other; it is not for
// concurrent use.
type replyBody struct {
	buf  *[]byte // from bodyBufs; nil until a reply is read or after release
	err  error   // why the body could not be read whole
	read bool    // a 2xx reply's body was read (or its read failed)
}

// bodyBufs are the buffers replies are read into. A buffer grown past keptBodyBuf is
// let go instead of kept: the pool holds what listings need, not the largest reply seen.
var bodyBufs = sync.Pool{New: func() any { return new([]byte) }}

// keptBodyBuf is the largest buffer bodyBufs keeps: a page of 100 real instances is
// 300–600 KiB.
const keptBodyBuf = 4 << 20

// readFrom reads resp's body (already capped) to its end into a pooled buffer, closes it,
// and leaves resp with an empty body. A read that fails is kept as err, to be returned by
// bytes: the failure the SDK's own read would have returned from DoAction.
func (r *replyBody) readFrom(resp *http.Response) {
	r.release()
	r.buf, r.read = bodyBufs.Get().(*[]byte), true
	buf := (*r.buf)[:0]
	if n := resp.ContentLength; n > 0 && n <= keptBodyBuf {
		// One more byte than announced, so that the read that finds the end needs no growth.
		buf = slices.Grow(buf, int(n)+1)
	}
	buf, r.err = readAll(resp.Body, buf)
	*r.buf = buf
	_ = resp.Body.Close()
	resp.Body = http.NoBody
	resp.ContentLength = 0
}

// readAll appends what is left of body to buf, as io.ReadAll does, growing buf only when
// it is full.
func readAll(body io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(512, cap(buf)))
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// of is the body of the reply the SDK answered with raw (a DoAction that returned no
// error), valid until the next reply is read or release: the transport's read, or its
// failure; raw's own bytes if the transport read none.
func (r *replyBody) of(raw *responses.CommonResponse) ([]byte, error) {
	if !r.read {
		return raw.GetHttpContentBytes(), nil
	}
	return *r.buf, r.err
}

// release hands the buffer back. Nothing read from it may be used after: the decoders
// copy every string they keep (decode.go).
func (r *replyBody) release() {
	if r.buf != nil {
		if cap(*r.buf) <= keptBodyBuf {
			*r.buf = (*r.buf)[:0]
			bodyBufs.Put(r.buf)
		}
		r.buf = nil
	}
	r.err, r.read = nil, false
}
