package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

type noConfig struct{}

// loadsSubject reads the WASM subject (manifest by digest, config, layer).
var loadsSubject = Definition[noConfig]{
	Name:      "wasm-cachetest",
	NewConfig: func() *noConfig { return &noConfig{} },
	Verify: func(ctx context.Context, req *Request, _ *noConfig) (Report, error) {
		if _, err := req.LoadWasmSubject(ctx); err != nil {
			return Report{}, err
		}
		return Report{Message: "loaded"}, nil
	},
}

// TestRatifyCacheThroughTheProtocol: the store's localCachePath reaches
// the registry client through the native protocol. A first verification
// adds the subject manifest to the cache; a poisoned entry then fails the
// next one, naming the cache entry, instead of being fetched again.
func TestRatifyCacheThroughTheProtocol(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	wasm, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", "hello.component.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := registrytest.PushWasm(context.Background(), reg, "wasm/app", "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cache, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	input, err := json.Marshal(map[string]any{
		"config":        map[string]any{"name": "cachetest"},
		"storeConfig":   map[string]any{"version": "1.0.0", "store": map[string]any{"name": "oras", "useHttp": true, "localCachePath": cache}},
		"referenceDesc": ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: subject.Digest, Size: subject.Size},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envCommand: verifyCommand, envVersion: "1.0.0", envSubject: reg.Ref("wasm/app", "v1")}
	verify := func() map[string]any {
		var stdout, stderr bytes.Buffer
		if code := serve(context.Background(), loadsSubject, func(k string) string { return env[k] }, input, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stdout.String())
		}
		var res map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := verify(); res["isSuccess"] != true {
		t.Fatalf("first verification: %v", res)
	}
	entry := filepath.Join(cache, "blobs", "sha256", subject.Digest.Encoded())
	manifest, err := os.ReadFile(entry)
	if err != nil {
		t.Fatalf("the subject manifest was not added to Ratify's cache: %v", err)
	}
	poisoned := bytes.Replace(manifest, []byte(`"schemaVersion":2`), []byte(`"schemaVersion":3`), 1)
	if bytes.Equal(poisoned, manifest) {
		t.Fatal("could not poison the manifest")
	}
	if err := os.WriteFile(entry, poisoned, 0o644); err != nil {
		t.Fatal(err)
	}
	res := verify()
	msg, _ := res["message"].(string)
	if res["isSuccess"] != false || !strings.Contains(msg, "oras cache entry "+entry) || !strings.Contains(msg, `"localCachePath"`) {
		t.Fatalf("want the poisoned cache entry to fail the verification naming it, got %v", res)
	}
	t.Log(msg)
}
