// Package sigverify verifies Sigstore and cosign signatures offline against
// explicit trust policies. It is the one signature-verification
// implementation behind wasm-cosign, wasm-slsa and `ratify-wasm
// verify-bundle`.
//
// # Trust policies
//
// A TrustPolicy (JSON, Ratify style) names which subjects it applies to
// (Scopes), whom it trusts (Keys: ECDSA, RSA or Ed25519 PEM files or inline
// PEM, several for rotation; Keyless: certificate identity and OIDC issuer,
// exact or regexp, several), what it trusts them through (TrustedRoot: a
// sigstore trusted_root.json with Fulcio CAs, Rekor logs, CT logs and TSAs;
// nothing is fetched from the network) and what evidence it demands. The
// defaults are those of cosign verify: every signature needs a verified
// transparency-log entry or RFC 3161 timestamp from the trusted root (key
// signatures may opt out with InsecureIgnoreTlog, cosign's
// --insecure-ignore-tlog), certificates need a verified SCT, identity
// regexps must be anchored at both ends; RequireTlog and
// RequireSignedTimestamp narrow the evidence further. CompilePolicies turns
// a list into Policies; Policies.ForSubject picks the policy for a
// repository in canonical form (oci.CanonicalRepository; scopes must be
// written canonically): exact scope, then the longest "prefix*" scope, then
// "*".
//
// # Entities
//
// Everything signed becomes an Entity:
//
//   - ParseBundle: a sigstore bundle v0.1-v0.3 (DSSE or message signature);
//   - CosignSignature: a cosign legacy .sig layer (simple-signing payload
//     plus the signature, certificate, chain, Rekor bundle (SET) and RFC 3161
//     annotations), from a sha256-<hex>.sig tag or an OCI 1.1 referrer;
//   - DSSE: a cosign legacy .att layer (DSSE envelope plus the same
//     annotations; its RFC 3161 timestamp covers the whole envelope, as cosign
//     writes it), or a plain DSSE envelope signed with a key.
//
// Legacy formats are adapted to sigstore-go's verify.SignedEntity, so every
// format goes through the same sigstore-go verifier.
//
// # Verification
//
// Policy.Verify(entity, Subject{Digest}, Expect{PredicateTypes}) checks, in
// order: the signature against each trusted key (first match wins) or the
// certificate's key; the binding of the authenticated payload to the
// subject; then with sigstore-go the transparency-log entries, RFC 3161
// timestamps, certificate chain at the verified signing time, SCTs and the
// identity policy. Evidence the trusted root can check must verify;
// evidence it cannot check (an entry from a log it does not list) is no
// evidence: it is listed in Outcome.Notes and the signature must pass on
// other evidence. A bundle whose certificate chain carries a root is
// refused: roots come from the trusted root only. The
// returned Outcome says what was verified: key id or certificate identity,
// issuer and Fulcio extensions, log entries, timestamps with their source,
// and for DSSE the predicate type and statement bytes. Failures are *failure.Error
// values whose Check names the check ("signature", "subject", "identity",
// "certificate", "tlog", "timestamp", "sct", "predicateType", "format").
//
// # The ClaimVerifier pitfall
//
// A signature proves that someone signed a payload, not that the payload is
// about the artifact being verified. cosign's VerifyImageSignature accepts a
// valid signature for any digest unless CheckOpts.ClaimVerifier is set, and
// Ratify's built-in verifier leaves it unset on its trust-policy path, so a
// signature copied from one artifact to another verifies. Verify therefore
// always binds: the simple-signing docker-manifest-digest, or a subject
// digest of the in-toto statement, or the message digest, must equal
// Subject.Digest (and sigstore-go checks the DSSE subjects a second time).
// There is no way to verify without a subject.
package sigverify
