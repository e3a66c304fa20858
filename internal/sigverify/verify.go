package sigverify

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// Subject is what a signature must be bound to.
type Subject struct {
	// Digest is the subject digest ("sha256:<hex>"): an OCI manifest digest
	// or an artifact digest. It may be empty when Artifact is set.
	Digest digest.Digest
	// Artifact is the artifact itself, when the caller has it (sign-blob
	// style bundles). Its SHA-256 is used as Digest when Digest is empty.
	Artifact []byte
}

// Expect holds constraints a caller adds to the trust policy for one kind
// of artifact.
type Expect struct {
	// PredicateTypes, when not empty, requires a DSSE in-toto statement
	// whose predicateType is one of these; other entities are refused.
	PredicateTypes []string
}

// Verify verifies e under p and checks that it is bound to subject. It
// returns what was verified, or a *failure.Error naming the failed check.
//
// Steps: (1) the signature is checked against the policy's keys (rotation:
// the first key that verifies is used) or against the certificate's key;
// (2) the now authenticated payload must name subject (the claim check
// cosign calls ClaimVerifier) and satisfy expect; (3) sigstore-go's
// verifier checks transparency-log entries, timestamps, the certificate
// chain at the signing time, SCTs and the identity policy, and checks the
// subject binding a second time.
func (p *Policy) Verify(e *Entity, subject Subject, expect Expect) (*Outcome, error) {
	subject, err := subject.digested()
	if err != nil {
		return nil, err
	}
	vc, err := e.signed.VerificationContent()
	if err != nil {
		return nil, failure.New(failure.Format, "no verification material: %w", err)
	}
	sc, err := e.signed.SignatureContent()
	if err != nil {
		return nil, failure.New(failure.Format, "no signature: %w", err)
	}
	out := &Outcome{Policy: p.Name, Kind: e.Kind}
	// A message signature covers the artifact digest itself: a different
	// artifact is reported as such, not as a bad signature.
	if e.Kind == KindMessage {
		if err := bind(e, sc, subject, expect, out); err != nil {
			return nil, err
		}
	}

	// (1) Signature, and which trusted material signed.
	tm, err := p.checkSigner(e, sc, vc, subject, out)
	if err != nil {
		return nil, err
	}

	// (2) Binding to the subject, on the authenticated payload.
	if e.Kind != KindMessage {
		if err := bind(e, sc, subject, expect, out); err != nil {
			return nil, err
		}
	}

	// (3) Logs, timestamps, certificate chain, SCTs, identity.
	if err := p.checkEvidence(e, subject, tm, vc.Certificate(), out); err != nil {
		return nil, err
	}
	return out, nil
}

// digested fills in the digest of a subject given as an artifact, and
// checks it.
func (s Subject) digested() (Subject, error) {
	if s.Digest == "" && s.Artifact != nil {
		s.Digest = digest.FromBytes(s.Artifact)
	}
	if err := s.Digest.Validate(); err != nil {
		return s, failure.New(failure.Subject, "invalid subject digest %q: %w", s.Digest, err)
	}
	return s, nil
}

// checkSigner is step (1): the signature must verify for the certificate's
// key or for one of the policy's keys. It records the signer in out and
// returns the trusted material that verified it.
func (p *Policy) checkSigner(e *Entity, sc verify.SignatureContent, vc verify.VerificationContent, subject Subject, out *Outcome) (root.TrustedMaterialCollection, error) {
	tm := root.TrustedMaterialCollection{}
	if p.trustedRoot != nil {
		tm = append(tm, p.trustedRoot)
	}
	if cert := vc.Certificate(); cert != nil {
		if len(p.matchers) == 0 {
			return nil, failure.New(failure.Identity, "signed with a certificate (%s), but trust policy %q trusts keys only", describeCert(cert), p.Name)
		}
		if err := checkSignature(e, sc, vc, tm, subject); err != nil {
			return nil, failure.New(failure.Signature, "not valid for the key of its certificate (%s): %w", describeCert(cert), err)
		}
		out.Certificate = cert
		return tm, nil
	}
	return p.checkKeys(e, sc, vc, tm, subject, out)
}

