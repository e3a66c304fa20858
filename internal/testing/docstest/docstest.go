// Package docstest loads the configuration examples shown in the READMEs so
// that tests run them as written. The examples name the places a user's
// installation has (key files, trusted roots, registry hosts); Placeholders
// is the one table of those names and what a test puts in their place.
// Nothing else in an example file is changed.
package docstest

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// Placeholders maps each placeholder the examples use to what the tests
// substitute for it. A test passes the values; Load refuses a placeholder
// that is not in this table and an example that keeps one unsubstituted.
var Placeholders = map[string]string{
	"/opt/ratify-wasm/plugins": "the plugin binaries built from this tree (ratifytest.PluginDir)",
	"registry.example.com": "a registry on loopback: served over TLS with a test CA given to Ratify " +
		"through SSL_CERT_FILE (TLSFront) when the example's own store config is used, plain HTTP " +
		"when the example is a verifier entry run under the test's store (ratifytest.Config)",
	"registry.internal":                "as registry.example.com",
	"ghcr.io":                          "as registry.example.com",
	"/etc/ratify-wasm/cosign.pub":      "a public key whose private key signs the test artifact",
	"/etc/ratify-wasm/cosign-2025.pub": "a public key that signs nothing (the rotated-out key)",
	"/etc/ratify-wasm/cosign-2026.pub": "a public key whose private key signs the test artifact",
	"/etc/ratify-wasm/platform.pub":    "the platform key of the per-team example",
	"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…\n-----END PUBLIC KEY-----\n": "team A's public key (PEM)",
	// The public-good and private Sigstore roots cannot sign offline: the
	// tests' own Sigstore (sigverify/sigtest) stands in for them, with
	// Fulcio, Rekor, CT log and TSA keys of its own.
	"/etc/ratify-wasm/trusted_root.json":         "the trusted root of the test Sigstore (sigtest)",
	"/etc/ratify-wasm/private-trusted-root.json": "the trusted root of the test Sigstore (sigtest)",
	"/etc/ratify-wasm/notation/wasm.example.crt": "the certificate of `notation cert generate-test wasm.example` (clitest)",
	"/var/cache/ratify-wasm/crl":                 "a fresh temporary directory",
	"/etc/ratify/policy.rego":                    "plugins/wasm-slsa/examples/policy.rego in this tree",
	"/etc/ratify/wasm-policy.rego":               "policies/ratify/wasm.rego rendered by policies/ratify/render.sh with the parameters of policies/README.md",
	"/etc/ratify/wasm-allowlist.json":            "plugins/wasm-composition/examples/allowlist.json in this tree",
	"<hex of the release key>":                   "the hex of the test signing key's keyId",
	// examples/pull: `ratify-wasm pull` on a host.
	"/usr/local/bin/ratify-wasm":                                       "bin/ratify-wasm built from this tree",
	"/etc/ratify-wasm/ratify.json":                                     "examples/pull/ratify.json with its placeholders substituted",
	"/var/lib/payments/wasm":                                           "a fresh temporary directory (pull's -o)",
	"37fbbb94f53924b1927a8ee649f2d8ce910eb74e9d39d92faf6ae8dadccedced": "the hex of the test release's manifest digest",
	"93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476": "the hex of the test release's WASM layer digest",
}

// Load reads the example at rel (relative to the repository root) and
// replaces each placeholder in values with its value (JSON-escaped in .json
// files). It fails the test when values names a placeholder that is not in
// Placeholders or not in the file, or when a placeholder of the table is
// left in the result.
func Load(t testing.TB, rel string, values map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	out, err := substitute(rel, string(raw), values)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

func substitute(rel, text string, values map[string]string) (string, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		if _, ok := Placeholders[k]; !ok {
			return "", fmt.Errorf("%s: %q is not in the placeholder table", rel, k)
		}
		keys = append(keys, k)
	}
	// Longer placeholders first, so none is replaced inside another.
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	isJSON := strings.HasSuffix(rel, ".json")
	spell := func(s string) string {
		if isJSON {
			return jsonEscape(s)
		}
		return s
	}
	for _, k := range keys {
		from := spell(k)
		if !strings.Contains(text, from) {
			return "", fmt.Errorf("%s: placeholder %q does not occur (stale substitution)", rel, k)
		}
		text = strings.ReplaceAll(text, from, spell(values[k]))
	}
	for k := range Placeholders {
		if strings.Contains(text, spell(k)) {
			return "", fmt.Errorf("%s: placeholder %q left unsubstituted", rel, k)
		}
	}
	return text, nil
}

// jsonEscape returns s as it is spelled inside a JSON string (without
// HTML escaping, as the examples are written).
func jsonEscape(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// TLSFront serves r over HTTPS on loopback, so that an example whose store
// has no useHttp (a registry with TLS, as in production) runs as written.
// The certificate's CA is trusted through SSL_CERT_FILE, which Ratify and
// the plugins it starts inherit; it returns the front's host:port.
func TLSFront(t *testing.T, r *registrytest.Registry) string {
	t.Helper()
	target, err := url.Parse(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	front.Config.ErrorLog = nil
	front.StartTLS()
	t.Cleanup(front.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := front.TLS.Certificates[0].Certificate[0]
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", ca)
	return strings.TrimPrefix(front.URL, "https://")
}
