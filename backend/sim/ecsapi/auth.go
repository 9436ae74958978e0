package ecsapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// action answers one parsed, authenticated call with the body to encode as JSON.
type action func(s *Server, r *request) (any, *apiError)

// actions are the calls the simulator answers; everything else is InvalidAction.NotFound.
var actions = map[string]action{
	"DescribeRegions":               (*Server).describeRegions,
	"DescribeInstances":             (*Server).describeInstances,
	"DescribeInstanceHistoryEvents": (*Server).describeInstanceHistoryEvents,
	"RedeployInstance":              (*Server).redeployInstance,
	"DescribeTasks":                 (*Server).describeTasks,

	"DescribeInstanceMaintenanceAttributes": (*Server).describeInstanceMaintenanceAttributes,
	"ModifyInstanceMaintenanceAttributes":   (*Server).modifyInstanceMaintenanceAttributes,
	"AcceptInquiredSystemEvent":             (*Server).acceptInquiredSystemEvent,
	"CreateSimulatedSystemEvents":           (*Server).createSimulatedSystemEvents,
	"CancelSimulatedSystemEvents":           (*Server).cancelSimulatedSystemEvents,
}

// authenticate checks the common parameters and the signature, in the order the ECS
// gateway reports problems, and returns the action to run.
func (s *Server) authenticate(r *request) (action, *apiError) {
	name := r.get("Action")
	if name == "" {
		return nil, errMissing("Action")
	}
	if v := r.get("Version"); v == "" {
		return nil, errMissing("Version")
	} else if v != APIVersion {
		return nil, &apiError{status: 400, code: "InvalidVersion",
			message: "Specified parameter Version " + strconv.Quote(v) + " is not valid; the simulator speaks " + APIVersion + "."}
	}
	act, ok := actions[name]
	if !ok {
		return nil, &apiError{status: 404, code: "InvalidAction.NotFound",
			message: "Specified api " + strconv.Quote(name) + " is not found, please check your url and method."}
	}
	for _, p := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp"} {
		if r.get(p) == "" {
			if p == "Signature" {
				return nil, &apiError{status: 400, code: "IncompleteSignature",
					message: "The request signature does not conform to Aliyun standards: Signature is missing."}
			}
			return nil, errMissing(p)
		}
	}
	if subtle.ConstantTimeCompare([]byte(r.get("AccessKeyId")), []byte(s.opts.AccessKeyID)) != 1 {
		return nil, &apiError{status: 404, code: "InvalidAccessKeyId.NotFound", message: "Specified access key is not found."}
	}
	if m := r.get("SignatureMethod"); m != "HMAC-SHA1" {
		return nil, &apiError{status: 400, code: "InvalidSignatureMethod",
			message: "Specified signature method " + strconv.Quote(m) + " is not supported; use HMAC-SHA1."}
	}
	if v := r.get("SignatureVersion"); v != "" && v != "1.0" {
		return nil, &apiError{status: 400, code: "InvalidSignatureVersion",
			message: "Specified signature version " + strconv.Quote(v) + " is not supported; use 1.0."}
	}
	ts, ok := parseTimestamp(r.get("Timestamp"))
	if !ok {
		return nil, &apiError{status: 400, code: "InvalidTimeStamp.Format",
			message: "Specified time stamp or date value is not well formatted; use YYYY-MM-DDThh:mm:ssZ in UTC."}
	}
	now := s.opts.Now()
	if d := now.Sub(ts); d > TimestampWindow || d < -TimestampWindow {
		return nil, &apiError{status: 400, code: "InvalidTimeStamp.Expired",
			message: "Specified time stamp or date value is expired: " + r.get("Timestamp") +
				" is more than 15 minutes from the server time " + now.UTC().Format("2006-01-02T15:04:05Z") + "."}
	}
	if aerr := s.checkSignature(r); aerr != nil {
		return nil, aerr
	}
	nonce := r.get("SignatureNonce")
	if len(nonce) > MaxNonceLength {
		return nil, errInvalid("SignatureNonce", fmt.Sprintf("it is at most %d bytes; the SDK sends a 32-character UUID", MaxNonceLength))
	}
	if !s.nonces.add(nonce, now) {
		return nil, &apiError{status: 400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already."}
	}
	return act, nil
}

