// Package mediatype is the one table of the media and artifact types
// ratify-wasm reads and writes: the WASM artifact layouts, its own documents,
// and the signature and attestation formats the verifiers are routed by.
// Product code and test helpers name a type only through this table (the
// test holds the module to it); OCI's own types (image manifest, index,
// config, the empty descriptor) are image-spec's ocispec constants.
//
// It imports nothing, so every package can use it.
package mediatype

// WASM artifacts: the CNCF TAG Runtime WASM OCI artifact
// (https://tag-runtime.cncf.io/wgs/wasm/deliverables/wasm-oci-artifact/) and
// the layouts of wasm-to-oci, Spin, runwasi, wasmCloud and solo-io.
const (
	// CNCFConfig and CNCFLayer: the CNCF layout (oci-wasm, wkg, wash v2,
	// cargo-component), one layer.
	CNCFConfig = "application/vnd.wasm.config.v0+json"
	CNCFLayer  = "application/wasm"
	// WasmToOCIConfig and WasmToOCILayer: engineerd/wasm-to-oci and
	// `cosign upload wasm`; Spin's WASM layers have the same type.
	WasmToOCIConfig = "application/vnd.wasm.config.v1+json"
	WasmToOCILayer  = "application/vnd.wasm.content.layer.v1+wasm"
	// RunwasiLayer: containerd/runwasi's oci-tar-builder (image config).
	RunwasiLayer = "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm"
	// ModuleConfig and ModuleLayer: solo-io / Envoy proxy-wasm.
	ModuleConfig = "application/vnd.module.wasm.config.v1+json"
	ModuleLayer  = "application/vnd.module.wasm.content.layer.v1+wasm"
	// WasmCloudConfig: legacy wasmCloud wash actor archives.
	WasmCloudConfig = "application/vnd.wasmcloud.actor.archive.config"
	// SpinLockedApp: the locked Spin application, a layer beside the WASM
	// layers of a Spin artifact (image config).
	SpinLockedApp = "application/vnd.fermyon.spin.application.v1+config"
)

// Docker's image manifest and config, which registries still serve.
const (
	DockerManifest    = "application/vnd.docker.distribution.manifest.v2+json"
	DockerImageConfig = "application/vnd.docker.container.image.v1+json"
)

// ratify-wasm's own documents.
const (
	// CompositionList: a composition list (internal/composition/list), as the
	// referrer's artifactType, its config media type, its layer media type
	// and the document's own mediaType.
	CompositionList = "application/vnd.ratify-wasm.composition.v1+json"
	// Allowlist: the document's mediaType of a central allowlist of
	// known-good part digests.
	Allowlist = "application/vnd.ratify-wasm.allowlist.v1+json"
)

// cosign and sigstore
// (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md,
// https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md and
// the bundle media types of sigstore/protobuf-specs).
const (
	// CosignSignature is what Ratify's oras store reports for cosign .sig
	// tags and what cosign writes on OCI 1.1 signature referrers.
	CosignSignature = "application/vnd.dev.cosign.artifact.sig.v1+json"
	// CosignSimpleSigning is the layer media type of legacy signatures.
	CosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
	// SigstoreBundle is the sigstore bundle v0.3 media type (cosign v3,
	// GitHub attestations).
	SigstoreBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SigstoreBundlePrefix also matches older bundles,
	// "…bundle+json;version=0.x".
	SigstoreBundlePrefix = "application/vnd.dev.sigstore.bundle"
	// SigstoreSigningConfig is the mediaType of a sigstore signing config
	// (cosign v3 --signing-config).
	SigstoreSigningConfig = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
)

// NotationSignature is the artifact type of Notary Project signatures
// (notation-go's registry.ArtifactTypeNotation); notation writes it as the
// manifest's config media type, not as artifactType.
const NotationSignature = "application/vnd.cncf.notary.signature"

// in-toto and DSSE
// (https://github.com/in-toto/attestation/blob/main/spec/v1/envelope.md).
const (
	// InToto is the DSSE payload type of in-toto statements, also the
	// layer media type of attestations pushed as plain statements.
	InToto = "application/vnd.in-toto+json"
	// DSSE is a DSSE envelope as a layer or artifact type.
	DSSE = "application/vnd.dsse.envelope.v1+json"
)

// SPDX is an SPDX JSON SBOM: an artifact the verifiers are not for.
const SPDX = "application/spdx+json"

// Smoke is the artifact type of the referrers that the test plugin
// wasm-smoke (internal/plugin/testdata) is routed by; only tests use it.
const Smoke = "application/vnd.ratify-wasm.smoke.v1+json"
