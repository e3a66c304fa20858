// Package faultproxy is a fault-injecting reverse proxy for tests: it sits
// on loopback in front of a real registry (see internal/testing/registrytest) and
// passes every request through, except those matched by a rule, which get a
// fault instead: an HTTP error, a reset connection, a slow or stalled
// answer, truncated or corrupted bytes, another object's content, an
// endless body, a redirect loop, or a referrers list with extra entries.
//
// Rules select requests by kind (manifest, blob, referrers list, ...),
// method, repository, reference and client (Ratify's own requests carry its
// user agent; the plugins' do not), so a test can fault exactly the call it
// means to, e.g. the signature blob the plugin reads but not Ratify's
// referrers listing. Every rule counts the requests it faulted, so a test
// can prove its fault was exercised.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Kind is the kind of registry call a request is.
type Kind string

// Kinds of registry calls (distribution-spec routes).
const (
	// Ping is GET /v2/.
	Ping Kind = "ping"
	// Manifest is /v2/<repo>/manifests/<tag or digest>, except tag-schema
	// referrers indexes, which are Referrers.
	Manifest Kind = "manifest"
	// Blob is /v2/<repo>/blobs/<digest>.
	Blob Kind = "blob"
	// Referrers is the referrers list: /v2/<repo>/referrers/<digest>, or,
	// on registries without that API, the sha256-<hex> tag-schema index
	// clients read instead.
	Referrers Kind = "referrers"
	// Tags is /v2/<repo>/tags/list.
	Tags Kind = "tags"
	// Other is anything else (uploads, unknown paths).
	Other Kind = "other"
)

// Client tells who sent a request.
type Client string

const (
	// Ratify is the Ratify process itself (user agent "ratify+<version> ...").
	Ratify Client = "ratify"
	// Plugin is everyone else: the plugins' registry client, test helpers.
	Plugin Client = "plugin"
)

// Call is a classified request.
type Call struct {
	Kind   Kind
	Method string
	// Repo is the repository path without host ("wasm/app").
	Repo string
	// Ref is the tag or digest (manifests, blobs, referrers).
	Ref    string
	Client Client
}

func (c Call) String() string {
	return fmt.Sprintf("%s %s %s/%s (%s)", c.Method, c.Kind, c.Repo, c.Ref, c.Client)
}

// Classify classifies a request path (and user agent).
func Classify(method, path, userAgent string) Call {
	c := Call{Kind: Other, Method: method, Client: Plugin}
	if strings.HasPrefix(userAgent, "ratify+") || strings.HasPrefix(userAgent, "ratify/") {
		c.Client = Ratify
	}
	rest, ok := strings.CutPrefix(path, "/v2/")
	switch {
	case path == "/v2" || path == "/v2/":
		c.Kind = Ping
		return c
	case !ok:
		return c
	}
	elems := strings.Split(rest, "/")
	n := len(elems)
	if n >= 3 && elems[n-2] == "tags" && elems[n-1] == "list" {
		c.Kind, c.Repo = Tags, strings.Join(elems[:n-2], "/")
		return c
	}
	if n < 3 || elems[n-1] == "" {
		return c
	}
	c.Repo, c.Ref = strings.Join(elems[:n-2], "/"), elems[n-1]
	switch elems[n-2] {
	case "manifests":
		c.Kind = Manifest
		if isReferrersTag(c.Ref) {
			c.Kind = Referrers
		}
	case "blobs":
		c.Kind = Blob
		if c.Ref == "uploads" {
			c.Kind = Other
		}
	case "referrers":
		c.Kind = Referrers
	default:
		c.Repo, c.Ref = "", ""
	}
	return c
}