// signer checks the signature of one call: an HMAC keyed with the server's secret and
// the buffers it writes to. The server keeps a few in a pool, so a call costs neither a
// new HMAC (two SHA-1 states and the key's pads) nor its string to sign as a string.
type signer struct {
	mac hash.Hash
	sts []byte
	sum [sha1.Size]byte
	sig [28]byte // a SHA-1 sum in base64
}

// maxKeptStringToSign bounds the buffer a pooled signer keeps: a call may be a megabyte
// of form, and the pool should not hold that for the next small one.
const maxKeptStringToSign = 64 << 10

// checkSignature answers SignatureDoesNotMatch unless r's Signature is
// Sign(StringToSign(r.method, r.params), secret).
func (s *Server) checkSignature(r *request) *apiError {
	sg, _ := s.signers.Get().(*signer)
	if sg == nil {
		sg = &signer{mac: hmac.New(sha1.New, []byte(s.opts.AccessKeySecret+"&"))}
	}
	defer func() {
		if cap(sg.sts) > maxKeptStringToSign {
			sg.sts = nil
		}
		s.signers.Put(sg)
	}()
	sg.sts = appendStringToSign(sg.sts[:0], r.method, r.params)
	sg.mac.Reset()
	sg.mac.Write(sg.sts)
	base64.StdEncoding.Encode(sg.sig[:], sg.mac.Sum(sg.sum[:0]))
	if subtle.ConstantTimeCompare(sg.sig[:], []byte(r.get("Signature"))) != 1 {
		// The SDK compares this string with its own to tell a wrong secret from a bug.
		return &apiError{status: 400, code: "SignatureDoesNotMatch",
			message: "Specified signature is not matched with our calculation. server string to sign is:" + string(sg.sts)}
	}
	return nil
}

// MaxNonceLength bounds a SignatureNonce, so the replay cache is bounded by bytes.
const MaxNonceLength = 128

// nonceCost is what one remembered nonce costs beside its bytes: its map entry and queue
// slot, roughly.
const nonceCost = 96

// nonceCache remembers the nonces of accepted calls for twice the Timestamp window: a
// replay older than that already fails the Timestamp check. It keeps a copy of each nonce
// only: a nonce read from a parsed query shares the memory of the whole request, and a
// cache of those held every request line. maxBytes bounds it; when full, the oldest
// nonces are forgotten first.
type nonceCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	seen     map[string]struct{}
	order    []nonceAt
	head     int
}

type nonceAt struct {
	nonce string
	at    time.Time
}

func newNonceCache(maxBytes int) *nonceCache {
	return &nonceCache{maxBytes: maxBytes, seen: map[string]struct{}{}}
}

// add records nonce; it reports false when the nonce was seen before.
func (c *nonceCache) add(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.head < len(c.order) && now.Sub(c.order[c.head].at) >= 2*TimestampWindow {
		c.popOldest()
	}
	if _, dup := c.seen[nonce]; dup {
		return false
	}
	for c.bytes+len(nonce)+nonceCost > c.maxBytes && c.head < len(c.order) {
		c.popOldest()
	}
	// Compact the queue once its dead prefix dominates, so memory follows the live set.
	if c.head > 1024 && c.head*2 > len(c.order) {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
	nonce = strings.Clone(nonce)
	c.seen[nonce] = struct{}{}
	c.order = append(c.order, nonceAt{nonce, now})
	c.bytes += len(nonce) + nonceCost
	return true
}

func (c *nonceCache) popOldest() {
	c.bytes -= len(c.order[c.head].nonce) + nonceCost
	delete(c.seen, c.order[c.head].nonce)
	c.order[c.head] = nonceAt{}
	c.head++
}
