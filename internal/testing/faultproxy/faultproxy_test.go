package faultproxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

func TestClassify(t *testing.T) {
	sub := "sha256:" + strings.Repeat("ab", 32)
	tagSchema := "sha256-" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		method, path, ua string
		want             faultproxy.Call
	}{
		{"GET", "/v2/", "", faultproxy.Call{Kind: faultproxy.Ping, Method: "GET", Client: faultproxy.Plugin}},
		{"HEAD", "/v2/wasm/app/manifests/v1", "oras-go", faultproxy.Call{Kind: faultproxy.Manifest, Method: "HEAD", Repo: "wasm/app", Ref: "v1", Client: faultproxy.Plugin}},
		{"GET", "/v2/a/b/c/manifests/" + sub, "ratify+unknown (linux/amd64)", faultproxy.Call{Kind: faultproxy.Manifest, Method: "GET", Repo: "a/b/c", Ref: sub, Client: faultproxy.Ratify}},
		{"GET", "/v2/wasm/app/manifests/" + tagSchema, "", faultproxy.Call{Kind: faultproxy.Referrers, Method: "GET", Repo: "wasm/app", Ref: tagSchema, Client: faultproxy.Plugin}},
		{"GET", "/v2/wasm/app/manifests/" + tagSchema + ".sig", "", faultproxy.Call{Kind: faultproxy.Manifest, Method: "GET", Repo: "wasm/app", Ref: tagSchema + ".sig", Client: faultproxy.Plugin}},
		{"GET", "/v2/wasm/app/referrers/" + sub, "", faultproxy.Call{Kind: faultproxy.Referrers, Method: "GET", Repo: "wasm/app", Ref: sub, Client: faultproxy.Plugin}},
		{"GET", "/v2/wasm/app/blobs/" + sub, "", faultproxy.Call{Kind: faultproxy.Blob, Method: "GET", Repo: "wasm/app", Ref: sub, Client: faultproxy.Plugin}},
		{"POST", "/v2/wasm/app/blobs/uploads/", "", faultproxy.Call{Kind: faultproxy.Other, Method: "POST", Client: faultproxy.Plugin}},
		{"GET", "/v2/wasm/app/tags/list", "", faultproxy.Call{Kind: faultproxy.Tags, Method: "GET", Repo: "wasm/app", Client: faultproxy.Plugin}},
		{"GET", "/metrics", "", faultproxy.Call{Kind: faultproxy.Other, Method: "GET", Client: faultproxy.Plugin}},
	} {
		if got := faultproxy.Classify(tc.method, tc.path, tc.ua); got != tc.want {
			t.Errorf("Classify(%s %s %q) = %+v, want %+v", tc.method, tc.path, tc.ua, got, tc.want)
		}
	}
}

// setup pushes hello.component.wasm to a fresh referrers registry and
// returns a proxy in front of it with the artifact's descriptors.
type setup struct {
	reg      *registrytest.Registry
	proxy    *faultproxy.Proxy
	repo     string
	manifest ocispec.Descriptor
	layer    ocispec.Descriptor
	config   ocispec.Descriptor
	raw      []byte
	wasm     []byte
}

