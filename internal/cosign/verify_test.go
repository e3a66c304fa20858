package cosign_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

const (
	alice  = "alice@example.com"
	mallet = "mallet@example.com"
	issuer = "https://issuer.example.com"
)

// pushSigTag pushes a cosign legacy signature manifest (cosign's exact
// shape: image config, simple-signing layers) under the sha256-<hex>.sig
// tag of subject and returns the descriptor Ratify's store would list.
func pushSigTag(t testing.TB, r *registrytest.Registry, repo string, subject digest.Digest, layers ...registrytest.Blob) ocispec.Descriptor {
	t.Helper()
	config := []byte(`{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
	blobs := map[digest.Digest][]byte{digest.FromBytes(config): config}
	m := ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))},
	}
	m.SchemaVersion = 2
	for _, l := range layers {
		blobs[digest.FromBytes(l.Data)] = l.Data
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: l.MediaType, Digest: digest.FromBytes(l.Data), Size: int64(len(l.Data)), Annotations: l.Annotations})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	tag := strings.Replace(subject.String(), ":", "-", 1) + ".sig"
	d, err := registrytest.PushManifest(context.Background(), r, repo, tag, raw, blobs)
	if err != nil {
		t.Fatal(err)
	}
	d.ArtifactType = mediatype.CosignSignature
	return d
}

// attachBundle attaches a sigstore bundle as cosign v3 does (empty config,
// artifactType bundle v0.3, one bundle layer).
func attachBundle(t testing.TB, r *registrytest.Registry, repo string, subject ocispec.Descriptor, bundle []byte) ocispec.Descriptor {
	t.Helper()
	d, err := registrytest.Attach(context.Background(), r, repo, subject, mediatype.SigstoreBundle, []registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: bundle}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.ArtifactType = mediatype.SigstoreBundle
	return d
}

func simpleSigningLayer(payload []byte, ann map[string]string) registrytest.Blob {
	return registrytest.Blob{MediaType: mediatype.CosignSimpleSigning, Data: payload, Annotations: ann}
}

// keylessPolicy trusts alice at issuer through the test Sigstore's root.
func keylessPolicy(rootPath string, mod func(p map[string]any)) map[string]any {
	p := map[string]any{
		"name": "keyless", "scopes": []string{"*"}, "trustedRoot": rootPath,
		"keyless": []any{map[string]any{"certificateIdentity": alice, "certificateOIDCIssuer": issuer}},
	}
	if mod != nil {
		mod(p)
	}
	return map[string]any{"trustPolicies": []any{p}}
}

// TestKeyless verifies keyless legacy signatures and bundles made with the
// VirtualSigstore (Fulcio certificate, Rekor entry with SET, RFC 3161
// timestamp) against a trusted_root.json, offline, and each way they fail.
func TestKeyless(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		ss := sigtest.New(t)
		rootPath := ss.WriteTrustedRoot(t, t.TempDir())
		strict := keylessPolicy(rootPath, func(p map[string]any) {
			p["requireTlog"], p["requireSignedTimestamp"] = true, true
		})

		t.Run("legacy", func(t *testing.T) {
			subj := pushWasm(t, r, "wasm/keyless-legacy", nil)
			ref := r.Ref("wasm/keyless-legacy", subj.Digest.String())
			payload := sigtest.SimpleSigning(ref, subj.Digest)
			desc := pushSigTag(t, r, "wasm/keyless-legacy", subj.Digest, simpleSigningLayer(payload, ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})))
			res := runPlugin(t, ref, desc, strict)
			wantSuccess(t, res, map[string]any{cosign.ExtFormat: cosign.FormatLegacy, cosign.ExtIdentity: alice, cosign.ExtIssuer: issuer,
				cosign.ExtTimestampSource: sigverify.SourceRFC3161, cosign.ExtTlogIndex: float64(1000)})
			if s, _ := res.Extensions[cosign.ExtSigner].(map[string]any); s["summary"] != alice+" (issuer "+issuer+")" || s["identity"] != alice || s["issuer"] != issuer || s["rekorLogIndex"] != float64(1000) {
				t.Errorf("signer %v", res.Extensions[cosign.ExtSigner])
			}
			if _, ok := res.Extensions[cosign.ExtTimestamp].(string); !ok {
				t.Errorf("no timestamp extension: %v", res.Extensions)
			}
		})

		t.Run("bundle", func(t *testing.T) {
			subj := pushWasm(t, r, "wasm/keyless-bundle", nil)
			ref := r.Ref("wasm/keyless-bundle", subj.Digest.String())
			b := ss.Bundle(t, alice, issuer, sigtest.Statement(cosign.PredicateCosignSign, ref, subj.Digest, nil), sigtest.LegacyOptions{})
			desc := attachBundle(t, r, "wasm/keyless-bundle", subj, b)
			wantSuccess(t, runPlugin(t, ref, desc, strict), map[string]any{cosign.ExtFormat: cosign.FormatBundle, cosign.ExtIdentity: alice, cosign.ExtPredicateType: cosign.PredicateCosignSign})

			// A registry without the referrers API may list it as an empty-config artifact.
			desc.ArtifactType = ocispec.MediaTypeEmptyJSON
			wantSuccess(t, runPlugin(t, ref, desc, strict), map[string]any{cosign.ExtFormat: cosign.FormatBundle})
		})

		t.Run("negative", func(t *testing.T) {
			repo := "wasm/keyless-negative"
			subj := pushWasm(t, r, repo, nil)
			ref := r.Ref(repo, subj.Digest.String())
			payload := sigtest.SimpleSigning(ref, subj.Digest)
			legacy := func(ann map[string]string) ocispec.Descriptor {
				return pushSigTag(t, r, repo, subj.Digest, simpleSigningLayer(payload, ann))
			}

			res := runPlugin(t, ref, legacy(ss.CosignSignature(t, mallet, issuer, payload, sigtest.LegacyOptions{})), strict)
			wantFailure(t, res, failure.Identity, `certificate identity "mallet@example.com"`, "matches none of the trusted identities", ref)

			res = runPlugin(t, ref, legacy(ss.CosignSignature(t, alice, "https://evil.example.com", payload, sigtest.LegacyOptions{})), strict)
			wantFailure(t, res, failure.Identity, `is trusted only from issuer "https://issuer.example.com"`, `issued by "https://evil.example.com"`)

			res = runPlugin(t, ref, legacy(ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{NoTlog: true})), strict)
			wantFailure(t, res, failure.Tlog, "no transparency-log entry", "requireTlog")

			// The defaults, without requireTlog: a certificate never logged
			// in CT, and a signature never logged or timestamped, fail.
			res = runPlugin(t, ref, legacy(ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{NoSCT: true})), keylessPolicy(rootPath, nil))
			wantFailure(t, res, failure.SCT, "certificate transparency")
			res = runPlugin(t, ref, legacy(ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{NoTlog: true, NoTSA: true})), keylessPolicy(rootPath, nil))
			wantFailure(t, res, failure.Tlog, "no transparency-log entry or RFC 3161 timestamp")
			b := ss.Bundle(t, alice, issuer, sigtest.Statement(cosign.PredicateCosignSign, ref, subj.Digest, nil), sigtest.LegacyOptions{NoTlog: true, NoTSA: true})
			res = runPlugin(t, ref, attachBundle(t, r, repo, subj, b), keylessPolicy(rootPath, nil))
			wantFailure(t, res, failure.Tlog, "no transparency-log entry or RFC 3161 timestamp")

			res = runPlugin(t, ref, legacy(ss.ExpiredCosignSignature(t, alice, issuer, payload)), keylessPolicy(rootPath, nil))
			wantFailure(t, res, failure.Tlog, "no transparency-log entry or RFC 3161 timestamp")

			att := ss.Bundle(t, alice, issuer, sigtest.Statement("https://slsa.dev/provenance/v1", ref, subj.Digest, nil), sigtest.LegacyOptions{})
			res = runPlugin(t, ref, attachBundle(t, r, repo, subj, att), strict)
			wantFailure(t, res, failure.PredicateType, `predicate type is "https://slsa.dev/provenance/v1"`, cosign.PredicateCosignSign)
		})
	})
}

// TestNegativeKeyed covers the key-signed failure cases with artifacts made
// by the real cosign CLI, then moved or altered in the registry.
func TestNegativeKeyed(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		ctx := context.Background()
		c2, c3 := newCLI(t, "cosign2"), newCLI(t, "cosign3")
		key2, pub2 := c2.keyPair(t, "cosign")
		key3, pub3 := c3.keyPair(t, "cosign")
		_, otherPub := c2.keyPair(t, "other")
		trusted := keyPolicy(pub2, pub3)

		legacy := signV2Tag(t, r, c2, key2, "wasm/neg-legacy")
		bundle := signV3Bundle(t, r, c3, key3, "wasm/neg-bundle")

		t.Run("wrong key", func(t *testing.T) {
			wantFailure(t, runPlugin(t, legacy.ref, legacy.referrer, keyPolicy(otherPub)), failure.Signature, "not signed by any of the 1 trusted key(s)", legacy.ref)
			wantFailure(t, runPlugin(t, bundle.ref, bundle.referrer, keyPolicy(otherPub)), failure.Signature, "not signed by any of the 1 trusted key(s)")
		})

		_, sigManifest, err := registrytest.Fetch(ctx, r, legacy.repo, legacy.referrer.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		var m ocispec.Manifest
		if err := json.Unmarshal(sigManifest, &m); err != nil {
			t.Fatal(err)
		}
		layer := m.Layers[0]
		payload, err := registrytest.FetchBlob(ctx, r, legacy.repo, layer)
		if err != nil {
			t.Fatal(err)
		}

		// The real CLI's signature and its tampered variants, judged by
		// cosign's own verifier too: the verdicts must agree.
		t.Run("against cosign's verifier", func(t *testing.T) {
			root := sigtest.New(t).TrustedRootJSON(t)
			read := func(p string) []byte {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			tampered := []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"tampered":"yes"}`, 1))
			for _, c := range []struct {
				name       string
				payload    []byte
				subject    digest.Digest
				pub        string
				ignoreTlog bool
				accept     bool
			}{
				{"as signed, opt-out", payload, legacy.subject.Digest, pub2, true, true},
				{"as signed, default evidence rule", payload, legacy.subject.Digest, pub2, false, false},
				{"another key", payload, legacy.subject.Digest, otherPub, true, false},
				{"another subject", payload, digest.FromString("another artifact"), pub2, true, false},
				{"tampered payload", tampered, legacy.subject.Digest, pub2, true, false},
			} {
				tp := sigverify.TrustPolicy{Name: "p", Scopes: []string{"*"}, Keys: []sigverify.KeyConfig{{File: c.pub}}, InsecureIgnoreTlog: c.ignoreTlog}
				if !c.ignoreTlog {
					tp.TrustedRootJSON = root
				}
				ours := func() error {
					p, err := tp.Compile("trustPolicies[0]")
					if err != nil {
						return err
					}
					ent, err := sigverify.CosignSignature(c.payload, layer.Annotations)
					if err != nil {
						return err
					}
					_, err = p.Verify(ent, sigverify.Subject{Digest: c.subject}, sigverify.Expect{})
					return err
				}()
				theirs := sigtest.CosignVerify(t, c.payload, layer.Annotations, c.subject, sigtest.CosignTrust{TrustedRoot: tp.TrustedRootJSON, KeyPEM: read(c.pub), IgnoreTlog: c.ignoreTlog})
				t.Logf("%s: ours %v; cosign %v", c.name, ours, theirs)
				if (ours == nil) != c.accept || (theirs == nil) != c.accept {
					t.Errorf("%s: ours accepted %t, cosign accepted %t, want %t", c.name, ours == nil, theirs == nil, c.accept)
				}
			}
		})

		t.Run("moved legacy signature", func(t *testing.T) {
			other := pushWasm(t, r, legacy.repo, testenv.Fixture(t, "hello.core.wasm"))
			otherRef := r.Ref(legacy.repo, other.Digest.String())
			desc := pushSigTag(t, r, legacy.repo, other.Digest, simpleSigningLayer(payload, layer.Annotations))
			wantFailure(t, runPlugin(t, otherRef, desc, trusted), failure.Subject,
				"names "+legacy.subject.Digest.String(), "not the subject "+other.Digest.String())
		})

		t.Run("tampered payload", func(t *testing.T) {
			tampered := []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"tampered":"yes"}`, 1))
			if string(tampered) == string(payload) {
				t.Fatalf("payload shape changed: %s", payload)
			}
			desc := pushSigTag(t, r, legacy.repo, legacy.subject.Digest, simpleSigningLayer(tampered, layer.Annotations))
			wantFailure(t, runPlugin(t, legacy.ref, desc, trusted), failure.Signature, "not signed by any of the 2 trusted key(s)")
		})

		t.Run("moved bundle", func(t *testing.T) {
			_, raw, err := registrytest.Fetch(ctx, r, bundle.repo, bundle.referrer.Digest.String())
			if err != nil {
				t.Fatal(err)
			}
			var bm ocispec.Manifest
			if err := json.Unmarshal(raw, &bm); err != nil {
				t.Fatal(err)
			}
			b, err := registrytest.FetchBlob(ctx, r, bundle.repo, bm.Layers[0])
			if err != nil {
				t.Fatal(err)
			}
			other := pushWasm(t, r, bundle.repo, testenv.Fixture(t, "hello.core.wasm"))
			desc := attachBundle(t, r, bundle.repo, other, b)
			wantFailure(t, runPlugin(t, r.Ref(bundle.repo, other.Digest.String()), desc, trusted), failure.Subject,
				"do not include the subject "+other.Digest.String())
		})

		t.Run("malformed bundle", func(t *testing.T) {
			desc := attachBundle(t, r, bundle.repo, bundle.subject, []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{`))
			wantFailure(t, runPlugin(t, bundle.ref, desc, trusted), failure.Format, "not a valid sigstore bundle")
		})

		t.Run("attestation bundle", func(t *testing.T) {
			pred := filepath.Join(c3.home, "predicate.json")
			if err := os.WriteFile(pred, []byte(`{"wasm":"hello"}`), 0o600); err != nil {
				t.Fatal(err)
			}
			s := newSubject(t, r, "wasm/neg-attest")
			sc := filepath.Join(c3.home, "signing-config.json")
			c3.run(t, nil, "attest", "--key", key3, "--signing-config", sc, "--type", "custom", "--predicate", pred, "--allow-http-registry", "-y", s.ref)
			s.referrer = onlyReferrer(t, r, s.repo, s.subject)
			wantFailure(t, runPlugin(t, s.ref, s.referrer, trusted), failure.PredicateType,
				`predicate type is "https://cosign.sigstore.dev/attestation/v1"`, "expected "+cosign.PredicateCosignSign)

			// nonSignature: skip turns it into an explicit skip, decided before
			// the signature check (provenance is often signed by someone else).
			skipping := map[string]any{"nonSignature": "skip"}
			for k, v := range trusted {
				skipping[k] = v
			}
			res := runPlugin(t, s.ref, s.referrer, skipping)
			if !res.IsSuccess || res.Extensions["skipped"] != "not-a-signature" || res.Extensions[cosign.ExtPredicateType] != "https://cosign.sigstore.dev/attestation/v1" ||
				!strings.HasPrefix(res.Message, "skipped: bundle ") {
				t.Fatalf("want an explicit not-a-signature skip, got %+v", res)
			}
			// A signature bundle is still verified, not skipped.
			wantSuccess(t, runPlugin(t, bundle.ref, bundle.referrer, skipping), map[string]any{cosign.ExtFormat: cosign.FormatBundle})
		})
	})
}

