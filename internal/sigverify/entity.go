package sigverify

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Cosign layer annotation keys (cosign pkg/oci/static/signature.go).
const (
	AnnotationSignature   = "dev.cosignproject.cosign/signature"
	AnnotationCertificate = "dev.sigstore.cosign/certificate"
	AnnotationChain       = "dev.sigstore.cosign/chain"
	AnnotationBundle      = "dev.sigstore.cosign/bundle"
	AnnotationRFC3161     = "dev.sigstore.cosign/rfc3161timestamp"
)

// Kind says how an Entity is signed and therefore how it is bound to a
// subject.
type Kind string

const (
	// KindSimpleSigning is a cosign "simple signing" payload signed directly
	// (legacy .sig layers); the payload names the subject digest.
	KindSimpleSigning Kind = "simplesigning"
	// KindDSSE is a DSSE envelope holding an in-toto statement whose subject
	// list names the subject digest.
	KindDSSE Kind = "dsse"
	// KindMessage is a sigstore bundle message signature over an artifact
	// (sign-blob); the signed digest is the artifact digest.
	KindMessage Kind = "message"
)

// Entity is one signed thing to verify: a sigstore bundle, a cosign legacy
// signature layer, a cosign legacy attestation layer or a plain DSSE
// envelope. Build it with ParseBundle, CosignSignature or DSSE.
type Entity struct {
	Kind Kind
	// Payload is the signed payload: the simple-signing JSON, or the DSSE
	// payload (an in-toto statement). It is trusted only once verified.
	Payload []byte

	signed verify.SignedEntity
	// tsaMessage is what RFC 3161 timestamps cover when that is not the
	// signature itself: cosign timestamps a legacy attestation's whole
	// envelope (pkg/cosign VerifyRFC3161Timestamp).
	tsaMessage []byte
}

// ParseBundle parses a sigstore bundle (JSON, any version sigstore-go
// accepts: v0.1 to v0.3).
func ParseBundle(b []byte) (*Entity, error) {
	var bn bundle.Bundle
	if err := bn.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("not a valid sigstore bundle: %w", err)
	}
	// Roots come only from the trusted root: a bundle that carries one is
	// either malformed or an attempt to bring its own trust anchor.
	if chain := bn.GetVerificationMaterial().GetX509CertificateChain(); chain != nil {
		for i, c := range chain.GetCertificates() {
			cert, err := x509.ParseCertificate(c.GetRawBytes())
			if err != nil {
				return nil, fmt.Errorf("sigstore bundle certificate chain[%d] is not a certificate: %w", i, err)
			}
			if selfSigned(cert) {
				return nil, fmt.Errorf("sigstore bundle certificate chain[%d] is a root certificate (%q); roots must come from the trusted root, not the bundle", i, cert.Subject.String())
			}
		}
	}
	e := &Entity{signed: &bn}
	sc, err := bn.SignatureContent()
	if err != nil {
		return nil, fmt.Errorf("sigstore bundle has no signature content: %w", err)
	}
	if env := sc.EnvelopeContent(); env != nil {
		e.Kind = KindDSSE
		if e.Payload, err = env.RawEnvelope().DecodeB64Payload(); err != nil {
			return nil, fmt.Errorf("sigstore bundle DSSE payload is not base64: %w", err)
		}
	} else {
		e.Kind = KindMessage
	}
	return e, nil
}