// checkKeys tries each trusted key in turn (rotation: the first key that
// verifies is used) and returns tm with that key added.
func (p *Policy) checkKeys(e *Entity, sc verify.SignatureContent, vc verify.VerificationContent, tm root.TrustedMaterialCollection, subject Subject, out *Outcome) (root.TrustedMaterialCollection, error) {
	if len(p.keys) == 0 {
		return nil, failure.New(failure.Signature, "signed with a key, but trust policy %q trusts keyless identities only", p.Name)
	}
	for _, k := range p.keys {
		ktm := append(slices.Clone(tm), keyMaterial{BaseTrustedMaterial: &root.BaseTrustedMaterial{}, key: k})
		if checkSignature(e, sc, vc, ktm, subject) == nil {
			out.KeyID, out.KeySource = k.ID, k.Source
			return ktm, nil
		}
	}
	return nil, failure.New(failure.Signature, "not signed by any of the %d trusted key(s) of trust policy %q (%s)", len(p.keys), p.Name, keyIDs(p.keys))
}

// checkSignature verifies only the signature, so that a wrong key or a
// tampered payload is reported as such rather than as a log mismatch.
func checkSignature(e *Entity, sc verify.SignatureContent, vc verify.VerificationContent, tm root.TrustedMaterial, subject Subject) error {
	switch e.Kind {
	case KindDSSE:
		return verify.VerifySignature(sc, vc, tm)
	case KindSimpleSigning:
		return verify.VerifySignatureWithArtifacts(sc, vc, tm, []io.Reader{bytes.NewReader(e.Payload)})
	default:
		if subject.Artifact != nil {
			return verify.VerifySignatureWithArtifacts(sc, vc, tm, []io.Reader{bytes.NewReader(subject.Artifact)})
		}
		raw, _ := hex.DecodeString(subject.Digest.Encoded())
		return verify.VerifySignatureWithArtifactDigests(sc, vc, tm, []verify.ArtifactDigest{{Algorithm: subject.Digest.Algorithm().String(), Digest: raw}})
	}
}

// bind checks that the authenticated payload names the subject: the
// simple-signing docker-manifest-digest, an in-toto subject digest, or the
// message digest. Without this check a valid signature verifies for any
// subject.
func bind(e *Entity, sc verify.SignatureContent, subject Subject, expect Expect, out *Outcome) error {
	want := subject.Digest
	switch e.Kind {
	case KindSimpleSigning:
		if len(expect.PredicateTypes) > 0 {
			return failure.New(failure.PredicateType, "a simple-signing payload is not an in-toto statement of type %s", strings.Join(expect.PredicateTypes, " or "))
		}
		var ss simpleSigning
		if err := json.Unmarshal(e.Payload, &ss); err != nil {
			return failure.New(failure.Format, "signed payload is not a cosign simple-signing document: %w", err)
		}
		if ss.Critical.Type != CosignSignatureType {
			return failure.New(failure.Format, "signed payload type is %q, expected %q", ss.Critical.Type, CosignSignatureType)
		}
		if got := ss.Critical.Image.DockerManifestDigest; got != want.String() {
			return failure.New(failure.Subject, "signed payload names %s, not the subject %s (signature belongs to another artifact)", or(got, "no digest"), want)
		}
		out.SignedReference = ss.Critical.Identity.DockerReference
	case KindDSSE:
		env := sc.EnvelopeContent().RawEnvelope()
		if env.PayloadType != mediatype.InToto {
			return failure.New(failure.Format, "DSSE payload type is %q, expected %q", env.PayloadType, mediatype.InToto)
		}
		var st statementHeader
		if err := json.Unmarshal(e.Payload, &st); err != nil {
			return failure.New(failure.Format, "DSSE payload is not an in-toto statement: %w", err)
		}
		out.PredicateType, out.Statement = st.PredicateType, e.Payload
		if len(expect.PredicateTypes) > 0 && !slices.Contains(expect.PredicateTypes, st.PredicateType) {
			return failure.New(failure.PredicateType, "statement predicate type is %q, expected %s", st.PredicateType, strings.Join(expect.PredicateTypes, " or "))
		}
		var names []string
		for _, s := range st.Subject {
			if s.Digest[want.Algorithm().String()] == want.Encoded() {
				return nil
			}
			for alg, d := range s.Digest {
				names = append(names, alg+":"+d)
			}
		}
		if len(names) > 4 {
			names = append(names[:4], fmt.Sprintf("and %d more", len(names)-4))
		}
		return failure.New(failure.Subject, "statement subjects [%s] do not include the subject %s (statement belongs to another artifact)", strings.Join(names, ", "), want)
	case KindMessage:
		if len(expect.PredicateTypes) > 0 {
			return failure.New(failure.PredicateType, "bundle holds a message signature, not an in-toto statement of type %s", strings.Join(expect.PredicateTypes, " or "))
		}
		msg := sc.MessageSignatureContent()
		alg := strings.ToLower(strings.ReplaceAll(msg.DigestAlgorithm(), "SHA2_", "sha"))
		got := digest.NewDigestFromEncoded(digest.Algorithm(alg), hex.EncodeToString(msg.Digest()))
		if a := digest.Algorithm(alg); subject.Artifact != nil && a.Available() {
			want = a.FromBytes(subject.Artifact) // the artifact hashed as the signer did
		}
		if got != want {
			return failure.New(failure.Subject, "message signature covers %s, not the subject %s", got, want)
		}
	}
	return nil
}