// TestLayersRule signs one artifact twice with the real CLI (cosign appends
// a layer per signature) and checks "any" and "all" and that every layer is
// reported: no last-layer-wins.
func TestLayersRule(t *testing.T) {
	r := registrytest.StartDistribution(t)
	c := newCLI(t, "cosign2")
	keyA, pubA := c.keyPair(t, "a")
	keyB, _ := c.keyPair(t, "b")
	s := newSubject(t, r, "wasm/layers")
	for _, key := range []string{keyA, keyB} {
		c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", s.ref)
	}
	desc := sigTag(t, r, s.repo, s.subject)

	res := runPlugin(t, s.ref, desc, keyPolicy(pubA))
	wantSuccess(t, res, map[string]any{cosign.ExtVerified: float64(1), cosign.ExtTotal: float64(2), cosign.ExtLayers: "any"})
	sigs := res.Extensions[cosign.ExtSignatures].([]any)
	if len(sigs) != 2 || sigs[0].(map[string]any)["verified"] != true || sigs[1].(map[string]any)["verified"] != false ||
		sigs[1].(map[string]any)["failedCheck"] != string(failure.Signature) {
		t.Errorf("signatures: %v", sigs)
	}

	cfg := keyPolicy(pubA)
	cfg["layers"] = "all"
	wantFailure(t, runPlugin(t, s.ref, desc, cfg), failure.Signature, `1 of 2 signature layers verified`, `"layers" is "all"`, "layer 1")

	// The same with the untrusted signature first: still decided by the rule.
	c2 := newCLI(t, "cosign2")
	keyC, _ := c2.keyPair(t, "c")
	s2 := newSubject(t, r, "wasm/layers2")
	for _, key := range []string{keyC, keyA} {
		c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", s2.ref)
	}
	wantSuccess(t, runPlugin(t, s2.ref, sigTag(t, r, s2.repo, s2.subject), keyPolicy(pubA)), map[string]any{cosign.ExtVerified: float64(1)})
}

