// Package notation is the wasm-notation verifier: it checks Notary Project
// signatures (JWS and COSE envelopes, artifact type
// application/vnd.cncf.notary.signature) attached to WASM artifacts, with
// notation-go v1.3.2 doing the cryptography and the trust-policy semantics.
//
// What the plugin adds around notation-go:
//
//   - configuration as explicit policy objects: an OCI trust policy document
//     (inline or from a file) and named trust stores of type ca,
//     signingAuthority and tsa built from certificate files or folders, all
//     loaded and checked when the configuration is decoded, so a missing or
//     wrong certificate is a configuration error naming its key;
//   - revocation (OCSP and CRL) exactly as notation-go checks it, with an
//     optional CRL cache folder in notation's own format and an explicit
//     offline mode that never touches the network;
//   - reads of the signature manifest and envelope that are bounded and
//     digest-checked (internal/oci), and a signature manifest that must be
//     attached to the subject being verified;
//   - results that say what was verified: the trust policy that applied,
//     the verification level and every validation with its action, the
//     signing certificate, signing time and RFC 3161 timestamp.
package notation
