package cosign_test

import (
	"context"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// pushWasm pushes hello.component.wasm (or wasm) in the CNCF layout, tagged v1.
func pushWasm(t testing.TB, r *registrytest.Registry, repo string, wasm []byte) ocispec.Descriptor {
	t.Helper()
	if wasm == nil {
		wasm = testenv.Fixture(t, "hello.component.wasm")
	}
	d, err := registrytest.PushWasm(context.Background(), r, repo, "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cli runs one cosign binary (bin/cosign2 or bin/cosign3) in a private,
// offline home (internal/testing/clitest).
type cli struct {
	*clitest.Cosign
	bin  string
	home string
}

func newCLI(t testing.TB, name string) *cli {
	t.Helper()
	c := clitest.NewCosign(t)
	return &cli{Cosign: c, bin: name, home: c.Dir}
}

func (c *cli) run(t testing.TB, env []string, args ...string) string {
	t.Helper()
	return c.Run(t, c.bin, env, args...)
}

func (c *cli) keyPair(t testing.TB, name string) (string, string) {
	t.Helper()
	return c.KeyPair(t, name)
}

// result is one plugin invocation's outcome, extensions as Rego sees them.
type result = ratifytest.Result

// runPlugin drives wasm-cosign in process exactly as skel would.
func runPlugin(t testing.TB, subjectRef string, referrer ocispec.Descriptor, keys map[string]any) result {
	t.Helper()
	entry := map[string]any{"name": "wasm-cosign", "artifactTypes": mediatype.CosignSignature}
	for k, v := range keys {
		entry[k] = v
	}
	return ratifytest.RunPlugin(t, cosign.Plugin, subjectRef, referrer, entry)
}

// keyPolicy is a trust policy for every subject trusting the key files.
// The cosign CLIs sign here with --tlog-upload=false (there is no Rekor
// offline), so the policy opts out of log evidence explicitly.
func keyPolicy(files ...string) map[string]any {
	var keys []any
	for _, f := range files {
		keys = append(keys, map[string]any{"file": f})
	}
	return map[string]any{"trustPolicies": []any{map[string]any{"name": "default", "scopes": []string{"*"}, "keys": keys, "insecureIgnoreTlog": true}}}
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
	d.ArtifactType = mediatype.CosignSignature
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
	ratifytest.WantPass(t, res)
	for k, v := range ext {
		if got := res.Extensions[k]; got != v {
			t.Errorf("extension %s = %v, want %v", k, got, v)
		}
	}
}

func wantFailure(t testing.TB, res result, check failure.Check, parts ...string) {
	t.Helper()
	ratifytest.WantFail(t, res, check, parts...)
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
