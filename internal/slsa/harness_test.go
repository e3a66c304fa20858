package slsa_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/slsatest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

const (
	repo        = "wasm/app"
	sourceRepo  = "github.com/ratify-wasm/hello"
	builderFlow = "https://github.com/ratify-wasm/hello/.github/workflows/release.yml"
	commit      = slsatest.Commit
)

// predicateV1 is a SLSA v1 predicate as actions/attest-build-provenance
// writes it, for a release of tag at commit.
func predicateV1(tag string) map[string]any {
	return slsatest.PredicateV1(sourceRepo, builderFlow, tag)
}

// predicateV02 is a SLSA v0.2 predicate as slsa-github-generator's generic
// generator writes it.
func predicateV02(builder, tag string) map[string]any {
	ref := "refs/tags/" + tag
	uri := "git+https://" + sourceRepo + "@" + ref
	return map[string]any{
		"builder":   map[string]any{"id": builder},
		"buildType": "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
		"invocation": map[string]any{
			"configSource": map[string]any{"uri": uri, "digest": map[string]any{"sha1": commit}, "entryPoint": ".github/workflows/release.yml"},
			"environment":  map[string]any{"github_ref": ref, "github_ref_type": "tag", "github_event_name": "push"},
		},
		"materials": []any{map[string]any{"uri": uri, "digest": map[string]any{"sha1": commit}}},
	}
}

// policyKeys is a provenance policy matching predicateV1("v1.2.0").
func policyKeys() map[string]any {
	return map[string]any{
		"builderIds": []string{builderFlow},
		"sourceUri":  sourceRepo,
		"sourceRef":  "refs/tags/v1.*",
	}
}

// keyTrust is a trust policy for one public key file. The provenance here
// is signed without a transparency log (offline), so the policy opts out
// of log evidence explicitly.
func keyTrust(pub string) []map[string]any {
	return []map[string]any{{"name": "release-key", "scopes": []string{"*"}, "keys": []map[string]any{{"file": pub}}, "insecureIgnoreTlog": true}}
}

// entry is a wasm-slsa verifier entry.
func entry(trust []map[string]any, extra map[string]any) map[string]any {
	e := map[string]any{"name": "wasm-slsa", "artifactTypes": mediatype.SigstoreBundle, "trustPolicies": trust, "timeout": "20s"}
	for k, v := range policyKeys() {
		e[k] = v
	}
	for k, v := range extra {
		if v == nil {
			delete(e, k)
		} else {
			e[k] = v
		}
	}
	return e
}

type result = ratifytest.Result

// runPlugin drives wasm-slsa in process as skel does (ratifytest.RunPlugin).
func runPlugin(t testing.TB, subjectRef string, referrer ocispec.Descriptor, cfg map[string]any) result {
	t.Helper()
	return ratifytest.RunPlugin(t, slsa.Plugin, subjectRef, referrer, cfg)
}

// pushApp pushes a small real WASM component from examples/fixtures
// (nested.wasm unless another is named) in the CNCF layout and returns its
// manifest descriptor and its WASM layer digest.
func pushApp(t testing.TB, r *registrytest.Registry, tag string, fixture ...string) (ocispec.Descriptor, digest.Digest) {
	t.Helper()
	name := "nested.wasm"
	if len(fixture) > 0 {
		name = fixture[0]
	}
	wasm := testenv.Fixture(t, name)
	desc, err := registrytest.PushWasm(context.Background(), r, repo, tag, wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	return desc, digest.FromBytes(wasm)
}

// cosignEnv is a private cosign home (internal/testing/clitest) with a key pair.
type cosignEnv struct {
	*clitest.Cosign
	key, pub string
}

func newCosign(t testing.TB) *cosignEnv {
	t.Helper()
	c := clitest.NewCosign(t)
	key, pub := c.KeyPair(t, "cosign")
	return &cosignEnv{Cosign: c, key: key, pub: pub}
}

func (c *cosignEnv) run(t testing.TB, bin string, args ...string) {
	t.Helper()
	c.Run(t, bin, nil, args...)
}

// writePredicate writes a predicate file for cosign attest.
func (c *cosignEnv) writePredicate(t testing.TB, name string, pred any) string {
	t.Helper()
	return c.WriteJSON(t, name, pred)
}

// attestV2 runs cosign v2.6.5 attest, which writes the sha256-<hex>.att tag.
func (c *cosignEnv) attestV2(t testing.TB, ref, typ, predicate string) {
	c.run(t, "cosign2", "attest", "--key", c.key, "--tlog-upload=false", "--allow-http-registry", "-y", "--type", typ, "--predicate", predicate, ref)
}

// attestV3 runs cosign v3.1.3 attest, which attaches a sigstore bundle as
// an OCI 1.1 referrer.
func (c *cosignEnv) attestV3(t testing.TB, ref, typ, predicate string) {
	c.run(t, "cosign3", "attest", "--key", c.key, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "-y", "--type", typ, "--predicate", predicate, ref)
}

// referrerOfType returns the one referrer of subject whose manifest has
// artifactType at (the listing may say application/vnd.oci.empty.v1+json).
func referrerOfType(t testing.TB, r *registrytest.Registry, subject ocispec.Descriptor, at string, skip ...digest.Digest) ocispec.Descriptor {
	t.Helper()
	all, err := registrytest.Referrers(context.Background(), r, repo, subject)
	if err != nil {
		t.Fatal(err)
	}
	var found []ocispec.Descriptor
next:
	for _, d := range all {
		for _, s := range skip {
			if d.Digest == s {
				continue next
			}
		}
		_, raw, err := registrytest.Fetch(context.Background(), r, repo, d.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		var m ocispec.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.ArtifactType == at {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s referrer, found %d among %v", at, len(found), all)
	}
	return found[0]
}
