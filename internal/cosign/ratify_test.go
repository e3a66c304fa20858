package cosign_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// artifactTypes is what a Ratify config routes to wasm-cosign.
var artifactTypes = strings.Join([]string{mediatype.CosignSignature, mediatype.SigstoreBundle}, ",")

// verifyBoth runs `ratify verify` (v1.4.6) on subject twice: with Ratify's
// built-in cosign verifier and with wasm-cosign, both trusting pubs, and
// returns the two overall outcomes.
func verifyBoth(t *testing.T, subject string, pubs ...string) (builtin, ours *ratifytest.Report) {
	t.Helper()
	var keys []any
	for _, p := range pubs {
		keys = append(keys, map[string]any{"file": p})
	}
	builtin = ratifytest.Verify(t, ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{{
		"name": "cosign", "artifactTypes": mediatype.CosignSignature,
		"trustPolicies": []any{map[string]any{"name": "default", "version": "1.0.0", "scopes": []string{"*"}, "keys": keys, "tLogVerify": false}},
	}}}, subject)
	start := time.Now()
	ours = ratifytest.Verify(t, ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{{
		"name": "wasm-cosign", "artifactTypes": artifactTypes,
		"trustPolicies": []any{map[string]any{"name": "default", "scopes": []string{"*"}, "keys": keys, "insecureIgnoreTlog": true}},
	}}}, subject)
	t.Logf("ratify verify with wasm-cosign: %v; built-in: %t, wasm-cosign: %t", time.Since(start).Round(time.Millisecond), builtin.IsSuccess, ours.IsSuccess)
	return builtin, ours
}