// isReferrersTag reports whether tag is a referrers tag-schema index
// ("sha256-" and 64 hex digits, nothing after).
func isReferrersTag(tag string) bool {
	hex, ok := strings.CutPrefix(tag, "sha256-")
	if !ok || len(hex) != 64 {
		return false
	}
	for _, r := range hex {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// Match selects requests; zero fields match anything.
type Match struct {
	Kind   Kind
	Method string
	Repo   string
	// Ref is a tag or digest; for Referrers it is the subject digest
	// (the tag-schema form sha256-<hex> is matched too).
	Ref    string
	Client Client
}

func (m Match) matches(c Call) bool {
	ref := m.Ref
	if c.Kind == Referrers && isReferrersTag(c.Ref) {
		ref = strings.Replace(ref, ":", "-", 1)
	}
	return (m.Kind == "" || m.Kind == c.Kind) &&
		(m.Method == "" || m.Method == c.Method) &&
		(m.Repo == "" || m.Repo == c.Repo) &&
		(ref == "" || ref == c.Ref) &&
		(m.Client == "" || m.Client == c.Client)
}

func (m Match) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("kind", string(m.Kind))
	add("method", m.Method)
	add("repo", m.Repo)
	add("ref", m.Ref)
	add("client", string(m.Client))
	if len(parts) == 0 {
		return "any request"
	}
	return strings.Join(parts, " ")
}

// Rule is a fault applied to the requests a Match selects.
type Rule struct {
	Match Match
	Fault Fault
	hits  atomic.Int64
}

// Hits is how many requests the rule faulted.
func (r *Rule) Hits() int64 { return r.hits.Load() }

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// Host is "127.0.0.1:<port>", to use in references instead of the
	// upstream registry's host.
	Host     string
	upstream *url.URL
	srv      *httptest.Server
	client   *http.Client

	mu    sync.Mutex
	rules []*Rule
	log   []Entry
	auth  *basicAuth
	// inFlight counts requests whose entry is not logged yet; idle is
	// signalled when it drops to zero, so Log can wait for them.
	inFlight int
	idle     *sync.Cond
}

// Entry is one request the proxy handled.
type Entry struct {
	Call Call
	// Status is the status sent, 0 when the connection was cut first.
	Status int
	// Fault is the fault applied, "" when passed through.
	Fault string
}

type basicAuth struct{ user, password string }

// Start runs a proxy on 127.0.0.1:0 in front of the registry at
// upstreamHost ("127.0.0.1:<port>", plain HTTP) and closes it in t.Cleanup.
// On failure the request log is written to the test log.
func Start(t testing.TB, upstreamHost string) *Proxy {
	t.Helper()
	p := &Proxy{
		upstream: &url.URL{Scheme: "http", Host: upstreamHost},
		client: &http.Client{
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
			// Redirects are the client's business: pass them through.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	p.idle = sync.NewCond(&p.mu)
	p.srv = httptest.NewUnstartedServer(p)
	// A fault may keep a handler waiting for the client; do not let the
	// test's cleanup wait on such connections for long.
	p.srv.Config.ErrorLog = nil
	p.srv.Start()
	p.Host = strings.TrimPrefix(p.srv.URL, "http://")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("faultproxy %s -> %s requests:\n%s", p.Host, upstreamHost, p.LogString())
		}
	})
	t.Cleanup(p.Close)
	return p
}

// Close stops the proxy, cutting open connections.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// Inject adds a rule; rules are tried in the order added and the first
// match applies.
func (p *Proxy) Inject(m Match, f Fault) *Rule {
	r := &Rule{Match: m, Fault: f}
	p.mu.Lock()
	p.rules = append(p.rules, r)
	p.mu.Unlock()
	return r
}

// Clear removes every rule and empties the request log.
func (p *Proxy) Clear() {
	p.mu.Lock()
	p.rules, p.log = nil, nil
	p.mu.Unlock()
}

// RequireBasicAuth makes the proxy answer 401 with a Basic challenge to
// every request without these credentials, like a private registry.
func (p *Proxy) RequireBasicAuth(user, password string) {
	p.mu.Lock()
	p.auth = &basicAuth{user, password}
	p.mu.Unlock()
}

// logWait bounds how long Log waits for requests still being handled.
const logWait = 10 * time.Second

// Log returns the requests handled so far. It first waits (at most
// logWait) for requests still in flight: a client can have its whole
// answer before the handler that sent it has logged it, and a test that
// reads the log right after its client finished must see every request.
func (p *Proxy) Log() []Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inFlight > 0 {
		timer := time.AfterFunc(logWait, func() {
			p.mu.Lock()
			p.idle.Broadcast()
			p.mu.Unlock()
		})
		deadline := time.Now().Add(logWait)
		for p.inFlight > 0 && time.Now().Before(deadline) {
			p.idle.Wait()
		}
		timer.Stop()
	}
	return append([]Entry(nil), p.log...)
}

