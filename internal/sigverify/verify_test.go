package sigverify_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
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
func wantFail(t *testing.T, err error, check failure.Check, parts ...string) {
	t.Helper()
	var ve *failure.Error
	if !errors.As(err, &ve) {
		t.Fatalf("want *failure.Error (%s), got %v", check, err)
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

// unlogged is a key-only policy that accepts signatures without log entry
// or timestamp, as configurations for `cosign sign --tlog-upload=false`
// must say explicitly.
func unlogged(t *testing.T, keys ...*sigtest.KeyPair) sigverify.TrustPolicy {
	p := sigverify.TrustPolicy{InsecureIgnoreTlog: true}
	for _, k := range keys {
		p.Keys = append(p.Keys, sigverify.KeyConfig{PEM: string(k.PublicPEM(t))})
	}
	return p
}

func TestKeyedLegacySignature(t *testing.T) {
	e := newEnv(t)
	for _, alg := range []string{sigtest.ECDSAP256, sigtest.RSA2048, sigtest.Ed25519} {
		t.Run(alg, func(t *testing.T) {
			k := sigtest.NewKey(t, alg)
			payload := sigtest.SimpleSigning(ref, subj)
			// Rekor's hashedrekord has no plain Ed25519: that key gets a
			// timestamp only.
			ann := e.ss.CosignSignatureWithKey(t, k, payload, sigtest.LegacyOptions{NoTlog: alg == sigtest.Ed25519})
			p := compile(t, sigverify.TrustPolicy{TrustedRoot: e.rootPath, Keys: []sigverify.KeyConfig{{File: k.WritePublic(t, e.dir, alg+".pub")}}})
			out, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.KeyID, "sha256:") || out.Signer() != "key "+out.KeyID || out.SignedReference != ref || out.Unlogged {
				t.Errorf("outcome %+v", out)
			}
			wantTlog := 1
			if alg == sigtest.Ed25519 {
				wantTlog = 0
			}
			if len(out.Tlog) != wantTlog || len(out.Timestamps) != 1+wantTlog {
				t.Errorf("log entries %+v, timestamps %+v", out.Tlog, out.Timestamps)
			}
		})
	}
}

// `cosign sign --key --tlog-upload=false` leaves nothing that shows the
// signature was made in the open; as with cosign verify, it is refused
// unless the policy opts out by name.
func TestKeyedUnloggedRefusedByDefault(t *testing.T) {
	e := newEnv(t)
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	ent := mustEntity(sigverify.CosignSignature(payload, k.SignCosign(t, payload)))
	strict := compile(t, sigverify.TrustPolicy{TrustedRoot: e.rootPath, Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}})
	_, err := strict.Verify(ent, sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, failure.Tlog, "no transparency-log entry or RFC 3161 timestamp", `"insecureIgnoreTlog": true`)

	// A log entry from a log the trusted root does not list is no evidence.
	stranger := sigtest.New(t)
	foreign := stranger.CosignSignatureWithKey(t, k, payload, sigtest.LegacyOptions{NoTSA: true})
	_, err = strict.Verify(mustEntity(sigverify.CosignSignature(payload, foreign)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, failure.Tlog, "not in the trusted root")

	_, err = sigverify.TrustPolicy{Name: "k", Scopes: []string{"*"}, Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}}.Compile("trustPolicies[0]")
	wantConfigError(t, err, "trustPolicies[0].trustedRoot", "insecureIgnoreTlog")

	out, err := compile(t, unlogged(t, k)).Verify(ent, sigverify.Subject{Digest: subj}, sigverify.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Unlogged || len(out.Notes) != 1 || !strings.Contains(out.Notes[0], "insecureIgnoreTlog") {
		t.Errorf("outcome %+v", out)
	}
}

func wantConfigError(t *testing.T, err error, key string, parts ...string) {
	t.Helper()
	var ce *failure.ConfigError
	if !errors.As(err, &ce) || ce.Key != key {
		t.Fatalf("want config error at %s, got %v", key, err)
	}
	t.Logf("%v", err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("config error %q does not contain %q", err, p)
		}
	}
}

