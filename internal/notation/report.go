package notation

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/notaryproject/notation-core-go/signature"
	notationgo "github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/tspclient-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// Result extension keys (documented in plugins/wasm-notation/README.md).
const (
	ExtTrustPolicy       = "trustPolicy"
	ExtVerificationLevel = "verificationLevel"
	// ExtVerificationOverride is the statement's override map, when it has one.
	ExtVerificationOverride = "verificationOverride"
	ExtValidations          = "validations"
	// ExtLoggedFailures lists the validation types that failed but were
	// only logged (audit, permissive, or an override to "log"); a pass
	// with any is no proof that the signer is trusted.
	ExtLoggedFailures     = "loggedFailures"
	ExtSignatureMediaType = "signatureMediaType"
	ExtSigningScheme      = "signingScheme"
	ExtSigningTime        = "signingTime"
	ExtSignatureExpiry    = "signatureExpiry"
	ExtSigningCertificate = "signingCertificate"
	ExtCertificateChain   = "certificateChain"
	ExtTimestamp          = "timestamp"
	ExtUserMetadata       = "userMetadata"
)

// reportInput is everything a result is built from.
type reportInput struct {
	ref      string // subject repository@digest
	subject  ocispec.Descriptor
	envelope *envelope
	policy   *trustpolicy.TrustPolicy
	outcome  *notationgo.VerificationOutcome
	err      error
	metadata map[string]string // required user metadata
	// revocationHint explains revocation failures that come from the
	// configuration rather than the certificate (offline mode).
	revocationHint string
	// startedAt is when verification began: notation-go decides "expired"
	// against its own clock, so a certificate expired by then was expired
	// for notation-go too.
	startedAt time.Time
}

// report turns notation-go's outcome into the plugin result.
func report(in reportInput) (plugin.Report, error) {
	what := in.envelope.describe(in.ref)
	ext := map[string]any{
		ExtTrustPolicy:        in.policy.Name,
		ExtSignatureMediaType: in.envelope.mediaType,
	}
	if in.outcome == nil || in.outcome.VerificationLevel == nil {
		return plugin.Report{Extensions: ext}, failure.New(failure.Signature, "%s: %w", what, in.err)
	}
	// notation-go names a level with overrides "custom"; report the
	// statement's own level and its overrides instead.
	level := in.policy.SignatureVerification.VerificationLevel
	ext[ExtVerificationLevel] = level
	if o := in.policy.SignatureVerification.Override; len(o) > 0 {
		overrides := map[string]string{}
		var parts []string
		for typ, action := range o {
			overrides[string(typ)] = string(action)
			parts = append(parts, fmt.Sprintf("%s=%s", typ, action))
		}
		sort.Strings(parts)
		ext[ExtVerificationOverride] = overrides
		level += ", override " + strings.Join(parts, " ")
	}
	if in.outcome.VerificationLevel.Name == trustpolicy.LevelSkip.Name {
		return plugin.Report{Extensions: ext}, &failure.Skip{Reason: "verification-level-skip",
			Msg: fmt.Sprintf("%s was not verified: trust policy statement %q has verification level skip", what, in.policy.Name)}
	}
	ext[ExtValidations] = validations(in.outcome.VerificationResults)
	var payload *ocispec.Descriptor
	if content := in.outcome.EnvelopeContent; content != nil {
		payload = targetArtifact(content.Payload.Content)
		signerExtensions(ext, in, &content.SignerInfo, payload)
	}
	if in.err != nil {
		check, detail := explain(in, payload)
		return plugin.Report{Extensions: ext}, failure.New(check, "%s does not satisfy trust policy statement %q (level %s): %s", what, in.policy.Name, level, detail)
	}
	msg := fmt.Sprintf("%s verified under trust policy statement %q (level %s)", what, in.policy.Name, level)
	if cert, ok := ext[ExtSigningCertificate].(map[string]any); ok {
		msg += fmt.Sprintf(", signed by %q", cert["subject"])
	}
	logged, types := loggedFailures(in.outcome.VerificationResults)
	ext[ExtLoggedFailures] = types
	if len(logged) > 0 {
		msg += "; failures logged but not enforced at this level: " + strings.Join(logged, "; ")
	}
	return plugin.Report{Message: msg, Extensions: ext}, nil
}

