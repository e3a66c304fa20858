package slsa_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// artifactTypes routes to wasm-slsa what carries provenance: cosign .sig
// (the plugin then reads the .att tag) and bundle referrers, also when a
// registry lists them as the empty type.
var artifactTypes = strings.Join([]string{mediatype.CosignSignature, mediatype.SigstoreBundle, ocispec.MediaTypeEmptyJSON, mediatype.DSSE}, ",")

// TestRatifyVerify runs `ratify verify` (v1.4.6) with wasm-slsa on a WASM
// artifact carrying both a cosign v2.6.5 .att attestation and a cosign
// v3.1.3 bundle referrer: pass with the matching policy, fail with another
// source repository or another trusted key.
func TestRatifyVerify(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		c := newCosign(t)
		subject, _ := pushApp(t, r, "v1")
		ref := r.Ref(repo, subject.Digest.String())
		pred := c.writePredicate(t, "v1.json", predicateV1("v1.2.0"))
		c.run(t, "cosign2", "sign", "--key", c.key, "--tlog-upload=false", "--allow-http-registry", "-y", ref)
		c.attestV2(t, ref, "slsaprovenance1", pred)
		c.attestV3(t, ref, "slsaprovenance1", pred)

		cfg := func(extra map[string]any) ratifytest.Config {
			e := entry(keyTrust(c.pub), extra)
			e["artifactTypes"] = artifactTypes
			return ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{e}}
		}
		start := time.Now()
		rep := ratifytest.Verify(t, cfg(nil), r.Ref(repo, "v1"))
		t.Logf("ratify verify: %v", time.Since(start).Round(time.Millisecond))
		if !rep.IsSuccess {
			t.Fatalf("want success\n%s\n%s", rep.Raw, rep.Stderr)
		}
		storages := map[any]bool{}
		for _, v := range rep.Named("wasm-slsa") {
			if !v.IsSuccess || v.Extensions["sourceCommit"] != commit {
				t.Errorf("report %+v", v)
			}
			storages[v.Extensions["storage"]] = true
		}
		if !storages["att-tag"] || !storages["bundle-referrer"] || len(storages) != 2 {
			t.Errorf("want reports for the .att tag and the bundle referrer, got %v\n%s", storages, rep.Raw)
		}

		rep = ratifytest.Verify(t, cfg(map[string]any{"sourceUri": "github.com/ratify-wasm/forked"}), r.Ref(repo, "v1"))
		if rep.IsSuccess {
			t.Fatalf("wrong source: want failure\n%s", rep.Raw)
		}
		for _, v := range rep.Named("wasm-slsa") {
			if v.IsSuccess || v.Extensions[plugin.ExtFailedCheck] != "source" || !strings.Contains(v.Message, "github.com/ratify-wasm/forked") {
				t.Errorf("wrong source report: %+v", v)
			}
		}

		other := newCosign(t)
		e := entry(keyTrust(other.pub), nil)
		e["artifactTypes"] = artifactTypes
		if rep := ratifytest.Verify(t, ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{e}}, r.Ref(repo, "v1")); rep.IsSuccess {
			t.Fatalf("other key: want failure\n%s", rep.Raw)
		}
	})
}

// TestRatifyRego: with regoPolicy every matching verifier runs on every
// referrer, so wasm-slsa also sees the cosign v3 signature bundle; with
// nonProvenance "skip" that report is a marked skip, and the policy decides
// on the provenance report's extensions.
func TestRatifyRego(t *testing.T) {
	r := registrytest.StartReferrers(t)
	c := newCosign(t)
	subject, _ := pushApp(t, r, "v1")
	ref := r.Ref(repo, subject.Digest.String())
	c.run(t, "cosign3", "sign", "--key", c.key, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "-y", ref)
	c.attestV3(t, ref, "slsaprovenance1", c.writePredicate(t, "v1.json", predicateV1("v1.2.0")))
	unsigned, _ := pushApp(t, r, "unsigned", "plug.wasm")
	c.run(t, "cosign3", "sign", "--key", c.key, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "-y", r.Ref(repo, unsigned.Digest.String()))

	policy := filepath.Join(t.TempDir(), "policy.rego")
	rego := `package ratify.policy
import rego.v1
default valid := false

slsa contains v if {
	some report in input.verifierReports
	some v in report.verifierReports
	v.name == "wasm-slsa"
}

valid if {
	some v in slsa
	v.isSuccess
	not v.extensions.skipped
	v.extensions.predicateType == "https://slsa.dev/provenance/v1"
	startswith(v.extensions.builderId, "` + builderFlow + `@refs/tags/")
	v.extensions.sourceRef == "refs/tags/v1.2.0"
	every w in slsa { w.isSuccess }
}
`
	if err := os.WriteFile(policy, []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	e := entry(keyTrust(c.pub), map[string]any{"nonProvenance": "skip"})
	e["artifactTypes"] = artifactTypes
	cfg := ratifytest.Config{Policy: ratifytest.RegoPolicy(policy), Verifiers: []map[string]any{e}}
	rep := ratifytest.Verify(t, cfg, r.Ref(repo, "v1"))
	if !rep.IsSuccess {
		t.Fatalf("want success\n%s", rep.Raw)
	}
	skipped := 0
	for _, v := range rep.Named("wasm-slsa") {
		if v.Extensions[plugin.ExtSkipped] == "not-provenance" {
			skipped++
		}
	}
	if skipped != 1 {
		t.Errorf("want one skipped report for the signature bundle, got %d\n%s", skipped, rep.Raw)
	}
	// Signed but without provenance: only a skip, which the policy does not count.
	if rep := ratifytest.Verify(t, cfg, r.Ref(repo, "unsigned")); rep.IsSuccess {
		t.Fatalf("no provenance: want failure\n%s", rep.Raw)
	}
}