func newSetup(t *testing.T, reg *registrytest.Registry) *setup {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", "hello.component.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	desc, err := registrytest.PushWasm(ctx, reg, "wasm/app", "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	_, raw, err := registrytest.Fetch(ctx, reg, "wasm/app", desc.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	s := &setup{reg: reg, proxy: faultproxy.Start(t, reg.Host), repo: "wasm/app", manifest: desc, raw: raw, wasm: wasm}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s.layer, s.config = m.Layers[0], m.Config
	return s
}

func (s *setup) client(opts oci.Options) *oci.Client {
	opts.PlainHTTP = true
	return oci.New(opts)
}

func (s *setup) repository() string { return s.proxy.Host + "/" + s.repo }

func TestPassThrough(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		s := newSetup(t, reg)
		ctx := context.Background()
		c := s.client(oci.Options{})
		desc, err := c.Resolve(ctx, s.repository()+":v1")
		if err != nil || desc.Digest != s.manifest.Digest {
			t.Fatalf("Resolve through the proxy = %v, %v; want %s", desc.Digest, err, s.manifest.Digest)
		}
		raw, err := c.FetchManifest(ctx, s.repository(), desc)
		if err != nil || !bytes.Equal(raw, s.raw) {
			t.Fatalf("FetchManifest through the proxy: %v (equal %t)", err, bytes.Equal(raw, s.raw))
		}
		b, err := c.FetchBlob(ctx, s.repository(), s.layer)
		if err != nil || !bytes.Equal(b, s.wasm) {
			t.Fatalf("FetchBlob through the proxy: %v", err)
		}
		log := s.proxy.Log()
		if len(log) < 3 {
			t.Fatalf("want the requests logged, got\n%s", s.proxy.LogString())
		}
		for _, e := range log {
			if e.Fault != "" || e.Status != http.StatusOK {
				t.Errorf("unexpected log entry %+v", e)
			}
		}
	})
}

