// Package sigtest produces real, verifiable Sigstore material for tests,
// offline: keyless signatures from sigstore-go's VirtualSigstore (Fulcio CA,
// Rekor, TSA, CT log keys) written out in the formats found in registries
// (cosign legacy layer annotations, sigstore bundles v0.3) plus the
// trusted_root.json that verifies them; and key pairs that sign the same
// formats. Material is generated at test time because certificates and
// trusted-root validity windows are minutes to hours long.
package sigtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"
	"google.golang.org/protobuf/encoding/protojson"
)

// Annotation keys written on cosign legacy layers.
const (
	annSignature   = "dev.cosignproject.cosign/signature"
	annCertificate = "dev.sigstore.cosign/certificate"
	annChain       = "dev.sigstore.cosign/chain"
	annBundle      = "dev.sigstore.cosign/bundle"
	annRFC3161     = "dev.sigstore.cosign/rfc3161timestamp"
)

// Sigstore is a private Sigstore instance for one test: the VirtualSigstore
// plus a second Fulcio CA ("past CA") that issues certificates which expired
// an hour ago.
type Sigstore struct {
	VS *ca.VirtualSigstore

	pastRoot, pastInter *x509.Certificate
	pastInterKey        *ecdsa.PrivateKey
}

// New returns a fresh Sigstore.
func New(t testing.TB) *Sigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return &Sigstore{VS: vs, pastRoot: rootCert, pastInter: inter, pastInterKey: interKey}
}

