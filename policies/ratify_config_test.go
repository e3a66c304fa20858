// Package policies_test runs the Ratify configuration of policies/README.md
// (policies/examples/ratify-config.json) with the project's policy.
package policies_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	clitest.RemoveShared()
	os.Exit(code)
}

const (
	sourceRepo   = "github.com/myorg/payments"
	releaseBuild = "https://github.com/myorg/payments/.github/workflows/release.yml"
)

// release is what one pipeline run publishes for a WASM artifact in repo.
type release struct {
	cosign     bool                  // sign the artifact with the cosign key
	cosignOpts sigtest.LegacyOptions // which evidence the artifact's cosign signature leaves out
	notation   bool                  // sign the artifact with notation
}

// publish pushes nested.wasm to repo as the pipeline of the README does:
// cosign signature (key, with the Rekor entry and RFC 3161 timestamp
// `cosign sign --key` gets), notation signature (real CLI), SLSA v1
// provenance signed with the same key and timestamped, as a bundle
// referrer (cosign v3 attest), and the composition list, signed with
// cosign. It returns the subject's digest reference on host.
func publish(t *testing.T, r *registrytest.Registry, host, repo string, ss *sigtest.Sigstore, k *sigtest.KeyPair, rel release) string {
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
	if rel.cosign {
		signCosign(t, r, repo, subj.Digest, ss, k, rel.cosignOpts)
	}
	if rel.notation {
		clitest.TestCertNotation(t).Run(t, "sign", "--insecure-registry", "--force-referrers-tag=false", r.Ref(repo, subj.Digest.String()))
	}
	predicate := map[string]any{
		"buildDefinition": map[string]any{
			"buildType": "https://actions.github.io/buildtypes/workflow/v1",
			"externalParameters": map[string]any{"workflow": map[string]any{
				"ref": "refs/tags/v1.2.0", "repository": "https://" + sourceRepo, "path": ".github/workflows/release.yml",
			}},
			"resolvedDependencies": []any{map[string]any{
				"uri": "git+https://" + sourceRepo + "@refs/tags/v1.2.0", "digest": map[string]any{"gitCommit": "0123456789abcdef0123456789abcdef01234567"},
			}},
		},
		"runDetails": map[string]any{"builder": map[string]any{"id": releaseBuild + "@refs/tags/v1.2.0"}},
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
	signCosign(t, r, repo, list.Digest, ss, k, sigtest.LegacyOptions{})
	return host + "/" + repo + "@" + subj.Digest.String()
}

// signCosign writes the .sig tag `cosign sign --key` (v2) writes for d,
// with the evidence o leaves in.
func signCosign(t *testing.T, r *registrytest.Registry, repo string, d digest.Digest, ss *sigtest.Sigstore, k *sigtest.KeyPair, o sigtest.LegacyOptions) {
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

// TestReadmeRatifyConfig runs policies/examples/ratify-config.json as a
// whole config.json through `ratify verify`, with the policy rendered by
// policies/ratify/render.sh from the README's params.json (ghcr.io being the
// test registry). Its store has no useHttp, so the registry is served over
// TLS (docstest.TLSFront). A release with both signatures, provenance and a
// signed composition list passes; the same without signatures, and with a
// cosign signature that has no transparency-log entry or timestamp (the
// file keeps the secure default, trustedRoot, and no insecureIgnoreTlog),
// are refused.
func TestReadmeRatifyConfig(t *testing.T) {
	r := registrytest.StartReferrers(t)
	host := docstest.TLSFront(t, r)
	ss := sigtest.New(t)
	dir := t.TempDir()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	notation := clitest.TestCertNotation(t)
	policy := ratifytest.ProjectPolicy(t, map[string]any{
		"allowedRepositories": []string{host + "/myorg"},
		"minimumVersions":     map[string]string{host + "/myorg/payments": "1.2.0"},
		"deniedDigests":       []string{},
	})
	env := ratifytest.NewEnvFile(t, docstest.Load(t, "policies/examples/ratify-config.json", map[string]string{
		"/opt/ratify-wasm/plugins":                   ratifytest.PluginDir(t),
		"/etc/ratify/wasm-policy.rego":               policy,
		"ghcr.io":                                    host,
		"/etc/ratify-wasm/cosign.pub":                k.WritePublic(t, dir, "cosign.pub"),
		"/etc/ratify-wasm/trusted_root.json":         ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/notation/wasm.example.crt": notation.TestCertPath(),
	}))

	rep := env.Verify(t, publish(t, r, host, "myorg/payments", ss, k, release{cosign: true, notation: true}))
	if !rep.IsSuccess {
		t.Fatalf("released artifact: want isSuccess true\n%s\n%s", rep.Raw, rep.Stderr)
	}
	for _, name := range []string{"wasm-cosign", "wasm-notation", "wasm-slsa", "wasm-composition"} {
		passed := false
		for _, v := range subjectReports(rep, name) {
			_, skipped := v.Extensions[plugin.ExtSkipped]
			passed = passed || (v.IsSuccess && !skipped)
		}
		if !passed {
			t.Errorf("released artifact: no verified %s report on the subject\n%s", name, rep.Raw)
		}
	}

	// Attested and listed like the release: only the signatures are missing.
	rep = env.Verify(t, publish(t, r, host, "myorg/unsigned", ss, k, release{}))
	if rep.IsSuccess || len(subjectReports(rep, "wasm-cosign"))+len(subjectReports(rep, "wasm-notation")) != 0 {
		t.Errorf("attested and listed, unsigned: want isSuccess false and no signature report\n%s", rep.Raw)
	}

	rep = env.Verify(t, publish(t, r, host, "myorg/unlogged", ss, k, release{cosign: true, cosignOpts: sigtest.LegacyOptions{NoTlog: true, NoTSA: true}}))
	subjectSig := subjectReports(rep, "wasm-cosign")
	if rep.IsSuccess || len(subjectSig) != 1 || subjectSig[0].Extensions[plugin.ExtFailedCheck] != "tlog" {
		t.Errorf("cosign signature without log entry or timestamp: want isSuccess false with a tlog failure, got %t %+v\n%s", rep.IsSuccess, subjectSig, rep.Raw)
	}
}

// subjectReports are the reports of verifier name on the subject's own
// referrers (not on the composition list's).
func subjectReports(rep *ratifytest.Report, name string) []ratifytest.VerifierReport {
	var out []ratifytest.VerifierReport
	for _, v := range rep.Named(name) {
		if v.Depth == 0 {
			out = append(out, v)
		}
	}
	return out
}
