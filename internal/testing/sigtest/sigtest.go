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
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
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

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
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
// (Rekor, TSA), a Fulcio CA whose certificates carry an SCT from a CT log
// of this instance (VirtualSigstore's certificates carry none), and a
// second Fulcio CA ("past CA") that issues certificates which expired an
// hour ago.
type Sigstore struct {
	VS *ca.VirtualSigstore

	root, inter  *x509.Certificate
	interKey     *ecdsa.PrivateKey
	ctKey        *ecdsa.PrivateKey
	pastRoot     *x509.Certificate
	pastInter    *x509.Certificate
	pastInterKey *ecdsa.PrivateKey
}

// New returns a fresh Sigstore.
func New(t testing.TB) *Sigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	s := &Sigstore{VS: vs}
	for _, c := range []struct {
		root, inter **x509.Certificate
		key         **ecdsa.PrivateKey
	}{{&s.root, &s.inter, &s.interKey}, {&s.pastRoot, &s.pastInter, &s.pastInterKey}} {
		rootCert, rootKey, err := ca.GenerateRootCa()
		if err != nil {
			t.Fatal(err)
		}
		inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
		if err != nil {
			t.Fatal(err)
		}
		*c.root, *c.inter, *c.key = rootCert, inter, interKey
	}
	if s.ctKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	return s
}

// ctLogID is the CT log's ID: the SHA-256 of its public key (RFC 6962).
func (s *Sigstore) ctLogID(t testing.TB) [32]byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(s.ctKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(der)
}

// leaf issues a Fulcio-like certificate (email SAN, OIDC issuer extension,
// code signing, valid ten minutes from now) for a fresh ECDSA key, with an
// SCT from the CT log embedded as Fulcio does it (precertificate, then the
// final certificate) unless noSCT.
func (s *Sigstore) leaf(t testing.TB, identity, issuer string, noSCT bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(now.UnixNano()),
		EmailAddresses:  []string{identity},
		NotBefore:       now.Add(-time.Minute),
		NotAfter:        now.Add(10 * time.Minute),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}, Value: []byte(issuer)}},
	}
	issue := func(extra ...pkix.Extension) *x509.Certificate {
		tm := *tmpl
		tm.ExtraExtensions = append(slices.Clone(tmpl.ExtraExtensions), extra...)
		der, err := x509.CreateCertificate(rand.Reader, &tm, s.inter, priv.Public(), s.interKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if noSCT {
		return issue(), priv
	}
	pre := issue(pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTPoison), Critical: true, Value: asn1.NullBytes})
	chain, err := ctx509.ParseCertificates(append(slices.Clone(pre.Raw), s.inter.Raw...))
	if err != nil {
		t.Fatal(err)
	}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: s.ctLogID(t)}, Timestamp: uint64(now.UnixMilli())}
	mtl, err := ct.MerkleTreeLeafFromChain(chain, ct.PrecertLogEntryType, sct.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: *mtl})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, s.ctKey, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sct.Signature = ct.DigitallySigned{Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA}, Signature: sig}
	sctBytes, err := cttls.Marshal(sct)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cttls.Marshal(ctx509.SignedCertificateTimestampList{SCTList: []ctx509.SerializedSCT{{Val: sctBytes}}})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := asn1.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	return issue(pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTSCT), Value: ext}), priv
}