// selfSigned reports whether c is a root: its own issuer, signed by its own
// key (sigstore-go's internal certificate.IsSelfSigned).
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// CosignSignature builds an Entity from a cosign legacy signature layer: the
// layer blob (a simple-signing payload) and the layer annotations
// (signature, and optionally certificate, chain, Rekor bundle, RFC 3161
// timestamp).
func CosignSignature(payload []byte, annotations map[string]string) (*Entity, error) {
	b64 := annotations[AnnotationSignature]
	if b64 == "" {
		return nil, fmt.Errorf("layer has no %s annotation", AnnotationSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("annotation %s is not base64: %w", AnnotationSignature, err)
	}
	sum := sha256.Sum256(payload)
	le := &legacyEntity{sig: bundle.NewMessageSignature(sum[:], "SHA2_256", sig)}
	if err := le.addAnnotations(annotations); err != nil {
		return nil, err
	}
	return &Entity{Kind: KindSimpleSigning, Payload: payload, signed: le}, nil
}

// DSSE builds an Entity from a DSSE envelope: a cosign legacy attestation
// layer (.att, with its annotations) or a plain envelope signed with a key
// (annotations nil). The envelope must hold exactly one signature.
func DSSE(envelope []byte, annotations map[string]string) (*Entity, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(envelope, &env); err != nil {
		return nil, fmt.Errorf("not a DSSE envelope: %w", err)
	}
	if env.PayloadType == "" || env.Payload == "" {
		return nil, errors.New("not a DSSE envelope: payloadType or payload missing")
	}
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("DSSE envelope has %d signatures; exactly one is supported", len(env.Signatures))
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("DSSE payload is not base64: %w", err)
	}
	le := &legacyEntity{sig: &bundle.Envelope{Envelope: &env}}
	if err := le.addAnnotations(annotations); err != nil {
		return nil, err
	}
	e := &Entity{Kind: KindDSSE, Payload: payload, signed: le}
	if len(le.timestamps) > 0 {
		e.tsaMessage = envelope
	}
	return e, nil
}

// legacyEntity adapts cosign's annotation-based format to sigstore-go's
// SignedEntity, so legacy signatures go through the same verifier as
// bundles.
type legacyEntity struct {
	sig        verify.SignatureContent
	cert       *x509.Certificate
	chain      []*x509.Certificate
	entries    []*tlog.Entry
	timestamps [][]byte
}

// rekorBundle is cosign's dev.sigstore.cosign/bundle annotation
// (pkg/cosign/bundle/rekor.go).
type rekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"`
	Payload              struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	} `json:"Payload"`
}

// rfc3161Timestamp is cosign's dev.sigstore.cosign/rfc3161timestamp
// annotation (pkg/cosign/bundle/tsa.go).
type rfc3161Timestamp struct {
	SignedRFC3161Timestamp []byte `json:"SignedRFC3161Timestamp"`
}

func (le *legacyEntity) addAnnotations(ann map[string]string) error {
	if pemCert := ann[AnnotationCertificate]; pemCert != "" {
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(pemCert))
		if err != nil || len(certs) != 1 {
			return fmt.Errorf("annotation %s is not one PEM certificate", AnnotationCertificate)
		}
		le.cert = certs[0]
		if pemChain := ann[AnnotationChain]; pemChain != "" {
			chain, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(pemChain))
			if err != nil {
				return fmt.Errorf("annotation %s is not a PEM certificate chain: %w", AnnotationChain, err)
			}
			// Roots come only from the trusted root; the chain contributes
			// intermediates, as cosign uses it.
			for _, c := range chain {
				if c.IsCA && c.CheckSignatureFrom(c) != nil { // not self-signed
					le.chain = append(le.chain, c)
				}
			}
		}
	}
	if raw := ann[AnnotationBundle]; raw != "" {
		var rb rekorBundle
		if err := json.Unmarshal([]byte(raw), &rb); err != nil {
			return fmt.Errorf("annotation %s is not a Rekor bundle: %w", AnnotationBundle, err)
		}
		body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
		if err != nil {
			return fmt.Errorf("annotation %s: entry body is not base64: %w", AnnotationBundle, err)
		}
		logID, err := hex.DecodeString(rb.Payload.LogID)
		if err != nil {
			return fmt.Errorf("annotation %s: logID is not hex: %w", AnnotationBundle, err)
		}
		//nolint:staticcheck // NewEntry is the constructor for Rekor v1 bodies, which is what legacy bundles hold.
		entry, err := tlog.NewEntry(body, rb.Payload.IntegratedTime, rb.Payload.LogIndex, logID, rb.SignedEntryTimestamp, nil)
		if err != nil {
			return fmt.Errorf("annotation %s: not a Rekor entry: %w", AnnotationBundle, err)
		}
		le.entries = append(le.entries, entry)
	}
	if raw := ann[AnnotationRFC3161]; raw != "" {
		var ts rfc3161Timestamp
		if err := json.Unmarshal([]byte(raw), &ts); err != nil || len(ts.SignedRFC3161Timestamp) == 0 {
			return fmt.Errorf("annotation %s is not an RFC 3161 timestamp", AnnotationRFC3161)
		}
		le.timestamps = append(le.timestamps, ts.SignedRFC3161Timestamp)
	}
	return nil
}