// checkEvidence is step (3): sigstore-go's verifier checks what the
// signature carries against tm and the policy (and the subject binding a
// second time).
func (p *Policy) checkEvidence(e *Entity, subject Subject, tm root.TrustedMaterial, cert *x509.Certificate, out *Outcome) error {
	if e.tsaMessage != nil {
		tm = tsaBoundTo{TrustedMaterial: tm, message: e.tsaMessage}
	}
	opts, usable, err := p.verifierOptions(e, cert != nil, tm, out)
	if err != nil {
		return err
	}
	v, err := verify.NewVerifier(tm, opts...)
	if err != nil {
		return failure.New(failure.Format, "cannot build verifier: %w", err)
	}
	res, err := v.Verify(e.signed, verify.NewPolicy(artifactPolicy(e, subject), p.signerPolicy(cert)...))
	if err != nil {
		return p.explain(err, cert, out)
	}
	record(res, usable, tm, out)
	return nil
}

// artifactPolicy names what the verifier checks the subject binding
// against: the signed payload, the artifact or its digest.
func artifactPolicy(e *Entity, subject Subject) verify.ArtifactPolicyOption {
	switch {
	case e.Kind == KindSimpleSigning:
		return verify.WithArtifact(bytes.NewReader(e.Payload))
	case subject.Artifact != nil:
		return verify.WithArtifact(bytes.NewReader(subject.Artifact))
	}
	raw, _ := hex.DecodeString(subject.Digest.Encoded())
	return verify.WithArtifactDigest(subject.Digest.Algorithm().String(), raw)
}

// signerPolicy is who may have signed: a trusted identity for a
// certificate, the key step (1) found otherwise.
func (p *Policy) signerPolicy(cert *x509.Certificate) []verify.PolicyOption {
	if cert == nil {
		return []verify.PolicyOption{verify.WithKey()}
	}
	var opts []verify.PolicyOption
	for _, m := range p.matchers {
		opts = append(opts, verify.WithCertificateIdentity(m))
	}
	return opts
}

// record adds to out what the verifier verified: the times the signature
// existed at, the log entries and the certificate's identity.
func record(res *verify.VerificationResult, usable []*tlog.Entry, tm root.TrustedMaterial, out *Outcome) {
	for _, ts := range res.VerifiedTimestamps {
		out.Timestamps = append(out.Timestamps, Timestamp{Source: timestampSource(ts.Type), URI: ts.URI, Time: ts.Timestamp.UTC()})
	}
	out.Tlog = verifiedEntries(usable, tm)
	if res.Signature != nil && res.Signature.Certificate != nil {
		s := *res.Signature.Certificate
		out.CertSummary = &s
		out.Identity, out.Issuer = s.SubjectAlternativeName, s.Issuer
	}
}

