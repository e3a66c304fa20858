// Package composition describes what a WebAssembly binary is built from and
// checks a binary against that description.
//
// A composition list (media and artifact type
// application/vnd.ratify-wasm.composition.v1+json, JSON Schema in
// schema/composition.v1.schema.json) records the digest of one WASM layer,
// every nested core module and component in it (path, kind, size, sha256)
// and the component's top-level imports and exports. It is produced from the
// final built artifact (FromBinary), attached to the artifact as an OCI
// referrer (Attach) and signed like any other referrer, so a verifier can
// tell a known-good build from one whose transitive parts or capability
// surface changed.
//
// An Allowlist is a central file of known-good part digests that can be used
// with, or instead of, the parts of per-artifact lists. A Policy combines the
// list, the allowlist, a capability policy (package capability) and the
// cross-check of the interface an artifact's CNCF config declares; its
// Verify returns an Outcome that says what was checked and what failed for
// the layer a list describes, and VerifyUndescribed does the same for any
// other WASM layer of the artifact (known only through the allowlist).
package composition
