package slsa_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// cosign v2.6.5 `attest` writes the sha256-<hex>.att tag, which Ratify
// never lists; wasm-slsa reads it when Ratify invokes it for the subject's
// .sig (cosignEnabled store).
func TestCosignV2AttestationTag(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		c := newCosign(t)
		subject, _ := pushApp(t, r, "v1")
		ref := r.Ref(repo, subject.Digest.String())
		c.run(t, "cosign2", "sign", "--key", c.key, "--tlog-upload=false", "--allow-http-registry", "-y", ref)
		c.attestV2(t, ref, "slsaprovenance1", c.writePredicate(t, "v1.json", predicateV1("v1.2.0")))
		sig, _, err := registrytest.Fetch(context.Background(), r, repo, "sha256-"+subject.Digest.Encoded()+".sig")
		if err != nil {
			t.Fatal(err)
		}
		sig.ArtifactType = mediatype.CosignSignature // as Ratify's store lists .sig tags

		res := runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(c.pub), nil))
		ratifytest.WantPass(t, res)
		want := map[string]any{
			"storage": "att-tag", "subjectMatch": "manifest", "subjectDigest": subject.Digest.String(),
			"predicateType": "https://slsa.dev/provenance/v1", "statementType": "https://in-toto.io/Statement/v0.1",
			"builderId": builderFlow + "@refs/tags/v1.2.0", "builderRule": builderFlow,
			"buildType": "https://actions.github.io/buildtypes/workflow/v1", "sourceUri": "git+https://" + sourceRepo + "@refs/tags/v1.2.0",
			"sourceRef": "refs/tags/v1.2.0", "sourceCommit": commit, "buildTrigger": "push", "runnerEnvironment": "github-hosted",
		}
		for k, v := range want {
			if res.Extensions[k] != v {
				t.Errorf("extension %s = %v, want %v", k, res.Extensions[k], v)
			}
		}
		if s := res.Extensions["signer"].(map[string]any); !strings.HasPrefix(s["keyId"].(string), "sha256:") || s["trustPolicy"] != "release-key" {
			t.Errorf("signer %v", s)
		}

		// Another key.
		other := newCosign(t)
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(other.pub), nil)), "signature", "not signed by any of the 1 trusted key(s)")
		// Another source repository.
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(c.pub), map[string]any{"sourceUri": "github.com/ratify-wasm/other"})),
			"source", `provenance source repository is "git+https://github.com/ratify-wasm/hello", expected "github.com/ratify-wasm/other"`)
		// Another tag.
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(c.pub), map[string]any{"sourceRef": nil, "sourceVersionedTag": "v2"})),
			"sourceRef", `provenance tag "v1.2.0" does not match v2`)
		// With the .att route switched off the .sig is just a signature.
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(c.pub), map[string]any{"attestationTagFor": []string{}})),
			"discovery", "holds no sigstore bundle, DSSE envelope or in-toto statement")

		// The .att tag is append-only: other attestations share it. Only
		// they: not provenance; then a provenance layer next to them passes.
		mixed, _ := pushApp(t, r, "mixed", "sockets.wasm")
		mixedRef := r.Ref(repo, mixed.Digest.String())
		c.attestV2(t, mixedRef, "custom", c.writePredicate(t, "custom.json", map[string]any{"reviewed": true}))
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "mixed"), sig, entry(keyTrust(c.pub), nil)),
			"predicateType", "https://cosign.sigstore.dev/attestation/v1", "not SLSA provenance")
		c.attestV2(t, mixedRef, "slsaprovenance1", c.writePredicate(t, "v1.json", predicateV1("v1.2.0")))
		res = runPlugin(t, r.Ref(repo, "mixed"), sig, entry(keyTrust(c.pub), nil))
		ratifytest.WantPass(t, res)
		if res.Extensions["documents"] != float64(2) {
			t.Errorf("documents %v, want 2", res.Extensions["documents"])
		}

		// A subject with no .att tag.
		pushApp(t, r, "bare", "plug.wasm")
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "bare"), ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("x"), Size: 1, ArtifactType: mediatype.CosignSignature}, entry(keyTrust(c.pub), nil)),
			"discovery", "no cosign attestation tag", ".att")
	})
}