// LogString is Log, one request per line.
func (p *Proxy) LogString() string {
	var b strings.Builder
	for _, e := range p.Log() {
		fmt.Fprintf(&b, "  %d %s", e.Status, e.Call)
		if e.Fault != "" {
			fmt.Fprintf(&b, " fault=%s", e.Fault)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	call := Classify(req.Method, req.URL.Path, req.UserAgent())
	p.mu.Lock()
	var rule *Rule
	for _, r := range p.rules {
		if r.Match.matches(call) {
			rule = r
			break
		}
	}
	auth := p.auth
	p.inFlight++
	p.mu.Unlock()

	rec := &statusRecorder{ResponseWriter: w}
	entry := Entry{Call: call}
	defer func() {
		entry.Status = rec.status
		p.mu.Lock()
		p.log = append(p.log, entry)
		p.inFlight--
		if p.inFlight == 0 {
			p.idle.Broadcast()
		}
		p.mu.Unlock()
	}()
	if auth != nil {
		if u, pw, ok := req.BasicAuth(); !ok || u != auth.user || pw != auth.password {
			rec.Header().Set("WWW-Authenticate", `Basic realm="faultproxy"`)
			writeRegistryError(rec, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
	}
	if rule == nil {
		p.forward(rec, req, nil)
		return
	}
	rule.hits.Add(1)
	entry.Fault = rule.Fault.Name()
	rule.Fault.serve(&exchange{p: p, w: rec, req: req, call: call})
}

// forward sends req upstream and writes the answer, through edit if given.
func (p *Proxy) forward(w http.ResponseWriter, req *http.Request, edit func(*upstreamResponse)) {
	resp, err := p.roundTrip(req)
	if err != nil {
		writeRegistryError(w, http.StatusBadGateway, "UNKNOWN", "faultproxy: upstream: "+err.Error())
		return
	}
	if edit != nil {
		edit(resp)
	}
	resp.write(w)
}

// upstreamResponse is a buffered upstream answer.
type upstreamResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// maxUpstreamBody bounds what the proxy buffers from the registry.
const maxUpstreamBody = 256 << 20

func (p *Proxy) roundTrip(req *http.Request) (*upstreamResponse, error) {
	return p.fetch(req.Context(), req.Method, req.URL.Path, req.URL.RawQuery, req.Header)
}

func (p *Proxy) fetch(ctx context.Context, method, path, query string, header http.Header) (*upstreamResponse, error) {
	u := *p.upstream
	u.Path, u.RawQuery = path, query
	out, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		out.Header[k] = v
	}
	out.Header.Del("Authorization") // the upstream registry is open; credentials stop here
	resp, err := p.client.Do(out)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody))
	if err != nil {
		return nil, err
	}
	h := resp.Header.Clone()
	if loc := h.Get("Location"); loc != "" {
		h.Set("Location", strings.Replace(loc, p.upstream.Host, strings.TrimPrefix(p.srv.URL, "http://"), 1))
	}
	return &upstreamResponse{Status: resp.StatusCode, Header: h, Body: body}, nil
}

func (r *upstreamResponse) write(w http.ResponseWriter) {
	for k, v := range r.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(r.Body)))
	if cl := r.Header.Get("Content-Length"); cl != "" && len(r.Body) == 0 {
		w.Header().Set("Content-Length", cl) // HEAD: keep the declared size
	}
	w.WriteHeader(r.Status)
	_, _ = w.Write(r.Body)
}

// statusRecorder remembers the status written, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// exchange is one faulted request.
type exchange struct {
	p    *Proxy
	w    *statusRecorder
	req  *http.Request
	call Call
}

// abort makes net/http drop the connection without finishing the answer.
func (x *exchange) abort() { panic(http.ErrAbortHandler) }

// wait blocks for d or until the client gives up.
func (x *exchange) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.req.Context().Done():
		return false
	}
}

// hijack takes over the TCP connection.
func (x *exchange) hijack() (net.Conn, error) {
	conn, _, err := http.NewResponseController(x.w.ResponseWriter).Hijack()
	return conn, err
}

func writeRegistryError(w http.ResponseWriter, status int, code, msg string) {
	body := fmt.Sprintf(`{"errors":[{"code":%q,"message":%q}]}`, code, msg)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.Copy(w, bytes.NewBufferString(body))
}
