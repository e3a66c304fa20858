package notation_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notaryproject/notation-core-go/signature/jws"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// chain is a root → intermediate → leaf code-signing chain made in Go, with
// the leaf's key registered in a private notation CLI home, so signatures
// come from the real `notation sign`.
type chain struct {
	cli      *notationCLI
	root     *testCA
	inter    *testCA
	leaf     *x509.Certificate
	rootPath string // the root as a PEM file, for trust stores
	identity string // the trusted identity naming the leaf
}

func newChain(t testing.TB, cn string, o leafOptions) *chain {
	t.Helper()
	root := newRootCA(t, cn+" Root")
	return newChainFrom(t, root, root.newIntermediateCA(t, cn+" Intermediate"), cn, o)
}

func newChainFrom(t testing.TB, root, inter *testCA, cn string, o leafOptions) *chain {
	t.Helper()
	leaf, key := inter.issueLeaf(t, cn, o)
	cli := newNotationCLI(t)
	cli.addKey(t, "signer", key, leaf, inter.cert, root.cert)
	return &chain{
		cli: cli, root: root, inter: inter, leaf: leaf,
		rootPath: writePEM(t, t.TempDir(), "root.pem", root.cert),
		identity: fmt.Sprintf(testIdentityFmt, cn),
	}
}

func (c *chain) sign(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor, args ...string) ocispec.Descriptor {
	t.Helper()
	return c.cli.sign(t, r, repo, subject, append([]string{"--key", "signer"}, args...)...)
}

// config is a strict policy trusting c's root for c's leaf identity.
func (c *chain) config() map[string]any {
	return map[string]any{
		"trustPolicyDoc": strictPolicy([]string{"ca:acme"}, c.identity),
		"trustStores":    map[string]any{"ca": map[string]any{"acme": []string{c.rootPath}}},
	}
}

// with returns a copy of cfg with key set.
func with(cfg map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range cfg {
		out[k] = x
	}
	out[key] = v
	return out
}

func onDistribution(t *testing.T) *registrytest.Registry { return registrytest.StartDistribution(t) }