// TestNonWasmSubject: a signed container image is refused by default and
// explicitly skipped with nonWasmSubjects "skip"; it never silently passes.
func TestNonWasmSubject(t *testing.T) {
	r := registrytest.StartReferrers(t)
	c := newCLI(t, "cosign2")
	key, pub := c.keyPair(t, "cosign")
	d, err := registrytest.PushWasm(context.Background(), r, "app/image", "v1", nil, registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	ref := r.Ref("app/image", d.Digest.String())
	c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", ref)
	desc := sigTag(t, r, "app/image", d)

	wantFailure(t, runPlugin(t, ref, desc, keyPolicy(pub)), failure.Subject, "is not a WASM artifact")
	cfg := keyPolicy(pub)
	cfg["nonWasmSubjects"] = "skip"
	res := runPlugin(t, ref, desc, cfg)
	if !res.IsSuccess || res.Extensions[plugin.ExtSkipped] != "not-wasm" || res.Extensions[cosign.ExtSigner] != nil {
		t.Fatalf("want explicit skip without a signer, got %+v", res)
	}
}

// TestScopesAndConfig: the most specific scope decides; configuration
// errors name the key.
func TestScopesAndConfig(t *testing.T) {
	r := registrytest.StartReferrers(t)
	c := newCLI(t, "cosign2")
	key, pub := c.keyPair(t, "cosign")
	_, otherPub := c.keyPair(t, "other")
	s := signV2Tag(t, r, c, key, "team-a/app")

	scoped := func(a, b string) map[string]any {
		return map[string]any{"trustPolicies": []any{
			map[string]any{"name": "global", "scopes": []string{"*"}, "keys": []any{map[string]any{"file": a}}, "insecureIgnoreTlog": true},
			map[string]any{"name": "team-a", "scopes": []string{r.Host + "/team-a/*"}, "keys": []any{map[string]any{"file": b}}, "insecureIgnoreTlog": true},
		}}
	}
	wantSuccess(t, runPlugin(t, s.ref, s.referrer, scoped(otherPub, pub)), map[string]any{cosign.ExtTrustPolicy: "team-a"})
	wantFailure(t, runPlugin(t, s.ref, s.referrer, scoped(pub, otherPub)), failure.Signature, `trust policy "team-a"`)

	noScope := map[string]any{"trustPolicies": []any{map[string]any{"name": "b", "scopes": []string{r.Host + "/team-b/*"}, "keys": []any{map[string]any{"file": pub}}, "insecureIgnoreTlog": true}}}
	res := runPlugin(t, s.ref, s.referrer, noScope)
	wantFailure(t, res, failure.TrustPolicy, "no trust policy has a scope matching "+r.Host+"/team-a/app")
	// wasm-cosign reported this check as "policy" before; that name goes on for one release.
	if got := res.Extensions[plugin.ExtFailedCheckAlias]; got != "policy" {
		t.Fatalf("failedCheckAlias = %v, want policy", got)
	}

	pemBytes, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	inline := map[string]any{"trustPolicies": []any{map[string]any{"name": "inline", "scopes": []string{"*"}, "keys": []any{map[string]any{"pem": string(pemBytes)}}, "insecureIgnoreTlog": true}}}
	wantSuccess(t, runPlugin(t, s.ref, s.referrer, inline), nil)

	for _, c := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{}, `key "trustPolicies" needs at least one trust policy`},
		{map[string]any{"trustPolicies": []any{map[string]any{"name": "x", "scopes": []string{"*"}, "keys": []any{map[string]any{"file": "/nonexistent.pub"}}}}}, `key "trustPolicies[0].keys[0].file"`},
		{map[string]any{"trustPolicies": []any{map[string]any{"name": "x", "scopes": []string{"*"}, "keyless": map[string]any{"certificateIdentity": alice, "certificateOIDCIssuer": issuer}}}}, `key "trustPolicies[0].trustedRoot" is required with "keyless"`},
		{map[string]any{"trustPolicies": []any{map[string]any{"name": "x", "scopes": []string{"*"}, "key": pub}}}, `key "key" is not a known setting`},
		{map[string]any{"layers": "some", "trustPolicies": []any{}}, `key "layers" is "some"`},
		{map[string]any{"nonSignature": "ignore", "trustPolicies": []any{}}, `key "nonSignature" is "ignore"; expected "fail" or "skip"`},
		{map[string]any{"trustPolicies": []any{map[string]any{"name": "x", "scopes": []string{"a/*/b"}, "keys": []any{map[string]any{"file": pub}}}}}, `key "trustPolicies[0].scopes[0]"`},
		{map[string]any{"trustPolicies": []any{map[string]any{"name": "x", "scopes": []string{"*", "GHCR.IO/myorg/*"}, "keys": []any{map[string]any{"file": pub}}, "insecureIgnoreTlog": true}}}, `key "trustPolicies[0].scopes[1]" "GHCR.IO/myorg/*" is not in canonical form`},
		{map[string]any{"trustPolicies": []any{map[string]any{"name": "x", "scopes": []string{"*"}, "keys": []any{map[string]any{"file": pub}}}}}, `key "trustPolicies[0].trustedRoot" is required: key-signed signatures need a transparency-log entry or RFC 3161 timestamp`},
		{keylessPolicy(sigtest.New(t).WriteTrustedRoot(t, t.TempDir()), func(p map[string]any) {
			p["keyless"] = map[string]any{"certificateIdentityRegExp": `alice@example\.com`, "certificateOIDCIssuer": issuer}
		}), `key "trustPolicies[0].keyless[0].certificateIdentityRegExp"`},
	} {
		wantFailure(t, runPlugin(t, s.ref, s.referrer, c.cfg), failure.Config, c.want)
	}
}

