package cosign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/referrerstore/config"
	"github.com/ratify-project/ratify/pkg/referrerstore/factory"
	"github.com/ratify-project/ratify/pkg/utils"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testenv"
)

// fixture reads an example WASM fixture built by the project.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pushWasm pushes hello.component.wasm (or wasm) in the CNCF layout, tagged v1.
func pushWasm(t testing.TB, r *registrytest.Registry, repo string, wasm []byte) ocispec.Descriptor {
	t.Helper()
	if wasm == nil {
		wasm = fixture(t, "hello.component.wasm")
	}
	d, err := registrytest.PushWasm(context.Background(), r, repo, "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cli runs the real cosign CLI (bin/cosign2 or bin/cosign3) offline: a
// private HOME and TUF root, no password on keys.
type cli struct {
	bin  string
	home string
}

func newCLI(t testing.TB, name string) *cli {
	t.Helper()
	return &cli{bin: testenv.Bin(t, name), home: t.TempDir()}
}

func (c *cli) run(t testing.TB, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.home
	cmd.Env = append(os.Environ(), "HOME="+c.home, "TUF_ROOT="+filepath.Join(c.home, ".sigstore"), "COSIGN_PASSWORD=", "DOCKER_CONFIG="+filepath.Join(c.home, ".docker"))
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(c.bin), strings.Join(args, " "), err, out.String())
	}
	t.Logf("%s %s (%v)", filepath.Base(c.bin), args[0], time.Since(start).Round(time.Millisecond))
	return out.String()
}

// keyPair generates a cosign key pair and returns the private and public
// key paths.
func (c *cli) keyPair(t testing.TB, name string) (string, string) {
	t.Helper()
	prefix := filepath.Join(c.home, name)
	c.run(t, nil, "generate-key-pair", "--output-key-prefix", prefix)
	return prefix + ".key", prefix + ".pub"
}

// result is one plugin invocation's outcome, extensions as Rego sees them.
type result struct {
	IsSuccess  bool
	Message    string
	Extensions map[string]any
	Elapsed    time.Duration
}

// runPlugin drives wasm-cosign in process exactly as skel would, with
// Ratify's real oras store.
func runPlugin(t testing.TB, subjectRef string, referrer ocispec.Descriptor, keys map[string]any) result {
	t.Helper()
	store := map[string]any{"name": "oras", "useHttp": true, "localCachePath": t.TempDir()}
	entry := map[string]any{"name": "wasm-cosign", "artifactTypes": cosign.ArtifactTypeSignature}
	for k, v := range keys {
		entry[k] = v
	}
	desc := ocispecs.ReferenceDescriptor{Descriptor: referrer, ArtifactType: referrer.ArtifactType}
	stdin, err := json.Marshal(map[string]any{
		"config":        entry,
		"storeConfig":   map[string]any{"version": "1.0.0", "store": store},
		"referenceDesc": desc,
	})
	if err != nil {
		t.Fatal(err)
	}
	stores, err := factory.CreateStoresFromConfig(config.StoresConfig{Version: "1.0.0", Stores: []config.StorePluginConfig{store}}, "")
	if err != nil {
		t.Fatal(err)
	}
	subject, err := utils.ParseSubjectReference(subjectRef)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	start := time.Now()
	out := plugin.Run(cosign.Plugin, stdin, subject, desc, stores[0], &stderr)
	res := result{IsSuccess: out.IsSuccess, Message: out.Message, Elapsed: time.Since(start)}
	if out.Extensions != nil {
		raw, err := json.Marshal(out.Extensions)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &res.Extensions); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wasm-cosign: success=%t (%v) %s", res.IsSuccess, res.Elapsed.Round(time.Millisecond), res.Message)
	return res
}

// keyPolicy is a trust policy for every subject trusting the key files.
func keyPolicy(files ...string) map[string]any {
	var keys []any
	for _, f := range files {
		keys = append(keys, map[string]any{"file": f})
	}
	return map[string]any{"trustPolicies": []any{map[string]any{"name": "default", "scopes": []string{"*"}, "keys": keys}}}
}

// sigTag resolves the cosign sha256-<hex>.sig tag of subject, as Ratify's
// oras store does with cosignEnabled, and returns the descriptor Ratify
// hands the plugin (artifactType synthesized by the store).
func sigTag(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	tag := strings.Replace(subject.Digest.String(), ":", "-", 1) + ".sig"
	d, _, err := registrytest.Fetch(context.Background(), r, repo, tag)
	if err != nil {
		t.Fatalf("no cosign signature tag %s: %v", tag, err)
	}
	d.ArtifactType = cosign.ArtifactTypeSignature
	return d
}

// referrersOf lists the referrers of subject as Ratify's store would.
func referrersOf(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	refs, err := registrytest.Referrers(context.Background(), r, repo, subject)
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

func wantSuccess(t testing.TB, res result, ext map[string]any) {
	t.Helper()
	if !res.IsSuccess {
		t.Fatalf("want success, got %q (%v)", res.Message, res.Extensions)
	}
	for k, v := range ext {
		if got := res.Extensions[k]; got != v {
			t.Errorf("extension %s = %v, want %v", k, got, v)
		}
	}
}

func wantFailure(t testing.TB, res result, check string, parts ...string) {
	t.Helper()
	if res.IsSuccess {
		t.Fatalf("want failure (%s), got success: %s", check, res.Message)
	}
	if got := res.Extensions[plugin.ExtFailedCheck]; got != check {
		t.Errorf("failedCheck = %v, want %s; message %q", got, check, res.Message)
	}
	if !strings.HasPrefix(res.Message, check+": ") {
		t.Errorf("message %q does not start with %q", res.Message, check+": ")
	}
	for _, p := range parts {
		if !strings.Contains(res.Message, p) {
			t.Errorf("message %q does not contain %q", res.Message, p)
		}
	}
}

// keyID is the "keyId" extension value for a public key file.
func keyID(t testing.TB, pub string) string {
	t.Helper()
	k, err := sigverify.LoadKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}
