package cosign_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// The configurations of plugins/wasm-cosign/README.md, loaded from
// plugins/wasm-cosign/examples with the placeholders of docstest.Placeholders
// substituted, run through the real `ratify verify`.

const examples = "plugins/wasm-cosign/examples/"

// exampleEntry loads a verifier entry example.
func exampleEntry(t *testing.T, name string, values map[string]string) map[string]any {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(docstest.Load(t, examples+name, values), &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// signKeyed pushes a WASM artifact to repo and signs it with k as `cosign
// sign --key` does with the default Rekor upload and a TSA (sigtest
// evidence from ss), in a .sig tag; o can drop the evidence.
func signKeyed(t *testing.T, r *registrytest.Registry, ss *sigtest.Sigstore, k *sigtest.KeyPair, repo string, o sigtest.LegacyOptions) string {
	t.Helper()
	subj := pushWasm(t, r, repo, nil)
	ref := r.Ref(repo, subj.Digest.String())
	payload := sigtest.SimpleSigning(ref, subj.Digest)
	pushSigTag(t, r, repo, subj.Digest, simpleSigningLayer(payload, ss.CosignSignatureWithKey(t, k, payload, o)))
	return ref
}

func wantReport(t *testing.T, rep *ratifytest.Report, pass bool, ext map[string]any) {
	t.Helper()
	if rep.IsSuccess != pass {
		t.Fatalf("isSuccess %t, want %t\n%s\n%s", rep.IsSuccess, pass, rep.Raw, rep.Stderr)
	}
	v := rep.One(t, "wasm-cosign")
	for k, want := range ext {
		if got := v.Extensions[k]; got != want {
			t.Errorf("extension %s = %v, want %v (%s)", k, got, want, v.Message)
		}
	}
}

// TestExampleConfig runs examples/config.json as a whole config.json: its
// store has no useHttp, so the registry is served over TLS (docstest.TLSFront).
func TestExampleConfig(t *testing.T) {
	r := registrytest.StartReferrers(t)
	host := docstest.TLSFront(t, r)
	ss := sigtest.New(t)
	dir := t.TempDir()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	raw := docstest.Load(t, examples+"config.json", map[string]string{
		"/opt/ratify-wasm/plugins":           ratifytest.PluginDir(t, "wasm-cosign"),
		"registry.example.com":               host,
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/cosign.pub":        k.WritePublic(t, dir, "cosign.pub"),
	})
	env := ratifytest.NewEnvFile(t, raw)
	signKeyed(t, r, ss, k, "wasm/app", sigtest.LegacyOptions{})
	wantReport(t, env.Verify(t, host+"/wasm/app:v1"), true, map[string]any{cosign.ExtTrustPolicy: "release", cosign.ExtTimestampSource: "rfc3161"})

	// The secure default: the same key without log entry or timestamp fails.
	signKeyed(t, r, ss, k, "wasm/unlogged", sigtest.LegacyOptions{NoTlog: true, NoTSA: true})
	wantReport(t, env.Verify(t, host+"/wasm/unlogged:v1"), false, map[string]any{"failedCheck": "tlog"})
}

// TestExampleKeyRotation runs examples/key-rotation.json (signature by the
// newer key, with Rekor and TSA evidence) and, with it, examples/policy.rego
// as the regoPolicy; examples/key-rotation-unlogged.json accepts what the
// real cosign v2 CLI signs with --tlog-upload=false, which the first refuses.
func TestExampleKeyRotation(t *testing.T) {
	r := registrytest.StartReferrers(t)
	ss := sigtest.New(t)
	dir := t.TempDir()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	old := sigtest.NewKey(t, sigtest.ECDSAP256)
	pub2025, pub2026 := old.WritePublic(t, dir, "cosign-2025.pub"), k.WritePublic(t, dir, "cosign-2026.pub")
	entry := exampleEntry(t, "key-rotation.json", map[string]string{
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/cosign-2025.pub":   pub2025,
		"/etc/ratify-wasm/cosign-2026.pub":   pub2026,
	})
	ref := signKeyed(t, r, ss, k, "wasm/rotated", sigtest.LegacyOptions{})
	cfg := ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{entry}}
	wantReport(t, ratifytest.Verify(t, cfg, ref), true, map[string]any{cosign.ExtKeyID: keyID(t, pub2026)})

	policy := filepath.Join(dir, "policy.rego")
	rego := docstest.Load(t, examples+"policy.rego", map[string]string{
		"<hex of the release key>": strings.TrimPrefix(keyID(t, pub2026), "sha256:"),
	})
	if err := os.WriteFile(policy, rego, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Policy = ratifytest.RegoPolicy(policy)
	wantReport(t, ratifytest.Verify(t, cfg, ref), true, nil)
	byOld := signKeyed(t, r, ss, old, "wasm/old-key", sigtest.LegacyOptions{})
	wantReport(t, ratifytest.Verify(t, cfg, byOld), false, map[string]any{cosign.ExtKeyID: keyID(t, pub2025)})

	c := newCLI(t, "cosign2")
	key, pub := c.keyPair(t, "cosign-2026")
	unlogged := signV2Tag(t, r, c, key, "wasm/unlogged")
	entry = exampleEntry(t, "key-rotation.json", map[string]string{
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, t.TempDir()),
		"/etc/ratify-wasm/cosign-2025.pub":   pub2025,
		"/etc/ratify-wasm/cosign-2026.pub":   pub,
	})
	wantReport(t, ratifytest.Verify(t, ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{entry}}, unlogged.ref), false, map[string]any{"failedCheck": "tlog"})
	entry = exampleEntry(t, "key-rotation-unlogged.json", map[string]string{
		"/etc/ratify-wasm/cosign-2025.pub": pub2025,
		"/etc/ratify-wasm/cosign-2026.pub": pub,
	})
	wantReport(t, ratifytest.Verify(t, ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{entry}}, unlogged.ref), true, map[string]any{cosign.ExtUnlogged: true})
}

