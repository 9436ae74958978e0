package ecsapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// APIVersion is the only ECS API version the server speaks.
const APIVersion = "2014-05-26"

// TimestampWindow is how far a request's Timestamp may be from the server's wall clock.
const TimestampWindow = 15 * time.Minute

// maxBody bounds a form body: ECS requests are small, and the fuzzer must not make the
// server buffer gigabytes.
const maxBody = 1 << 20

// apiError is an error answered to the client, shaped as ECS answers it.
type apiError struct {
	status  int
	code    string
	message string
	// header is set on the reply, e.g. x-acs-retry-after.
	header map[string]string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errMissing(name string) *apiError {
	return &apiError{status: 400, code: "MissingParameter",
		message: fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", name)}
}

func errInvalid(name, why string) *apiError {
	return &apiError{status: 400, code: "InvalidParameter",
		message: fmt.Sprintf("The specified parameter %q is not valid: %s.", name, why)}
}

// request is one parsed RPC call: every parameter from the query and the form body.
type request struct {
	method string
	// host is the HOST:PORT the client dialled.
	host string
	// params holds the query, overridden key by key by the form body, as the SDK merges
	// them when it signs.
	params url.Values
}

// get returns the first value of name, or "".
func (r *request) get(name string) string { return r.params.Get(name) }

// list returns a repeated parameter sent as name.1 … name.N, ordered by N. Gaps are
// allowed, as the SDK numbers from 1 but other clients may not.
func (r *request) list(name string) ([]string, *apiError) {
	prefix := name + "."
	type item struct {
		n int
		v string
	}
	var items []item
	for k, vs := range r.params {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		n, err := strconv.Atoi(k[len(prefix):])
		if err != nil || n < 1 || n > 1000 {
			return nil, errInvalid(k, "a repeated parameter is numbered "+name+".1 to "+name+".N")
		}
		items = append(items, item{n, vs[0]})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].n < items[b].n })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, nil
}

// parseRequest reads the query and, for a form POST, the body.
func parseRequest(r *http.Request) (*request, *apiError) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, &apiError{status: 405, code: "UnsupportedHTTPMethod",
			message: "Specified HTTP method " + strconv.Quote(r.Method) + " is not supported; use GET or POST."}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &apiError{status: 400, code: "InvalidQueryString", message: "The query string is malformed: " + err.Error()}
	}
	if r.Method == http.MethodPost && r.Body != nil {
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err != nil {
				return nil, &apiError{status: 400, code: "InvalidBody", message: "The request body could not be read: " + err.Error()}
			}
			if len(b) > maxBody {
				return nil, &apiError{status: 413, code: "RequestTooLarge", message: "The request body is larger than 1 MiB."}
			}
			form, err := url.ParseQuery(string(b))
			if err != nil {
				return nil, &apiError{status: 400, code: "InvalidBody", message: "The form body is malformed: " + err.Error()}
			}
			for k, vs := range form {
				q[k] = vs
			}
		}
	}
	return &request{method: r.Method, host: hostOf(r), params: q}, nil
}

// StringToSign builds the RPC signature v1.0 string to sign: the method, the escaped "/",
// and the escaped canonical query of every parameter but Signature, sorted by name.
func StringToSign(method string, params url.Values) string {
	return string(appendStringToSign(nil, method, params))
}

// maxSortedParams is how many parameter names appendStringToSign sorts without
// allocating; a call with more is signed all the same.
const maxSortedParams = 32

// appendStringToSign writes StringToSign(method, params) to b in one pass. The canonical
// query is percent-encoded, then encoded again as a whole; encoding twice as it is written
// (an escape %XX becomes %25XX, & is %26, = is %3D) saves building the query, which
// for DescribeInstances' 100 ids in JSON was most of the signature check.
func appendStringToSign(b []byte, method string, params url.Values) []byte {
	var stack [maxSortedParams]string
	keys := stack[:0]
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = append(b, method...)
	b = append(b, "&%2F&"...)
	first := true
	for _, k := range keys {
		for _, v := range params[k] {
			if !first {
				b = append(b, "%26"...)
			}
			first = false
			b = appendPercentTwice(b, k)
			b = append(b, "%3D"...)
			b = appendPercentTwice(b, v)
		}
	}
	return b
}

// appendPercentTwice writes percentEncode(percentEncode(s)).
func appendPercentTwice(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', '2', '5', hex[c>>4], hex[c&15])
		}
	}
	return b
}

// percentEncode is RFC 3986 encoding as Alibaba Cloud signs it: unreserved characters
// (A-Z a-z 0-9 - _ . ~) stay, everything else is %XX in upper case. It equals the SDK's
// QueryEscape followed by + → %20, * → %2A, %7E → ~.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	out := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			out = append(out, c)
		} else {
			out = append(out, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(out)
}

func unreserved(c byte) bool { return unreservedByte[c] }

// unreservedByte marks the bytes percent-encoding keeps: one load per byte instead of up
// to eight comparisons, for the string to sign of every call.
var unreservedByte = func() (t [256]bool) {
	for c := range t {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// Sign returns the HMAC-SHA1 signature v1.0 of stringToSign under secret (keyed with
// secret + "&"), base64-encoded, as the SDK computes it.
func Sign(stringToSign, secret string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignParams adds the signature v1.0 common parameters and the Signature to params, for
// clients that are not the SDK (tests, benchmarks, curl recipes). It overwrites any
// Signature already there.
func SignParams(method string, params url.Values, accessKeyID, secret string, now time.Time, nonce string) {
	params.Set("AccessKeyId", accessKeyID)
	params.Set("SignatureMethod", "HMAC-SHA1")
	params.Set("SignatureVersion", "1.0")
	params.Set("SignatureNonce", nonce)
	params.Set("Timestamp", now.UTC().Format("2006-01-02T15:04:05Z"))
	if !params.Has("SignatureType") {
		params.Set("SignatureType", "")
	}
	if !params.Has("Format") {
		params.Set("Format", "JSON")
	}
	if !params.Has("Version") {
		params.Set("Version", APIVersion)
	}
	params.Del("Signature")
	params.Set("Signature", Sign(StringToSign(method, params), secret))
}

// parseTimestamp accepts the ISO 8601 UTC forms clients send: the SDK's
// 2006-01-02T15:04:05Z, and the same with fractional seconds.
func parseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05Z", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
