package faultproxy

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Fault is what the proxy does instead of (or to) a matched request.
type Fault interface {
	// Name is a short identifier for logs and reports ("status-503").
	Name() string
	serve(x *exchange)
}

type faultFunc struct {
	name string
	fn   func(x *exchange)
}

func (f faultFunc) Name() string      { return f.name }
func (f faultFunc) serve(x *exchange) { f.fn(x) }

// Status answers with an HTTP error status and a distribution-spec error
// body, as an overloaded or broken registry does.
func Status(code int) Fault {
	return faultFunc{fmt.Sprintf("status-%d", code), func(x *exchange) {
		writeRegistryError(x.w, code, "UNKNOWN", fmt.Sprintf("faultproxy: injected %d %s", code, http.StatusText(code)))
	}}
}

// Reset reads the request and resets the TCP connection (RST) without
// answering.
func Reset() Fault {
	return faultFunc{"reset", func(x *exchange) {
		conn, err := x.hijack()
		if err != nil {
			x.abort()
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close sends RST instead of FIN
		}
		_ = conn.Close()
	}}
}

// Delay holds the request for d (or until the client gives up), then passes
// it through: a registry slower than the plugin's deadline.
func Delay(d time.Duration) Fault {
	return faultFunc{"delay-" + d.String(), func(x *exchange) {
		if !x.wait(d) {
			x.abort()
		}
		x.p.forward(x.w, x.req, nil)
	}}
}

// Stall sends the headers and the first bytes of the real answer, then
// sends nothing more until the client gives up (or hold passes, after which
// the connection is dropped).
func Stall(hold time.Duration) Fault {
	return faultFunc{"stall", func(x *exchange) {
		resp, err := x.p.roundTrip(x.req)
		if err != nil {
			x.abort()
		}
		for k, v := range resp.Header {
			x.w.Header()[k] = v
		}
		x.w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
		x.w.WriteHeader(resp.Status)
		_, _ = x.w.Write(resp.Body[:min(len(resp.Body), 16)])
		x.w.Flush()
		x.wait(hold)
		x.abort()
	}}
}

// Truncate sends the real headers, Content-Length included, and the first
// half of the body, then drops the connection.
func Truncate() Fault {
	return faultFunc{"truncate", func(x *exchange) {
		resp, err := x.p.roundTrip(x.req)
		if err != nil {
			x.abort()
		}
		for k, v := range resp.Header {
			x.w.Header()[k] = v
		}
		x.w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
		x.w.WriteHeader(resp.Status)
		_, _ = x.w.Write(resp.Body[:len(resp.Body)/2])
		x.w.Flush()
		x.abort()
	}}
}

// Corrupt flips the bits of one byte in the middle of the body: same size,
// same headers, bytes that no longer hash to the digest asked for.
func Corrupt() Fault {
	return faultFunc{"corrupt", func(x *exchange) {
		x.p.forward(x.w, x.req, func(r *upstreamResponse) {
			if len(r.Body) > 0 && r.Status == http.StatusOK {
				r.Body = append([]byte(nil), r.Body...)
				r.Body[len(r.Body)/2] ^= 0xff
			}
		})
	}}
}

// Substitute answers with the content of another object of the same kind
// in the same repository (ref: a digest or tag), with that object's own
// headers, Docker-Content-Digest included: a registry serving a manifest
// (or blob) that is not the one asked for.
func Substitute(ref string) Fault {
	return faultFunc{"substitute", func(x *exchange) {
		kind := "manifests"
		if x.call.Kind == Blob {
			kind = "blobs"
		}
		resp, err := x.p.fetch(x.req.Context(), x.req.Method, "/v2/"+x.call.Repo+"/"+kind+"/"+ref, "", x.req.Header)
		if err != nil {
			x.abort()
		}
		resp.write(x.w)
	}}
}

// ClaimDigest passes the answer through but sets Docker-Content-Digest to
// d: a registry that says a manifest is another one.
func ClaimDigest(d digest.Digest) Fault {
	return faultFunc{"claim-digest", func(x *exchange) {
		x.p.forward(x.w, x.req, func(r *upstreamResponse) {
			r.Header.Set("Docker-Content-Digest", d.String())
		})
	}}
}

