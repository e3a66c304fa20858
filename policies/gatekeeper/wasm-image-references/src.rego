# WasmImageReferences: where images of WebAssembly pods may come from and
# how they are named. Every container, init and ephemeral container image
# and every image volume of a pod that runs WebAssembly (selected as in
# lib.ratifywasmpods, the same pods RatifyWasmVerification verifies) must
# be in a repository under an allowed registry/repository prefix (matched
# by whole path segments in canonical form, so "myorg-payments" is not
# under "myorg" and "GHCR.IO:443/x" is "ghcr.io/x") and, unless
# requireDigest is false, pinned by digest so the artifact Ratify verified
# is the one that runs.
package wasmimagereferences

import data.lib.ratifywasm
import data.lib.ratifywasmpods

prefixes := object.get(input.parameters, "allowedPrefixes", [])

require_digest := object.get(input.parameters, "requireDigest", true)

pod := input.review.object

applies if ratifywasmpods.wasm_pod(pod, input.parameters)

violation contains {"msg": msg} if {
	msg := ratifywasmpods.unknown_class_violation(pod, input.parameters)
}

violation contains {"msg": msg} if {
	applies
	some [kind, name, image] in ratifywasmpods.images(pod)
	not ratifywasm.repository(image)
	msg := sprintf("%s %q image %s is not a valid image reference (repository path components are lower-case alphanumerics and separators)", [kind, name, image])
}

violation contains {"msg": msg} if {
	applies
	count(prefixes) > 0
	some [kind, name, image] in ratifywasmpods.images(pod)
	repo := ratifywasm.repository(image)
	not ratifywasm.allowed_repository(repo, prefixes)
	msg := sprintf("%s %q image %s: repository %s is not under an allowed prefix (%s); look-alike repositories are refused", [kind, name, image, repo, concat(", ", prefixes)])
}

violation contains {"msg": msg} if {
	some prefix in prefixes
	not ratifywasm.canonical_prefix(prefix)
	msg := sprintf("allowedPrefixes entry %q is not a registry or registry/repository prefix", [prefix])
}

violation contains {"msg": msg} if {
	applies
	require_digest == true
	some [kind, name, image] in ratifywasmpods.images(pod)
	not ratifywasmpods.pinned(image)
	msg := sprintf("%s %q image %s is not pinned by digest; use %s@sha256:<digest> so the artifact that was verified is the one that runs", [kind, name, image, display_repository(image)])
}

display_repository(image) := r if {
	r := ratifywasm.repository(image)
} else := image