// TestRatifyParity runs the CLI-signed artifacts through the real `ratify
// verify` side by side with Ratify's built-in cosign verifier: where the
// built-in accepts, wasm-cosign accepts; where it rejects, wasm-cosign
// rejects. The cases where they differ on purpose follow, each asserting
// both outcomes (README: "What wasm-cosign verifies that the built-in
// cannot").
func TestRatifyParity(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		ctx := context.Background()
		c2, c3 := newCLI(t, "cosign2"), newCLI(t, "cosign3")
		key2, pub2 := c2.keyPair(t, "cosign")
		key3, pub3 := c3.keyPair(t, "cosign")
		_, otherPub := c2.keyPair(t, "other")

		same := func(t *testing.T, name, subject string, want bool, pubs ...string) {
			t.Helper()
			b, o := verifyBoth(t, subject, pubs...)
			if b.IsSuccess != want || o.IsSuccess != want {
				t.Errorf("%s: built-in %t, wasm-cosign %t, want both %t\nbuilt-in: %s\nwasm-cosign: %s", name, b.IsSuccess, o.IsSuccess, want, b.Raw, o.Raw)
			}
		}

		tagged := signV2Tag(t, r, c2, key2, "parity/tag")
		same(t, "v2 .sig tag", tagged.ref, true, pub2)
		same(t, "v2 .sig tag, key rotation", tagged.ref, true, otherPub, pub2)
		same(t, "v2 .sig tag, wrong key", tagged.ref, false, otherPub)

		referrer := signV2Referrer(t, r, c2, key2, "parity/referrer")
		same(t, "v2 OCI 1.1 referrer", referrer.ref, true, pub2)
		same(t, "v2 OCI 1.1 referrer, wrong key", referrer.ref, false, otherPub)

		// Tampered payload: the .sig manifest now carries a changed payload.
		_, raw, err := registrytest.Fetch(ctx, r, tagged.repo, tagged.referrer.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		var m ocispec.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		payload, err := registrytest.FetchBlob(ctx, r, tagged.repo, m.Layers[0])
		if err != nil {
			t.Fatal(err)
		}
		tamperedSubject := pushWasm(t, r, "parity/tampered", nil)
		tampered := []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"x":"y"}`, 1))
		pushSigTag(t, r, "parity/tampered", tamperedSubject.Digest, simpleSigningLayer(tampered, m.Layers[0].Annotations))
		same(t, "tampered payload", r.Ref("parity/tampered", tamperedSubject.Digest.String()), false, pub2)

		// Differences, each on purpose.

		bundle := signV3Bundle(t, r, c3, key3, "parity/bundle")
		b, o := verifyBoth(t, bundle.ref, pub3)
		if b.IsSuccess || !o.IsSuccess {
			t.Errorf("cosign v3 bundle: built-in %t (it cannot read bundles), wasm-cosign %t (want true)", b.IsSuccess, o.IsSuccess)
		}
		if got := o.One(t, "wasm-cosign"); got.Extensions[cosign.ExtFormat] != cosign.FormatBundle {
			t.Errorf("bundle report: %+v", got)
		}

		// The built-in sets no ClaimVerifier on its trust-policy path: a
		// signature copied to another artifact verifies there.
		moved := pushWasm(t, r, tagged.repo, testenv.Fixture(t, "hello.core.wasm"))
		pushSigTag(t, r, tagged.repo, moved.Digest, simpleSigningLayer(payload, m.Layers[0].Annotations))
		b, o = verifyBoth(t, r.Ref(tagged.repo, moved.Digest.String()), pub2)
		if !b.IsSuccess || o.IsSuccess {
			t.Errorf("moved signature: built-in %t (accepts: no claim check), wasm-cosign %t (want false)", b.IsSuccess, o.IsSuccess)
		}
		if msg := o.One(t, "wasm-cosign").Message; !strings.HasPrefix(msg, "subject: ") {
			t.Errorf("moved signature message: %q", msg)
		}

		// Last layer wins in the built-in; wasm-cosign's "any" is cosign's rule.
		keyX, _ := c2.keyPair(t, "x")
		multi := newSubject(t, r, "parity/multi")
		for _, k := range []string{key2, keyX} {
			c2.run(t, nil, "sign", "--key", k, "--tlog-upload=false", "--allow-http-registry", "-y", multi.ref)
		}
		b, o = verifyBoth(t, multi.ref, pub2)
		if b.IsSuccess || !o.IsSuccess {
			t.Errorf("valid layer then untrusted layer: built-in %t (last layer decides), wasm-cosign %t (want true: any)", b.IsSuccess, o.IsSuccess)
		}
	})
}

// TestRatifyNonWasmAndRego: a signed container image fails through Ratify
// by default; with a Rego policy the extensions decide (signer key and
// format), in Ratify's regoPolicy mode.
func TestRatifyNonWasmAndRego(t *testing.T) {
	r := registrytest.StartReferrers(t)
	c := newCLI(t, "cosign2")
	key, pub := c.keyPair(t, "cosign")
	img, err := registrytest.PushWasm(context.Background(), r, "app/image", "v1", nil, registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	imgRef := r.Ref("app/image", img.Digest.String())
	c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", imgRef)
	b, o := verifyBoth(t, imgRef, pub)
	if !b.IsSuccess || o.IsSuccess {
		t.Errorf("signed container image: built-in %t, wasm-cosign %t (want false: not WASM)", b.IsSuccess, o.IsSuccess)
	}
	if msg := o.One(t, "wasm-cosign").Message; !strings.Contains(msg, "is not a WASM artifact") {
		t.Errorf("non-WASM message: %q", msg)
	}

	s := signV2Tag(t, r, c, key, "wasm/rego")
	policy := filepath.Join(t.TempDir(), "policy.rego")
	parsed := keyID(t, pub)
	rego := `package ratify.policy
import rego.v1
default valid := false
valid if {
	some report in input.verifierReports
	some v in report.verifierReports
	v.name == "wasm-cosign"
	v.isSuccess
	v.extensions.format == "legacy"
	v.extensions.keyId == "` + parsed + `"
	not v.extensions.skipped
}
`
	if err := os.WriteFile(policy, []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := ratifytest.Config{CosignEnabled: true, Policy: ratifytest.RegoPolicy(policy), Verifiers: []map[string]any{{
		"name": "wasm-cosign", "artifactTypes": artifactTypes,
		"trustPolicies": []any{map[string]any{"name": "default", "scopes": []string{"*"}, "keys": []any{map[string]any{"file": pub}}, "insecureIgnoreTlog": true}},
	}}}
	if rep := ratifytest.Verify(t, cfg, s.ref); !rep.IsSuccess {
		t.Fatalf("rego policy on extensions: want success\n%s", rep.Raw)
	}
	if rep := ratifytest.Verify(t, cfg, imgRef); rep.IsSuccess {
		t.Fatalf("rego policy on a non-WASM subject: want failure\n%s", rep.Raw)
	}
}

// TestRatifyKeyless runs keyless signatures (VirtualSigstore certificate,
// Rekor SET, RFC 3161 timestamp) through `ratify verify` with an offline
// trusted root: a legacy .sig tag and a bundle referrer on the same subject
// each get a report, and a wrong identity fails both.
func TestRatifyKeyless(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		ss := sigtest.New(t)
		rootPath := ss.WriteTrustedRoot(t, t.TempDir())
		subj := pushWasm(t, r, "wasm/keyless", nil)
		ref := r.Ref("wasm/keyless", subj.Digest.String())
		payload := sigtest.SimpleSigning(ref, subj.Digest)
		pushSigTag(t, r, "wasm/keyless", subj.Digest, simpleSigningLayer(payload, ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})))
		attachBundle(t, r, "wasm/keyless", subj, ss.Bundle(t, alice, issuer, sigtest.Statement(cosign.PredicateCosignSign, ref, subj.Digest, nil), sigtest.LegacyOptions{}))

		cfg := func(identity string) ratifytest.Config {
			return ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{{
				"name": "wasm-cosign", "artifactTypes": artifactTypes,
				"trustPolicies": []any{map[string]any{"name": "ci", "scopes": []string{r.Host + "/wasm/*"}, "trustedRoot": rootPath,
					"keyless":     []any{map[string]any{"certificateIdentity": identity, "certificateOIDCIssuer": issuer}},
					"requireTlog": true, "requireSignedTimestamp": true}},
			}}}
		}
		rep := ratifytest.Verify(t, cfg(alice), r.Ref("wasm/keyless", "v1"))
		reports := rep.Named("wasm-cosign")
		if !rep.IsSuccess || len(reports) != 2 {
			t.Fatalf("want success with two reports (legacy and bundle)\n%s", rep.Raw)
		}
		formats := map[any]bool{}
		for _, v := range reports {
			formats[v.Extensions[cosign.ExtFormat]] = true
			if v.Extensions[cosign.ExtIdentity] != alice || v.Extensions[cosign.ExtTimestampSource] != "rfc3161" {
				t.Errorf("report %+v", v)
			}
			// signer has wasm-slsa's shape: an object, the certificate's claims included.
			if s, _ := v.Extensions[cosign.ExtSigner].(map[string]any); s["identity"] != alice || s["issuer"] != issuer || s["trustPolicy"] != "ci" ||
				s["summary"] != alice+" (issuer "+issuer+")" || s["rekorLogIndex"] == nil || s["certificate"] == nil {
				t.Errorf("signer %+v", v.Extensions[cosign.ExtSigner])
			}
			sigs, _ := v.Extensions[cosign.ExtSignatures].([]any)
			if len(sigs) == 0 {
				t.Fatalf("no signatures in %+v", v)
			}
			if s, _ := sigs[0].(map[string]any)["signer"].(map[string]any); s["identity"] != alice || s["trustPolicy"] != "ci" || s["certificate"] != nil {
				t.Errorf("signatures[0].signer %+v: want the signer without the certificate's claims", s)
			}
		}
		if !formats[cosign.FormatLegacy] || !formats[cosign.FormatBundle] {
			t.Errorf("formats %v", formats)
		}
		rep = ratifytest.Verify(t, cfg(mallet), r.Ref("wasm/keyless", "v1"))
		if rep.IsSuccess {
			t.Fatalf("wrong identity passed\n%s", rep.Raw)
		}
		for _, v := range rep.Named("wasm-cosign") {
			if v.IsSuccess || !strings.HasPrefix(v.Message, "identity: ") {
				t.Errorf("report %+v", v)
			}
		}
	})
}
