package cosign_test

import (
	"os"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// signed is a WASM artifact signed by a real cosign CLI, with the referrer
// descriptor Ratify hands the plugin.
type signed struct {
	repo     string
	subject  ocispec.Descriptor
	ref      string // repo@digest
	referrer ocispec.Descriptor
}

// signV2Tag signs with cosign v2.6.5 into the legacy sha256-<hex>.sig tag.
func signV2Tag(t *testing.T, r *registrytest.Registry, c *cli, key, repo string) signed {
	t.Helper()
	s := newSubject(t, r, repo)
	c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", s.ref)
	s.referrer = sigTag(t, r, repo, s.subject)
	return s
}

// signV2Referrer signs with cosign v2.6.5 in OCI 1.1 referrers mode.
func signV2Referrer(t *testing.T, r *registrytest.Registry, c *cli, key, repo string) signed {
	t.Helper()
	s := newSubject(t, r, repo)
	c.run(t, []string{"COSIGN_EXPERIMENTAL=1"}, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", "--registry-referrers-mode=oci-1-1", s.ref)
	s.referrer = onlyReferrer(t, r, repo, s.subject)
	return s
}

// signV3Bundle signs with cosign v3.1.3 (sigstore bundle referrer, the v3
// default) using a signing config without services.
func signV3Bundle(t *testing.T, r *registrytest.Registry, c *cli, key, repo string) signed {
	t.Helper()
	s := newSubject(t, r, repo)
	sc := filepath.Join(c.home, "signing-config.json")
	if err := os.WriteFile(sc, []byte(clitest.SigningConfigNoServices), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, nil, "sign", "--key", key, "--signing-config", sc, "--allow-http-registry", "-y", s.ref)
	s.referrer = onlyReferrer(t, r, repo, s.subject)
	return s
}

func newSubject(t *testing.T, r *registrytest.Registry, repo string) signed {
	t.Helper()
	d := pushWasm(t, r, repo, nil)
	return signed{repo: repo, subject: d, ref: r.Ref(repo, d.Digest.String())}
}

func onlyReferrer(t *testing.T, r *registrytest.Registry, repo string, subject ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	refs := referrersOf(t, r, repo, subject)
	if len(refs) != 1 {
		t.Fatalf("want one referrer of %s, got %+v", subject.Digest, refs)
	}
	return refs[0]
}

func TestCosignCLIFormats(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		c2, c3 := newCLI(t, "cosign2"), newCLI(t, "cosign3")
		key2, pub2 := c2.keyPair(t, "cosign")
		key3, pub3 := c3.keyPair(t, "cosign")
		cfg := keyPolicy(pub2, pub3)
		// The same keys without the opt-out, with a trusted root that could
		// check a log entry or timestamp if there were one.
		strict := map[string]any{"trustPolicies": []any{map[string]any{"name": "strict", "scopes": []string{"*"},
			"keys": []any{map[string]any{"file": pub2}, map[string]any{"file": pub3}}, "trustedRoot": sigtest.New(t).WriteTrustedRoot(t, t.TempDir())}}}
		unlogged := func(t *testing.T, s signed, ext map[string]any) {
			t.Helper()
			// cosign sign --tlog-upload=false leaves no evidence: refused by
			// default, naming what is missing and the opt-out key.
			wantFailure(t, runPlugin(t, s.ref, s.referrer, strict), failure.Tlog, "no transparency-log entry or RFC 3161 timestamp", `"insecureIgnoreTlog": true`)
			ext[cosign.ExtUnlogged] = true
			wantSuccess(t, runPlugin(t, s.ref, s.referrer, cfg), ext)
		}

		s := signV2Tag(t, r, c2, key2, "wasm/v2tag")
		t.Logf("v2 tag referrer: %+v", s.referrer)
		unlogged(t, s, map[string]any{cosign.ExtFormat: cosign.FormatLegacy, cosign.ExtDiscovery: "tag"})

		s = signV2Referrer(t, r, c2, key2, "wasm/v2ref")
		t.Logf("v2 oci-1-1 referrer: %+v", s.referrer)
		unlogged(t, s, map[string]any{cosign.ExtFormat: cosign.FormatLegacy, cosign.ExtDiscovery: "referrer"})

		s = signV3Bundle(t, r, c3, key3, "wasm/v3bundle")
		t.Logf("v3 bundle referrer: %+v", s.referrer)
		unlogged(t, s, map[string]any{cosign.ExtFormat: cosign.FormatBundle, cosign.ExtPredicateType: cosign.PredicateCosignSign})

		// Without a trusted root and without the opt-out, the configuration
		// itself is refused.
		noRoot := map[string]any{"trustPolicies": []any{map[string]any{"name": "k", "scopes": []string{"*"}, "keys": []any{map[string]any{"file": pub2}}}}}
		wantFailure(t, runPlugin(t, s.ref, s.referrer, noRoot), "config", "trustPolicies[0].trustedRoot", "insecureIgnoreTlog")
	})
}
