// Package cosign is the wasm-cosign verifier: it verifies cosign signatures
// attached to WASM artifacts, in every format cosign writes them:
//
//   - legacy signatures (simple-signing layers with signature, certificate,
//     chain, Rekor bundle and RFC 3161 annotations) under the
//     sha256-<hex>.sig tag (listed by Ratify's oras store with
//     cosignEnabled) or as an OCI 1.1 referrer (cosign
//     --registry-referrers-mode=oci-1-1); every layer is verified and the
//     "layers" setting ("any" or "all") combines them;
//   - sigstore bundles (cosign v3's default), as referrers of artifact type
//     application/vnd.dev.sigstore.bundle.v0.3+json, or listed as
//     application/vnd.oci.empty.v1+json by registries without a referrers
//     API: the manifest itself decides. A signature bundle must be a DSSE
//     in-toto statement of predicate type https://sigstore.dev/cosign/sign/v1
//     whose subject is the subject manifest digest.
//
// Trust is configured with sigverify trust policies; verification is
// offline. See plugins/wasm-cosign/README.md.
package cosign