// cosign v3.1.3 `attest` attaches a sigstore bundle referrer.
func TestCosignV3BundleReferrer(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		c := newCosign(t)
		subject, _ := pushApp(t, r, "v1")
		ref := r.Ref(repo, subject.Digest.String())
		c.attestV3(t, ref, "slsaprovenance1", c.writePredicate(t, "v1.json", predicateV1("v1.2.0")))
		bundle := referrerOfType(t, r, subject, mediatype.SigstoreBundle)

		res := runPlugin(t, r.Ref(repo, "v1"), bundle, entry(keyTrust(c.pub), nil))
		ratifytest.WantPass(t, res)
		if res.Extensions["storage"] != "bundle-referrer" || res.Extensions["subjectMatch"] != "manifest" || res.Extensions["sourceCommit"] != commit {
			t.Errorf("extensions %v", res.Extensions)
		}
		// Some registries list bundles as application/vnd.oci.empty.v1+json;
		// the plugin reads the manifest, not the listing.
		empty := bundle
		empty.ArtifactType = ocispec.MediaTypeEmptyJSON
		ratifytest.WantPass(t, runPlugin(t, r.Ref(repo, "v1"), empty, entry(keyTrust(c.pub), nil)))

		// A second WASM artifact: the bundle is not about it.
		pushApp(t, r, "other", "plug.wasm")
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "other"), bundle, entry(keyTrust(c.pub), nil)), "referrer", "is attached to")

		// A v0.2 provenance from a builder that is not allowed.
		c.attestV3(t, ref, "slsaprovenance02", c.writePredicate(t, "v02.json", predicateV02("https://github.com/evil/builder/.github/workflows/b.yml@refs/tags/v1.0.0", "v1.2.0")))
		v02 := referrerWithPredicate(t, r, subject, "https://slsa.dev/provenance/v0.2")
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), v02, entry(keyTrust(c.pub), nil)),
			"builder", `builder ID "https://github.com/evil/builder/.github/workflows/b.yml@refs/tags/v1.0.0" is not allowed`)

		// A bundle whose predicate is not provenance: cosign v3 signs images
		// with a bundle of predicate type https://sigstore.dev/cosign/sign/v1.
		c.run(t, "cosign3", "sign", "--key", c.key, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "-y", ref)
		sig := referrerWithPredicate(t, r, subject, sigtest.CosignSignPredicate)
		ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(c.pub), nil)), "predicateType", "https://sigstore.dev/cosign/sign/v1", "not SLSA provenance")
		skipped := runPlugin(t, r.Ref(repo, "v1"), sig, entry(keyTrust(c.pub), map[string]any{"nonProvenance": "skip"}))
		if !skipped.IsSuccess || skipped.Extensions[plugin.ExtSkipped] != "not-provenance" {
			t.Errorf("nonProvenance skip: %+v", skipped)
		}
	})
}

// referrerWithPredicate finds the bundle referrer annotated with predicate type pt.
func referrerWithPredicate(t testing.TB, r *registrytest.Registry, subject ocispec.Descriptor, pt string) ocispec.Descriptor {
	t.Helper()
	all, err := registrytest.Referrers(context.Background(), r, repo, subject)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		d2, raw, err := registrytest.Fetch(context.Background(), r, repo, d.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		var m ocispec.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.Annotations["dev.sigstore.bundle.predicateType"] == pt {
			d2.ArtifactType = d.ArtifactType
			return d2
		}
	}
	t.Fatalf("no referrer with predicate type %s among %v", pt, all)
	return ocispec.Descriptor{}
}