func (le *legacyEntity) HasInclusionPromise() bool {
	for _, e := range le.entries {
		if e.HasInclusionPromise() {
			return true
		}
	}
	return false
}

func (le *legacyEntity) HasInclusionProof() bool { return false }

func (le *legacyEntity) SignatureContent() (verify.SignatureContent, error) { return le.sig, nil }

func (le *legacyEntity) Timestamps() ([][]byte, error) { return le.timestamps, nil }

func (le *legacyEntity) TlogEntries() ([]*tlog.Entry, error) { return le.entries, nil }

// Version reports the oldest bundle version: it turns on sigstore-go's
// compatibility verifiers for signatures made by older clients.
func (le *legacyEntity) Version() (string, error) { return "v0.1", nil }

func (le *legacyEntity) VerificationContent() (verify.VerificationContent, error) {
	if le.cert != nil {
		return &certContent{cert: le.cert, intermediates: le.chain}, nil
	}
	return &keyContent{}, nil
}

// certContent is a leaf certificate with the chain's intermediates.
type certContent struct {
	cert          *x509.Certificate
	intermediates []*x509.Certificate
}

func (c *certContent) CompareKey(key any, _ root.TrustedMaterial) bool {
	k, ok := key.(*x509.Certificate)
	return ok && c.cert.Equal(k)
}

func (c *certContent) ValidAtTime(t time.Time, _ root.TrustedMaterial) bool {
	return !c.cert.NotAfter.Before(t) && !c.cert.NotBefore.After(t)
}

func (c *certContent) Certificate() *x509.Certificate      { return c.cert }
func (c *certContent) Intermediates() []*x509.Certificate  { return c.intermediates }
func (c *certContent) PublicKey() verify.PublicKeyProvider { return nil }

// keyContent says "signed with a key"; which key is decided by the trusted
// material the policy builds for each configured key (the hint is unused).
type keyContent struct{}

func (k *keyContent) CompareKey(key any, tm root.TrustedMaterial) bool {
	v, err := tm.PublicKeyVerifier("")
	if err != nil {
		return false
	}
	pub, err := v.PublicKey()
	if err != nil {
		return false
	}
	eq, ok := key.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return false
	}
	return eq.Equal(pub)
}

func (k *keyContent) ValidAtTime(t time.Time, tm root.TrustedMaterial) bool {
	v, err := tm.PublicKeyVerifier("")
	return err == nil && v.ValidAtTime(t)
}

func (k *keyContent) Certificate() *x509.Certificate      { return nil }
func (k *keyContent) Intermediates() []*x509.Certificate  { return nil }
func (k *keyContent) PublicKey() verify.PublicKeyProvider { return k }
func (k *keyContent) Hint() string                        { return "" }

// statementHeader is the part of an in-toto statement (v0.1 or v1) this
// package reads.
type statementHeader struct {
	Type          string `json:"_type"`
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

// simpleSigning is cosign's signed payload
// (sigstore/sigstore pkg/signature/payload).
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

// CosignSignatureType is the simple-signing type cosign signs.
const CosignSignatureType = "cosign container image signature"
