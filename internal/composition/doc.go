// Package composition is the wasm-composition Ratify verifier: run for a
// composition-list referrer, it checks every WASM layer of the subject: the
// layer the list describes against the list, the allowlist and the
// capability policy, and every other layer against the allowlist and the
// capability policy.
//
// The domain code is in subpackages: list (the composition list format,
// generated from a binary, compared and attached as an OCI referrer),
// allowlist (the central file of known-good part digests), policy (a binary
// checked against its list, the allowlist and the capability policy),
// capability (the import and export rules) and schema (the published JSON
// Schemas the decoders validate against).
package composition
