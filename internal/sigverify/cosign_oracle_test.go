package sigverify_test

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/cosign/bundle"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify/sigtest"
)

// oracleCase is one legacy signature layer verified both by sigverify and
// by cosign's own pkg/cosign (VerifyImageSignature with a ClaimVerifier,
// offline, against the same trusted root), configured as `cosign verify`
// is with its default flags plus --use-signed-timestamps (the trusted
// root has a TSA). why is empty when the verdicts must agree; otherwise it
// says why ours differs.
type oracleCase struct {
	name    string
	payload []byte
	ann     map[string]string
	subject digest.Digest
	// Trust: the key (nil for keyless), the identity regexp (keyless) and
	// the opt-out of log evidence.
	key        *sigtest.KeyPair
	identityRE string
	ignoreTlog bool

	ours, theirs bool // expected verdicts (true = accepted)
	why          string
}

func TestDifferentialAgainstCosign(t *testing.T) {
	e := newEnv(t)
	stranger := sigtest.New(t)
	trusted, err := root.NewTrustedRootFromJSON(e.ss.TrustedRootJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	payload := sigtest.SimpleSigning(ref, subj)
	keyless := func(o sigtest.LegacyOptions) map[string]string {
		return e.ss.CosignSignature(t, alice, issuer, payload, o)
	}
	k, otherKey := sigtest.NewKey(t, sigtest.ECDSAP256), sigtest.NewKey(t, sigtest.ECDSAP256)
	keyed := func(o sigtest.LegacyOptions) map[string]string { return e.ss.CosignSignatureWithKey(t, k, payload, o) }
	with := func(ann map[string]string, key, value string) map[string]string {
		out := map[string]string{}
		for k, v := range ann {
			out[k] = v
		}
		out[key] = value
		return out
	}
	tamperedLog := func() map[string]string {
		ann := keyless(sigtest.LegacyOptions{NoTSA: true})
		var rb map[string]any
		if err := json.Unmarshal([]byte(ann[sigverify.AnnotationBundle]), &rb); err != nil {
			t.Fatal(err)
		}
		rb["Payload"].(map[string]any)["logIndex"] = 7
		b, _ := json.Marshal(rb)
		return with(ann, sigverify.AnnotationBundle, string(b))
	}
	tamperedPayload := []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"x":"y"}`, 1))
	foreignLog := with(keyless(sigtest.LegacyOptions{NoTSA: true}), sigverify.AnnotationBundle,
		stranger.CosignSignature(t, alice, issuer, payload, sigtest.LegacyOptions{NoTSA: true})[sigverify.AnnotationBundle])
	wrongStamp := with(keyless(sigtest.LegacyOptions{}), sigverify.AnnotationRFC3161,
		keyless(sigtest.LegacyOptions{})[sigverify.AnnotationRFC3161]) // a timestamp over another signature

	const (
		tsaAlone = "an RFC 3161 timestamp from a TSA of the trusted root is evidence enough for us (as for sigstore-go bundles); cosign verify demands a Rekor entry unless --insecure-ignore-tlog, even with --use-signed-timestamps"
		anchored = `we refuse the unanchored identity regexp alice@example\.com as a configuration error; cosign matches it anywhere in the SAN and accepts malice@example.com.attacker.test`
	)
	cases := []oracleCase{
		{name: "keyless, log entry, timestamp, SCT", payload: payload, ann: keyless(sigtest.LegacyOptions{}), subject: subj, ours: true, theirs: true},
		{name: "keyless, log entry only", payload: payload, ann: keyless(sigtest.LegacyOptions{NoTSA: true}), subject: subj, ours: true, theirs: true},
		{name: "keyless, timestamp only", payload: payload, ann: keyless(sigtest.LegacyOptions{NoTlog: true}), subject: subj, ours: true, theirs: false, why: tsaAlone},
		{name: "keyless, never logged nor timestamped", payload: payload, ann: keyless(sigtest.LegacyOptions{NoTlog: true, NoTSA: true}), subject: subj},
		{name: "keyless, certificate without SCT", payload: payload, ann: keyless(sigtest.LegacyOptions{NoSCT: true}), subject: subj},
		{name: "keyless, another identity", payload: payload, ann: e.ss.CosignSignature(t, mallet, issuer, payload, sigtest.LegacyOptions{}), subject: subj},
		{name: "keyless, another issuer", payload: payload, ann: e.ss.CosignSignature(t, alice, "https://evil.example.com", payload, sigtest.LegacyOptions{}), subject: subj},
		{name: "keyless, signature moved to another subject", payload: payload, ann: keyless(sigtest.LegacyOptions{}), subject: other},
		{name: "keyless, payload tampered", payload: tamperedPayload, ann: keyless(sigtest.LegacyOptions{}), subject: subj},
		{name: "keyless, log entry from a log not in the trusted root", payload: payload, ann: foreignLog, subject: subj},
		{name: "keyless, log entry tampered", payload: payload, ann: tamperedLog(), subject: subj},
		{name: "keyless, timestamp over another signature", payload: payload, ann: wrongStamp, subject: subj},
		{name: "keyless, expired certificate, no evidence", payload: payload, ann: e.ss.ExpiredCosignSignature(t, alice, issuer, payload), subject: subj},
		{name: "keyless, look-alike identity under an unanchored regexp", payload: payload, identityRE: `alice@example\.com`,
			ann: e.ss.CosignSignature(t, "malice@example.com.attacker.test", issuer, payload, sigtest.LegacyOptions{}), subject: subj, ours: false, theirs: true, why: anchored},

		{name: "key, log entry and timestamp", payload: payload, key: k, ann: keyed(sigtest.LegacyOptions{}), subject: subj, ours: true, theirs: true},
		{name: "key, log entry only", payload: payload, key: k, ann: keyed(sigtest.LegacyOptions{NoTSA: true}), subject: subj, ours: true, theirs: true},
		{name: "key, timestamp only", payload: payload, key: k, ann: keyed(sigtest.LegacyOptions{NoTlog: true}), subject: subj, ours: true, theirs: false, why: tsaAlone},
		{name: "key, unlogged (--tlog-upload=false)", payload: payload, key: k, ann: k.SignCosign(t, payload), subject: subj},
		{name: "key, unlogged, opt-out", payload: payload, key: k, ann: k.SignCosign(t, payload), subject: subj, ignoreTlog: true, ours: true, theirs: true},
		{name: "key, another key", payload: payload, key: otherKey, ann: keyed(sigtest.LegacyOptions{}), subject: subj},
		{name: "key, signature moved to another subject", payload: payload, key: k, ann: keyed(sigtest.LegacyOptions{}), subject: other},
		{name: "key, unlogged, opt-out, moved to another subject", payload: payload, key: k, ann: k.SignCosign(t, payload), subject: other, ignoreTlog: true},
		{name: "key, payload tampered", payload: tamperedPayload, key: k, ann: keyed(sigtest.LegacyOptions{}), subject: subj},
		{name: "key, log entry from a log not in the trusted root", payload: payload, key: k, subject: subj,
			ann: with(keyed(sigtest.LegacyOptions{NoTSA: true}), sigverify.AnnotationBundle, stranger.CosignSignatureWithKey(t, k, payload, sigtest.LegacyOptions{NoTSA: true})[sigverify.AnnotationBundle])},
	}
	differences := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ours := verifyOurs(t, e, c)
			theirs := verifyCosign(t, trusted, c)
			t.Logf("ours: %v; cosign: %v", ours, theirs)
			if (ours == nil) != c.ours || (theirs == nil) != c.theirs {
				t.Fatalf("verdicts: ours %t (want %t), cosign %t (want %t)", ours == nil, c.ours, theirs == nil, c.theirs)
			}
			if (c.ours != c.theirs) != (c.why != "") {
				t.Fatalf("a difference must be explained, and only a difference: ours %t, cosign %t, why %q", c.ours, c.theirs, c.why)
			}
			if c.why != "" {
				differences++
			}
		})
	}
	t.Logf("%d cases, %d explained differences", len(cases), differences)
}

func verifyOurs(t *testing.T, e *env, c oracleCase) error {
	t.Helper()
	tp := sigverify.TrustPolicy{Name: "oracle", Scopes: []string{"*"}, TrustedRoot: e.rootPath, InsecureIgnoreTlog: c.ignoreTlog}
	switch {
	case c.key != nil:
		tp.Keys = []sigverify.KeyConfig{{PEM: string(c.key.PublicPEM(t))}}
	case c.identityRE != "":
		tp.Keyless = sigverify.IdentityList{{CertificateIdentityRegExp: c.identityRE, CertificateOIDCIssuer: issuer}}
	default:
		tp.Keyless = sigverify.IdentityList{{CertificateIdentity: alice, CertificateOIDCIssuer: issuer}}
	}
	p, err := tp.Compile("trustPolicies[0]")
	if err != nil {
		return err
	}
	ent, err := sigverify.CosignSignature(c.payload, c.ann)
	if err != nil {
		return err
	}
	_, err = p.Verify(ent, sigverify.Subject{Digest: c.subject}, sigverify.Expect{})
	return err
}

func verifyCosign(t *testing.T, trusted root.TrustedMaterial, c oracleCase) (err error) {
	t.Helper()
	// cosign v2.6.4 indexes an empty slice when the only RFC 3161 timestamp
	// fails against TrustedMaterial (VerifyRFC3161Timestamp): a crash is
	// a refusal here.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cosign panicked: %v", p)
		}
	}()
	var opts []static.Option
	if cert := c.ann[sigverify.AnnotationCertificate]; cert != "" {
		opts = append(opts, static.WithCertChain([]byte(cert), []byte(c.ann[sigverify.AnnotationChain])))
	}
	if raw := c.ann[sigverify.AnnotationBundle]; raw != "" {
		var rb bundle.RekorBundle
		if err := json.Unmarshal([]byte(raw), &rb); err != nil {
			t.Fatal(err)
		}
		opts = append(opts, static.WithBundle(&rb))
	}
	if raw := c.ann[sigverify.AnnotationRFC3161]; raw != "" {
		var ts bundle.RFC3161Timestamp
		if err := json.Unmarshal([]byte(raw), &ts); err != nil {
			t.Fatal(err)
		}
		opts = append(opts, static.WithRFC3161Timestamp(&ts))
	}
	sig, err := static.NewSignature(c.payload, c.ann[sigverify.AnnotationSignature], opts...)
	if err != nil {
		t.Fatal(err)
	}
	co := &cosign.CheckOpts{
		// Without a ClaimVerifier cosign accepts a signature for any digest.
		ClaimVerifier:       cosign.SimpleClaimVerifier,
		TrustedMaterial:     trusted,
		Offline:             true,
		UseSignedTimestamps: c.ann[sigverify.AnnotationRFC3161] != "",
		IgnoreTlog:          c.ignoreTlog,
	}
	if c.key != nil {
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(c.key.PublicPEM(t))
		if err != nil {
			t.Fatal(err)
		}
		if co.SigVerifier, err = signature.LoadVerifier(pub, crypto.SHA256); err != nil {
			t.Fatal(err)
		}
	} else {
		id := cosign.Identity{Issuer: issuer, Subject: alice}
		if c.identityRE != "" {
			id = cosign.Identity{Issuer: issuer, SubjectRegExp: c.identityRE}
		}
		co.Identities = []cosign.Identity{id}
	}
	h, err := v1.NewHash(c.subject.String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = cosign.VerifyImageSignature(context.Background(), sig, h, co)
	return err
}
