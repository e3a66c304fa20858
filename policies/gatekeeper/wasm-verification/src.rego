# RatifyWasmVerification: every image of a pod that runs WebAssembly (its
# runtime class or the class's handler is a WASM one, lib.ratifywasmpods)
# is verified by Ratify (the "ratify-provider" external data provider,
# `ratify serve` with the ratify-wasm plugins and policy). Images are
# checked against the policy's allowedRepositories and digest rule first:
# only images that pass are sent, so a pod author cannot make Ratify and
# the plugins connect to a host of their choosing. The verdict on an image
# sent is Ratify's: the pod is denied when Ratify cannot be reached,
# answers with an error, leaves an image out, or says isSuccess is not
# true. The ratify-wasm policy's reasons (lib.ratifywasm with this
# constraint's "policy" parameters) only word the denial, so a copy of the
# parameters that drifted from Ratify's changes the message, never whether
# the pod is admitted.
package ratifywasmverification

import data.lib.ratifywasm
import data.lib.ratifywasmpods

provider := object.get(input.parameters, "provider", "ratify-provider")

# The ratify-wasm policy parameters (see policies/README.md), merged over
# the library defaults; set them to what the Ratify policy was rendered with.
policy_params := object.union(ratifywasm.defaults, object.get(input.parameters, "policy", {}))

pod := input.review.object

pod_name := ratifywasmpods.pod_name(pod)

runtime_class := ratifywasmpods.runtime_class(pod)

wasm_pod if ratifywasmpods.wasm_pod(pod, input.parameters)

violation contains {"msg": msg} if {
	msg := ratifywasmpods.unknown_class_violation(pod, input.parameters)
}

# Why image may not be sent to Ratify at all.
refusals(image) := ({sprintf("%s is not a valid image reference (repository path components are lower-case alphanumerics and separators)", [image]) |
	not ratifywasmpods.reference(image)
} | {sprintf("repository %s is not under an allowed prefix (%s)", [repo, concat(", ", policy_params.allowedRepositories)]) |
	count(policy_params.allowedRepositories) > 0
	repo := ratifywasm.repository(image)
	not ratifywasm.allowed_repository(repo, policy_params.allowedRepositories)
}) | {"it is not pinned by digest (@sha256:<64 hex>) and policy.subject.allowTags is not true; each verifier would resolve the tag on its own" |
	not policy_params.subject.allowTags == true
	not ratifywasmpods.pinned(image)
}

violation contains {"msg": msg} if {
	wasm_pod
	some [kind, name, image] in ratifywasmpods.images(pod)
	some reason in refusals(image)
	msg := sprintf("%s %q image %s in pod %s: not sent to Ratify: %s", [kind, name, image, pod_name, reason])
}

# The canonical references sent, one request per pod; Ratify verifies them
# in parallel.
keys contains ratifywasmpods.reference(image) if {
	wasm_pod
	some [_, _, image] in ratifywasmpods.images(pod)
	count(refusals(image)) == 0
}

response := external_data({"provider": provider, "keys": sort(keys)}) if count(keys) > 0

violation contains {"msg": msg} if {
	response.system_error != ""
	msg := sprintf("pod %s (runtimeClassName %s): Ratify (external data provider %q) could not verify images %v, so they are denied: %s", [pod_name, runtime_class, provider, sort(keys), response.system_error])
}

# Status 0 without a system error is Gatekeeper's answer when every key came
# from its external-data response cache (no request was sent); the cached
# items are judged below like fresh ones.
violation contains {"msg": msg} if {
	response.system_error == ""
	not response.status_code in {0, 200}
	msg := sprintf("pod %s (runtimeClassName %s): Ratify (external data provider %q) answered with status %v for images %v, so they are denied", [pod_name, runtime_class, provider, response.status_code, sort(keys)])
}

violation contains {"msg": msg} if {
	some [image, err] in response.errors
	msg := sprintf("image %s in pod %s: Ratify could not verify it: %s", [image, pod_name, err])
}

violation contains {"msg": msg} if {
	response.system_error == ""
	some image in keys
	not answered(image)
	msg := sprintf("image %s in pod %s: Ratify returned no result for it, so it is denied", [image, pod_name])
}

violation contains {"msg": msg} if {
	some [image, value] in response.responses
	not ratify_admits(value)
	some reason in denials(value)
	msg := sprintf("image %s in pod %s: %s", [image, pod_name, reason])
}

# Ratify's answer for one image: only an explicit isSuccess true admits it.
ratify_admits(value) if value.isSuccess == true

answered(image) if {
	some [key, _] in response.responses
	key == image
}

answered(image) if {
	some [key, _] in response.errors
	key == image
}

# denials words Ratify's refusal of an image: the ratify-wasm policy's
# reasons (which name every failed verifier and every missing piece of
# evidence), or, when those find nothing under this constraint's
# parameters, that Ratify's policy said no all the same.
denials(value) := rs if {
	rs := ratifywasm.deny_reasons(object.get(value, "verifierReports", []), policy_params)
	count(rs) > 0
} else := {"Ratify's policy rejected it although no verifier failed and this constraint's policy parameters find nothing missing; make the Ratify policy parameters and the constraint's spec.parameters.policy the same"}