// TrustedRootJSON returns a trusted_root.json holding the Fulcio CAs, the
// Rekor log, the TSA and the CT logs. Log IDs are the raw key IDs, which is
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
	start := time.Now().Add(-5 * time.Hour)
	past := &root.FulcioCertificateAuthority{
		Root: s.pastRoot, Intermediates: []*x509.Certificate{s.pastInter},
		ValidityPeriodStart: start, URI: "https://past.fulcio.test",
	}
	fulcio := &root.FulcioCertificateAuthority{
		Root: s.root, Intermediates: []*x509.Certificate{s.inter},
		ValidityPeriodStart: start, URI: "https://fulcio.test",
	}
	ctlogs := fixIDs(s.VS.CTLogs())
	id := s.ctLogID(t)
	ctlogs[hex.EncodeToString(id[:])] = &root.TransparencyLog{
		BaseURL: "https://ctfe.test", ID: id[:], HashFunc: crypto.SHA256,
		PublicKey: s.ctKey.Public(), SignatureHashFunc: crypto.SHA256, ValidityPeriodStart: start,
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		append(s.VS.FulcioCertificateAuthorities(), fulcio, past),
		ctlogs, s.VS.TimestampingAuthorities(), fixIDs(s.VS.RekorLogs()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Chain returns the intermediate and root of the CA that issues this
// instance's certificates.
func (s *Sigstore) Chain() []*x509.Certificate { return []*x509.Certificate{s.inter, s.root} }

// WriteTrustedRoot writes TrustedRootJSON to dir/trusted_root.json.
func (s *Sigstore) WriteTrustedRoot(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(p, s.TrustedRootJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// LegacyOptions select which evidence a keyless signature carries.
type LegacyOptions struct {
	NoTlog bool // omit the Rekor entry
	NoTSA  bool // omit the RFC 3161 timestamp
	NoCert bool // omit certificate and chain (to test a missing cert)
	NoSCT  bool // issue the certificate without an SCT
}

// CosignSignature signs a simple-signing payload keylessly, as `cosign
// sign` does with Fulcio, Rekor and a TSA, and returns the layer
// annotations.
func (s *Sigstore) CosignSignature(t testing.TB, identity, issuer string, payload []byte, o LegacyOptions) map[string]string {
	t.Helper()
	cert, priv := s.leaf(t, identity, issuer, o.NoSCT)
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{annSignature: base64.StdEncoding.EncodeToString(sig)}
	if !o.NoCert {
		s.addCert(t, ann, cert)
	}
	s.addEvidence(t, ann, sig, sig, []byte(pemCert(t, cert)), sum[:], o)
	return ann
}

// CosignSignatureWithKey signs a simple-signing payload with k and, unlike
// KeyPair.SignCosign, adds the evidence `cosign sign --key` uploads by
// default: a Rekor entry (hashedrekord) and an RFC 3161 timestamp, as o
// selects.
func (s *Sigstore) CosignSignatureWithKey(t testing.TB, k *KeyPair, payload []byte, o LegacyOptions) map[string]string {
	t.Helper()
	ann := k.SignCosign(t, payload)
	sig, _ := base64.StdEncoding.DecodeString(ann[annSignature])
	sum := sha256.Sum256(payload)
	s.addEvidence(t, ann, sig, sig, k.PublicPEM(t), sum[:], o)
	return ann
}

// addEvidence adds the Rekor bundle annotation (a hashedrekord entry over
// digest, sig and the signer's PEM) and the RFC 3161 annotation over
// stamped, as o selects.
func (s *Sigstore) addEvidence(t testing.TB, ann map[string]string, sig, stamped, signerPEM, digest []byte, o LegacyOptions) {
	t.Helper()
	if !o.NoTlog {
		body, err := json.Marshal(map[string]any{
			"apiVersion": "0.0.1", "kind": "hashedrekord",
			"spec": map[string]any{
				"data":      map[string]any{"hash": map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(digest)}},
				"signature": map[string]any{"content": base64.StdEncoding.EncodeToString(sig), "publicKey": map[string]string{"content": base64.StdEncoding.EncodeToString(signerPEM)}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ann[annBundle] = s.rekorBundleJSON(t, body, time.Now().Add(time.Minute).Unix(), 1000)
	}
	if !o.NoTSA {
		ts, err := s.VS.TimestampResponse(stamped)
		if err != nil {
			t.Fatal(err)
		}
		ann[annRFC3161] = rfc3161JSON(t, ts)
	}
}

func (s *Sigstore) addCert(t testing.TB, ann map[string]string, cert *x509.Certificate) {
	t.Helper()
	ann[annCertificate] = pemCert(t, cert)
	ann[annChain] = pemCert(t, s.inter) + pemCert(t, s.root)
}

// CosignAttestation signs an in-toto statement keylessly into a DSSE
// envelope, as `cosign attest` does, and returns the layer blob and its
// annotations (the RFC 3161 timestamp covers the whole envelope).
func (s *Sigstore) CosignAttestation(t testing.TB, identity, issuer string, statement []byte, o LegacyOptions) ([]byte, map[string]string) {
	t.Helper()
	cert, env, sig := s.attest(t, identity, issuer, statement, o.NoSCT)
	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{annSignature: ""}
	if !o.NoCert {
		s.addCert(t, ann, cert)
	}
	if !o.NoTlog {
		e, err := s.VS.GenerateTlogEntry(cert, env, sig, time.Now().Add(time.Minute).Unix(), false)
		if err != nil {
			t.Fatal(err)
		}
		tle := e.TransparencyLogEntry()
		ann[annBundle] = s.rekorBundleJSON(t, tle.CanonicalizedBody, tle.IntegratedTime, tle.LogIndex)
	}
	if !o.NoTSA {
		ts, err := s.VS.TimestampResponse(raw)
		if err != nil {
			t.Fatal(err)
		}
		ann[annRFC3161] = rfc3161JSON(t, ts)
	}
	return raw, ann
}

// attest signs statement into a DSSE envelope with a fresh certificate.
func (s *Sigstore) attest(t testing.TB, identity, issuer string, statement []byte, noSCT bool) (*x509.Certificate, *dsse.Envelope, []byte) {
	t.Helper()
	cert, priv := s.leaf(t, identity, issuer, noSCT)
	signer, err := signature.LoadECDSASignerVerifier(priv, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	env := (&KeyPair{Signer: signer, Public: priv.Public()}).dsse(t, statement)
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if err != nil {
		t.Fatal(err)
	}
	return cert, env, sig
}

// rekorBundleJSON writes cosign's RekorBundle for an entry body with a
// freshly computed SET.
func (s *Sigstore) rekorBundleJSON(t testing.TB, body []byte, integratedTime, logIndex int64) string {
	t.Helper()
	logID, err := s.VS.RekorLogID()
	if err != nil {
		t.Fatal(err)
	}
	p := tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(body),
		IntegratedTime: integratedTime,
		LogIndex:       logIndex,
		LogID:          logID,
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
	cert, env, sig := s.attest(t, identity, issuer, statement, o.NoSCT)
	b := &protobundle.Bundle{
		MediaType: mediatype.SigstoreBundle,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: cert.Raw}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: protoEnvelope(t, env)},
	}
	if !o.NoTlog {
		e, err := s.VS.GenerateTlogEntry(cert, env, sig, time.Now().Add(time.Minute).Unix(), true)
		if err != nil {
			t.Fatal(err)
		}
		b.VerificationMaterial.TlogEntries = []*protorekor.TransparencyLogEntry{s.protoEntry(t, e, "dsse")}
	}
	if !o.NoTSA {
		ts, err := s.VS.TimestampResponse(sig)
		if err != nil {
			t.Fatal(err)
		}
		b.VerificationMaterial.TimestampVerificationData = &protobundle.TimestampVerificationData{
			Rfc3161Timestamps: []*protocommon.RFC3161SignedTimestamp{{SignedTimestamp: ts}},
		}
	}
	return marshalBundle(t, b)
}

// BundleWithKey is KeyPair.Bundle plus an RFC 3161 timestamp over the
// signature, as `cosign sign --key --timestamp-server-url` writes it.
func (s *Sigstore) BundleWithKey(t testing.TB, k *KeyPair, statement []byte) []byte {
	t.Helper()
	var b protobundle.Bundle
	if err := protojson.Unmarshal(k.Bundle(t, statement), &b); err != nil {
		t.Fatal(err)
	}
	ts, err := s.VS.TimestampResponse(b.GetDsseEnvelope().GetSignatures()[0].GetSig())
	if err != nil {
		t.Fatal(err)
	}
	b.VerificationMaterial.TimestampVerificationData = &protobundle.TimestampVerificationData{
		Rfc3161Timestamps: []*protocommon.RFC3161SignedTimestamp{{SignedTimestamp: ts}},
	}
	return marshalBundle(t, &b)
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
	env, err := es.SignPayload(context.Background(), mediatype.InToto, statement)
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
		MediaType: mediatype.SigstoreBundle,
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
