package sigverify_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify/sigtest"
)

const (
	alice  = "alice@example.com"
	mallet = "mallet@example.com"
	issuer = "https://issuer.example.com"
	ref    = "127.0.0.1:5000/wasm/hello"
)

var (
	subj  = digest.FromString("subject manifest")
	other = digest.FromString("another manifest")
)

type env struct {
	ss       *sigtest.Sigstore
	rootPath string
	dir      string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ss := sigtest.New(t)
	dir := t.TempDir()
	return &env{ss: ss, rootPath: ss.WriteTrustedRoot(t, dir), dir: dir}
}

func compile(t *testing.T, p sigverify.TrustPolicy) *sigverify.Policy {
	t.Helper()
	if p.Name == "" {
		p.Name = "test"
	}
	if p.Scopes == nil {
		p.Scopes = []string{"*"}
	}
	c, err := p.Compile("trustPolicies[0]")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

func (e *env) keyless(t *testing.T, mod func(*sigverify.TrustPolicy)) *sigverify.Policy {
	p := sigverify.TrustPolicy{TrustedRoot: e.rootPath, Keyless: sigverify.IdentityList{{CertificateIdentity: alice, CertificateOIDCIssuer: issuer}}}
	if mod != nil {
		mod(&p)
	}
	return compile(t, p)
}

// mustEntity unwraps an entity constructor's result; a constructor error
// here is a bug in the test fixture, so it panics.
func mustEntity(e *sigverify.Entity, err error) *sigverify.Entity {
	if err != nil {
		panic(err)
	}
	return e
}

// wantFail checks the failure's check name and that msg contains every part.
func wantFail(t *testing.T, err error, check string, parts ...string) {
	t.Helper()
	var ve *sigverify.Error
	if !errors.As(err, &ve) {
		t.Fatalf("want *sigverify.Error (%s), got %v", check, err)
	}
	t.Logf("%v", err)
	if ve.Check != check {
		t.Fatalf("check = %q, want %q; message: %v", ve.Check, check, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("message %q does not contain %q", err, p)
		}
	}
}

func TestKeyedLegacySignature(t *testing.T) {
	for _, alg := range []string{sigtest.ECDSAP256, sigtest.RSA2048, sigtest.Ed25519} {
		t.Run(alg, func(t *testing.T) {
			dir := t.TempDir()
			k := sigtest.NewKey(t, alg)
			payload := sigtest.SimpleSigning(ref, subj)
			ann := k.SignCosign(t, payload)
			p := compile(t, sigverify.TrustPolicy{Keys: []sigverify.KeyConfig{{File: k.WritePublic(t, dir, "k.pub")}}})
			out, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.KeyID, "sha256:") || out.Signer() != "key "+out.KeyID || out.SignedReference != ref {
				t.Errorf("outcome %+v", out)
			}
			if len(out.Timestamps) != 0 || len(out.Tlog) != 0 {
				t.Errorf("no timestamps or log entries were present, got %+v %+v", out.Timestamps, out.Tlog)
			}
		})
	}
}

func TestKeyRotationAndWrongKey(t *testing.T) {
	oldKey, newKey, stranger := sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	p := compile(t, sigverify.TrustPolicy{Keys: []sigverify.KeyConfig{{PEM: string(oldKey.PublicPEM(t))}, {PEM: string(newKey.PublicPEM(t))}}})
	for _, k := range []*sigtest.KeyPair{oldKey, newKey} {
		out, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, k.SignCosign(t, payload))), sigverify.Subject{Digest: subj}, sigverify.Expect{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := sigverify.ParsePublicKey(k.PublicPEM(t), "")
		if out.KeyID != want.ID {
			t.Errorf("key id %s, want %s", out.KeyID, want.ID)
		}
	}
	_, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, stranger.SignCosign(t, payload))), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckSignature, "not signed by any of the 2 trusted key(s)")
}

