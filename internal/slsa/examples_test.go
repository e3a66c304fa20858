package slsa_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// The Ratify configurations of plugins/wasm-slsa/README.md, loaded from
// plugins/wasm-slsa/examples with the placeholders of docstest.Placeholders
// substituted, run as whole config.json files through `ratify verify`. Their
// store has no useHttp, so the registry is served over TLS
// (docstest.TLSFront); their policy is examples/policy.rego.

const exampleWorkflow = "https://github.com/example-org/hello/.github/workflows/release.yml"

// examplePredicate is predicateV1 for the README's repository,
// github.com/example-org/hello, at tag.
func examplePredicate(t *testing.T, tag string) any {
	t.Helper()
	raw, err := json.Marshal(predicateV1(tag))
	if err != nil {
		t.Fatal(err)
	}
	var p any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(raw), "ratify-wasm/hello", "example-org/hello")), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// attachProvenance pushes a WASM artifact to wasm/<name> and attaches the
// bundle sign returns for its provenance statement, as
// actions/attest-build-provenance does; it returns the subject reference.
func attachProvenance(t *testing.T, r *registrytest.Registry, name string, sign func(statement []byte) []byte, tag string) string {
	t.Helper()
	subj, err := registrytest.PushWasm(context.Background(), r, "wasm/"+name, "v1", testenv.Fixture(t, "nested.wasm"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	b := sign(sigtest.Statement("https://slsa.dev/provenance/v1", "", subj.Digest, examplePredicate(t, tag)))
	if _, err := registrytest.Attach(context.Background(), r, "wasm/"+name, subj, mediatype.SigstoreBundle, []registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: b}},
		map[string]string{"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"}); err != nil {
		t.Fatal(err)
	}
	return "wasm/" + name + ":v1"
}

func exampleEnv(t *testing.T, file string, values map[string]string) *ratifytest.Env {
	t.Helper()
	values["/opt/ratify-wasm/plugins"] = ratifytest.PluginDir(t, "wasm-slsa")
	values["/etc/ratify/policy.rego"] = filepath.Join(testenv.RepoRoot(t), "plugins/wasm-slsa/examples/policy.rego")
	return ratifytest.NewEnvFile(t, docstest.Load(t, "plugins/wasm-slsa/examples/"+file, values))
}

// TestExampleConfigKey runs examples/config-key.json: key-signed provenance
// with an RFC 3161 timestamp from the trusted root (the default evidence
// rule) passes, through the policy's own conditions, also when the
// artifact carries a cosign .sig signature; a tag outside the
// example's builderIds pattern fails builder, and the same key without a
// timestamp fails tlog.
func TestExampleConfigKey(t *testing.T) {
	r := registrytest.StartReferrers(t)
	host := docstest.TLSFront(t, r)
	ss := sigtest.New(t)
	dir := t.TempDir()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	env := exampleEnv(t, "config-key.json", map[string]string{
		"registry.example.com":               host,
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/cosign.pub":        k.WritePublic(t, dir, "cosign.pub"),
	})
	stamped := func(st []byte) []byte { return ss.BundleWithKey(t, k, st) }
	ref := attachProvenance(t, r, "hello", stamped, "v1.2.0")
	// A cosign v2 .sig next to bundle provenance: the example does not route
	// it to wasm-slsa, which would look for a .att tag and fail discovery.
	c := newCosign(t)
	c.run(t, "cosign2", "sign", "--key", c.key, "--tlog-upload=false", "--allow-http-registry", "-y", r.Host+"/"+ref)
	rep := env.Verify(t, host+"/"+ref)
	if !rep.IsSuccess {
		t.Fatalf("want success\n%s\n%s", rep.Raw, rep.Stderr)
	}
	if v := rep.One(t, "wasm-slsa"); v.Extensions["sourceRef"] != "refs/tags/v1.2.0" || v.Extensions["storage"] != "bundle-referrer" {
		t.Errorf("report %+v", v)
	}
	wantSlsaFailure(t, env.Verify(t, host+"/"+attachProvenance(t, r, "rc", stamped, "release-candidate")), "builder")
	unstamped := func(st []byte) []byte { return k.Bundle(t, st) }
	wantSlsaFailure(t, env.Verify(t, host+"/"+attachProvenance(t, r, "unstamped", unstamped, "v1.2.0")), "tlog")
}

// TestExampleConfigKeyless runs examples/config.json (keyless, GitHub
// Actions, requireTlog) with the test Sigstore's trusted root in place of
// the public-good one, which cannot sign offline. The test Sigstore's
// certificates carry the workflow identity and the GitHub issuer but not
// the GitHub claims Fulcio adds (source repository, ref, commit...), which
// wasm-slsa requires of every GitHub Actions certificate: so the run gets
// through the trust policy (identity, Rekor entry, SCT) and stops at
// certificateConsistency. A signer the example does not name fails identity.
func TestExampleConfigKeyless(t *testing.T) {
	r := registrytest.StartReferrers(t)
	host := docstest.TLSFront(t, r)
	ss := sigtest.New(t)
	env := exampleEnv(t, "config.json", map[string]string{
		"registry.example.com":               host,
		"/etc/ratify-wasm/trusted_root.json": ss.WriteTrustedRoot(t, t.TempDir()),
	})
	const issuer = "https://token.actions.githubusercontent.com"
	signAs := func(identity string) func([]byte) []byte {
		return func(st []byte) []byte { return ss.Bundle(t, identity, issuer, st, sigtest.LegacyOptions{}) }
	}
	rep := env.Verify(t, host+"/"+attachProvenance(t, r, "hello", signAs(exampleWorkflow+"@refs/tags/v1.2.0"), "v1.2.0"))
	v := wantSlsaFailure(t, rep, "certificateConsistency")
	if s, _ := v.Extensions["signer"].(map[string]any); s["identity"] != exampleWorkflow+"@refs/tags/v1.2.0" || s["rekorLogIndex"] == nil {
		t.Errorf("the trust policy did not accept the signer: %+v", v)
	}
	wantSlsaFailure(t, env.Verify(t, host+"/"+attachProvenance(t, r, "fork", signAs("https://github.com/fork/hello/.github/workflows/release.yml@refs/tags/v1.2.0"), "v1.2.0")), "identity")
}

// wantSlsaFailure checks that the policy denied and the only wasm-slsa
// report failed check.
func wantSlsaFailure(t *testing.T, rep *ratifytest.Report, check string) ratifytest.VerifierReport {
	t.Helper()
	v := rep.One(t, "wasm-slsa")
	if rep.IsSuccess || v.IsSuccess || v.Extensions[plugin.ExtFailedCheck] != check {
		t.Fatalf("want a %s failure, got isSuccess %t, report %+v\n%s", check, rep.IsSuccess, v, rep.Raw)
	}
	return v
}