// TestUncheckedEvidenceIsReported: a key-signed signature that also carries
// a Rekor entry verifies under a key-only policy that opts out of log
// evidence (as with Ratify's tLogVerify false), and the report says the
// entry was not checked and the signature counts as unlogged.
func TestUncheckedEvidenceIsReported(t *testing.T) {
	r := registrytest.StartReferrers(t)
	subj := pushWasm(t, r, "wasm/notes", nil)
	ref := r.Ref("wasm/notes", subj.Digest.String())
	payload := sigtest.SimpleSigning(ref, subj.Digest)
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	ann := k.SignCosign(t, payload)
	ann[sigverify.AnnotationBundle] = sigtest.New(t).CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})[sigverify.AnnotationBundle]
	cfg := map[string]any{"trustPolicies": []any{map[string]any{"name": "k", "scopes": []string{"*"}, "keys": []any{map[string]any{"pem": string(k.PublicPEM(t))}}, "insecureIgnoreTlog": true}}}
	res := runPlugin(t, ref, pushSigTag(t, r, "wasm/notes", subj.Digest, simpleSigningLayer(payload, ann)), cfg)
	wantSuccess(t, res, map[string]any{cosign.ExtTimestampSource: "none", cosign.ExtUnlogged: true})
	sig := res.Extensions[cosign.ExtSignatures].([]any)[0].(map[string]any)
	notes, _ := sig["notes"].([]any)
	if !strings.Contains(res.Stderr, "warn: signature ") || !strings.Contains(res.Stderr, `trust policy "k" sets insecureIgnoreTlog`) {
		t.Errorf("no warning for the unlogged signature in the plugin log: %q", res.Stderr)
	}
	if len(notes) != 2 || !strings.Contains(notes[0].(string), "not in the trusted root") || res.Extensions[cosign.ExtTlogIndex] != nil || sig["unlogged"] != true {
		t.Errorf("want one note about the unchecked log entry and no tlogIndex, got %v", res.Extensions)
	}
}