// TestExamplePerTeam runs examples/per-team.json: team A's repositories
// need team A's inline key, the rest the platform key.
func TestExamplePerTeam(t *testing.T) {
	r := registrytest.StartReferrers(t)
	ss := sigtest.New(t)
	dir := t.TempDir()
	platform, team := sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256)
	entry := exampleEntry(t, "per-team.json", map[string]string{
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/platform.pub":      platform.WritePublic(t, dir, "platform.pub"),
		"registry.example.com":               r.Host,
		"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…\n-----END PUBLIC KEY-----\n": string(team.PublicPEM(t)),
	})
	cfg := ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{entry}}
	wantReport(t, ratifytest.Verify(t, cfg, signKeyed(t, r, ss, team, "team-a/app", sigtest.LegacyOptions{})), true, map[string]any{cosign.ExtTrustPolicy: "team-a"})
	wantReport(t, ratifytest.Verify(t, cfg, signKeyed(t, r, ss, platform, "team-b/app", sigtest.LegacyOptions{})), true, map[string]any{cosign.ExtTrustPolicy: "platform"})
	wantReport(t, ratifytest.Verify(t, cfg, signKeyed(t, r, ss, platform, "team-a/other", sigtest.LegacyOptions{})), false, map[string]any{cosign.ExtTrustPolicy: "team-a", "failedCheck": "signature"})
}

// TestExampleKeylessCI runs examples/keyless-ci.json with certificates from
// the test Sigstore for both listed identities. The GitHub workflow identity
// is carried as the certificate's subject alternative name as Fulcio issues
// it for the public-good instance, which the test cannot reach.
func TestExampleKeylessCI(t *testing.T) {
	r := registrytest.StartReferrers(t)
	ss := sigtest.New(t)
	entry := exampleEntry(t, "keyless-ci.json", map[string]string{
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, t.TempDir()),
		"ghcr.io":                            r.Host,
	})
	cfg := ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{entry}}
	sign := func(repo, identity, issuer string) string {
		subj := pushWasm(t, r, repo, nil)
		ref := r.Ref(repo, subj.Digest.String())
		payload := sigtest.SimpleSigning(ref, subj.Digest)
		pushSigTag(t, r, repo, subj.Digest, simpleSigningLayer(payload, ss.CosignSignature(t, identity, issuer, payload, sigtest.LegacyOptions{})))
		return ref
	}
	const workflow = "https://github.com/example/hello/.github/workflows/release.yml@refs/tags/v1.2.0"
	wantReport(t, ratifytest.Verify(t, cfg, sign("example/hello", workflow, "https://token.actions.githubusercontent.com")), true, map[string]any{cosign.ExtIdentity: workflow})
	wantReport(t, ratifytest.Verify(t, cfg, sign("example/bot", "release-bot@example.com", "https://accounts.google.com")), true, map[string]any{cosign.ExtIdentity: "release-bot@example.com"})
	branch := "https://github.com/example/hello/.github/workflows/release.yml@refs/heads/main"
	wantReport(t, ratifytest.Verify(t, cfg, sign("example/branch", branch, "https://token.actions.githubusercontent.com")), false, map[string]any{"failedCheck": "identity"})
}

// TestExamplePrivateTSA runs examples/private-tsa.json: a keyless bundle
// with an RFC 3161 timestamp and no log entry, from the test Sigstore
// standing in for the private one.
func TestExamplePrivateTSA(t *testing.T) {
	r := registrytest.StartReferrers(t)
	ss := sigtest.New(t)
	entry := exampleEntry(t, "private-tsa.json", map[string]string{
		"/etc/ratify-wasm/private-trusted-root.json": ss.WriteTrustedRoot(t, t.TempDir()),
		"registry.internal":                          r.Host,
	})
	cfg := ratifytest.Config{Verifiers: []map[string]any{entry}}
	sign := func(repo string, o sigtest.LegacyOptions) string {
		subj := pushWasm(t, r, repo, nil)
		ref := r.Ref(repo, subj.Digest.String())
		attachBundle(t, r, repo, subj, ss.Bundle(t, "alice@corp.example", "https://sso.corp.example", sigtest.Statement(cosign.PredicateCosignSign, ref, subj.Digest, nil), o))
		return ref
	}
	wantReport(t, ratifytest.Verify(t, cfg, sign("wasm/app", sigtest.LegacyOptions{NoTlog: true})), true, map[string]any{cosign.ExtTimestampSource: "rfc3161", cosign.ExtFormat: cosign.FormatBundle})
	wantReport(t, ratifytest.Verify(t, cfg, sign("wasm/no-tsa", sigtest.LegacyOptions{NoTSA: true})), false, map[string]any{"failedCheck": "timestamp"})
}