// TestFaults checks that each fault reaches the registry client as the
// failure it imitates, only on the requests its rule selects.
func TestFaults(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	s := newSetup(t, reg)
	other, err := registrytest.PushWasm(context.Background(), reg, s.repo, "other", []byte("\x00asm\x01\x00\x00\x00"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	blob := faultproxy.Match{Kind: faultproxy.Blob, Ref: s.layer.Digest.String()}
	manifest := faultproxy.Match{Kind: faultproxy.Manifest, Method: http.MethodGet, Ref: s.manifest.Digest.String()}
	fetchBlob := func(ctx context.Context, c *oci.Client) error {
		_, err := c.FetchBlob(ctx, s.repository(), s.layer)
		return err
	}
	fetchManifest := func(ctx context.Context, c *oci.Client) error {
		_, err := c.FetchManifest(ctx, s.repository(), s.manifest)
		return err
	}
	for _, tc := range []struct {
		name  string
		match faultproxy.Match
		fault faultproxy.Fault
		do    func(context.Context, *oci.Client) error
		want  string
		is    error // the sentinel the error must unwrap to, if any
	}{
		{"status", blob, faultproxy.Status(503), fetchBlob, "503", nil},
		{"reset", blob, faultproxy.Reset(), fetchBlob, "connection reset", nil},
		{"truncate", blob, faultproxy.Truncate(), fetchBlob, "truncated", io.ErrUnexpectedEOF},
		{"corrupt", blob, faultproxy.Corrupt(), fetchBlob, "digest mismatch", content.ErrMismatchedDigest},
		{"substitute-manifest", manifest, faultproxy.Substitute(other.Digest.String()), fetchManifest, "mismatch Content-Length", nil},
		{"substitute-blob", blob, faultproxy.Substitute(s.config.Digest.String()), fetchBlob, "mismatch Content-Length", nil},
		{"endless-blob", blob, faultproxy.Endless(64 << 20), fetchBlob, "more than", content.ErrTrailingData},
		{"endless-manifest", manifest, faultproxy.Endless(64 << 20), fetchManifest, "more than", nil},
		{"redirect-loop", blob, faultproxy.RedirectLoop(), fetchBlob, "redirects", nil},
		{"delay", blob, faultproxy.Delay(time.Minute), fetchBlob, "deadline exceeded", nil},
		{"stall", blob, faultproxy.Stall(time.Minute), fetchBlob, "deadline exceeded", nil},
		{"claim-digest", faultproxy.Match{Kind: faultproxy.Manifest, Method: http.MethodHead}, faultproxy.ClaimDigest(other.Digest), func(ctx context.Context, c *oci.Client) error {
			_, err := c.Resolve(ctx, s.repository()+"@"+s.manifest.Digest.String())
			return err
		}, "digest mismatch", nil},
		{"claim-size", faultproxy.Match{Kind: faultproxy.Manifest, Method: http.MethodHead}, faultproxy.ClaimSize(1 << 40), func(ctx context.Context, c *oci.Client) error {
			d, err := c.Resolve(ctx, s.repository()+":v1")
			if err != nil {
				return err
			}
			_, err = c.FetchManifest(ctx, s.repository(), d)
			return err
		}, "size 1099511627776 is outside the limit", errdef.ErrSizeExceedsLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.proxy.Clear()
			rule := s.proxy.Inject(tc.match, tc.fault)
			c := s.client(oci.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tc.do(ctx, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("want an error wrapping %v, got %v", tc.is, err)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %v", el)
			}
			if rule.Hits() == 0 {
				t.Fatalf("rule %s never matched:\n%s", tc.match, s.proxy.LogString())
			}
			// The other kind of object is untouched.
			if strings.Contains(tc.name, "manifest") || strings.HasPrefix(tc.name, "claim-") {
				if err := fetchBlob(context.Background(), c); err != nil {
					t.Errorf("blob fetch hit by a manifest rule: %v", err)
				}
			} else if err := fetchManifest(context.Background(), c); err != nil {
				t.Errorf("manifest fetch hit by a blob rule: %v", err)
			}
		})
	}
}

// TestEndlessIsBounded shows the client stops reading an endless body soon
// after the declared size: the proxy could send no more than socket buffers
// hold beyond what the client read.
func TestEndlessIsBounded(t *testing.T) {
	s := newSetup(t, registrytest.StartReferrers(t))
	f := faultproxy.Endless(1 << 30)
	s.proxy.Inject(faultproxy.Match{Kind: faultproxy.Blob}, f)
	_, err := s.client(oci.Options{}).FetchBlob(context.Background(), s.repository(), s.layer)
	if err == nil {
		t.Fatal("endless blob accepted")
	}
	// Wait for the handler to see the hang-up.
	deadline := time.Now().Add(5 * time.Second)
	for f.BytesSent() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if sent := f.BytesSent(); sent == 0 || sent > 64<<20 {
		t.Fatalf("proxy sent %d bytes before the client hung up; want >0 and well below the 1 GiB offered", sent)
	}
	t.Logf("client read %d-byte blob; proxy managed to send %d bytes before the hang-up", s.layer.Size, f.BytesSent())
}

func TestClientMatch(t *testing.T) {
	s := newSetup(t, registrytest.StartReferrers(t))
	rule := s.proxy.Inject(faultproxy.Match{Client: faultproxy.Ratify}, faultproxy.Status(500))
	if _, err := s.client(oci.Options{}).FetchBlob(context.Background(), s.repository(), s.layer); err != nil {
		t.Fatalf("a rule for Ratify's requests hit the plugin client: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.proxy.Host+"/v2/", nil)
	req.Header.Set("User-Agent", "ratify+v1.4.6 (linux/amd64)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || rule.Hits() != 1 {
		t.Fatalf("Ratify's request: status %d, hits %d; want 500, 1", resp.StatusCode, rule.Hits())
	}
}

func TestAddReferrers(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		s := newSetup(t, reg)
		ctx := context.Background()
		real, err := registrytest.Attach(ctx, reg, s.repo, s.manifest, "application/vnd.example.sig", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ghost := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, ArtifactType: "application/vnd.example.sig", Digest: digest.FromString("ghost"), Size: 321}
		s.proxy.Inject(faultproxy.Match{Kind: faultproxy.Referrers, Ref: s.manifest.Digest.String()}, faultproxy.AddReferrers(ghost))
		s.proxy.Inject(faultproxy.Match{Kind: faultproxy.Referrers}, faultproxy.ClaimReferrerSize(real.Digest, 1<<40))
		through := &registrytest.Registry{Host: s.proxy.Host}
		got, err := registrytest.Referrers(ctx, through, s.repo, s.manifest)
		if err != nil {
			t.Fatal(err)
		}
		var digests []digest.Digest
		for _, d := range got {
			digests = append(digests, d.Digest)
		}
		if len(got) != 2 || !containsDigest(got, real.Digest) || !containsDigest(got, ghost.Digest) {
			t.Fatalf("referrers through the proxy = %v; want the real one and the ghost\n%s", digests, s.proxy.LogString())
		}
		// The second rule never applies: the first matches first.
		for _, d := range got {
			if d.Digest == real.Digest && d.Size == 1<<40 {
				t.Fatal("rules after the first match were applied")
			}
		}
		// On its own, the size rule rewrites the real referrer's entry.
		s.proxy.Clear()
		s.proxy.Inject(faultproxy.Match{Kind: faultproxy.Referrers}, faultproxy.ClaimReferrerSize(real.Digest, 1<<40))
		got, err = registrytest.Referrers(ctx, through, s.repo, s.manifest)
		if err != nil || len(got) != 1 || got[0].Size != 1<<40 {
			t.Fatalf("claimed size: got %+v, %v", got, err)
		}
	})
}

func containsDigest(ds []ocispec.Descriptor, d digest.Digest) bool {
	for _, x := range ds {
		if x.Digest == d {
			return true
		}
	}
	return false
}

func TestRequireBasicAuth(t *testing.T) {
	s := newSetup(t, registrytest.StartReferrers(t))
	s.proxy.RequireBasicAuth("alice", "s3cret")
	ctx := context.Background()
	_, err := s.client(oci.Options{}).FetchBlob(ctx, s.repository(), s.layer)
	if err == nil || !strings.Contains(err.Error(), "credential") {
		t.Fatalf("anonymous read: want a missing-credential error, got %v", err)
	}
	cred := func(context.Context, string) (auth.Credential, error) {
		return auth.Credential{Username: "alice", Password: "s3cret"}, nil
	}
	if _, err := s.client(oci.Options{Credential: cred}).FetchBlob(ctx, s.repository(), s.layer); err != nil {
		t.Fatalf("authenticated read: %v", err)
	}
	// One client keeps what it learnt about the registry's auth: only its
	// first request is challenged, not every read of a verification.
	c := s.client(oci.Options{Credential: cred})
	s.proxy.Clear()
	for range 3 {
		if _, err := c.FetchBlob(ctx, s.repository(), s.layer); err != nil {
			t.Fatal(err)
		}
		if _, err := c.FetchManifest(ctx, s.repository(), s.manifest); err != nil {
			t.Fatal(err)
		}
	}
	challenged := 0
	for _, e := range s.proxy.Log() {
		if e.Status == http.StatusUnauthorized {
			challenged++
		}
	}
	if challenged != 1 {
		t.Fatalf("%d requests were challenged for credentials, want 1 (the client's first):\n%s", challenged, s.proxy.LogString())
	}
}

// TestLogWaitsForRequestsInFlight: a request whose handler has not
// finished is in the log Log returns, so a test that reads the log right
// after its client finished never misses the last request.
func TestLogWaitsForRequestsInFlight(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	s := newSetup(t, reg)
	rule := s.proxy.Inject(faultproxy.Match{Kind: faultproxy.Blob, Ref: s.layer.Digest.String()}, faultproxy.Delay(300*time.Millisecond))
	done := make(chan error, 1)
	go func() {
		_, err := s.client(oci.Options{}).FetchBlob(context.Background(), s.repository(), s.layer)
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); rule.Hits() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the blob request never reached the proxy")
		}
	}
	log := s.proxy.Log() // the delayed handler is still running
	if len(log) == 0 || log[len(log)-1].Call.Kind != faultproxy.Blob || log[len(log)-1].Status != http.StatusOK {
		t.Fatalf("Log returned before the request in flight was logged:\n%s", s.proxy.LogString())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