// TrustedRootJSON returns a trusted_root.json holding both Fulcio CAs, the
// Rekor log, the TSA and the CT log. Log IDs are the raw key IDs, which is
// what sigstore-go looks entries up by (VirtualSigstore's own are hex).
func (s *Sigstore) TrustedRootJSON(t testing.TB) []byte {
	t.Helper()
	fixIDs := func(m map[string]*root.TransparencyLog) map[string]*root.TransparencyLog {
		for k, l := range m {
			id, err := hex.DecodeString(k)
			if err != nil {
				t.Fatal(err)
			}
			l.ID = id
		}
		return m
	}
	past := &root.FulcioCertificateAuthority{
		Root: s.pastRoot, Intermediates: []*x509.Certificate{s.pastInter},
		ValidityPeriodStart: time.Now().Add(-5 * time.Hour), URI: "https://past.fulcio.test",
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		append(s.VS.FulcioCertificateAuthorities(), past),
		fixIDs(s.VS.CTLogs()), s.VS.TimestampingAuthorities(), fixIDs(s.VS.RekorLogs()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WriteTrustedRoot writes TrustedRootJSON to dir/trusted_root.json.
func (s *Sigstore) WriteTrustedRoot(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(p, s.TrustedRootJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// LegacyOptions select which evidence a keyless legacy layer carries.
type LegacyOptions struct {
	NoTlog bool // omit the Rekor bundle annotation
	NoTSA  bool // omit the RFC 3161 annotation
	NoCert bool // omit certificate and chain (to test a missing cert)
}

// CosignSignature signs a simple-signing payload keylessly, as `cosign
// sign` does with Fulcio, Rekor and a TSA, and returns the layer
// annotations.
func (s *Sigstore) CosignSignature(t testing.TB, identity, issuer string, payload []byte, o LegacyOptions) map[string]string {
	t.Helper()
	ent, err := s.VS.Sign(identity, issuer, payload)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := ent.SignatureContent()
	ann := map[string]string{annSignature: base64.StdEncoding.EncodeToString(sc.Signature())}
	s.addKeylessAnnotations(t, ent, ann, o)
	return ann
}

// CosignAttestation signs an in-toto statement keylessly into a DSSE
// envelope, as `cosign attest` does, and returns the layer blob and its
// annotations (the RFC 3161 timestamp covers the whole envelope).
func (s *Sigstore) CosignAttestation(t testing.TB, identity, issuer string, statement []byte, o LegacyOptions) ([]byte, map[string]string) {
	t.Helper()
	ent, err := s.VS.Attest(identity, issuer, statement)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := ent.SignatureContent()
	env, err := json.Marshal(sc.EnvelopeContent().RawEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{annSignature: ""}
	s.addKeylessAnnotations(t, ent, ann, LegacyOptions{NoTlog: o.NoTlog, NoTSA: true, NoCert: o.NoCert})
	if !o.NoTSA {
		ts, err := s.VS.TimestampResponse(env)
		if err != nil {
			t.Fatal(err)
		}
		ann[annRFC3161] = rfc3161JSON(t, ts)
	}
	return env, ann
}

func (s *Sigstore) addKeylessAnnotations(t testing.TB, ent *ca.TestEntity, ann map[string]string, o LegacyOptions) {
	t.Helper()
	vc, _ := ent.VerificationContent()
	if !o.NoCert {
		ann[annCertificate] = pemCert(t, vc.Certificate())
		fca := s.VS.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
		ann[annChain] = pemCert(t, fca.Intermediates[0]) + pemCert(t, fca.Root)
	}
	if !o.NoTlog {
		entries, _ := ent.TlogEntries()
		ann[annBundle] = s.rekorBundleJSON(t, entries[0])
	}
	if !o.NoTSA {
		stamps, _ := ent.Timestamps()
		ann[annRFC3161] = rfc3161JSON(t, stamps[0])
	}
}

// rekorBundleJSON writes cosign's RekorBundle with a freshly computed SET
// (tlog.Entry keeps its SET unexported).
func (s *Sigstore) rekorBundleJSON(t testing.TB, e *tlog.Entry) string {
	t.Helper()
	tle := e.TransparencyLogEntry()
	p := tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
		IntegratedTime: tle.IntegratedTime,
		LogIndex:       tle.LogIndex,
		LogID:          hex.EncodeToString(tle.LogId.KeyId),
	}
	set, err := s.VS.RekorSignPayload(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"SignedEntryTimestamp": set, "Payload": p})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rfc3161JSON(t testing.TB, der []byte) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"SignedRFC3161Timestamp": der})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ExpiredCosignSignature signs payload with a certificate from the past CA
// that expired 50 minutes ago, with no log entry or timestamp (nothing
// proves it was signed while the certificate was valid).
func (s *Sigstore) ExpiredCosignSignature(t testing.TB, identity, issuer string, payload []byte) map[string]string {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.GenerateLeafCert(identity, issuer, time.Now().Add(-time.Hour), priv, s.pastInter, s.pastInterKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		annSignature:   base64.StdEncoding.EncodeToString(sig),
		annCertificate: pemCert(t, leaf),
		annChain:       pemCert(t, s.pastInter) + pemCert(t, s.pastRoot),
	}
}

// Bundle signs an in-toto statement keylessly and returns a sigstore
// bundle v0.3 (DSSE, certificate, Rekor entry with SET and inclusion proof,
// RFC 3161 timestamp), as cosign v3 attaches it.
func (s *Sigstore) Bundle(t testing.TB, identity, issuer string, statement []byte, o LegacyOptions) []byte {
	t.Helper()
	ent, err := s.VS.AttestAtTime(identity, issuer, statement, time.Now().Add(time.Minute), true)
	if err != nil {
		t.Fatal(err)
	}
	vc, _ := ent.VerificationContent()
	sc, _ := ent.SignatureContent()
	b := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: vc.Certificate().Raw}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: protoEnvelope(t, sc.EnvelopeContent().RawEnvelope())},
	}
	if !o.NoTlog {
		entries, _ := ent.TlogEntries()
		b.VerificationMaterial.TlogEntries = []*protorekor.TransparencyLogEntry{s.protoEntry(t, entries[0], "dsse")}
	}
	if !o.NoTSA {
		stamps, _ := ent.Timestamps()
		b.VerificationMaterial.TimestampVerificationData = &protobundle.TimestampVerificationData{
			Rfc3161Timestamps: []*protocommon.RFC3161SignedTimestamp{{SignedTimestamp: stamps[0]}},
		}
	}
	return marshalBundle(t, b)
}

func (s *Sigstore) protoEntry(t testing.TB, e *tlog.Entry, kind string) *protorekor.TransparencyLogEntry {
	t.Helper()
	tle := e.TransparencyLogEntry()
	set, err := s.VS.RekorSignPayload(tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
		IntegratedTime: tle.IntegratedTime,
		LogIndex:       tle.LogIndex,
		LogID:          hex.EncodeToString(tle.LogId.KeyId),
	})
	if err != nil {
		t.Fatal(err)
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: kind, Version: "0.0.1"}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	return tle
}

func protoEnvelope(t testing.TB, env *dsse.Envelope) *protodsse.Envelope {
	t.Helper()
	payload, err := env.DecodeB64Payload()
	if err != nil {
		t.Fatal(err)
	}
	out := &protodsse.Envelope{Payload: payload, PayloadType: env.PayloadType}
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			t.Fatal(err)
		}
		out.Signatures = append(out.Signatures, &protodsse.Signature{Sig: sig, Keyid: s.KeyID})
	}
	return out
}

