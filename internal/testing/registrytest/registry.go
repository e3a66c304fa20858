// Package registrytest runs real OCI registries on loopback for tests and
// pushes WASM artifacts and referrers to them with oras-go.
//
// Two registries are offered because they make clients take different paths:
//
//   - [StartDistribution] runs the distribution v3.1.2 binary (bin/registry,
//     built by `make tools`). It has no referrers API, so clients (oras-go,
//     Ratify, notation, cosign) use the referrers tag schema: an index tagged
//     sha256-<hex> next to the subject.
//   - [StartReferrers] runs go-containerregistry's registry in process behind
//     a small handler that makes its referrers API spec-exact.
//
// Use [ForEach] to run a test against both.
package registrytest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"oras.land/oras-go/v2/registry/remote"
)

// instanceHeader is set on the API responses of a registry started here, with a
// random value per instance, so a test can tell that the server answering on
// a port is the one it started (and not a leftover process on that port).
const instanceHeader = "X-Registrytest-Instance"

// Registry is a running registry on 127.0.0.1.
type Registry struct {
	// Host is "127.0.0.1:<port>".
	Host string
	// Name is "distribution" or "referrers".
	Name string
	// ReferrersAPI reports whether the registry serves
	// GET /v2/<name>/referrers/<digest>. Without it clients fall back to the
	// sha256-<hex> tag schema.
	ReferrersAPI bool
	// Startup is how long the registry took from start to its first
	// verified answer on /v2/.
	Startup time.Duration

	instance  string
	closeOnce sync.Once
	close     func()
	output    func() string
}

// Output is what the registry process printed (empty for the in-process
// referrers registry).
func (r *Registry) Output() string {
	if r.output == nil {
		return ""
	}
	return r.output()
}

// Close stops the registry. It is safe to call more than once; it is also
// called by t.Cleanup.
func (r *Registry) Close() {
	r.closeOnce.Do(r.close)
}

// Ref returns "<host>/<repo>@<digest>" when tagOrDigest is a digest
// ("<alg>:<hex>"), otherwise "<host>/<repo>:<tag>".
func (r *Registry) Ref(repo, tagOrDigest string) string {
	if strings.Contains(tagOrDigest, ":") {
		return r.Host + "/" + repo + "@" + tagOrDigest
	}
	return r.Host + "/" + repo + ":" + tagOrDigest
}

// URL returns "http://<host>".
func (r *Registry) URL() string { return "http://" + r.Host }

// Repository returns a plain-HTTP oras-go repository for repo on r. Each call
// returns a fresh value, so the referrers capability is detected anew.
func (r *Registry) Repository(repo string) (*remote.Repository, error) {
	rep, err := remote.NewRepository(r.Host + "/" + repo)
	if err != nil {
		return nil, err
	}
	rep.PlainHTTP = true
	return rep, nil
}

// Verify checks that the server answering on r.Host is this registry: GET
// /v2/ must answer 200 with this instance's marker header.
func (r *Registry) Verify() error {
	return probe(r.Host, r.instance)
}

// ForEach runs fn as a subtest against a fresh distribution registry
// ("distribution", tag-schema fallback) and a fresh referrers-API registry
// ("referrers").
func ForEach(t *testing.T, fn func(t *testing.T, r *Registry)) {
	t.Helper()
	t.Run("distribution", func(t *testing.T) { fn(t, StartDistribution(t)) })
	t.Run("referrers", func(t *testing.T) { fn(t, StartReferrers(t)) })
}

func newInstanceID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// probeClient never reuses connections, so a probe always reaches whatever
// is listening on the port right now.
var probeClient = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
}

// errForeign means something answered that is not the expected instance.
type errForeign struct{ msg string }

func (e errForeign) Error() string { return e.msg }

// probe GETs http://host/v2/ and checks the answer is 200 from instance.
func probe(host, instance string) error {
	resp, err := probeClient.Get("http://" + host + "/v2/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if got := resp.Header.Get(instanceHeader); got != instance {
		return errForeign{fmt.Sprintf("%s: answered by another server (%s %q, want %q)", host, instanceHeader, got, instance)}
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: GET /v2/: %s", host, resp.Status)
	}
	if v := resp.Header.Get("Docker-Distribution-Api-Version"); v != "registry/2.0" {
		return fmt.Errorf("%s: GET /v2/: Docker-Distribution-Api-Version %q", host, v)
	}
	return nil
}

// lockedBuffer collects process output from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
