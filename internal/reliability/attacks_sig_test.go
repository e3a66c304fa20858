package reliability_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// Attacks on the signature verifiers' defaults (wasm-cosign, wasm-slsa):
// evidence cosign verify demands by default, look-alike identities, trust
// anchors carried in the bundle, provenance the certificate cannot vouch
// for.

const (
	attackIdentity = "release@example.com"
	attackIssuer   = "https://issuer.example.com"
	githubIssuer   = "https://token.actions.githubusercontent.com"
)

// attackFile is where a case's trust material lives: the configuration is
// fixed before the case runs, and the case's push writes the file.
func attackFile(name, file string) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("ratify-wasm-attack-%d-%s-%s", os.Getpid(), name, file))
}

func writeAttackFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
}

// keylessTrust is a keyless trust policy anchored in the case's root.
func keylessTrust(name, identity, identityKey, issuer string) []map[string]any {
	return []map[string]any{{"name": "keyless", "scopes": []string{"*"}, "trustedRoot": attackFile(name, "root.json"),
		"keyless": []map[string]any{{identityKey: identity, "certificateOIDCIssuer": issuer}}}}
}

// strictKeyTrust trusts the case's key with the default evidence rule.
func strictKeyTrust(name string) []map[string]any {
	return []map[string]any{{"name": "release-key", "scopes": []string{"*"}, "trustedRoot": attackFile(name, "root.json"),
		"keys": []map[string]any{{"file": attackFile(name, "key.pub")}}}}
}

// sigstoreFor starts the case's private Sigstore and writes its root.
func sigstoreFor(t *testing.T, name string) *sigtest.Sigstore {
	t.Helper()
	ss := sigtest.New(t)
	writeAttackFile(t, attackFile(name, "root.json"), ss.TrustedRootJSON(t))
	return ss
}

// legacySigCase attaches a cosign .sig-style referrer whose one layer is
// the simple-signing payload for the subject with the annotations sign
// returns.
func legacySigCase(name, desc, want string, config map[string]any, sign func(t *testing.T, payload []byte) map[string]string) hostileCase {
	return hostileCase{name: name, plugin: "wasm-cosign", desc: desc, want: regexp.MustCompile(want), config: config,
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			d := h.pushGood(t, repo)
			payload := sigtest.SimpleSigning(h.reg.Host+"/"+repo, d.Digest)
			h.attach(t, repo, d, mediatype.CosignSignature, simpleSigning, payload, sign(t, payload))
			return d, nil, nil
		}}
}

// provenanceCase attaches a signed SLSA provenance DSSE referrer made by
// sign from the statement about the subject with predicate.
func provenanceCase(name, desc, want string, config map[string]any, predicate map[string]any, sign func(t *testing.T, statement []byte) ([]byte, string, map[string]string)) hostileCase {
	return hostileCase{name: name, plugin: "wasm-slsa", desc: desc, want: regexp.MustCompile(want), config: config,
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			d := h.pushGood(t, repo)
			data, mediaType, ann := sign(t, sigtest.Statement("https://slsa.dev/provenance/v1", repo, d.Digest, predicate))
			h.attach(t, repo, d, mediaType, mediaType, data, ann)
			return d, nil, nil
		}}
}

func writeKey(t *testing.T, name string) *sigtest.KeyPair {
	t.Helper()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	writeAttackFile(t, attackFile(name, "key.pub"), k.PublicPEM(t))
	return k
}