// ClaimSize passes a HEAD answer through with Content-Length set to n: a
// registry that says a manifest (or blob) is far larger than it is, so the
// client's descriptor carries that size.
func ClaimSize(n int64) Fault {
	return faultFunc{"claim-size", func(x *exchange) {
		x.p.forward(x.w, x.req, func(r *upstreamResponse) {
			if x.req.Method == http.MethodHead {
				r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
			}
		})
	}}
}

// Endless answers 200 with the real headers but no Content-Length, and a
// body that never ends: the real bytes, then zeros, until the client stops
// reading (or limit bytes were sent). BytesSent reports how much went out.
func Endless(limit int64) *EndlessFault {
	return &EndlessFault{limit: limit}
}

// EndlessFault is the Fault Endless returns.
type EndlessFault struct {
	limit int64
	sent  atomic.Int64
}

// Name implements Fault.
func (*EndlessFault) Name() string { return "endless" }

// BytesSent is the largest number of bytes written for one request before
// the client hung up.
func (f *EndlessFault) BytesSent() int64 { return f.sent.Load() }

func (f *EndlessFault) serve(x *exchange) {
	resp, err := x.p.roundTrip(x.req)
	if err != nil {
		x.abort()
	}
	for k, v := range resp.Header {
		x.w.Header()[k] = v
	}
	x.w.Header().Del("Content-Length")
	x.w.WriteHeader(http.StatusOK)
	var sent int64
	defer func() {
		for cur := f.sent.Load(); sent > cur && !f.sent.CompareAndSwap(cur, sent); cur = f.sent.Load() {
		}
	}()
	n, err := x.w.Write(resp.Body)
	sent += int64(n)
	if err != nil {
		return
	}
	chunk := make([]byte, 32<<10)
	for sent < f.limit {
		n, err := x.w.Write(chunk)
		sent += int64(n)
		if err != nil {
			return
		}
	}
}

// RedirectLoop answers every request with a 307 to the same URL plus a
// counter, forever.
func RedirectLoop() Fault {
	return faultFunc{"redirect-loop", func(x *exchange) {
		n, _ := strconv.Atoi(x.req.URL.Query().Get("faultproxy-hop"))
		u := *x.req.URL
		q := u.Query()
		q.Set("faultproxy-hop", strconv.Itoa(n+1))
		u.RawQuery = q.Encode()
		x.w.Header().Set("Location", u.String())
		x.w.WriteHeader(http.StatusTemporaryRedirect)
	}}
}

// AddReferrers passes a referrers list through with extra descriptors
// appended (e.g. manifests that do not exist), on the referrers API and on
// the tag-schema index alike; Content-Length and Docker-Content-Digest are
// recomputed so the list itself is well-formed.
func AddReferrers(extra ...ocispec.Descriptor) Fault {
	return faultFunc{"add-referrers", func(x *exchange) {
		editIndex(x, func(idx *ocispec.Index) { idx.Manifests = append(idx.Manifests, extra...) })
	}}
}

// ClaimReferrerSize passes a referrers list through with the size of the
// entry d replaced by size: a listing that claims an oversized manifest.
func ClaimReferrerSize(d digest.Digest, size int64) Fault {
	return faultFunc{"claim-referrer-size", func(x *exchange) {
		editIndex(x, func(idx *ocispec.Index) {
			for i := range idx.Manifests {
				if idx.Manifests[i].Digest == d {
					idx.Manifests[i].Size = size
				}
			}
		})
	}}
}

func editIndex(x *exchange, edit func(*ocispec.Index)) {
	x.p.forward(x.w, x.req, func(r *upstreamResponse) {
		var idx ocispec.Index
		switch {
		case r.Status == http.StatusNotFound && isReferrersTag(x.call.Ref):
			// No tag-schema index yet: answer as if it existed. (A 404 from
			// the referrers API means "no API" and must stay one.)
			idx = ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
			idx.SchemaVersion = 2
			r.Status = http.StatusOK
			r.Header = http.Header{"Content-Type": {ocispec.MediaTypeImageIndex}}
		case r.Status != http.StatusOK || json.Unmarshal(r.Body, &idx) != nil:
			return
		}
		edit(&idx)
		body, err := json.Marshal(idx)
		if err != nil {
			return
		}
		r.Body = body
		r.Header.Set("Docker-Content-Digest", digest.FromBytes(body).String())
	})
}
