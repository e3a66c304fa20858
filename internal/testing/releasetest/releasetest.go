// Package releasetest publishes a WASM release the way the pipeline of the
// README examples does (policies/examples/ratify-config.json,
// examples/pull/ratify.json): the artifact, a cosign signature, a notation
// signature, SLSA v1 provenance and a signed composition list, on a test
// registry with a test Sigstore. Test support only.
package releasetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

const (
	// SourceRepo is the source repository the examples' wasm-slsa entries
	// expect (sourceUri).
	SourceRepo = "github.com/myorg/payments"
	// ReleaseBuild is the builder the examples' wasm-slsa entries trust
	// (builderIds).
	ReleaseBuild = "https://github.com/myorg/payments/.github/workflows/release.yml"
)

// Release is what one pipeline run publishes for a WASM artifact.
type Release struct {
	Cosign     bool                  // sign the artifact with the cosign key
	CosignOpts sigtest.LegacyOptions // which evidence the artifact's cosign signature leaves out
	Notation   bool                  // sign the artifact with notation
}

// Publish pushes nested.wasm to repo as tag v1.2.0, as the pipeline of the
// README does: cosign signature (key, with the Rekor entry and RFC 3161
// timestamp `cosign sign --key` gets), notation signature (real CLI), SLSA
// v1 provenance signed with the same key and timestamped, as a bundle
// referrer (cosign v3 attest), and the composition list, signed with
// cosign. Provenance and list are always attached; rel says which
// signatures. It returns the subject's digest reference on host (the name
// the registry r is reached by, e.g. a TLS front).
func Publish(t *testing.T, r *registrytest.Registry, host, repo string, ss *sigtest.Sigstore, k *sigtest.KeyPair, rel Release) string {
	t.Helper()
	ctx := context.Background()
	wasm := compositiontest.Fixture(t, "nested.wasm")
	var layout registrytest.WasmLayout
	l := compositiontest.List(t, wasm)
	for _, e := range l.Imports {
		layout.Imports = append(layout.Imports, e.Name)
	}
	for _, e := range l.Exports {
		layout.Exports = append(layout.Exports, e.Name)
	}
	subj, err := registrytest.PushWasm(ctx, r, repo, "v1.2.0", wasm, layout)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Cosign {
		SignCosign(t, r, repo, subj.Digest, ss, k, rel.CosignOpts)
	}
	if rel.Notation {
		clitest.TestCertNotation(t).Run(t, "sign", "--insecure-registry", "--force-referrers-tag=false", r.Ref(repo, subj.Digest.String()))
	}
	predicate := map[string]any{
		"buildDefinition": map[string]any{
			"buildType": "https://actions.github.io/buildtypes/workflow/v1",
			"externalParameters": map[string]any{"workflow": map[string]any{
				"ref": "refs/tags/v1.2.0", "repository": "https://" + SourceRepo, "path": ".github/workflows/release.yml",
			}},
			"resolvedDependencies": []any{map[string]any{
				"uri": "git+https://" + SourceRepo + "@refs/tags/v1.2.0", "digest": map[string]any{"gitCommit": "0123456789abcdef0123456789abcdef01234567"},
			}},
		},
		"runDetails": map[string]any{"builder": map[string]any{"id": ReleaseBuild + "@refs/tags/v1.2.0"}},
	}
	bundle := ss.BundleWithKey(t, k, sigtest.Statement("https://slsa.dev/provenance/v1", "", subj.Digest, predicate))
	if _, err := registrytest.Attach(ctx, r, repo, subj, mediatype.SigstoreBundle, []registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: bundle}},
		map[string]string{"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"}); err != nil {
		t.Fatal(err)
	}
	rep, err := r.Repository(repo)
	if err != nil {
		t.Fatal(err)
	}
	list, err := list.Attach(ctx, rep, subj, compositiontest.Encoded(t, wasm))
	if err != nil {
		t.Fatal(err)
	}
	SignCosign(t, r, repo, list.Digest, ss, k, sigtest.LegacyOptions{})
	return host + "/" + repo + "@" + subj.Digest.String()
}

// SignCosign writes the .sig tag `cosign sign --key` (v2) writes for d,
// with the evidence o leaves in.
func SignCosign(t *testing.T, r *registrytest.Registry, repo string, d digest.Digest, ss *sigtest.Sigstore, k *sigtest.KeyPair, o sigtest.LegacyOptions) {
	t.Helper()
	payload := sigtest.SimpleSigning(r.Ref(repo, d.String()), d)
	ann := ss.CosignSignatureWithKey(t, k, payload, o)
	config := []byte(`{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
	m := ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))},
		Layers:    []ocispec.Descriptor{{MediaType: mediatype.CosignSimpleSigning, Digest: digest.FromBytes(payload), Size: int64(len(payload)), Annotations: ann}},
	}
	m.SchemaVersion = 2
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	tag := strings.Replace(d.String(), ":", "-", 1) + ".sig"
	if _, err := registrytest.PushManifest(context.Background(), r, repo, tag, raw, map[digest.Digest][]byte{digest.FromBytes(config): config, digest.FromBytes(payload): payload}); err != nil {
		t.Fatal(err)
	}
}
