# RatifyWasmVerification: every image of a pod that runs on a WebAssembly
# runtime class is verified by Ratify (the "ratify-provider" external data
# provider, `ratify serve` with the ratify-wasm plugins and policy). The
# pod is denied when Ratify cannot be reached or answers with an error, or
# when the reports fail the ratify-wasm policy (lib.ratifywasm, the same
# rules as policies/ratify/wasm.rego, with this constraint's "policy"
# parameters), or when Ratify's own policy says no. Pods of other runtime
# classes are not looked at.
package ratifywasmverification

import data.lib.ratifywasm

default_runtime_classes := ["wasmtime", "spin", "wasmcloud", "wasmedge"]

runtime_classes := object.get(input.parameters, "runtimeClassNames", default_runtime_classes)

provider := object.get(input.parameters, "provider", "ratify-provider")

# The ratify-wasm policy parameters (see policies/README.md), merged over
# the library defaults; set them to what the Ratify policy was rendered with.
policy_params := object.union(ratifywasm.defaults, object.get(input.parameters, "policy", {}))

pod := input.review.object

runtime_class := object.get(pod, ["spec", "runtimeClassName"], "")

wasm_pod if runtime_class in runtime_classes

images contains c.image if {
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some c in object.get(pod, ["spec", field], [])
}

pod_name := object.get(pod, ["metadata", "name"], object.get(pod, ["metadata", "generateName"], "(unnamed)"))

# One request per pod for all its images; Ratify verifies them in parallel.
response := external_data({"provider": provider, "keys": sort(images)}) if wasm_pod

violation contains {"msg": msg} if {
	response.system_error != ""
	msg := sprintf("pod %s (runtimeClassName %s): Ratify (external data provider %q) could not verify images %v, so they are denied: %s", [pod_name, runtime_class, provider, sort(images), response.system_error])
}

# Status 0 without a system error is Gatekeeper's answer when every key came
# from its external-data response cache (no request was sent); the cached
# items are judged below like fresh ones.
violation contains {"msg": msg} if {
	response.system_error == ""
	not response.status_code in {0, 200}
	msg := sprintf("pod %s (runtimeClassName %s): Ratify (external data provider %q) answered with status %v for images %v, so they are denied", [pod_name, runtime_class, provider, response.status_code, sort(images)])
}

violation contains {"msg": msg} if {
	some [image, err] in response.errors
	msg := sprintf("image %s in pod %s: Ratify could not verify it: %s", [image, pod_name, err])
}

violation contains {"msg": msg} if {
	response.system_error == ""
	some image in images
	not answered(image)
	msg := sprintf("image %s in pod %s: Ratify returned no result for it, so it is denied", [image, pod_name])
}

violation contains {"msg": msg} if {
	some [image, value] in response.responses
	some reason in denials(value)
	msg := sprintf("image %s in pod %s: %s", [image, pod_name, reason])
}

answered(image) if {
	some [key, _] in response.responses
	key == image
}

answered(image) if {
	some [key, _] in response.errors
	key == image
}

# denials explains a Ratify result: the ratify-wasm policy's reasons (which
# name every failed verifier and every missing piece of evidence), or, when
# those find nothing but Ratify's policy still said no, that fact.
denials(value) := rs if {
	rs := ratifywasm.deny_reasons(object.get(value, "verifierReports", []), policy_params)
	count(rs) > 0
} else := {"Ratify's policy rejected it although no verifier failed and this constraint's policy parameters find nothing missing; make the Ratify policy parameters and the constraint's spec.parameters.policy the same"} if {
	not value.isSuccess == true
}
