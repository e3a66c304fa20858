package sigverify_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// oracleCase is one legacy signature layer verified both by sigverify and
// by cosign's own verifier (sigtest.CosignVerify) against the same trusted
// root. why is empty when the verdicts must agree; otherwise it says why
// ours differs.
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
	trusted := e.ss.TrustedRootJSON(t)
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

func verifyCosign(t *testing.T, trusted []byte, c oracleCase) error {
	t.Helper()
	tr := sigtest.CosignTrust{TrustedRoot: trusted, Issuer: issuer, Identity: alice, IgnoreTlog: c.ignoreTlog}
	switch {
	case c.key != nil:
		tr.KeyPEM = c.key.PublicPEM(t)
	case c.identityRE != "":
		tr.Identity, tr.IdentityRegExp = "", c.identityRE
	}
	return sigtest.CosignVerify(t, c.payload, c.ann, c.subject, tr)
}