// verifierOptions turns the policy and what the entity carries into
// sigstore-go options: material the trusted root can check is checked (and
// must verify); material it cannot check is noted and ignored unless the
// policy requires it.
func (p *Policy) verifierOptions(e *Entity, hasCert bool, tm root.TrustedMaterial, out *Outcome) ([]verify.VerifierOption, []*tlog.Entry, error) {
	entries, err := e.signed.TlogEntries()
	if err != nil {
		return nil, nil, failure.New(failure.Format, "transparency-log entries: %w", err)
	}
	stamps, err := e.signed.Timestamps()
	if err != nil {
		return nil, nil, failure.New(failure.Format, "timestamps: %w", err)
	}
	logs := tm.RekorLogs()
	var usable []*tlog.Entry
	promised := false
	for _, en := range entries {
		id := hex.EncodeToString([]byte(en.LogKeyID()))
		if _, ok := logs[id]; !ok {
			// Anyone can run a log: an entry counts only from a listed one.
			out.Notes = append(out.Notes, fmt.Sprintf("transparency-log entry %d not checked: log %s is not in the trusted root", en.LogIndex(), id))
			continue
		}
		usable = append(usable, en)
		promised = promised || en.HasInclusionPromise()
	}
	haveTSA := len(tm.TimestampingAuthorities()) > 0
	if len(stamps) > 0 && !haveTSA {
		out.Notes = append(out.Notes, fmt.Sprintf("%d RFC 3161 timestamp(s) not checked: the trust policy has no timestamp authority", len(stamps)))
	}
	stamped := len(stamps) > 0 && haveTSA
	switch {
	case p.requireTlog && len(entries) == 0:
		return nil, nil, failure.New(failure.Tlog, "no transparency-log entry, but trust policy %q requires one (requireTlog)", p.Name)
	case p.requireTlog && len(usable) == 0:
		return nil, nil, failure.New(failure.Tlog, "the transparency-log entry is from a log that the trusted root of policy %q does not list", p.Name)
	case p.requireSignedTimestamp && len(stamps) == 0:
		return nil, nil, failure.New(failure.Timestamp, "no RFC 3161 timestamp, but trust policy %q requires one (requireSignedTimestamp)", p.Name)
	case p.requireSignedTimestamp && !haveTSA:
		return nil, nil, failure.New(failure.Timestamp, "the trusted root of policy %q lists no timestamp authority to check the RFC 3161 timestamp", p.Name)
	case len(usable) == 0 && !stamped && (hasCert || !p.insecureIgnoreTlog):
		// Without a log entry or timestamp nothing shows the signature
		// was made in the open, or (keyless) while the certificate was
		// valid: cosign verify refuses it by default too.
		what := "no transparency-log entry or RFC 3161 timestamp"
		if len(entries)+len(stamps) > 0 {
			what = fmt.Sprintf("no transparency-log entry or RFC 3161 timestamp that the trusted root can verify (%s)", strings.Join(out.Notes, "; "))
		}
		fix := "sign with a transparency log or timestamp authority"
		if !hasCert {
			fix += `, or set "insecureIgnoreTlog": true in the trust policy to accept unlogged key signatures`
		}
		return nil, nil, failure.New(failure.Tlog, "signature has %s, but trust policy %q requires one; %s", what, p.Name, fix)
	case len(usable) == 0 && !stamped:
		out.Unlogged = true
		out.Notes = append(out.Notes, "no transparency-log entry or RFC 3161 timestamp: accepted only because of insecureIgnoreTlog")
	}
	var opts []verify.VerifierOption
	observed := false
	if len(usable) > 0 {
		opts = append(opts, verify.WithTransparencyLog(1))
		if promised {
			opts = append(opts, verify.WithIntegratedTimestamps(1))
			observed = true
		}
	}
	if stamped {
		opts = append(opts, verify.WithSignedTimestamps(1))
		observed = true
	}
	if hasCert && !p.insecureIgnoreSCT {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	switch {
	case observed:
	case hasCert:
		// Only an inclusion proof, no trusted time: the certificate must
		// be valid now.
		opts = append(opts, verify.WithCurrentTime())
	default:
		opts = append(opts, verify.WithNoObserverTimestamps())
	}
	return opts, usable, nil
}

// explain turns a sigstore-go error into a *failure.Error naming the check.
func (p *Policy) explain(err error, cert *x509.Certificate, out *Outcome) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "outside certificate validity"), strings.HasPrefix(msg, "failed to verify leaf certificate"):
		return failure.New(failure.Certificate, "%s does not verify against the Fulcio CAs of trust policy %q at %s: %w", describeCert(cert), p.Name, timesUsed(out, cert, msg), err)
	case strings.HasPrefix(msg, "failed to verify log inclusion"):
		return failure.New(failure.Tlog, "transparency-log entry does not verify against the trusted root of policy %q: %v", p.Name, errors.Unwrap(err))
	case strings.HasPrefix(msg, "failed to verify timestamps"):
		return failure.New(failure.Timestamp, "timestamp does not verify against the trusted root of policy %q: %v", p.Name, errors.Unwrap(err))
	case strings.HasPrefix(msg, "failed to verify signed certificate timestamp"), strings.Contains(msg, "SCT"):
		return failure.New(failure.SCT, "certificate has no SCT that verifies against the CT logs of the trusted root of policy %q (keyless certificates must have been logged in certificate transparency): %v", p.Name, errors.Unwrap(err))
	case strings.HasPrefix(msg, "failed to verify certificate identity"):
		return failure.New(failure.Identity, "%s", p.explainIdentity(cert))
	case strings.Contains(msg, "artifact") || strings.Contains(msg, "digest"):
		return failure.New(failure.Subject, "%w", err)
	}
	return failure.New(failure.Signature, "%w", err)
}