func TestTamperedPayload(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	ann := k.SignCosign(t, payload)
	tampered := []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"x":"y"}`, 1))
	p := compile(t, sigverify.TrustPolicy{Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}})
	_, err := p.Verify(mustEntity(sigverify.CosignSignature(tampered, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckSignature)
}

// The ClaimVerifier pitfall: a valid signature of one artifact must not
// verify for another.
func TestSignatureMovedToAnotherSubject(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	p := compile(t, sigverify.TrustPolicy{Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}})
	_, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, k.SignCosign(t, payload))), sigverify.Subject{Digest: other}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckSubject, subj.String(), other.String())

	st := sigtest.Statement(sigtest.CosignSignPredicate, ref, subj, nil)
	_, err = p.Verify(mustEntity(sigverify.ParseBundle(k.Bundle(t, st))), sigverify.Subject{Digest: other}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckSubject, "do not include the subject "+other.String())
}

func TestKeylessLegacySignature(t *testing.T) {
	e := newEnv(t)
	payload := sigtest.SimpleSigning(ref, subj)
	p := e.keyless(t, nil)
	out, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, e.ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{}))), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Identity != alice || out.Issuer != issuer || out.Certificate == nil {
		t.Errorf("signer %q %q", out.Identity, out.Issuer)
	}
	if len(out.Tlog) != 1 || out.Tlog[0].LogIndex != 1000 {
		t.Errorf("tlog %+v", out.Tlog)
	}
	sources := map[string]bool{}
	for _, ts := range out.Timestamps {
		sources[ts.Source] = true
	}
	if !sources[sigverify.SourceTlog] || !sources[sigverify.SourceRFC3161] || len(out.Timestamps) != 2 {
		t.Errorf("timestamps %+v", out.Timestamps)
	}
}

func TestKeylessNegative(t *testing.T) {
	e := newEnv(t)
	payload := sigtest.SimpleSigning(ref, subj)
	sig := func(id string, o sigtest.LegacyOptions) *sigverify.Entity {
		return mustEntity(sigverify.CosignSignature(payload, e.ss.CosignSignature(t, id, issuer, payload, o)))
	}
	s := sigverify.Subject{Digest: subj}

	_, err := e.keyless(t, nil).Verify(sig(mallet, sigtest.LegacyOptions{}), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckIdentity, `"mallet@example.com"`, "matches none of the trusted identities")

	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) {
		p.Keyless[0].CertificateOIDCIssuer = "https://other-issuer.example.com"
	}).Verify(sig(alice, sigtest.LegacyOptions{}), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckIdentity, "trusted only from issuer", "https://other-issuer.example.com", "but it was issued by \"https://issuer.example.com\"")

	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireTlog = true }).Verify(sig(alice, sigtest.LegacyOptions{NoTlog: true}), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckTlog, "no transparency-log entry", "requireTlog")

	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireSignedTimestamp = true }).Verify(sig(alice, sigtest.LegacyOptions{NoTSA: true}), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckTimestamp, "no RFC 3161 timestamp")

	// The VirtualSigstore's certificates carry no SCT.
	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireSCT = true }).Verify(sig(alice, sigtest.LegacyOptions{}), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckSCT)

	expired := mustEntity(sigverify.CosignSignature(payload, e.ss.ExpiredCosignSignature(t, alice, issuer, payload)))
	_, err = e.keyless(t, nil).Verify(expired, s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckCertificate, "current time", "no transparency-log entry or RFC 3161 timestamp")

	// A key-only policy does not accept certificates, and vice versa.
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	keyOnly := compile(t, sigverify.TrustPolicy{Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}})
	_, err = keyOnly.Verify(sig(alice, sigtest.LegacyOptions{}), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckIdentity, "trusts keys only")
	_, err = e.keyless(t, nil).Verify(mustEntity(sigverify.CosignSignature(payload, k.SignCosign(t, payload))), s, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckSignature, "keyless identities only")
}

func TestLogEntryNotInTrustedRootIsIgnoredUnlessRequired(t *testing.T) {
	e := newEnv(t)
	stranger := sigtest.New(t) // another Sigstore: its log is not trusted
	payload := sigtest.SimpleSigning(ref, subj)
	ann := e.ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})
	ann[sigverify.AnnotationBundle] = stranger.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})[sigverify.AnnotationBundle]
	ent := mustEntity(sigverify.CosignSignature(payload, ann))
	out, err := e.keyless(t, nil).Verify(ent, sigverify.Subject{Digest: subj}, sigverify.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tlog) != 0 || len(out.Notes) != 1 || !strings.Contains(out.Notes[0], "not in the trusted root") {
		t.Errorf("tlog %+v notes %q", out.Tlog, out.Notes)
	}
	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireTlog = true }).Verify(ent, sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckTlog, "does not list")
}

func TestTamperedLogEntryFails(t *testing.T) {
	e := newEnv(t)
	payload := sigtest.SimpleSigning(ref, subj)
	ann := e.ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})
	var rb map[string]any
	if err := json.Unmarshal([]byte(ann[sigverify.AnnotationBundle]), &rb); err != nil {
		t.Fatal(err)
	}
	rb["Payload"].(map[string]any)["logIndex"] = 7
	b, _ := json.Marshal(rb)
	ann[sigverify.AnnotationBundle] = string(b)
	_, err := e.keyless(t, nil).Verify(mustEntity(sigverify.CosignSignature(payload, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckTlog)
}

func TestKeylessAttestationTimestampCoversEnvelope(t *testing.T) {
	e := newEnv(t)
	st := sigtest.Statement("https://slsa.dev/provenance/v1", ref, subj, map[string]any{"buildDefinition": map[string]any{}})
	envJSON, ann := e.ss.CosignAttestation(t, alice, issuer, st, sigtest.LegacyOptions{})
	p := e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireSignedTimestamp, p.RequireTlog = true, true })
	out, err := p.Verify(mustEntity(sigverify.DSSE(envJSON, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{PredicateTypes: []string{"https://slsa.dev/provenance/v1"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.PredicateType != "https://slsa.dev/provenance/v1" || string(out.Statement) != string(st) || out.CertSummary == nil {
		t.Errorf("outcome %+v", out)
	}
	// A timestamp over the signature bytes (bundle style) does not cover a
	// legacy attestation.
	sigTS := e.ss.CosignSignature(t, alice, issuer, st, sigtest.LegacyOptions{})[sigverify.AnnotationRFC3161]
	ann[sigverify.AnnotationRFC3161] = sigTS
	_, err = p.Verify(mustEntity(sigverify.DSSE(envJSON, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckTimestamp)
}

func TestBundles(t *testing.T) {
	e := newEnv(t)
	st := sigtest.Statement(sigtest.CosignSignPredicate, ref, subj, nil)
	expect := sigverify.Expect{PredicateTypes: []string{sigtest.CosignSignPredicate}}

	out, err := e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireTlog, p.RequireSignedTimestamp = true, true }).
		Verify(mustEntity(sigverify.ParseBundle(e.ss.Bundle(t, alice, issuer, st, sigtest.LegacyOptions{}))), sigverify.Subject{Digest: subj}, expect)
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != sigverify.KindDSSE || out.Identity != alice || len(out.Tlog) != 1 || len(out.Timestamps) != 2 {
		t.Errorf("outcome %+v", out)
	}

	k := sigtest.NewKey(t, sigtest.Ed25519)
	keyed := compile(t, sigverify.TrustPolicy{Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}})
	if _, err := keyed.Verify(mustEntity(sigverify.ParseBundle(k.Bundle(t, st))), sigverify.Subject{Digest: subj}, expect); err != nil {
		t.Fatal(err)
	}

	att := sigtest.Statement("https://cosign.sigstore.dev/attestation/v1", ref, subj, nil)
	_, err = keyed.Verify(mustEntity(sigverify.ParseBundle(k.Bundle(t, att))), sigverify.Subject{Digest: subj}, expect)
	wantFail(t, err, sigverify.CheckPredicate, "https://cosign.sigstore.dev/attestation/v1")

	_, err = sigverify.ParseBundle([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":`))
	if err == nil || !strings.Contains(err.Error(), "not a valid sigstore bundle") {
		t.Errorf("malformed bundle: %v", err)
	}
}