func TestChain(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	c := newChain(t, "signer.acme", leafOptions{})

	subject := pushWasm(t, r, "wasm/chain")
	sig := c.sign(t, r, "wasm/chain", subject)
	ref := r.Ref("wasm/chain", subject.Digest.String())

	t.Run("valid", func(t *testing.T) {
		res := runPlugin(t, ref, sig, c.config())
		ratifytest.WantPass(t, res)
		chain, _ := res.Extensions["certificateChain"].([]any)
		if len(chain) != 3 || chain[0] != c.leaf.Subject.String() || chain[2] != c.root.cert.Subject.String() {
			t.Errorf("certificateChain = %v", chain)
		}
		if sc := res.Extensions["signingCertificate"].(map[string]any); sc["issuer"] != c.inter.cert.Subject.String() {
			t.Errorf("signingCertificate.issuer = %v, want the intermediate", sc["issuer"])
		}
	})
	t.Run("by-tag", func(t *testing.T) {
		// Gatekeeper passes tags; the policy is applied to repo@digest.
		ratifytest.WantPass(t, runPlugin(t, r.Ref("wasm/chain", "v1"), sig, c.config()))
	})
	t.Run("wrong-identity", func(t *testing.T) {
		cfg := with(c.config(), "trustPolicyDoc", strictPolicy([]string{"ca:acme"}, fmt.Sprintf(testIdentityFmt, "other.acme")))
		ratifytest.WantFail(t, runPlugin(t, ref, sig, cfg), "authenticity", "does not match the X.509 trusted identities", `"wasm"`)
	})
	t.Run("identity-subset-matches", func(t *testing.T) {
		// notation: the leaf DN must contain every attribute of the identity
		// (C, ST and O at least), here without the CN.
		cfg := with(c.config(), "trustPolicyDoc", strictPolicy([]string{"ca:acme"}, "x509.subject: C=US, ST=WA, O=ratify-wasm tests"))
		ratifytest.WantPass(t, runPlugin(t, ref, sig, cfg))
	})
	t.Run("untrusted-root", func(t *testing.T) {
		other := newRootCA(t, "Other Root")
		cfg := with(c.config(), "trustStores", map[string]any{"ca": map[string]any{"acme": []string{writePEM(t, t.TempDir(), "other.pem", other.cert)}}})
		ratifytest.WantFail(t, runPlugin(t, ref, sig, cfg), "authenticity", "trust")
	})
	t.Run("intermediate-as-anchor", func(t *testing.T) {
		// A trust store may hold an intermediate CA: the chain only has to
		// contain one trusted certificate.
		cfg := with(c.config(), "trustStores", map[string]any{"ca": map[string]any{"acme": []string{writePEM(t, t.TempDir(), "inter.pem", c.inter.cert)}}})
		ratifytest.WantPass(t, runPlugin(t, ref, sig, cfg))
	})
	t.Run("audit-logs-untrusted-root", func(t *testing.T) {
		other := newRootCA(t, "Other Root")
		cfg := map[string]any{
			"trustPolicyDoc": policyDoc(statement("audit", []string{"*"}, map[string]any{"level": "audit"}, []string{"ca:acme"}, c.identity)),
			"trustStores":    map[string]any{"ca": map[string]any{"acme": []string{writePEM(t, t.TempDir(), "other.pem", other.cert)}}},
		}
		res := runPlugin(t, ref, sig, cfg)
		ratifytest.WantPass(t, res)
		if res.Extensions["verificationLevel"] != "audit" || !strings.Contains(res.Message, "failures logged but not enforced at this level: authenticity") {
			t.Errorf("audit pass does not report the logged authenticity failure: %s", res.Message)
		}
		if !failedValidation(res, "authenticity", "log") {
			t.Errorf("validations lack the logged authenticity failure: %v", res.Extensions["validations"])
		}
	})
	t.Run("skip-level", func(t *testing.T) {
		cfg := with(c.config(), "trustPolicyDoc", policyDoc(statement("skip", []string{"*"}, map[string]any{"level": "skip"}, nil)))
		res := runPlugin(t, ref, sig, cfg)
		if !res.IsSuccess || res.Extensions["skipped"] != "verification-level-skip" || res.Extensions["verificationLevel"] != "skip" || !strings.HasPrefix(res.Message, "skipped: ") {
			t.Fatalf("skip level: want an explicit skipped success, got %t %s %v", res.IsSuccess, res.Message, res.Extensions)
		}
	})
	t.Run("scopes-exact-beats-wildcard", func(t *testing.T) {
		repoScope := r.Host + "/wasm/chain"
		doc := policyDoc(
			statement("exact", []string{repoScope}, map[string]any{"level": "strict"}, []string{"ca:acme"}, fmt.Sprintf(testIdentityFmt, "other.acme")),
			statement("any", []string{"*"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, c.identity),
		)
		res := runPlugin(t, ref, sig, with(c.config(), "trustPolicyDoc", doc))
		ratifytest.WantFail(t, res, "authenticity", `"exact"`)
		if res.Extensions["trustPolicy"] != "exact" {
			t.Errorf("trustPolicy = %v, want exact", res.Extensions["trustPolicy"])
		}
	})
	t.Run("scopes-exact-match", func(t *testing.T) {
		doc := policyDoc(
			statement("exact", []string{r.Host + "/wasm/chain"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, c.identity),
			statement("other", []string{r.Host + "/wasm/other"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, fmt.Sprintf(testIdentityFmt, "other.acme")),
		)
		res := runPlugin(t, ref, sig, with(c.config(), "trustPolicyDoc", doc))
		ratifytest.WantPass(t, res)
		if res.Extensions["trustPolicy"] != "exact" {
			t.Errorf("trustPolicy = %v, want exact", res.Extensions["trustPolicy"])
		}
	})
	t.Run("scopes-none-apply", func(t *testing.T) {
		doc := policyDoc(statement("elsewhere", []string{r.Host + "/wasm/other"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, c.identity))
		ratifytest.WantFail(t, runPlugin(t, ref, sig, with(c.config(), "trustPolicyDoc", doc)), "trustPolicy", "wasm/chain", "registryScopes")
	})
	t.Run("trust-policy-file", func(t *testing.T) {
		raw, _ := json.Marshal(strictPolicy([]string{"ca:acme"}, c.identity))
		p := filepath.Join(t.TempDir(), "trustpolicy.json")
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := c.config()
		delete(cfg, "trustPolicyDoc")
		ratifytest.WantPass(t, runPlugin(t, ref, sig, with(cfg, "trustPolicyFile", p)))
	})
	t.Run("trust-store-folder", func(t *testing.T) {
		// A Kubernetes Secret mount: files are links into a hidden ..data
		// folder, which must be followed once and not read twice.
		dir := t.TempDir()
		data := filepath.Join(dir, "..data")
		if err := os.Mkdir(data, 0o755); err != nil {
			t.Fatal(err)
		}
		writePEM(t, data, "root.pem", c.root.cert)
		if err := os.Symlink(filepath.Join(data, "root.pem"), filepath.Join(dir, "root.pem")); err != nil {
			t.Fatal(err)
		}
		cfg := with(c.config(), "trustStores", map[string]any{"ca": map[string]any{"acme": []string{dir}}})
		ratifytest.WantPass(t, runPlugin(t, ref, sig, cfg))
	})
	t.Run("trust-store-der", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "root.der")
		if err := os.WriteFile(p, c.root.cert.Raw, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := with(c.config(), "trustStores", map[string]any{"ca": map[string]any{"acme": []string{p}}})
		ratifytest.WantPass(t, runPlugin(t, ref, sig, cfg))
	})
	t.Run("user-metadata-required", func(t *testing.T) {
		ratifytest.WantFail(t, runPlugin(t, ref, sig, with(c.config(), "userMetadata", map[string]string{"buildId": "42"})), "userMetadata", "buildId=42 (absent)")
	})
}

// failedValidation reports whether res lists a failed validation of typ
// under action.
func failedValidation(res result, typ, action string) bool {
	vs, _ := res.Extensions["validations"].([]any)
	for _, v := range vs {
		m := v.(map[string]any)
		if m["type"] == typ && m["action"] == action && m["passed"] == false && m["error"] != "" {
			return true
		}
	}
	return false
}

// TestUserMetadata checks -m annotations against the userMetadata setting.
func TestUserMetadata(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	c := newChain(t, "meta.acme", leafOptions{})
	subject := pushWasm(t, r, "wasm/meta")
	sig := c.sign(t, r, "wasm/meta", subject, "-m", "buildId=42", "-m", "team=wasm")
	ref := r.Ref("wasm/meta", subject.Digest.String())

	ratifytest.WantPass(t, runPlugin(t, ref, sig, with(c.config(), "userMetadata", map[string]string{"buildId": "42"})))
	ratifytest.WantPass(t, runPlugin(t, ref, sig, with(c.config(), "userMetadata", map[string]string{"buildId": "42", "team": "wasm"})))
	ratifytest.WantFail(t, runPlugin(t, ref, sig, with(c.config(), "userMetadata", map[string]string{"buildId": "43"})), "userMetadata", `buildId=43 (signed value "42")`)
}

// TestForgedSignatures covers signatures that must never verify, whatever
// the level short of skip: a modified payload, and a valid signature of
// another artifact attached to this one.
func TestForgedSignatures(t *testing.T) {
	t.Parallel()
	r := onDistribution(t)
	ctx := context.Background()
	c := newChain(t, "forge.acme", leafOptions{})
	subject := pushWasm(t, r, "wasm/forge")
	sig := c.sign(t, r, "wasm/forge", subject, "--signature-format", "jws")
	ref := r.Ref("wasm/forge", subject.Digest.String())
	envelope := signatureEnvelope(t, r, "wasm/forge", sig)

	t.Run("tampered-payload", func(t *testing.T) {
		// Rewrite the JWS payload to claim other annotations; the signature
		// no longer matches.
		var env map[string]any
		if err := json.Unmarshal(envelope, &env); err != nil {
			t.Fatal(err)
		}
		payload, err := base64.RawURLEncoding.DecodeString(env["payload"].(string))
		if err != nil {
			t.Fatal(err)
		}
		forged := strings.Replace(string(payload), `"targetArtifact":{`, `"targetArtifact":{"annotations":{"approved":"yes"},`, 1)
		if forged == string(payload) {
			t.Fatalf("payload has no targetArtifact: %s", payload)
		}
		env["payload"] = base64.RawURLEncoding.EncodeToString([]byte(forged))
		tampered, _ := json.Marshal(env)
		forgedSig := attachEnvelope(t, r, "wasm/forge", subject, tampered)
		for _, level := range []string{"strict", "permissive", "audit"} {
			cfg := with(c.config(), "trustPolicyDoc", policyDoc(statement("wasm", []string{"*"}, map[string]any{"level": level}, []string{"ca:acme"}, c.identity)))
			ratifytest.WantFail(t, runPlugin(t, ref, forgedSig, cfg), "integrity", "signature")
		}
	})
	t.Run("signature-of-another-artifact", func(t *testing.T) {
		other, err := registrytest.PushWasm(ctx, r, "wasm/forge", "other", testenv.Fixture(t, "sockets.wasm"), registrytest.WasmLayout{})
		if err != nil {
			t.Fatal(err)
		}
		otherSig := c.sign(t, r, "wasm/forge", other, "--signature-format", "jws")
		moved := attachEnvelope(t, r, "wasm/forge", subject, signatureEnvelope(t, r, "wasm/forge", otherSig))
		res := runPlugin(t, ref, moved, c.config())
		ratifytest.WantFail(t, res, "subjectMatch", other.Digest.String(), subject.Digest.String())
		// The same envelope still verifies for the artifact it was made for.
		ratifytest.WantPass(t, runPlugin(t, r.Ref("wasm/forge", other.Digest.String()), otherSig, c.config()))
	})
	t.Run("referrer-listed-for-another-subject", func(t *testing.T) {
		// Ratify asks about the signature manifest of another artifact
		// (e.g. a confused registry listing): refused before verification.
		other, err := registrytest.PushWasm(ctx, r, "wasm/forge", "third", testenv.Fixture(t, "plug.wasm"), registrytest.WasmLayout{})
		if err != nil {
			t.Fatal(err)
		}
		otherSig := c.sign(t, r, "wasm/forge", other)
		ratifytest.WantFail(t, runPlugin(t, ref, otherSig, c.config()), "referrer", "attached to")
	})
}

// signatureEnvelope fetches the envelope blob of a signature manifest.
func signatureEnvelope(t testing.TB, r *registrytest.Registry, repo string, sig ocispec.Descriptor) []byte {
	t.Helper()
	_, raw, err := registrytest.Fetch(context.Background(), r, repo, sig.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	b, err := registrytest.FetchBlob(context.Background(), r, repo, m.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// attachEnvelope attaches a JWS envelope to subject in notation's manifest
// shape (config media type = artifact type, no artifactType field).
func attachEnvelope(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor, envelope []byte) ocispec.Descriptor {
	t.Helper()
	d, err := registrytest.Attach(context.Background(), r, repo, subject, mediatype.NotationSignature,
		[]registrytest.Blob{{MediaType: jws.MediaTypeEnvelope, Data: envelope}}, nil, registrytest.WithConfigShape(registrytest.TypedConfigOnly))
	if err != nil {
		t.Fatal(err)
	}
	d.ArtifactType = mediatype.NotationSignature
	return d
}