// explain names the check that failed and says why.
func explain(in reportInput, payload *ocispec.Descriptor) (check failure.Check, detail string) {
	for _, r := range in.outcome.VerificationResults {
		if r.Action == trustpolicy.ActionEnforce && r.Error != nil {
			detail = r.Error.Error()
			if r.Type == trustpolicy.TypeRevocation && in.revocationHint != "" {
				detail += " (" + in.revocationHint + ")"
			}
			return validationCheck(r.Type), detail
		}
	}
	var metaErr notationgo.UserMetadataVerificationFailedError
	switch {
	case errors.As(in.err, &metaErr):
		return failure.UserMetadata, missingMetadata(in.metadata, payload)
	case payload != nil && !sameContent(*payload, in.subject):
		return failure.SubjectMatch, fmt.Sprintf("the signed payload names %s (%s, %d bytes), not this subject %s (%s, %d bytes); expected a signature made for this artifact",
			payload.Digest, payload.MediaType, payload.Size, in.subject.Digest, in.subject.MediaType, in.subject.Size)
	}
	return failure.Signature, in.err.Error()
}

// validationChecks are notation-go's validation types as checks.
var validationChecks = map[trustpolicy.ValidationType]failure.Check{
	trustpolicy.TypeIntegrity:          failure.Integrity,
	trustpolicy.TypeAuthenticity:       failure.Authenticity,
	trustpolicy.TypeAuthenticTimestamp: failure.AuthenticTimestamp,
	trustpolicy.TypeExpiry:             failure.Expiry,
	trustpolicy.TypeRevocation:         failure.Revocation,
}

// validationCheck names the check of a failed validation; a type this
// notation-go version does not define is reported as signature.
func validationCheck(t trustpolicy.ValidationType) failure.Check {
	if c, ok := validationChecks[t]; ok {
		return c
	}
	return failure.Signature
}

func sameContent(a, b ocispec.Descriptor) bool {
	return a.MediaType == b.MediaType && a.Digest == b.Digest && a.Size == b.Size
}

func missingMetadata(want map[string]string, payload *ocispec.Descriptor) string {
	var missing []string
	for _, k := range sortedKeys(want) {
		got, ok := "", false
		if payload != nil {
			got, ok = payload.Annotations[k]
		}
		switch {
		case !ok:
			missing = append(missing, fmt.Sprintf("%s=%s (absent)", k, want[k]))
		case got != want[k]:
			missing = append(missing, fmt.Sprintf("%s=%s (signed value %q)", k, want[k], got))
		}
	}
	return "the signed payload lacks the required user metadata (config key userMetadata): " + strings.Join(missing, ", ")
}