// DSSE envelopes and in-toto statements attached with the oras CLI.
func TestOrasAttachedProvenance(t *testing.T) {
	r := registrytest.StartReferrers(t)
	key := sigtest.NewKey(t, sigtest.ECDSAP256)
	dir := t.TempDir()
	pub := key.WritePublic(t, dir, "key.pub")
	subject, layer := pushApp(t, r, "v1")

	attach := func(t *testing.T, name, artifactType, mediaType string, content []byte) ocispec.Descriptor {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(testenv.Bin(t, "oras"), "attach", "--plain-http", "--format", "json", "--artifact-type", artifactType,
			r.Ref(repo, subject.Digest.String()), name+":"+mediaType)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("oras attach: %v %s", err, out)
		}
		var d ocispec.Descriptor
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("oras attach output %s: %v", out, err)
		}
		d.ArtifactType = artifactType
		return d
	}
	statement := func(d digest.Digest, pred map[string]any) []byte {
		return sigtest.Statement("https://slsa.dev/provenance/v1", "app.wasm", d, pred)
	}

	// Provenance about the WASM layer, as a build that never saw the
	// manifest writes it.
	signed := attach(t, "layer.dsse.json", mediatype.DSSE, mediatype.DSSE, key.SignDSSE(t, statement(layer, predicateV1("v1.2.0"))))
	res := runPlugin(t, r.Ref(repo, "v1"), signed, entry(keyTrust(pub), map[string]any{"artifactTypes": mediatype.DSSE}))
	ratifytest.WantPass(t, res)
	if s := res.Extensions["signer"].(map[string]any); s["unlogged"] != true || !strings.Contains(res.Stderr, "warn: ") || !strings.Contains(res.Stderr, "insecureIgnoreTlog") {
		t.Errorf("signer %v, log %q: want unlogged and a warning", s, res.Stderr)
	}
	// Without the opt-out, provenance signed with no log entry or
	// timestamp is refused, naming the missing evidence and the key.
	strict := []map[string]any{{"name": "strict", "scopes": []string{"*"}, "keys": []map[string]any{{"file": pub}}, "trustedRoot": sigtest.New(t).WriteTrustedRoot(t, dir)}}
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), signed, entry(strict, nil)), "tlog", "no transparency-log entry or RFC 3161 timestamp", "insecureIgnoreTlog")
	if res.Extensions["storage"] != "dsse-referrer" || res.Extensions["subjectMatch"] != "wasmLayer" || res.Extensions["subjectDigest"] != layer.String() {
		t.Errorf("extensions %v", res.Extensions)
	}
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), signed, entry(keyTrust(pub), map[string]any{"subjectDigest": "manifest"})),
		"subject", "name neither the manifest digest "+subject.Digest.String())

	// The same predicate in a .intoto.jsonl file (in-toto media type, one
	// envelope per line) names the manifest.
	jsonl := append(append(key.SignDSSE(t, statement(digest.FromString("earlier build"), predicateV1("v1.1.0"))), '\n'), key.SignDSSE(t, statement(subject.Digest, predicateV1("v1.2.0")))...)
	lines := attach(t, "prov.intoto.jsonl", mediatype.InToto, mediatype.InToto, jsonl)
	res = runPlugin(t, r.Ref(repo, "v1"), lines, entry(keyTrust(pub), nil))
	ratifytest.WantPass(t, res)
	if res.Extensions["subjectMatch"] != "manifest" || res.Extensions["documents"] != float64(2) || !strings.Contains(res.Message, "line 2") {
		t.Errorf("jsonl: %s %v", res.Message, res.Extensions)
	}

	// When no document passes, the one that got furthest is reported: the
	// second line's policy failure, not the first line's other subject.
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), lines, entry(keyTrust(pub), map[string]any{"sourceUri": "github.com/ratify-wasm/other"})),
		"source", "none of the 2 provenance documents", "line 2")

	// Subject digest mismatch: provenance of another artifact.
	foreign := attach(t, "foreign.dsse.json", mediatype.DSSE, mediatype.DSSE, key.SignDSSE(t, statement(digest.FromString("another artifact"), predicateV1("v1.2.0"))))
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), foreign, entry(keyTrust(pub), nil)), "subject", digest.FromString("another artifact").String())

	// Tampered predicate: the payload no longer matches the signature.
	var env map[string]any
	_ = json.Unmarshal(key.SignDSSE(t, statement(subject.Digest, predicateV1("v1.2.0"))), &env)
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	env["payload"] = base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(string(payload), "ratify-wasm/hello", "ratify-wasm/hellp")))
	tamperedJSON, _ := json.Marshal(env)
	tampered := attach(t, "tampered.dsse.json", mediatype.DSSE, mediatype.DSSE, tamperedJSON)
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), tampered, entry(keyTrust(pub), map[string]any{"sourceUri": "github.com/ratify-wasm/hellp"})), "signature")

	// Unsigned provenance never passes.
	unsigned := attach(t, "unsigned.intoto.json", mediatype.InToto, mediatype.InToto, statement(subject.Digest, predicateV1("v1.2.0")))
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), unsigned, entry(keyTrust(pub), nil)), "unsigned", "provenance must be signed")
}

