package oci_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/common"
	rsconfig "github.com/ratify-project/ratify/pkg/referrerstore/config"
	"github.com/ratify-project/ratify/pkg/referrerstore/factory"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // Ratify's store, whose cache the plugins read
	"oras.land/oras-go/v2/content"

	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// countingTransport counts the requests that reach the registry.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

// pushBlob puts b into repo and returns its descriptor.
func pushBlob(t *testing.T, reg *registrytest.Registry, repo string, b []byte) ocispec.Descriptor {
	t.Helper()
	rep, err := reg.Repository(repo)
	if err != nil {
		t.Fatal(err)
	}
	desc := content.NewDescriptorFromBytes("application/octet-stream", b)
	if err := rep.Blobs().Push(context.Background(), desc, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	return desc
}

// layout makes an empty cache layout as Ratify's store creates it.
func layout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func entry(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}

func TestCacheIsReadAndFilled(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	blob := []byte(`{"payload":"a signature, say"}`)
	desc := pushBlob(t, reg, "wasm/app", blob)
	dir := layout(t)
	repo := reg.Host + "/wasm/app"

	first := &countingTransport{}
	b, err := oci.New(oci.Options{PlainHTTP: true, CacheDir: dir, Transport: first}).FetchBlob(context.Background(), repo, desc)
	if err != nil || !bytes.Equal(b, blob) || first.n.Load() == 0 {
		t.Fatalf("first read: %v (%d requests)", err, first.n.Load())
	}
	if got, err := os.ReadFile(entry(dir, desc.Digest)); err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("verified content was not added to the cache: %v", err)
	}
	again := &countingTransport{}
	b, err = oci.New(oci.Options{PlainHTTP: true, CacheDir: dir, Transport: again}).FetchBlob(context.Background(), repo, desc)
	if err != nil || !bytes.Equal(b, blob) || again.n.Load() != 0 {
		t.Fatalf("second read: %v, %d registry requests, want none", err, again.n.Load())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", ".*")); len(leftovers) > 0 {
		t.Errorf("temporary files left in the cache: %v", leftovers)
	}
}

// Content above MaxManifestBytes (WASM layers) is read from the cache if
// Ratify put it there, but never added by the plugins; a directory that
// is not a layout is never created.
func TestCacheWritesOnlyReferrerSizedContentIntoALayout(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	big := bytes.Repeat([]byte("w"), 2048)
	desc := pushBlob(t, reg, "wasm/app", big)
	dir := layout(t)
	c := oci.New(oci.Options{PlainHTTP: true, CacheDir: dir, MaxManifestBytes: 1024})
	if _, err := c.FetchBlob(context.Background(), reg.Host+"/wasm/app", desc); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entry(dir, desc.Digest)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a blob above MaxManifestBytes was cached: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nowhere")
	small := pushBlob(t, reg, "wasm/app", []byte("small"))
	if _, err := oci.New(oci.Options{PlainHTTP: true, CacheDir: missing}).FetchBlob(context.Background(), reg.Host+"/wasm/app", small); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the plugins created a cache directory: %v", err)
	}
}

// A poisoned entry fails the read, naming the file and the key, and the
// registry is not asked instead: whoever can write the cache could make
// any entry unreadable, and a fallback would hide that.
func TestPoisonedCacheFailsClosed(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	blob := []byte(`{"payload":"the signed one"}`)
	desc := pushBlob(t, reg, "wasm/app", blob)
	other := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(other, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	swapped := bytes.Clone(blob)
	swapped[len(swapped)-3] ^= 1
	for name, tc := range map[string]struct {
		plant func(p string) error
		want  string
	}{
		"other bytes of the same size": {func(p string) error { return os.WriteFile(p, swapped, 0o644) }, "digest"},
		"longer":                       {func(p string) error { return os.WriteFile(p, append(bytes.Clone(blob), '\n'), 0o644) }, "trailing"},
		"shorter":                      {func(p string) error { return os.WriteFile(p, blob[:5], 0o644) }, "unexpected EOF"},
		"symlink to the right bytes":   {func(p string) error { return os.Symlink(other, p) }, "not a regular file"},
		"FIFO":                         {func(p string) error { return syscall.Mkfifo(p, 0o644) }, "not a regular file"},
		"directory":                    {func(p string) error { return os.Mkdir(p, 0o755) }, "not a regular file"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := layout(t)
			p := entry(dir, desc.Digest)
			if err := tc.plant(p); err != nil {
				t.Fatal(err)
			}
			calls := &countingTransport{}
			_, err := oci.New(oci.Options{PlainHTTP: true, CacheDir: dir, Transport: calls}).FetchBlob(context.Background(), reg.Host+"/wasm/app", desc)
			var ce *oci.CacheError
			if !errors.As(err, &ce) || ce.Path != p || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"localCachePath"`) {
				t.Fatalf("want a cache error naming %s and %q, got %v", p, tc.want, err)
			}
			if calls.n.Load() != 0 {
				t.Errorf("the registry was asked after a poisoned cache read (%d requests)", calls.n.Load())
			}
		})
	}
}

// Ratify's own oras store fills the cache (GetBlobContent) and the
// plugins' client reads that entry with the registry gone.
func TestRatifyStoreCacheIsRead(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	blob := []byte(`{"cached":"by Ratify"}`)
	desc := pushBlob(t, reg, "wasm/app", blob)
	dir := filepath.Join(t.TempDir(), "cache")
	stores, err := factory.CreateStoresFromConfig(rsconfig.StoresConfig{Version: "1.0.0", Stores: []rsconfig.StorePluginConfig{
		{"name": "oras", "useHttp": true, "localCachePath": dir},
	}}, "")
	if err != nil {
		t.Fatal(err)
	}
	subject := common.Reference{Path: reg.Host + "/wasm/app", Original: reg.Host + "/wasm/app:v1"}
	if b, err := stores[0].GetBlobContent(context.Background(), subject, desc.Digest); err != nil || !bytes.Equal(b, blob) {
		t.Fatalf("Ratify's store: %v", err)
	}
	if _, err := os.Stat(entry(dir, desc.Digest)); err != nil {
		t.Fatalf("Ratify's store did not cache the blob where the layout puts it: %v", err)
	}
	host := reg.Host
	reg.Close()
	b, err := oci.New(oci.Options{PlainHTTP: true, CacheDir: dir}).FetchBlob(context.Background(), host+"/wasm/app", desc)
	if err != nil || !bytes.Equal(b, blob) {
		t.Fatalf("reading what Ratify cached, registry stopped: %v", err)
	}
}
