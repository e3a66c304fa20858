// Package failure is the one vocabulary in which ratify-wasm says no: the
// names of the checks that can fail (the "failedCheck" extension of a
// failed result), the error that carries one of them, the configuration
// error that names a key, and the skip.
//
// Verifiers and their helpers return errors; only the plugin runtime
// (internal/plugin) turns an error into the result Ratify reads:
//
//   - *Error: a failed result whose failedCheck is Error.Check;
//   - *ConfigError: a failed result with failedCheck "config";
//   - *Skip, returned as is (not wrapped): a success marked "skipped";
//   - anything else: a failed result with failedCheck "internal".
//
// It imports nothing from the project, so every package can use it.
package failure

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Check names the check that said no. Its values are the stable strings
// policies read; every one is listed here, with the plugins that report it.
type Check string

// Runtime checks: every plugin can report these.
const (
	// Config: the configuration is invalid (the message names the key).
	Config Check = "config"
	// Deadline: verification did not finish within "timeout".
	Deadline Check = "deadline"
	// Internal: the plugin crashed or failed in a way no check covers.
	Internal Check = "internal"
	// Subject: the subject cannot be resolved or loaded, is not a WASM
	// artifact, or its repository has no canonical spelling; from
	// signature verification (wasm-cosign, wasm-slsa): the signed payload
	// names another artifact.
	Subject Check = "subject"
	// Referrer: the referrer Ratify listed cannot be read (size, digest,
	// network), is attached to another subject, or is not of the kind the
	// verifier reads.
	Referrer Check = "referrer"
	// Result: a report that could not be passed to Ratify whole (a string
	// over 1 KiB, or over 60 KiB in all); the verdict is refused.
	Result Check = "result"
)

// Trust-policy lookup: wasm-cosign, wasm-notation, wasm-slsa.
const (
	// TrustPolicy: no trust policy (statement) covers the subject's
	// repository. wasm-cosign reported it as "policy" (see Aliases).
	TrustPolicy Check = "trustPolicy"
)

// Signature verification (internal/sigverify): wasm-cosign and wasm-slsa;
// Signature also wasm-notation.
const (
	// Format: the signature, bundle or envelope cannot be read.
	Format Check = "format"
	// Signature: the signature is not valid for any trusted key or for
	// the key of its certificate (wasm-notation: any failure notation-go
	// does not attribute to one of its validation types).
	Signature Check = "signature"
	// PredicateType: the statement (or the documents) are not of an
	// expected predicate type. Reported as "predicate" by sigverify before
	// (see Aliases).
	PredicateType Check = "predicateType"
	// Identity: the certificate identity or issuer is not trusted.
	Identity Check = "identity"
	// Certificate: the certificate does not chain to a trusted CA at the
	// signing time.
	Certificate Check = "certificate"
	// Tlog: a transparency-log entry is invalid, or there is neither a log
	// entry nor a timestamp where one is required.
	Tlog Check = "tlog"
	// Timestamp: an RFC 3161 timestamp is missing or invalid.
	Timestamp Check = "timestamp"
	// SCT: the certificate has no verified certificate-transparency proof.
	SCT Check = "sct"
)

// wasm-notation: notation-go's validation types and the plugin's own.
const (
	// SignatureManifest: the referrer is not a notation signature manifest.
	SignatureManifest Check = "signatureManifest"
	// SubjectMatch: the signed payload names another artifact.
	SubjectMatch Check = "subjectMatch"
	// UserMetadata: a required userMetadata pair is absent or different.
	UserMetadata Check = "userMetadata"
	// Integrity: the envelope does not parse or the signature does not
	// match the signed content.
	Integrity Check = "integrity"
	// Authenticity: the chain has no trusted certificate, or the leaf is
	// not a trusted identity.
	Authenticity Check = "authenticity"
	// AuthenticTimestamp: a certificate is not valid now and no trusted
	// timestamp proves it was at signing time.
	AuthenticTimestamp Check = "authenticTimestamp"
	// Expiry: the signature has expired.
	Expiry Check = "expiry"
	// Revocation: a certificate is revoked or its status is unknown.
	Revocation Check = "revocation"
)

// wasm-composition.
const (
	// Parts: nested parts known to neither the list nor the allowlist.
	Parts Check = "parts"
	// Layer: the binary is not the layer the list describes, or a WASM
	// layer is covered by nothing, or there are too many WASM layers.
	Layer Check = "layer"
	// List: the composition list is malformed, too large, or describes its
	// layer wrongly.
	List Check = "list"
	// Imports: the capability policy denies an import.
	Imports Check = "imports"
	// Exports: a required export is missing.
	Exports Check = "exports"
	// DeclaredInterface: the CNCF config declares an interface the binary
	// does not have.
	DeclaredInterface Check = "declaredInterface"
	// Parse: a WASM layer is not a well-formed binary or exceeds a parser
	// limit.
	Parse Check = "parse"
)