func init() {
	var (
		never     = "sig-keyless-never-logged"
		noSCT     = "sig-keyless-no-sct"
		unlogged  = "sig-keyed-unlogged"
		foreign   = "sig-log-not-in-trusted-root"
		lookalike = "sig-identity-lookalike"
		ownRoot   = "bundle-chain-carries-root"
		slsaRef   = "slsa-builder-without-ref"
		slsaClaim = "slsa-github-cert-without-claims"
		slsaKey   = "slsa-keyed-unlogged"
	)
	attackCases = append(attackCases,
		legacySigCase(never, "keyless signature with a fresh Fulcio certificate (SCT present) that was never logged in Rekor nor timestamped",
			`tlog: signature has no transparency-log entry or RFC 3161 timestamp`,
			map[string]any{"trustPolicies": keylessTrust(never, attackIdentity, "certificateIdentity", attackIssuer)},
			func(t *testing.T, payload []byte) map[string]string {
				return sigstoreFor(t, never).CosignSignature(t, attackIdentity, attackIssuer, payload, sigtest.LegacyOptions{NoTlog: true, NoTSA: true})
			}),
		legacySigCase(noSCT, "keyless signature, logged and timestamped, whose certificate carries no SCT (never logged in certificate transparency)",
			`sct: certificate has no SCT`,
			map[string]any{"trustPolicies": keylessTrust(noSCT, attackIdentity, "certificateIdentity", attackIssuer)},
			func(t *testing.T, payload []byte) map[string]string {
				return sigstoreFor(t, noSCT).CosignSignature(t, attackIdentity, attackIssuer, payload, sigtest.LegacyOptions{NoSCT: true})
			}),
		legacySigCase(unlogged, "key signature without log entry or timestamp (cosign sign --tlog-upload=false) under a policy that does not opt out",
			`tlog: .*no transparency-log entry or RFC 3161 timestamp.*insecureIgnoreTlog`,
			map[string]any{"trustPolicies": strictKeyTrust(unlogged)},
			func(t *testing.T, payload []byte) map[string]string {
				sigstoreFor(t, unlogged)
				return writeKey(t, unlogged).SignCosign(t, payload)
			}),
		legacySigCase(foreign, "keyless signature whose only Rekor entry comes from a log the trusted root does not list",
			`tlog: .*not in the trusted root`,
			map[string]any{"trustPolicies": keylessTrust(foreign, attackIdentity, "certificateIdentity", attackIssuer)},
			func(t *testing.T, payload []byte) map[string]string {
				ann := sigstoreFor(t, foreign).CosignSignature(t, attackIdentity, attackIssuer, payload, sigtest.LegacyOptions{NoTSA: true})
				ann[sigverify.AnnotationBundle] = sigtest.New(t).CosignSignature(t, attackIdentity, attackIssuer, payload, sigtest.LegacyOptions{NoTSA: true})[sigverify.AnnotationBundle]
				return ann
			}),
		legacySigCase(lookalike, `signature by malice@example.com.attacker.test under an identity regexp alice@example\.com (unanchored, as cosign and Kyverno accept it)`,
			`trustPolicies\[0\]\.keyless\[0\]\.certificateIdentityRegExp.*not anchored`,
			map[string]any{"trustPolicies": keylessTrust(lookalike, `alice@example\.com`, "certificateIdentityRegExp", attackIssuer)},
			func(t *testing.T, payload []byte) map[string]string {
				return sigstoreFor(t, lookalike).CosignSignature(t, "malice@example.com.attacker.test", attackIssuer, payload, sigtest.LegacyOptions{})
			}),
		hostileCase{name: ownRoot, plugin: "wasm-cosign", desc: "sigstore bundle whose certificate chain carries its own root certificate",
			want:   regexp.MustCompile(`root certificate`),
			config: map[string]any{"trustPolicies": keylessTrust(ownRoot, attackIdentity, "certificateIdentity", attackIssuer)},
			push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
				d := h.pushGood(t, repo)
				ss := sigstoreFor(t, ownRoot)
				b := chainBundle(t, ss, ss.Bundle(t, attackIdentity, attackIssuer, sigtest.Statement(cosign.PredicateCosignSign, repo, d.Digest, nil), sigtest.LegacyOptions{}))
				h.attach(t, repo, d, mediatype.SigstoreBundle, mediatype.SigstoreBundle, b, nil)
				return d, nil, nil
			}},
		provenanceCase(slsaRef, "provenance whose builder ID has no ref at all, under a builderIds entry without @",
			`builder: .*builder ID "[^"]*release\.yml" is not allowed \(it must name a ref`,
			map[string]any{"trustPolicies": keyTrust(attackFile(slsaRef, "key.pub"))},
			withBuilder(slsaBuilderFlow),
			func(t *testing.T, st []byte) ([]byte, string, map[string]string) {
				return writeKey(t, slsaRef).SignDSSE(t, st), mediatype.DSSE, nil
			}),
		provenanceCase(slsaClaim, "keyless provenance under a GitHub Actions certificate that carries none of the workflow claims to cross-check",
			`certificateConsistency: .*lacks the buildSignerURI claim`,
			map[string]any{"trustPolicies": keylessTrust(slsaClaim, attackIdentity, "certificateIdentity", githubIssuer)},
			slsaPredicate(),
			func(t *testing.T, st []byte) ([]byte, string, map[string]string) {
				return sigstoreFor(t, slsaClaim).Bundle(t, attackIdentity, githubIssuer, st, sigtest.LegacyOptions{}), mediatype.SigstoreBundle, nil
			}),
		provenanceCase(slsaKey, "key-signed provenance without log entry or timestamp under a policy that does not opt out",
			`tlog: .*insecureIgnoreTlog`,
			map[string]any{"trustPolicies": strictKeyTrust(slsaKey)},
			slsaPredicate(),
			func(t *testing.T, st []byte) ([]byte, string, map[string]string) {
				sigstoreFor(t, slsaKey)
				return writeKey(t, slsaKey).SignDSSE(t, st), mediatype.DSSE, nil
			}),
	)
}

// withBuilder is slsaPredicate with another builder ID.
func withBuilder(id string) map[string]any {
	p := slsaPredicate()
	p["runDetails"].(map[string]any)["builder"] = map[string]any{"id": id}
	return p
}

// chainBundle rewrites a keyless v0.3 bundle as v0.2 with the certificate
// in an x509CertificateChain that ends in the CA's root.
func chainBundle(t *testing.T, ss *sigtest.Sigstore, raw []byte) []byte {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	vm := b["verificationMaterial"].(map[string]any)
	certs := []any{vm["certificate"]}
	for _, c := range ss.Chain() {
		certs = append(certs, map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(c.Raw)})
	}
	delete(vm, "certificate")
	vm["x509CertificateChain"] = map[string]any{"certificates": certs}
	b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
