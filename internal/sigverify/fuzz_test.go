package sigverify_test

import (
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// Fuzz targets for the decoders of hostile registry content: sigstore
// bundles, legacy cosign signature layers and DSSE envelopes. Each input is
// decoded and, when it decodes, verified against a real policy, so the
// verification path sees malformed certificates, log entries and
// timestamps too. Nothing may panic, every error has a message and a
// success names its signer.

var fuzzSubject = digest.FromString("fuzz subject manifest")

func fuzzCompile(f *testing.F, p sigverify.TrustPolicy) *sigverify.Policy {
	f.Helper()
	p.Name, p.Scopes = "fuzz", []string{"*"}
	c, err := p.Compile("trustPolicies[0]")
	if err != nil {
		f.Fatal(err)
	}
	return c
}

// checkOutcome verifies e and checks the invariants of the result.
func checkOutcome(t *testing.T, p *sigverify.Policy, e *sigverify.Entity, expect sigverify.Expect) {
	out, err := p.Verify(e, sigverify.Subject{Digest: fuzzSubject}, expect)
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error")
		}
		return
	}
	if out == nil || out.Signer() == "" {
		t.Fatalf("success without a signer: %+v", out)
	}
}

func FuzzParseBundle(f *testing.F) {
	ss := sigtest.New(f)
	st := sigtest.Statement("https://slsa.dev/provenance/v1", "app.wasm", fuzzSubject, map[string]any{"buildDefinition": map[string]any{}})
	f.Add(ss.Bundle(f, "alice@example.com", "https://issuer.example.com", st, sigtest.LegacyOptions{}))
	f.Add(ss.Bundle(f, "alice@example.com", "https://issuer.example.com", st, sigtest.LegacyOptions{NoTlog: true, NoTSA: true}))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	p := fuzzCompile(f, sigverify.TrustPolicy{TrustedRoot: ss.WriteTrustedRoot(f, f.TempDir()),
		Keyless: sigverify.IdentityList{{CertificateIdentity: "alice@example.com", CertificateOIDCIssuer: "https://issuer.example.com"}}})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := sigverify.ParseBundle(b)
		if err != nil {
			return
		}
		checkOutcome(t, p, e, sigverify.Expect{})
	})
}

func FuzzCosignSignature(f *testing.F) {
	k := sigtest.NewKey(f, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning("127.0.0.1:5000/wasm/app", fuzzSubject)
	ann := k.SignCosign(f, payload)
	f.Add(payload, ann[sigverify.AnnotationSignature], "", "", "")
	f.Add(payload, ann[sigverify.AnnotationSignature], "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "", `{"SignedEntryTimestamp":"","Payload":{}}`)
	p := fuzzCompile(f, sigverify.TrustPolicy{InsecureIgnoreTlog: true, Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(f))}}})
	f.Fuzz(func(t *testing.T, payload []byte, sig, cert, chain, bundle string) {
		ann := map[string]string{sigverify.AnnotationSignature: sig}
		for k, v := range map[string]string{sigverify.AnnotationCertificate: cert, sigverify.AnnotationChain: chain, sigverify.AnnotationBundle: bundle} {
			if v != "" {
				ann[k] = v
			}
		}
		e, err := sigverify.CosignSignature(payload, ann)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		checkOutcome(t, p, e, sigverify.Expect{})
	})
}

func FuzzDSSE(f *testing.F) {
	k := sigtest.NewKey(f, sigtest.ECDSAP256)
	st := sigtest.Statement("https://slsa.dev/provenance/v1", "app.wasm", fuzzSubject, map[string]any{"buildDefinition": map[string]any{}})
	f.Add(k.SignDSSE(f, st))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AAAA"}]}`))
	p := fuzzCompile(f, sigverify.TrustPolicy{InsecureIgnoreTlog: true, Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(f))}}})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := sigverify.DSSE(b, nil)
		if err != nil {
			return
		}
		checkOutcome(t, p, e, sigverify.Expect{PredicateTypes: []string{"https://slsa.dev/provenance/v1"}})
	})
}
