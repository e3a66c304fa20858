package pull_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/admitted"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/pull"
	"github.com/ratify-wasm/ratify-wasm/internal/ratifyexec"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// world is a registry behind a fault proxy holding one WASM artifact, and
// the Verification an admitting policy would have produced for it.
func world(t *testing.T) (*faultproxy.Proxy, *ratifyexec.Verification, []byte, []byte) {
	t.Helper()
	reg := registrytest.StartReferrers(t)
	wasm := testenv.Fixture(t, "hello.component.wasm")
	other := testenv.Fixture(t, "nested.wasm")
	ctx := context.Background()
	desc, err := registrytest.PushWasm(ctx, reg, "wasm/app", "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registrytest.PushWasm(ctx, reg, "wasm/app", "other", other, registrytest.WasmLayout{}); err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.Start(t, reg.Host)
	repo := proxy.Host + "/wasm/app"
	return proxy, &ratifyexec.Verification{Subject: repo + "@" + desc.Digest.String(), Repository: repo, Descriptor: desc, IsSuccess: true, Passed: []string{"wasm-cosign"}}, wasm, other
}

func fetcher() oci.Fetcher { return oci.New(oci.Options{PlainHTTP: true}) }

func TestWriteAdmitted(t *testing.T) {
	_, v, wasm, _ := world(t)
	dir := filepath.Join(t.TempDir(), "out")
	res, err := pull.Write(context.Background(), fetcher(), v, dir, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	b, layer, err := admitted.LoadLayer(res.RecordPath)
	if err != nil || string(b) != string(wasm) || layer.Digest != digest.FromBytes(wasm) {
		t.Fatalf("the record pull wrote does not load the pulled bytes: %v", err)
	}
	if res.Record.Reference != v.Subject || res.Record.ManifestDigest != v.Descriptor.Digest || len(res.Files) != 1 {
		t.Fatalf("record %+v", res.Record)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// What the registry serves after the verification is not trusted: a
// layer swapped for another (valid WASM, other digest), or corrupted, is
// refused and nothing is written; so is a subject that was not admitted,
// before anything is fetched.
func TestNothingWrittenOnFailure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(p *faultproxy.Proxy, v *ratifyexec.Verification, wasm, other []byte)
		want  string
	}{
		{"swapped layer", func(p *faultproxy.Proxy, v *ratifyexec.Verification, wasm, other []byte) {
			p.Inject(faultproxy.Match{Kind: faultproxy.Blob, Ref: digest.FromBytes(wasm).String()}, faultproxy.Substitute(digest.FromBytes(other).String()))
		}, "mismatch"},
		{"corrupted layer", func(p *faultproxy.Proxy, v *ratifyexec.Verification, wasm, _ []byte) {
			p.Inject(faultproxy.Match{Kind: faultproxy.Blob, Ref: digest.FromBytes(wasm).String()}, faultproxy.Corrupt())
		}, "digest mismatch"},
		{"refused", func(p *faultproxy.Proxy, v *ratifyexec.Verification, _, _ []byte) {
			v.IsSuccess, v.Reasons = false, []string{"no passing signature report"}
		}, "refused: no passing signature report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, v, wasm, other := world(t)
			tc.setup(p, v, wasm, other)
			dir := filepath.Join(t.TempDir(), "out")
			_, err := pull.Write(context.Background(), fetcher(), v, dir, time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
			if tc.name == "refused" && !errors.Is(err, ratifyexec.ErrRefused) {
				t.Errorf("a refusal must wrap ErrRefused: %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("%d files left in %s after a failure", len(entries), dir)
			}
		})
	}
}