func TestKeyRotationAndWrongKey(t *testing.T) {
	oldKey, newKey, stranger := sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	p := compile(t, unlogged(t, oldKey, newKey))
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
	wantFail(t, err, failure.Signature, "not signed by any of the 2 trusted key(s)")
}

func TestTamperedPayload(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	ann := k.SignCosign(t, payload)
	tampered := []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"x":"y"}`, 1))
	p := compile(t, unlogged(t, k))
	_, err := p.Verify(mustEntity(sigverify.CosignSignature(tampered, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, failure.Signature)
}

// The ClaimVerifier pitfall: a valid signature of one artifact must not
// verify for another.
func TestSignatureMovedToAnotherSubject(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	payload := sigtest.SimpleSigning(ref, subj)
	p := compile(t, unlogged(t, k))
	_, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, k.SignCosign(t, payload))), sigverify.Subject{Digest: other}, sigverify.Expect{})
	wantFail(t, err, failure.Subject, subj.String(), other.String())

	st := sigtest.Statement(sigtest.CosignSignPredicate, ref, subj, nil)
	_, err = p.Verify(mustEntity(sigverify.ParseBundle(k.Bundle(t, st))), sigverify.Subject{Digest: other}, sigverify.Expect{})
	wantFail(t, err, failure.Subject, "do not include the subject "+other.String())
}

// A statement's subjects are listed in the refusal, the first four by
// name and the rest counted.
func TestStatementSubjectsListed(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	p := compile(t, unlogged(t, k))
	statement := func(n int) []byte {
		var subjects []string
		for i := range n {
			subjects = append(subjects, fmt.Sprintf(`{"name":"s%d","digest":{"sha256":"%064x"}}`, i, i+1))
		}
		return []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[` + strings.Join(subjects, ",") + `],"predicateType":"` + sigtest.CosignSignPredicate + `","predicate":{}}`)
	}
	for n, want := range map[int]string{4: fmt.Sprintf("sha256:%064x] do not include", 4), 5: "and 1 more] do not include"} {
		_, err := p.Verify(mustEntity(sigverify.ParseBundle(k.Bundle(t, statement(n)))), sigverify.Subject{Digest: other}, sigverify.Expect{})
		wantFail(t, err, failure.Subject, want)
	}
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
	wantFail(t, err, failure.Identity, `"mallet@example.com"`, "matches none of the trusted identities")

	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) {
		p.Keyless[0].CertificateOIDCIssuer = "https://other-issuer.example.com"
	}).Verify(sig(alice, sigtest.LegacyOptions{}), s, sigverify.Expect{})
	wantFail(t, err, failure.Identity, "trusted only from issuer", "https://other-issuer.example.com", "but it was issued by \"https://issuer.example.com\"")

	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireTlog = true }).Verify(sig(alice, sigtest.LegacyOptions{NoTlog: true}), s, sigverify.Expect{})
	wantFail(t, err, failure.Tlog, "no transparency-log entry", "requireTlog")

	_, err = e.keyless(t, func(p *sigverify.TrustPolicy) { p.RequireSignedTimestamp = true }).Verify(sig(alice, sigtest.LegacyOptions{NoTSA: true}), s, sigverify.Expect{})
	wantFail(t, err, failure.Timestamp, "no RFC 3161 timestamp")

	// A certificate that was never logged in certificate transparency
	// fails by default, as with cosign verify.
	_, err = e.keyless(t, nil).Verify(sig(alice, sigtest.LegacyOptions{NoSCT: true}), s, sigverify.Expect{})
	wantFail(t, err, failure.SCT, "certificate transparency")

	// A fresh certificate never logged in Rekor and never timestamped
	// would verify for its whole lifetime: refused by default.
	_, err = e.keyless(t, nil).Verify(sig(alice, sigtest.LegacyOptions{NoTlog: true, NoTSA: true}), s, sigverify.Expect{})
	wantFail(t, err, failure.Tlog, "no transparency-log entry or RFC 3161 timestamp")
	if strings.Contains(err.Error(), "insecureIgnoreTlog") {
		t.Errorf("keyless failure offers the key-only opt-out: %v", err)
	}
	// Either piece of evidence is enough.
	for _, o := range []sigtest.LegacyOptions{{NoTlog: true}, {NoTSA: true}} {
		if _, err := e.keyless(t, nil).Verify(sig(alice, o), s, sigverify.Expect{}); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}

	expired := mustEntity(sigverify.CosignSignature(payload, e.ss.ExpiredCosignSignature(t, alice, issuer, payload)))
	_, err = e.keyless(t, nil).Verify(expired, s, sigverify.Expect{})
	wantFail(t, err, failure.Tlog, "no transparency-log entry or RFC 3161 timestamp")

	// A key-only policy does not accept certificates, and vice versa.
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	keyOnly := compile(t, unlogged(t, k))
	_, err = keyOnly.Verify(sig(alice, sigtest.LegacyOptions{}), s, sigverify.Expect{})
	wantFail(t, err, failure.Identity, "trusts keys only")
	_, err = e.keyless(t, nil).Verify(mustEntity(sigverify.CosignSignature(payload, k.SignCosign(t, payload))), s, sigverify.Expect{})
	wantFail(t, err, failure.Signature, "keyless identities only")
}