// wasm-slsa.
const (
	// Discovery: no provenance document where the plugin looked.
	Discovery Check = "discovery"
	// Statement: the signed payload is not a valid SLSA statement.
	Statement Check = "statement"
	// Unsigned: a bare, unsigned in-toto statement.
	Unsigned Check = "unsigned"
	// Builder: the builder is not allowed (builderIds).
	Builder Check = "builder"
	// BuildType: the build type is not allowed (buildTypes).
	BuildType Check = "buildType"
	// ProvenanceConsistency: the predicate contradicts itself.
	ProvenanceConsistency Check = "provenanceConsistency"
	// Source: the source repository is not sourceUri.
	Source Check = "source"
	// SourceRef: the source ref does not match sourceRef or
	// sourceVersionedTag.
	SourceRef Check = "sourceRef"
	// SourceCommit: the source commit is not sourceCommit.
	SourceCommit Check = "sourceCommit"
	// CertificateConsistency: the predicate contradicts the Fulcio
	// certificate, or a GitHub Actions certificate lacks a claim.
	CertificateConsistency Check = "certificateConsistency"
)

// Plugin names, as Checks lists them.
const (
	Cosign      = "wasm-cosign"
	Notation    = "wasm-notation"
	SLSA        = "wasm-slsa"
	Composition = "wasm-composition"
)

var (
	all        = []string{Cosign, Notation, SLSA, Composition}
	signatures = []string{Cosign, SLSA}
)

// Checks lists, for every check, the plugins that can report it; the
// READMEs' failedCheck tables are tested against it.
var Checks = map[Check][]string{
	Config: all, Deadline: all, Internal: all, Subject: all, Referrer: all, Result: all,
	TrustPolicy: {Cosign, Notation, SLSA},
	Format:      signatures, Signature: {Cosign, Notation, SLSA}, PredicateType: signatures, Identity: signatures,
	Certificate: signatures, Tlog: signatures, Timestamp: signatures, SCT: signatures,
	SignatureManifest: {Notation}, SubjectMatch: {Notation}, UserMetadata: {Notation}, Integrity: {Notation},
	Authenticity: {Notation}, AuthenticTimestamp: {Notation}, Expiry: {Notation}, Revocation: {Notation},
	Parts: {Composition}, Layer: {Composition}, List: {Composition}, Imports: {Composition},
	Exports: {Composition}, DeclaredInterface: {Composition}, Parse: {Composition},
	Discovery: {SLSA}, Statement: {SLSA}, Unsigned: {SLSA}, Builder: {SLSA}, BuildType: {SLSA},
	ProvenanceConsistency: {SLSA}, Source: {SLSA}, SourceRef: {SLSA}, SourceCommit: {SLSA},
	CertificateConsistency: {SLSA},
}

// Alias is a name a check was reported under before the vocabulary was
// unified. For one release a result whose check has an alias in its
// plugin also carries the old name in the "failedCheckAlias" extension,
// so policies can move to the canonical name.
type Alias struct {
	Old     string
	Check   Check
	Plugins []string
}

// Aliases are the deprecated names.
var Aliases = []Alias{
	{Old: "policy", Check: TrustPolicy, Plugins: []string{Cosign}},
	{Old: "predicate", Check: PredicateType, Plugins: signatures},
}

// AliasOf returns the deprecated name plugin used to report check under,
// or "".
func AliasOf(plugin string, check Check) string {
	for _, a := range Aliases {
		if a.Check != check {
			continue
		}
		for _, p := range a.Plugins {
			if p == plugin {
				return a.Old
			}
		}
	}
	return ""
}

// Error is a failed check. Its message reads "<check>: <what, which
// artifact, what was expected>"; it wraps its cause, so errors.Is and
// errors.As see through it.
type Error struct {
	Check Check
	// Err says what failed; it may wrap the cause.
	Err error
}

func (e *Error) Error() string { return string(e.Check) + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error for check; format and args are as for fmt.Errorf,
// so %w wraps a cause.
func New(check Check, format string, args ...any) error {
	return &Error{Check: check, Err: fmt.Errorf(format, args...)}
}

// CheckOf returns the check of the first *Error in err's chain.
func CheckOf(err error) (Check, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Check, true
	}
	return "", false
}

// ConfigError is a configuration problem tied to one key. It is reported
// with check Config.
type ConfigError struct {
	Key    string
	Reason string
	// Err is the cause, when there is one; Reason already words it.
	Err error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid configuration: key %q %s", e.Key, e.Reason)
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// OneOf checks a configuration key that takes one of a fixed set of values:
// nil when value is one of allowed, otherwise a *ConfigError naming key
// and listing the allowed values, e.g.
//
//	invalid configuration: key "layers" is "some"; expected "any" or "all"
func OneOf(key, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	list := strings.Join(quoted, ", ")
	if n := len(quoted); n > 1 {
		list = strings.Join(quoted[:n-1], ", ") + " or " + quoted[n-1]
	}
	return &ConfigError{Key: key, Reason: fmt.Sprintf("is %q; expected %s", value, list)}
}

// Skip says a subject was skipped on purpose: the result is a success that
// verified nothing, marked with the "skipped" extension so policies can
// tell it from a verification. The runtime honours a Skip only when it is
// returned as is; wrapped, it is a failure.
type Skip struct {
	// Reason is the "skipped" extension's value, e.g. "not-wasm".
	Reason string
	// Msg says what was skipped and which setting asked for it.
	Msg string
}

func (s *Skip) Error() string { return "skipped: " + s.Msg }