// targetArtifact decodes the payload's targetArtifact; nil if it cannot.
func targetArtifact(payload []byte) *ocispec.Descriptor {
	var p struct {
		TargetArtifact ocispec.Descriptor `json:"targetArtifact"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return nil
	}
	return &p.TargetArtifact
}

// validations lists every validation notation-go ran, in order, with its
// action; under permissive and audit a failed one may be only logged.
func validations(results []*notationgo.ValidationResult) []map[string]any {
	out := make([]map[string]any, 0, len(results))
	for _, r := range results {
		v := map[string]any{"type": string(r.Type), "action": string(r.Action), "passed": r.Error == nil}
		if r.Error != nil {
			v["error"] = r.Error.Error()
		}
		out = append(out, v)
	}
	return out
}

// loggedFailures returns the validations that failed but were not
// enforced, as "type: error" lines and as their types.
func loggedFailures(results []*notationgo.ValidationResult) (lines, types []string) {
	types = []string{}
	for _, r := range results {
		if r.Error != nil && r.Action != trustpolicy.ActionEnforce {
			lines = append(lines, fmt.Sprintf("%s: %v", r.Type, r.Error))
			types = append(types, string(r.Type))
		}
	}
	return lines, types
}

// signerExtensions reports who signed, when, and the timestamp.
func signerExtensions(ext map[string]any, in reportInput, si *signature.SignerInfo, payload *ocispec.Descriptor) {
	ext[ExtSigningScheme] = string(si.SignedAttributes.SigningScheme)
	ext[ExtSigningTime] = si.SignedAttributes.SigningTime.UTC().Format(time.RFC3339)
	if exp := si.SignedAttributes.Expiry; !exp.IsZero() {
		ext[ExtSignatureExpiry] = exp.UTC().Format(time.RFC3339)
	}
	if len(si.CertificateChain) > 0 {
		ext[ExtSigningCertificate] = certificate(si.CertificateChain[0])
		chain := make([]string, 0, len(si.CertificateChain))
		for _, c := range si.CertificateChain {
			chain = append(chain, c.Subject.String())
		}
		ext[ExtCertificateChain] = chain
	}
	if payload != nil && len(payload.Annotations) > 0 {
		ext[ExtUserMetadata] = payload.Annotations
	}
	if len(si.UnsignedAttributes.TimestampSignature) > 0 {
		ext[ExtTimestamp] = timestamp(in, si)
	}
}

func certificate(c *x509.Certificate) map[string]any {
	sum := sha256.Sum256(c.Raw)
	return map[string]any{
		"subject":           c.Subject.String(),
		"issuer":            c.Issuer.String(),
		"serialNumber":      c.SerialNumber.Text(16),
		"notBefore":         c.NotBefore.UTC().Format(time.RFC3339),
		"notAfter":          c.NotAfter.UTC().Format(time.RFC3339),
		"sha256Fingerprint": hex.EncodeToString(sum[:]),
	}
}

// timestamp describes the RFC 3161 countersignature. "verified" is true
// only when notation-go verified it against the tsa trust store: the
// policy names a tsa store, verifyTimestamp is "always" or a certificate
// had expired, and the authenticTimestamp validation passed.
func timestamp(in reportInput, si *signature.SignerInfo) map[string]any {
	out := map[string]any{"verified": timestampVerified(in, si)}
	tok, err := tspclient.ParseSignedToken(si.UnsignedAttributes.TimestampSignature)
	if err != nil {
		out["error"] = "cannot parse the timestamp countersignature: " + err.Error()
		return out
	}
	info, err := tok.Info()
	if err != nil {
		out["error"] = "cannot read the timestamp TSTInfo: " + err.Error()
		return out
	}
	ts, err := info.Validate(si.Signature)
	if err != nil {
		out["error"] = "the timestamp does not cover this signature: " + err.Error()
		return out
	}
	out["time"] = ts.Value.UTC().Format(time.RFC3339Nano)
	out["accuracy"] = ts.Accuracy.String()
	if len(tok.SignerInfos) > 0 {
		if c, err := tok.SigningCertificate(&tok.SignerInfos[0]); err == nil {
			out["tsaCertificate"] = certificate(c)
		}
	}
	return out
}

func timestampVerified(in reportInput, si *signature.SignerInfo) bool {
	if si.SignedAttributes.SigningScheme != signature.SigningSchemeX509 || !hasTSAStore(in.policy.TrustStores) {
		return false
	}
	if in.policy.SignatureVerification.VerifyTimestamp == trustpolicy.OptionAfterCertExpiry {
		expired := false
		for _, c := range si.CertificateChain {
			expired = expired || in.startedAt.After(c.NotAfter)
		}
		if !expired {
			return false
		}
	}
	for _, r := range in.outcome.VerificationResults {
		if r.Type == trustpolicy.TypeAuthenticTimestamp {
			return r.Error == nil
		}
	}
	return false
}

// hasTSAStore reports whether a statement names a tsa store, which is what
// turns timestamp verification on in notation-go.
func hasTSAStore(stores []string) bool {
	for _, s := range stores {
		if strings.HasPrefix(s, "tsa:") {
			return true
		}
	}
	return false
}
