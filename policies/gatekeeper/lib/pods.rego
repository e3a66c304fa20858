# Which pods the ratify-wasm templates look at and which images a pod runs,
# shared by RatifyWasmVerification and WasmImageReferences so that both
# select the same pods with the same defaults.
#
# A pod runs WASM when its runtimeClassName is one of runtimeClassNames, or
# when the RuntimeClass it names has one of runtimeHandlers as its handler
# (RuntimeClass objects synced into data.inventory by Gatekeeper; the
# handler, not the class name, picks the shim, so an alias such as a class
# "crun" with handler "wasmtime" is still a WASM pod).
package lib.ratifywasmpods

import data.lib.ratifywasm

# The usual names of WASM runtime classes and containerd shim handlers
# (runwasi, SpinKube, KWasm, wasmCloud).
default_runtimes := ["wasmtime", "spin", "wasmtime-spin-v2", "wasmcloud", "wasmedge", "wasmer", "wws", "lunatic", "slight"]

settings(params) := {
	"runtimeClassNames": object.get(params, "runtimeClassNames", default_runtimes),
	"runtimeHandlers": object.get(params, "runtimeHandlers", default_runtimes),
	"denyUnknownRuntimeClasses": object.get(params, "denyUnknownRuntimeClasses", false),
	"verifyPodsWithoutRuntimeClass": object.get(params, "verifyPodsWithoutRuntimeClass", false),
}

runtime_class(pod) := object.get(pod, ["spec", "runtimeClassName"], "")

# The RuntimeClass object named name, as Gatekeeper synced it.
synced_class(name) := data.inventory.cluster["node.k8s.io/v1"].RuntimeClass[name]

handler(name) := synced_class(name).handler

wasm_pod(pod, params) if runtime_class(pod) in settings(params).runtimeClassNames

wasm_pod(pod, params) if handler(runtime_class(pod)) in settings(params).runtimeHandlers

wasm_pod(pod, params) if {
	runtime_class(pod) == ""
	settings(params).verifyPodsWithoutRuntimeClass == true
}

# A runtime class that is neither listed nor synced: its handler is unknown.
unknown_runtime_class(pod, params) if {
	rc := runtime_class(pod)
	rc != ""
	not rc in settings(params).runtimeClassNames
	not synced_class(rc)
}

unknown_class_violation(pod, params) := msg if {
	settings(params).denyUnknownRuntimeClasses == true
	unknown_runtime_class(pod, params)
	msg := sprintf("pod %s: runtimeClassName %s is not a RuntimeClass Gatekeeper has synced, so its handler is unknown and it may run WASM unverified (denyUnknownRuntimeClasses); sync node.k8s.io/v1 RuntimeClass objects", [pod_name(pod), runtime_class(pod)])
}

pod_name(pod) := object.get(pod, ["metadata", "name"], object.get(pod, ["metadata", "generateName"], "(unnamed)"))

# Every image the pod runs or mounts: [what, name, image reference].
images(pod) := {[kind, c.name, c.image] |
	some [field, kind] in [["containers", "container"], ["initContainers", "init container"], ["ephemeralContainers", "ephemeral container"]]
	some c in object.get(pod, ["spec", field], [])
} | {["image volume", v.name, v.image.reference] |
	some v in object.get(pod, ["spec", "volumes"], [])
	is_object(v.image)
}

pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

# reference is image in canonical form (repository as in lib.ratifywasm,
# then the digest, or the tag when there is none); undefined when no rule
# can make it canonical.
reference(image) := concat("@", [ratifywasm.repository(image), ratifywasm.digest(image)]) if {
	ratifywasm.digest(image)
} else := concat(":", [ratifywasm.repository(image), tag]) if {
	segs := split(image, "/")
	parts := split(segs[count(segs) - 1], ":")
	count(parts) == 2
	tag := parts[1]
} else := ratifywasm.repository(image)
