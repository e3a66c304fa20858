package micro

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	vconfig "github.com/ratify-project/ratify/pkg/verifier/config"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
)

// keyFiles writes an ECDSA public key and a self-signed CA certificate.
func keyFiles(b *testing.B) (pub, cert string) {
	b.Helper()
	dir := b.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	pub = filepath.Join(dir, "cosign.pub")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench.example", Organization: []string{"ratify-wasm"}, Province: []string{"WA"}, Country: []string{"US"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	cd, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		b.Fatal(err)
	}
	cert = filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cd}), 0o600); err != nil {
		b.Fatal(err)
	}
	return pub, cert
}

// stdin is the JSON Ratify writes to a plugin for entry.
func stdin(b *testing.B, entry map[string]any) []byte {
	b.Helper()
	raw, err := json.Marshal(map[string]any{
		"config":        entry,
		"storeConfig":   map[string]any{"version": "1.0.0", "store": map[string]any{"name": "oras", "useHttp": true}},
		"referenceDesc": map[string]any{"mediaType": ocispec.MediaTypeImageManifest, "digest": "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "size": 100},
	})
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// entries are realistic verifier entries, one per plugin, as in the
// plugins' READMEs.
func entries(b *testing.B) map[string]map[string]any {
	pub, cert := keyFiles(b)
	trust := []any{map[string]any{"name": "default", "scopes": []string{"*"}, "keys": []any{map[string]any{"file": pub}}, "insecureIgnoreTlog": true}}
	return map[string]map[string]any{
		"wasm-cosign": {"name": "wasm-cosign", "artifactTypes": mediatype.CosignSignature, "trustPolicies": trust},
		"wasm-notation": {"name": "wasm-notation", "artifactTypes": mediatype.NotationSignature,
			"trustPolicyDoc": map[string]any{"version": "1.0", "trustPolicies": []any{map[string]any{
				"name": "wasm", "registryScopes": []string{"*"}, "signatureVerification": map[string]any{"level": "strict"},
				"trustStores": []string{"ca:bench"}, "trustedIdentities": []string{"x509.subject: CN=bench.example, O=ratify-wasm, ST=WA, C=US"}}}},
			"trustStores": map[string]any{"ca": map[string]any{"bench": []string{cert}}}},
		"wasm-slsa": {"name": "wasm-slsa", "artifactTypes": mediatype.SigstoreBundle, "trustPolicies": trust,
			"builderIds": []string{"https://github.com/ratify-wasm/hello/.github/workflows/release.yml"},
			"sourceUri":  "github.com/ratify-wasm/hello", "sourceRef": "refs/tags/v1.*"},
		"wasm-composition": {"name": "wasm-composition", "artifactTypes": mediatype.CompositionList,
			"denyImports": []string{"wasi:sockets/*"}, "requireExports": []string{"wasi:cli/run@0.2"}},
	}
}

// decode is what the runtime does with stdin before verifying: parse the
// plugin input, then decode and validate the plugin's own keys strictly.
func decode[C any](b *testing.B, def plugin.Definition[C], in []byte) {
	var input vconfig.PluginInputConfig
	if err := json.Unmarshal(in, &input); err != nil {
		b.Fatal(err)
	}
	if _, _, err := plugin.DecodeConfig(input.Config, def.NewConfig); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDecodeConfig decodes and validates each plugin's configuration
// (trust policies compiled, key and certificate files read, patterns
// compiled).
func BenchmarkDecodeConfig(b *testing.B) {
	es := entries(b)
	run := func(name string, f func(b *testing.B, in []byte)) {
		in := stdin(b, es[name])
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f(b, in)
			}
		})
	}
	run("wasm-cosign", func(b *testing.B, in []byte) { decode(b, cosign.Plugin, in) })
	run("wasm-notation", func(b *testing.B, in []byte) { decode(b, notation.Plugin, in) })
	run("wasm-slsa", func(b *testing.B, in []byte) { decode(b, slsa.Plugin, in) })
	run("wasm-composition", func(b *testing.B, in []byte) { decode(b, composition.Plugin, in) })
}

// BenchmarkDecodeInputJSON is the baseline: only parsing the same plugin
// input into Ratify's PluginInputConfig, which any plugin must do.
func BenchmarkDecodeInputJSON(b *testing.B) {
	for name, e := range entries(b) {
		in := stdin(b, e)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var input vconfig.PluginInputConfig
				if err := json.Unmarshal(in, &input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