// A log entry from a log the trusted root does not list is no evidence: it
// is noted, and the signature passes only on other evidence.
func TestLogEntryNotInTrustedRootIsNoEvidence(t *testing.T) {
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
	wantFail(t, err, failure.Tlog, "does not list")
	delete(ann, sigverify.AnnotationRFC3161)
	_, err = e.keyless(t, nil).Verify(mustEntity(sigverify.CosignSignature(payload, ann)), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, failure.Tlog, "not in the trusted root")
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
	wantFail(t, err, failure.Tlog)
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
	wantFail(t, err, failure.Timestamp)
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
	keyed := compile(t, sigverify.TrustPolicy{TrustedRoot: e.rootPath, Keys: []sigverify.KeyConfig{{PEM: string(k.PublicPEM(t))}}})
	if out, err := keyed.Verify(mustEntity(sigverify.ParseBundle(e.ss.BundleWithKey(t, k, st))), sigverify.Subject{Digest: subj}, expect); err != nil || len(out.Timestamps) != 1 {
		t.Fatal(out, err)
	}
	_, err = keyed.Verify(mustEntity(sigverify.ParseBundle(k.Bundle(t, st))), sigverify.Subject{Digest: subj}, expect)
	wantFail(t, err, failure.Tlog, "insecureIgnoreTlog")

	att := sigtest.Statement("https://cosign.sigstore.dev/attestation/v1", ref, subj, nil)
	_, err = keyed.Verify(mustEntity(sigverify.ParseBundle(e.ss.BundleWithKey(t, k, att))), sigverify.Subject{Digest: subj}, expect)
	wantFail(t, err, failure.PredicateType, "https://cosign.sigstore.dev/attestation/v1")

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
	wantFail(t, err, failure.Identity, `~^[a-z]+@example\.com$`)
}

