package notation_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
)

// TestConfigErrors: every configuration problem is a failed result whose
// message names the key, before anything is fetched.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := newRootCA(t, "Config Root")
	rootPEM := writePEM(t, dir, "root.pem", root.cert)
	inter := root.newIntermediateCA(t, "Config Intermediate")
	interPEM := writePEM(t, dir, "inter.pem", inter.cert)
	leaf, key := inter.issueLeaf(t, "leaf.acme", leafOptions{})
	leafPEM := writePEM(t, dir, "leaf.pem", leaf)
	keyPEM := writeKey(t, dir, "leaf.key", key)
	id := "x509.subject: CN=leaf.acme, O=ratify-wasm tests, ST=WA, C=US"
	policy := strictPolicy([]string{"ca:acme"}, id)
	stores := func(typ, name string, paths ...string) map[string]any {
		return map[string]any{typ: map[string]any{name: paths}}
	}
	valid := map[string]any{"trustPolicyDoc": policy, "trustStores": stores("ca", "acme", rootPEM)}
	without := func(cfg map[string]any, key string) map[string]any {
		out := with(cfg, key, nil)
		delete(out, key)
		return out
	}
	// A subject on a port nothing listens on: configuration errors must be
	// reported before anything is fetched.
	nowhere := "127.0.0.1:1/wasm/none@sha256:" + strings.Repeat("0", 64)
	nothing := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.Digest("sha256:" + strings.Repeat("1", 64)), Size: 1}
	policyFile := filepath.Join(dir, "trustpolicy.json")
	writeJSON(t, policyFile, policy)

	for _, tc := range []struct {
		name string
		cfg  map[string]any
		want []string // the key, then other parts of the message
	}{
		{"no-policy", without(valid, "trustPolicyDoc"), []string{`key "trustPolicyDoc"`, "is required"}},
		{"both-policies", with(valid, "trustPolicyFile", policyFile), []string{`key "trustPolicyFile"`, "exactly one"}},
		{"policy-file-relative", with(without(valid, "trustPolicyDoc"), "trustPolicyFile", "trustpolicy.json"), []string{`key "trustPolicyFile"`, "not absolute"}},
		{"policy-file-missing", with(without(valid, "trustPolicyDoc"), "trustPolicyFile", filepath.Join(dir, "nope.json")), []string{`key "trustPolicyFile"`, "no such file"}},
		{"policy-unknown-field", with(valid, "trustPolicyDoc", map[string]any{"version": "1.0", "trustPolicy": []any{}}), []string{`key "trustPolicyDoc"`, `unknown field "trustPolicy"`}},
		{"policy-misspelt-nested-field", with(valid, "trustPolicyDoc", policyDoc(with(statement("wasm", []string{"*"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, id), "trustedIdentity", []string{id}))), []string{`key "trustPolicyDoc"`, `unknown field "trustedIdentity"`}},
		{"policy-invalid", with(valid, "trustPolicyDoc", policyDoc(statement("wasm", []string{"*"}, map[string]any{"level": "strictest"}, []string{"ca:acme"}, id))), []string{`key "trustPolicyDoc"`, "not a valid trust policy document", "strictest"}},
		{"policy-override-integrity", with(valid, "trustPolicyDoc", policyDoc(statement("wasm", []string{"*"}, map[string]any{"level": "strict", "override": map[string]any{"integrity": "log"}}, []string{"ca:acme"}, id))), []string{`key "trustPolicyDoc"`, "integrity"}},
		{"policy-partial-wildcard-scope", with(valid, "trustPolicyDoc", policyDoc(statement("wasm", []string{"registry.example/*"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, id))), []string{`key "trustPolicyDoc"`, "wild card"}},
		{"scope-host-upper-case", with(valid, "trustPolicyDoc", policyDoc(statement("wasm", []string{"GHCR.IO/myorg/app"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, id))), []string{`key "trustPolicyDoc"`, `statement "wasm"`, `"GHCR.IO/myorg/app", which is not in canonical form; write "ghcr.io/myorg/app"`}},
		{"scope-default-port", with(valid, "trustPolicyDoc", policyDoc(statement("wasm", []string{"ghcr.io:443/myorg/app"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, id))), []string{`key "trustPolicyDoc"`, `write "ghcr.io/myorg/app"`}},
		{"scope-docker-hub-alias", with(valid, "trustPolicyDoc", policyDoc(statement("wasm", []string{"index.docker.io/myorg/app"}, map[string]any{"level": "strict"}, []string{"ca:acme"}, id))), []string{`key "trustPolicyDoc"`, `write "docker.io/myorg/app"`}},
		{"store-not-configured", with(valid, "trustStores", stores("ca", "other", rootPEM)), []string{`key "trustStores"`, `no ca store "acme"`, `statement "wasm"`}},
		{"store-type-unknown", with(valid, "trustStores", map[string]any{"ca": map[string]any{"acme": []string{rootPEM}}, "root": map[string]any{"x": []string{rootPEM}}}), []string{`key "trustStores.root"`, "ca, signingAuthority or tsa"}},
		{"store-name-invalid", with(valid, "trustStores", map[string]any{"ca": map[string]any{"acme": []string{rootPEM}, "a b": []string{rootPEM}}}), []string{`key "trustStores.ca.a b"`, "[a-zA-Z0-9_.-]+"}},
		{"store-empty", with(valid, "trustStores", stores("ca", "acme")), []string{`key "trustStores.ca.acme"`, "is empty"}},
		{"store-path-string", with(valid, "trustStores", map[string]any{"ca": map[string]any{"acme": rootPEM}}), []string{`key "trustStores"`, "expected a list"}},
		{"cert-missing", with(valid, "trustStores", stores("ca", "acme", filepath.Join(dir, "nope.pem"))), []string{`key "trustStores.ca.acme"`, "no such file"}},
		{"cert-relative", with(valid, "trustStores", stores("ca", "acme", "root.pem")), []string{`key "trustStores.ca.acme"`, "not absolute"}},
		{"cert-is-private-key", with(valid, "trustStores", stores("ca", "acme", keyPEM)), []string{`key "trustStores.ca.acme"`, `"PRIVATE KEY" is not a CERTIFICATE`}},
		{"cert-not-ca", with(valid, "trustStores", stores("ca", "acme", leafPEM)), []string{`key "trustStores.ca.acme"`, "not a CA certificate or self-signed"}},
		{"folder-without-certs", with(valid, "trustStores", stores("ca", "acme", t.TempDir())), []string{`key "trustStores.ca.acme"`, "no certificate files"}},
		{"tsa-not-root", with(valid, "trustStores", map[string]any{"ca": map[string]any{"acme": []string{rootPEM}}, "tsa": map[string]any{"tsa": []string{interPEM}}}), []string{`key "trustStores.tsa.tsa"`, "not a root CA certificate"}},
		{"revocation-mode", with(valid, "revocation", map[string]any{"mode": "sometimes"}), []string{`key "revocation.mode"`, `"online" or "offline"`}},
		{"revocation-unknown-key", with(valid, "revocation", map[string]any{"crlCache": dir}), []string{`key "revocation.crlCache"`, "crlCacheDir, mode"}},
		{"offline-without-cache", with(valid, "revocation", map[string]any{"mode": "offline"}), []string{`key "revocation.crlCacheDir"`, "required"}},
		{"offline-cache-missing", with(valid, "revocation", map[string]any{"mode": "offline", "crlCacheDir": filepath.Join(dir, "nope")}), []string{`key "revocation.crlCacheDir"`, "not a readable folder"}},
		{"cache-relative", with(valid, "revocation", map[string]any{"crlCacheDir": "crl"}), []string{`key "revocation.crlCacheDir"`, "absolute"}},
		{"builtin-key", with(valid, "verificationCerts", []string{rootPEM}), []string{`key "verificationCerts"`, "trustStores"}},
		{"user-metadata-empty-key", with(valid, "userMetadata", map[string]string{"": "x"}), []string{`key "userMetadata"`, "empty key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runPlugin(t, nowhere, nothing, tc.cfg)
			ratifytest.WantFail(t, res, "config", tc.want...)
		})
	}
	t.Run("valid-config-reaches-the-registry", func(t *testing.T) {
		// The same configuration without the fault gets past decoding: it
		// fails on the (absent) registry, not on configuration.
		res := runPlugin(t, nowhere, nothing, valid)
		ratifytest.WantFail(t, res, "subject")
	})
}