func TestMalformedLegacyLayers(t *testing.T) {
	payload := sigtest.SimpleSigning(ref, subj)
	for name, ann := range map[string]map[string]string{
		"no signature":  {},
		"not base64":    {sigverify.AnnotationSignature: "%%%"},
		"bad cert":      {sigverify.AnnotationSignature: "AAAA", sigverify.AnnotationCertificate: "nope"},
		"bad bundle":    {sigverify.AnnotationSignature: "AAAA", sigverify.AnnotationBundle: "{"},
		"bad timestamp": {sigverify.AnnotationSignature: "AAAA", sigverify.AnnotationRFC3161: "{}"},
	} {
		if _, err := sigverify.CosignSignature(payload, ann); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := sigverify.DSSE([]byte(`{"payloadType":"x","payload":"`+base64.StdEncoding.EncodeToString([]byte("{}"))+`","signatures":[]}`), nil); err == nil {
		t.Error("DSSE without signatures accepted")
	}
}

// Several identities, exact and regexp; a certificate without a chain
// annotation chains through the trusted root's intermediates.
func TestIdentityListAndMissingChain(t *testing.T) {
	e := newEnv(t)
	payload := sigtest.SimpleSigning(ref, subj)
	p := e.keyless(t, func(p *sigverify.TrustPolicy) {
		p.Keyless = sigverify.IdentityList{
			{CertificateIdentity: "someone@example.com", CertificateOIDCIssuer: issuer},
			{CertificateIdentityRegExp: `^[a-z]+@example\.com$`, CertificateOIDCIssuerRegExp: `^https://issuer\.example\.(com|org)$`},
		}
	})
	ann := e.ss.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{})
	delete(ann, sigverify.AnnotationChain)
	out, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Identity != alice {
		t.Errorf("identity %q", out.Identity)
	}
	_, err = p.Verify(mustEntity(sigverify.CosignSignature(payload, e.ss.CosignSignature(t, "Mallet@example.com", issuer, payload, sigtest.LegacyOptions{}))), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, sigverify.CheckIdentity, `~^[a-z]+@example\.com$`)
}