// Keyless provenance from a private Sigstore (Fulcio certificate, Rekor
// entry), checked against its trusted root: as a cosign legacy .att layer
// (certificate and SET in the annotations) and as a bundle referrer.
func TestKeyless(t *testing.T) {
	r := registrytest.StartReferrers(t)
	ss := sigtest.New(t)
	dir := t.TempDir()
	rootPath := ss.WriteTrustedRoot(t, dir)
	subject, _ := pushApp(t, r, "v1")
	const identity, issuer = "release@example.com", "https://issuer.example.com"
	env, ann := ss.CosignAttestation(t, identity, issuer, sigtest.Statement("https://slsa.dev/provenance/v1", repo, subject.Digest, predicateV1("v1.2.0")), sigtest.LegacyOptions{})
	ann["predicateType"] = "https://slsa.dev/provenance/v1"
	pushAttTag(t, r, subject.Digest, env, ann)

	trust := func(id string) []map[string]any {
		return []map[string]any{{"name": "keyless", "scopes": []string{"*"}, "trustedRoot": rootPath,
			"keyless": []map[string]any{{"certificateIdentity": id, "certificateOIDCIssuer": issuer}}}}
	}
	sig := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("sig"), Size: 1, ArtifactType: mediatype.CosignSignature}
	res := runPlugin(t, r.Ref(repo, "v1"), sig, entry(trust(identity), nil))
	ratifytest.WantPass(t, res)
	if s := res.Extensions["signer"].(map[string]any); s["identity"] != identity || s["issuer"] != issuer {
		t.Errorf("signer %v", s)
	}
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), sig, entry(trust("someone-else@example.com"), nil)), "identity")

	// The same, as a keyless sigstore bundle referrer (cosign v3 keyless).
	b := ss.Bundle(t, identity, issuer, sigtest.Statement("https://slsa.dev/provenance/v1", "", subject.Digest, predicateV1("v1.2.0")), sigtest.LegacyOptions{})
	ref, err := registrytest.Attach(context.Background(), r, repo, subject, mediatype.SigstoreBundle, []registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: b}},
		map[string]string{"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"})
	if err != nil {
		t.Fatal(err)
	}
	ref.ArtifactType = mediatype.SigstoreBundle
	res = runPlugin(t, r.Ref(repo, "v1"), ref, entry(trust(identity), nil))
	ratifytest.WantPass(t, res)
	if s := res.Extensions["signer"].(map[string]any); s["identity"] != identity || s["rekorLogIndex"] == nil || res.Extensions["storage"] != "bundle-referrer" {
		t.Errorf("keyless bundle: %v", res.Extensions)
	}
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "v1"), ref, entry(trust("someone-else@example.com"), nil)), "identity")
}

