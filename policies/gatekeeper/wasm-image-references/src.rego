# WasmImageReferences: where images of WebAssembly pods may come from and
# how they are named. Every container, init and ephemeral container image
# must be in a repository under an allowed registry/repository prefix
# (matched by whole path segments, so "myorg-payments" is not under
# "myorg") and, unless requireDigest is false, pinned by digest so the
# artifact Ratify verified is the one that runs.
package wasmimagereferences

import data.lib.ratifywasm

# Empty or absent: every pod.
runtime_classes := object.get(input.parameters, "runtimeClassNames", [])

prefixes := object.get(input.parameters, "allowedPrefixes", [])

require_digest := object.get(input.parameters, "requireDigest", true)

pod := input.review.object

runtime_class := object.get(pod, ["spec", "runtimeClassName"], "")

applies if count(runtime_classes) == 0

applies if runtime_class in runtime_classes

containers contains [kind, c] if {
	some [field, kind] in [["containers", "container"], ["initContainers", "init container"], ["ephemeralContainers", "ephemeral container"]]
	some c in object.get(pod, ["spec", field], [])
}

violation contains {"msg": msg} if {
	applies
	count(prefixes) > 0
	some [kind, c] in containers
	repo := ratifywasm.repository(c.image)
	not ratifywasm.allowed_repository(repo, prefixes)
	msg := sprintf("%s %q image %s: repository %s is not under an allowed prefix (%s); look-alike repositories are refused", [kind, c.name, c.image, repo, concat(", ", prefixes)])
}

violation contains {"msg": msg} if {
	applies
	require_digest == true
	some [kind, c] in containers
	not pinned(c.image)
	msg := sprintf("%s %q image %s is not pinned by digest; use %s@sha256:<digest> so the artifact that was verified is the one that runs", [kind, c.name, c.image, ratifywasm.repository(c.image)])
}

pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)