func (p *Policy) explainIdentity(cert *x509.Certificate) string {
	s, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return fmt.Sprintf("cannot read the certificate identity: %v", err)
	}
	for i, id := range p.identities {
		san, _ := verify.NewSANMatcher(id.CertificateIdentity, id.CertificateIdentityRegExp)
		if san.Verify(s) == nil {
			return fmt.Sprintf("certificate identity %q is trusted only from issuer %s (trust policy %q keyless[%d]), but it was issued by %q",
				s.SubjectAlternativeName, id.issuerString(), p.Name, i, s.Issuer)
		}
	}
	var ids []string
	for _, id := range p.identities {
		ids = append(ids, id.String())
	}
	return fmt.Sprintf("certificate identity %q (issuer %q) matches none of the trusted identities of trust policy %q: %s",
		s.SubjectAlternativeName, s.Issuer, p.Name, strings.Join(ids, "; "))
}

// timesUsed says at which time(s) the certificate was checked.
func timesUsed(out *Outcome, cert *x509.Certificate, msg string) string {
	if strings.Contains(msg, "integrated time") {
		return "the transparency-log integrated time"
	}
	now := time.Now()
	if cert != nil && (now.After(cert.NotAfter) || now.Before(cert.NotBefore)) && len(out.Notes) == 0 {
		return fmt.Sprintf("the current time %s (the signature carries no transparency-log entry or RFC 3161 timestamp to prove it was made while the certificate was valid)", now.UTC().Format(time.RFC3339))
	}
	return "the signing time"
}

func describeCert(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	s, err := certificate.SummarizeCertificate(c)
	id := c.Subject.String()
	if err == nil && s.SubjectAlternativeName != "" {
		id = s.SubjectAlternativeName
	}
	return fmt.Sprintf("certificate for %q valid %s to %s", id, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
}

func keyIDs(keys []*Key) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return strings.Join(ids, ", ")
}

func timestampSource(t string) string {
	switch t {
	case "Tlog":
		return SourceTlog
	case "TimestampAuthority":
		return SourceRFC3161
	case "CurrentTime":
		return SourceCurrentTime
	}
	return strings.ToLower(t)
}

// verifiedEntries returns the usable entries whose promise verifies (the
// verifier accepted at least one; this says which).
func verifiedEntries(usable []*tlog.Entry, tm root.TrustedMaterial) []TlogEntry {
	var out []TlogEntry
	for _, en := range usable {
		if en.HasInclusionPromise() && tlog.VerifySET(en, tm.RekorLogs()) != nil {
			continue
		}
		te := TlogEntry{LogIndex: en.LogIndex(), LogID: hex.EncodeToString([]byte(en.LogKeyID()))}
		if !en.IntegratedTime().IsZero() && en.HasInclusionPromise() {
			te.IntegratedTime = en.IntegratedTime().UTC()
		}
		out = append(out, te)
	}
	return out
}

// keyMaterial offers one configured key for whatever hint an entity gives:
// hints are unauthenticated, and each trusted key is tried in turn.
type keyMaterial struct {
	*root.BaseTrustedMaterial
	key *Key
}

func (k keyMaterial) PublicKeyVerifier(string) (root.TimeConstrainedVerifier, error) {
	return k.key.verifier, nil
}

// tsaBoundTo checks RFC 3161 timestamps against message instead of the
// signature bytes: cosign timestamps legacy attestations over the whole
// envelope.
type tsaBoundTo struct {
	root.TrustedMaterial
	message []byte
}

func (t tsaBoundTo) TimestampingAuthorities() []root.TimestampingAuthority {
	var out []root.TimestampingAuthority
	for _, a := range t.TrustedMaterial.TimestampingAuthorities() {
		out = append(out, boundTSA{TimestampingAuthority: a, message: t.message})
	}
	return out
}

type boundTSA struct {
	root.TimestampingAuthority
	message []byte
}

func (b boundTSA) Verify(signedTimestamp, _ []byte) (*root.Timestamp, error) {
	return b.TimestampingAuthority.Verify(signedTimestamp, b.message)
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
