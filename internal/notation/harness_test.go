package notation_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

const (
	// identity is the subject `notation cert generate-test wasm.example` writes.
	identity = clitest.TestCertIdentity
	// testIdentity matches the certificates of pki_test.go for cn.
	testIdentityFmt = "x509.subject: CN=%s, O=ratify-wasm tests, ST=WA, C=US"
)

// notationCLI is the real notation v1.3.2 binary with a private config
// home (internal/testing/clitest) and the keys this package registers in it.
type notationCLI struct {
	*clitest.Notation
	keys []map[string]string
}

func newNotationCLI(t testing.TB) *notationCLI {
	t.Helper()
	return &notationCLI{Notation: clitest.NewNotation(t, t.TempDir())}
}

func (c *notationCLI) run(t testing.TB, args ...string) string {
	t.Helper()
	return c.Run(t, args...)
}

func (c *notationCLI) configDir() string { return c.ConfigDir() }

// addKey registers a key and certificate chain (leaf first) under name in
// signingkeys.json, the file `notation key` manages.
func (c *notationCLI) addKey(t testing.TB, name string, key crypto.Signer, chain ...*x509.Certificate) {
	t.Helper()
	dir := filepath.Join(c.Home, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c.keys = append(c.keys, map[string]string{
		"name":     name,
		"keyPath":  writeKey(t, dir, name+".key", key),
		"certPath": writePEM(t, dir, name+".crt", chain...),
	})
	raw, err := json.Marshal(map[string]any{"keys": c.keys})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(c.configDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.configDir(), "signingkeys.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// testCertCLI returns the shared home holding the "wasm.example" key from
// `notation cert generate-test --default`; its certificate is TestCertPath().
func testCertCLI(t testing.TB) *notationCLI {
	t.Helper()
	return &notationCLI{Notation: clitest.TestCertNotation(t)}
}

func (c *notationCLI) testCertPath() string { return c.TestCertPath() }

func TestMain(m *testing.M) {
	code := m.Run()
	clitest.RemoveShared()
	os.Exit(code)
}

// sign runs `notation sign --insecure-registry <args> <ref>` and returns the
// signature manifest as a client lists it (Referrers API or tag schema).
func (c *notationCLI) sign(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor, args ...string) ocispec.Descriptor {
	t.Helper()
	before := notationReferrers(t, r, repo, subject)
	ref := r.Ref(repo, subject.Digest.String())
	c.run(t, append(append([]string{"sign", "--insecure-registry"}, args...), ref)...)
	after := notationReferrers(t, r, repo, subject)
	for _, d := range after {
		if !containsDigest(before, d) {
			return d
		}
	}
	t.Fatalf("notation sign %s: no new signature among the referrers %v", ref, after)
	return ocispec.Descriptor{}
}

func notationReferrers(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	all, err := registrytest.Referrers(context.Background(), r, repo, subject)
	if err != nil {
		t.Fatal(err)
	}
	var out []ocispec.Descriptor
	for _, d := range all {
		if d.ArtifactType == mediatype.NotationSignature {
			out = append(out, d)
		}
	}
	return out
}

func containsDigest(ds []ocispec.Descriptor, d ocispec.Descriptor) bool {
	for _, x := range ds {
		if x.Digest == d.Digest {
			return true
		}
	}
	return false
}

// pushWasm pushes nested.wasm (a real component) in the CNCF layout, tagged v1.
func pushWasm(t testing.TB, r *registrytest.Registry, repo string) ocispec.Descriptor {
	t.Helper()
	d, err := registrytest.PushWasm(context.Background(), r, repo, "v1", testenv.Fixture(t, "nested.wasm"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// verifierEntry is a Ratify verifier entry for wasm-notation with the given
// plugin keys.
func verifierEntry(keys map[string]any) map[string]any {
	e := map[string]any{"name": "wasm-notation", "artifactTypes": mediatype.NotationSignature}
	for k, v := range keys {
		e[k] = v
	}
	return e
}

// result is one plugin invocation's outcome, extensions as Rego sees them.
type result = ratifytest.Result

// runPlugin drives wasm-notation in process as skel does, with Ratify's real
// oras store, for the referrer sig of subjectRef.
func runPlugin(t testing.TB, subjectRef string, referrer ocispec.Descriptor, keys map[string]any) result {
	t.Helper()
	return ratifytest.RunPlugin(t, notation.Plugin, subjectRef, referrer, verifierEntry(keys))
}

// strictPolicy is a one-statement trust policy document for every
// repository ("*").
func strictPolicy(stores []string, identities ...string) map[string]any {
	return policyDoc(statement("wasm", []string{"*"}, map[string]any{"level": "strict"}, stores, identities...))
}

func policyDoc(statements ...map[string]any) map[string]any {
	return map[string]any{"version": "1.0", "trustPolicies": statements}
}

func statement(name string, scopes []string, verification map[string]any, stores []string, identities ...string) map[string]any {
	return map[string]any{
		"name":                  name,
		"registryScopes":        scopes,
		"signatureVerification": verification,
		"trustStores":           stores,
		"trustedIdentities":     identities,
	}
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