func TestPolicyScopes(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	pol := func(name string, scopes ...string) sigverify.TrustPolicy {
		p := unlogged(t, k)
		p.Name, p.Scopes = name, scopes
		return p
	}
	ps, err := sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{
		pol("global", "*"), pol("org", "reg.example.com/org/*"), pol("team", "reg.example.com/org/team/*"), pol("one", "reg.example.com/org/team/app"),
		pol("hub", "docker.io/library/*"),
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
		// Other spellings of the same repositories.
		"REG.EXAMPLE.COM/org/team/app@sha256:ab": "one",
		"reg.example.com:443/org/team/app:v1":    "one",
		"Reg.Example.Com:443/org/team/other":     "team",
		"index.docker.io/library/nginx":          "hub",
		"registry-1.docker.io/nginx:1":           "hub",
		"docker.io/library/nginx@sha256:ab":      "hub",
		"reg.example.com:5000/org/team/app:v1":   "global",
	} {
		p, err := ps.ForSubject(ref)
		if err != nil || p.Name != want {
			t.Errorf("%s: got %v %v, want %s", ref, p, err, want)
		}
	}
	_, err = sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{pol("a", "*"), pol("b", "*")})
	var ce *failure.ConfigError
	if !errors.As(err, &ce) || ce.Key != "trustPolicies[1].scopes" {
		t.Errorf("duplicate scope: %v", err)
	}
	ps, _ = sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{pol("a", "reg.example.com/a/*")})
	if _, err := ps.ForSubject("reg.example.com/b/x"); err == nil {
		t.Error("unmatched subject got a policy")
	}
	// A subject that has no canonical spelling gets no policy at all.
	ps, _ = sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{pol("a", "*")})
	if _, err := ps.ForSubject("reg.example.com/Org/App"); err == nil || !strings.Contains(err.Error(), "not a valid repository name") {
		t.Errorf("upper-case path: %v", err)
	}
}

// Scopes are compared with canonical subjects, so a scope written another
// way would never match: it is refused, naming the canonical spelling.
func TestNonCanonicalScopesRefused(t *testing.T) {
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	for scope, want := range map[string]string{
		"GHCR.IO/myorg/*":         `"ghcr.io/myorg/*"`,
		"ghcr.io:443/myorg/*":     `"ghcr.io/myorg/*"`,
		"ghcr.io:443/myorg/app":   `"ghcr.io/myorg/app"`,
		"index.docker.io/myorg/*": `"docker.io/myorg/*"`,
		"docker.io/nginx":         `"docker.io/library/nginx"`,
		"ghcr.io/MyOrg/*":         "lower-case",
		"ghcr.io/myorg/App*":      "lower-case",
	} {
		p := unlogged(t, k)
		p.Name, p.Scopes = "p", []string{"*", scope}
		_, err := sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{p})
		wantConfigError(t, err, "trustPolicies[0].scopes[1]", want)
	}
	for _, scope := range []string{"ghcr.io/myorg/*", "ghcr.io/*", "docker.io/library/*", "docker.io/*", "127.0.0.1:5000/wasm/app", "ghcr.io/myorg/app-*"} {
		p := unlogged(t, k)
		p.Name, p.Scopes = "p", []string{scope}
		if _, err := sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{p}); err != nil {
			t.Errorf("%s: %v", scope, err)
		}
	}
}

// Identity patterns must match the whole identity: cosign and Kyverno
// accept alice@example\.com for malice@example.com.attacker.test.
func TestUnanchoredIdentityRegexpsRefused(t *testing.T) {
	e := newEnv(t)
	for _, re := range []string{`alice@example\.com`, `^alice@example\.com`, `alice@example\.com$`, `^alice@example\.com$|bob@example\.com`, `(?m)^alice@example\.com$`, `^alice@example\.com\$`} {
		for _, key := range []string{"certificateIdentityRegExp", "certificateOIDCIssuerRegExp"} {
			id := sigverify.Identity{CertificateIdentityRegExp: `^alice@example\.com$`, CertificateOIDCIssuerRegExp: `^https://issuer\.example\.com$`}
			if key == "certificateIdentityRegExp" {
				id.CertificateIdentityRegExp = re
			} else {
				id.CertificateOIDCIssuerRegExp = re
			}
			_, err := sigverify.TrustPolicy{Name: "p", Scopes: []string{"*"}, TrustedRoot: e.rootPath, Keyless: sigverify.IdentityList{id}}.Compile("trustPolicies[0]")
			wantConfigError(t, err, "trustPolicies[0].keyless[0]."+key, "not anchored")
		}
	}
	for _, re := range []string{`^alice@example\.com$`, `^(alice|bob)@example\.com$`, `^alice@example\.com$|^bob@example\.com$`, `\Aalice@example\.com\z`} {
		_, err := sigverify.TrustPolicy{Name: "p", Scopes: []string{"*"}, TrustedRoot: e.rootPath,
			Keyless: sigverify.IdentityList{{CertificateIdentityRegExp: re, CertificateOIDCIssuer: issuer}}}.Compile("trustPolicies[0]")
		if err != nil {
			t.Errorf("%s: %v", re, err)
		}
	}
	// What the anchoring is for: the malicious look-alike identity.
	p := e.keyless(t, func(p *sigverify.TrustPolicy) {
		p.Keyless = sigverify.IdentityList{{CertificateIdentityRegExp: `^alice@example\.com$`, CertificateOIDCIssuer: issuer}}
	})
	payload := sigtest.SimpleSigning(ref, subj)
	_, err := p.Verify(mustEntity(sigverify.CosignSignature(payload, e.ss.CosignSignature(t, "malice@example.com.attacker.test", issuer, payload, sigtest.LegacyOptions{}))), sigverify.Subject{Digest: subj}, sigverify.Expect{})
	wantFail(t, err, failure.Identity, "malice@example.com.attacker.test")
}