func TestPolicyScopes(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	pol := func(name string, scopes ...string) sigverify.TrustPolicy {
		return sigverify.TrustPolicy{Name: name, Scopes: scopes, Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}}
	}
	ps, err := sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{
		pol("global", "*"), pol("org", "reg.example.com/org/*"), pol("team", "reg.example.com/org/team/*"), pol("one", "reg.example.com/org/team/app"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"reg.example.com/org/team/app:v1":        "one",
		"reg.example.com/org/team/app@sha256:ab": "one",
		"reg.example.com/org/team/other":         "team",
		"reg.example.com/org/x":                  "org",
		"other.example.com/x":                    "global",
		"127.0.0.1:5000/org/team/app":            "global",
	} {
		p, err := ps.ForSubject(ref)
		if err != nil || p.Name != want {
			t.Errorf("%s: got %v %v, want %s", ref, p, err, want)
		}
	}
	_, err = sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{pol("a", "*"), pol("b", "*")})
	var ce *plugin.ConfigError
	if !errors.As(err, &ce) || ce.Key != "trustPolicies[1].scopes" {
		t.Errorf("duplicate scope: %v", err)
	}
	ps, _ = sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{pol("a", "reg.example.com/a/*")})
	if _, err := ps.ForSubject("reg.example.com/b/x"); err == nil {
		t.Error("unmatched subject got a policy")
	}
}
