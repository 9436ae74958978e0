package ecsapi

import (
	"math/rand/v2"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"ecs-redeploy/backend/sim"
)

// stringToSignTwice is StringToSign as the recipe reads, and as it was written before
// appendStringToSign: build the canonical query, then percent-encode it whole.
func stringToSignTwice(method string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(percentEncode(k))
			b.WriteByte('=')
			b.WriteString(percentEncode(v))
		}
	}
	return method + "&%2F&" + percentEncode(b.String())
}

// StringToSign, written in one pass, is the recipe's two encodings byte for byte: on every
// byte value in names and values, on repeated and empty values, on a Signature left out,
// and on more names than are sorted on the stack.
func TestStringToSignIsTheRecipe(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func() string {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = byte(rng.IntN(256))
			} else {
				b[i] = "aZ09-_.~%&=+* /[]\"\\"[rng.IntN(19)]
			}
		}
		return string(b)
	}
	var all [256]byte
	for i := range all {
		all[i] = byte(i)
	}
	cases := []url.Values{
		{},
		{"Signature": {"x"}},
		{"": {""}},
		{"Action": {"DescribeInstances"}, "InstanceIds": {`["i-bp1a","i-bp1b"]`}, "Signature": {"s=="}, "Bytes": {string(all[:])}},
	}
	for range 300 {
		p := url.Values{}
		for range rng.IntN(maxSortedParams + 10) {
			k := word()
			for range 1 + rng.IntN(3) {
				p[k] = append(p[k], word())
			}
		}
		cases = append(cases, p)
	}
	for i, p := range cases {
		for _, method := range []string{"POST", "GET"} {
			if got, want := StringToSign(method, p), stringToSignTwice(method, p); got != want {
				t.Fatalf("case %d: StringToSign(%s, %q)\n = %q\nwant %q", i, method, p, got, want)
			}
		}
	}
}

// The pooled signers check what Sign computes, and the refusal carries the string to sign
// whole, as the SDK reads it: calls after a refusal and after a large call (whose buffer is
// not kept) check the same.
func TestCheckSignatureIsSign(t *testing.T) {
	eng := sim.New(sim.Generate(1, 10, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1})
	s := NewServer(eng, Options{AccessKeyID: "k", AccessKeySecret: "secret"})
	big := strings.Repeat("x&", maxKeptStringToSign)
	for i, p := range []url.Values{
		{"Action": {"DescribeRegions"}, "SignatureNonce": {"1"}},
		{"Action": {"DescribeInstances"}, "InstanceIds": {`["i-bp1a","i-bp1b"]`}},
		{"Action": {"DescribeInstances"}, "InstanceName": {big}},
		{"Action": {"DescribeRegions"}, "SignatureNonce": {"2"}},
	} {
		sts := StringToSign("POST", p)
		p.Set("Signature", Sign(sts, "secret"))
		r := &request{method: "POST", params: p}
		if aerr := s.checkSignature(r); aerr != nil {
			t.Fatalf("case %d: a correct signature refused: %v", i, aerr)
		}
		p.Set("Signature", Sign(sts, "wrong")+strconv.Itoa(i%2))
		aerr := s.checkSignature(r)
		if aerr == nil || aerr.code != "SignatureDoesNotMatch" || !strings.HasSuffix(aerr.message, "server string to sign is:"+sts) {
			t.Fatalf("case %d: a wrong signature answered %v", i, aerr)
		}
	}
}

// percentEncode keeps or escapes each of the 256 byte values as the SDK's recipe does,
// so the byte table behind it holds the right bytes.
func TestPercentEncodeEveryByteAsTheSDK(t *testing.T) {
	for c := range 256 {
		s := "a" + string([]byte{byte(c)}) + "z"
		if got, want := percentEncode(s), sdkEscape(s); got != want {
			t.Errorf("percentEncode(%q) = %q, the SDK escapes %q", s, got, want)
		}
	}
}