// pushAttTag writes a cosign-style .att manifest with one DSSE layer.
func pushAttTag(t testing.TB, r *registrytest.Registry, subject digest.Digest, envelope []byte, ann map[string]string) {
	t.Helper()
	cfg := []byte(`{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["` + digest.FromBytes(envelope).String() + `"]},"config":{}}`)
	m := ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(cfg), Size: int64(len(cfg))},
		Layers:    []ocispec.Descriptor{{MediaType: mediatype.DSSE, Digest: digest.FromBytes(envelope), Size: int64(len(envelope)), Annotations: ann}},
	}
	m.SchemaVersion = 2
	raw, _ := json.Marshal(m)
	tag := "sha256-" + subject.Encoded() + ".att"
	if _, err := registrytest.PushManifest(context.Background(), r, repo, tag, raw, map[digest.Digest][]byte{digest.FromBytes(cfg): cfg, digest.FromBytes(envelope): envelope}); err != nil {
		t.Fatal(err)
	}
}

func TestNonWasmSubject(t *testing.T) {
	r := registrytest.StartReferrers(t)
	key := sigtest.NewKey(t, sigtest.ECDSAP256)
	pub := key.WritePublic(t, t.TempDir(), "key.pub")
	img, err := registrytest.PushWasm(context.Background(), r, repo, "image", nil, registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	env := key.SignDSSE(t, sigtest.Statement("https://slsa.dev/provenance/v1", "img", img.Digest, predicateV1("v1.2.0")))
	ref, err := registrytest.Attach(context.Background(), r, repo, img, mediatype.DSSE, []registrytest.Blob{{MediaType: mediatype.DSSE, Data: env}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref.ArtifactType = mediatype.DSSE
	ratifytest.WantFail(t, runPlugin(t, r.Ref(repo, "image"), ref, entry(keyTrust(pub), nil)), "subject", "is not a WASM artifact")
	res := runPlugin(t, r.Ref(repo, "image"), ref, entry(keyTrust(pub), map[string]any{"nonWasmSubjects": "skip"}))
	if !res.IsSuccess || res.Extensions[plugin.ExtSkipped] != "not-wasm" {
		t.Errorf("nonWasmSubjects skip: %+v", res)
	}
}

func TestConfigErrors(t *testing.T) {
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("x"), Size: 1}
	pub := sigtest.NewKey(t, sigtest.ECDSAP256).WritePublic(t, t.TempDir(), "key.pub")
	cases := map[string]struct {
		extra map[string]any
		want  string
	}{
		"no source":          {map[string]any{"sourceUri": nil}, `key "sourceUri" is required`},
		"no builders":        {map[string]any{"builderIds": nil}, `key "builderIds" must list at least one`},
		"bad subjectDigest":  {map[string]any{"subjectDigest": "layer"}, `key "subjectDigest" is "layer"`},
		"bad nonProvenance":  {map[string]any{"nonProvenance": "allow"}, `key "nonProvenance" is "allow"`},
		"unknown key":        {map[string]any{"sourceRepo": "x"}, `key "sourceRepo" is not a known setting`},
		"no trust policies":  {map[string]any{"trustPolicies": nil}, `key "trustPolicies" needs at least one trust policy`},
		"missing key file":   {map[string]any{"trustPolicies": keyTrust("/nonexistent/key.pub")}, `trustPolicies[0].keys[0]`},
		"bad versioned tag":  {map[string]any{"sourceVersionedTag": "latest"}, `key "sourceVersionedTag"`},
		"empty att type":     {map[string]any{"attestationTagFor": []string{""}}, `key "attestationTagFor" contains an empty`},
		"source names a ref": {map[string]any{"sourceUri": "github.com/o/r@refs/heads/main"}, `key "sourceUri"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := runPlugin(t, "127.0.0.1:1/wasm/app@"+digest.FromString("s").String(), desc, entry(keyTrust(pub), tc.extra))
			ratifytest.WantFail(t, res, "config", tc.want)
		})
	}
}