// TestScopeSpellings: a subject written with another spelling of a scoped
// repository (host in upper case) gets the scope's policy, not the
// catch-all. Here the catch-all trusts the attacker's key, so falling to
// it would accept the attacker's signature.
func TestScopeSpellings(t *testing.T) {
	r := registrytest.StartReferrers(t)
	attacker, release := sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256)
	host := strings.Replace(r.Host, "127.0.0.1", "localhost", 1)
	subj := pushWasm(t, r, "team-a/app", nil)
	payload := sigtest.SimpleSigning(host+"/team-a/app", subj.Digest)
	desc := pushSigTag(t, r, "team-a/app", subj.Digest, simpleSigningLayer(payload, attacker.SignCosign(t, payload)))
	cfg := map[string]any{"trustPolicies": []any{
		map[string]any{"name": "catch-all", "scopes": []string{"*"}, "keys": []any{map[string]any{"pem": string(attacker.PublicPEM(t))}}, "insecureIgnoreTlog": true},
		map[string]any{"name": "team-a", "scopes": []string{host + "/team-a/*"}, "keys": []any{map[string]any{"pem": string(release.PublicPEM(t))}}, "insecureIgnoreTlog": true},
	}}
	for _, spelled := range []string{host, strings.ToUpper(host)} {
		ref := spelled + "/team-a/app@" + subj.Digest.String()
		wantFailure(t, runPlugin(t, ref, desc, cfg), failure.Signature, `trust policy "team-a"`)
	}
}