func marshalBundle(t testing.TB, b *protobundle.Bundle) []byte {
	t.Helper()
	out, err := protojson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pemCert(t testing.TB, c *x509.Certificate) string {
	t.Helper()
	b, err := cryptoutils.MarshalCertificateToPEM(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// KeyPair is a signing key for keyed cases.
type KeyPair struct {
	Signer signature.SignerVerifier
	Public crypto.PublicKey
}

// Key algorithms for NewKey.
const (
	ECDSAP256 = "ecdsa-p256"
	RSA2048   = "rsa-2048"
	Ed25519   = "ed25519"
)

// NewKey generates a key pair of the given algorithm. ECDSA and RSA sign
// with SHA-256 (as cosign does), Ed25519 signs the message itself.
func NewKey(t testing.TB, alg string) *KeyPair {
	t.Helper()
	var (
		sv  signature.SignerVerifier
		pub crypto.PublicKey
		err error
	)
	switch alg {
	case ECDSAP256:
		var k *ecdsa.PrivateKey
		if k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err == nil {
			sv, err = signature.LoadECDSASignerVerifier(k, crypto.SHA256)
			pub = k.Public()
		}
	case RSA2048:
		var k *rsa.PrivateKey
		if k, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
			sv, err = signature.LoadRSAPKCS1v15SignerVerifier(k, crypto.SHA256)
			pub = k.Public()
		}
	case Ed25519:
		var k ed25519.PrivateKey
		if pub, k, err = ed25519.GenerateKey(rand.Reader); err == nil {
			sv, err = signature.LoadED25519SignerVerifier(k)
		}
	default:
		t.Fatalf("sigtest: unknown key algorithm %q", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &KeyPair{Signer: sv, Public: pub}
}

// PublicPEM returns the public key in PEM.
func (k *KeyPair) PublicPEM(t testing.TB) []byte {
	t.Helper()
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.Public)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WritePublic writes the public key PEM to dir/name.
func (k *KeyPair) WritePublic(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, k.PublicPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// SignCosign signs a simple-signing payload and returns the annotations of
// a key-signed legacy layer without log entry (`--tlog-upload=false`).
func (k *KeyPair) SignCosign(t testing.TB, payload []byte) map[string]string {
	t.Helper()
	sig, err := k.Signer.SignMessage(bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{annSignature: base64.StdEncoding.EncodeToString(sig)}
}

// SignDSSE signs an in-toto statement into a DSSE envelope (JSON).
func (k *KeyPair) SignDSSE(t testing.TB, statement []byte) []byte {
	t.Helper()
	env := k.dsse(t, statement)
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (k *KeyPair) dsse(t testing.TB, statement []byte) *dsse.Envelope {
	t.Helper()
	es, err := dsse.NewEnvelopeSigner(&sigdsse.SignerAdapter{SignatureSigner: k.Signer, Pub: k.Public})
	if err != nil {
		t.Fatal(err)
	}
	env, err := es.SignPayload(context.Background(), "application/vnd.in-toto+json", statement)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// Bundle returns a key-signed sigstore bundle v0.3 without log entry or
// timestamp, as `cosign sign --key --tlog-upload=false` (v3) writes it.
func (k *KeyPair) Bundle(t testing.TB, statement []byte) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return marshalBundle(t, &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: base64.StdEncoding.EncodeToString(sum[:])}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: protoEnvelope(t, k.dsse(t, statement))},
	})
}

// SimpleSigning returns cosign's signed payload for an image digest.
func SimpleSigning(dockerReference string, d digest.Digest) []byte {
	b, _ := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": dockerReference},
			"image":    map[string]string{"docker-manifest-digest": d.String()},
			"type":     "cosign container image signature",
		},
		"optional": nil,
	})
	return b
}

// CosignSignPredicate is the predicate type of cosign v3 signature bundles.
const CosignSignPredicate = "https://sigstore.dev/cosign/sign/v1"

// Statement returns an in-toto v1 statement about name@d.
func Statement(predicateType, name string, d digest.Digest, predicate any) []byte {
	if predicate == nil {
		predicate = map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": name, "digest": map[string]string{d.Algorithm().String(): d.Encoded()}}},
		"predicateType": predicateType,
		"predicate":     predicate,
	})
	return b
}