func TestOptOutKeys(t *testing.T) {
	e := newEnv(t)
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	id := sigverify.IdentityList{{CertificateIdentity: alice, CertificateOIDCIssuer: issuer}}
	f, tr := false, true
	for _, c := range []struct {
		p   sigverify.TrustPolicy
		key string
	}{
		{sigverify.TrustPolicy{TrustedRoot: e.rootPath, Keyless: id, InsecureIgnoreTlog: true}, "trustPolicies[0].insecureIgnoreTlog"},
		{sigverify.TrustPolicy{Keys: unlogged(t, k).Keys, InsecureIgnoreTlog: true, RequireTlog: true}, "trustPolicies[0].insecureIgnoreTlog"},
		{sigverify.TrustPolicy{TrustedRoot: e.rootPath, Keyless: id, RequireSCT: &f}, "trustPolicies[0].requireSCT"},
		// requireSCT means nothing without certificates.
		{sigverify.TrustPolicy{Keys: unlogged(t, k).Keys, InsecureIgnoreTlog: true, RequireSCT: &tr}, "trustPolicies[0].requireSCT"},
		{sigverify.TrustPolicy{TrustedRootJSON: withoutCTLogs(t, e.ss.TrustedRootJSON(t)), Keyless: id}, "trustPolicies[0].trustedRoot"},
	} {
		c.p.Name, c.p.Scopes = "p", []string{"*"}
		_, err := c.p.Compile("trustPolicies[0]")
		wantConfigError(t, err, c.key)
	}
}

func withoutCTLogs(t *testing.T, trustedRoot []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(trustedRoot, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "ctlogs")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A bundle that carries its own root certificate is refused, even though
// sigstore-go would ignore the chain.
func TestBundleChainWithRootRefused(t *testing.T) {
	e := newEnv(t)
	st := sigtest.Statement(sigtest.CosignSignPredicate, ref, subj, nil)
	var b map[string]any
	if err := json.Unmarshal(e.ss.Bundle(t, alice, issuer, st, sigtest.LegacyOptions{}), &b); err != nil {
		t.Fatal(err)
	}
	vm := b["verificationMaterial"].(map[string]any)
	leaf := vm["certificate"]
	delete(vm, "certificate")
	b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"
	withChain := func(certs ...any) []byte {
		vm["x509CertificateChain"] = map[string]any{"certificates": certs}
		out, _ := json.Marshal(b)
		return out
	}
	chain := e.ss.Chain()
	inter := map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(chain[0].Raw)}
	rootCert := map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(chain[1].Raw)}
	if _, err := e.keyless(t, nil).Verify(mustEntity(sigverify.ParseBundle(withChain(leaf, inter))), sigverify.Subject{Digest: subj}, sigverify.Expect{}); err != nil {
		t.Fatalf("chain without root: %v", err)
	}
	_, err := sigverify.ParseBundle(withChain(leaf, inter, rootCert))
	if err == nil || !strings.Contains(err.Error(), "root certificate") {
		t.Fatalf("chain with root: %v", err)
	}
}
