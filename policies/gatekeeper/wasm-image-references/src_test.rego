package wasmimagereferences_test

import data.wasmimagereferences as template

d := "sha256:9c39b206c3c2909e09ef0c8f3e65300fd80890bcbcb34611089e3b1193a2c573"

pod(runtime_class, containers) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": {"runtimeClassName": runtime_class, "containers": containers}}

violations(obj, params) := vs if {
	vs := template.violation with input as {"review": {"object": obj}, "parameters": params}
}

allowed := {"allowedPrefixes": ["registry.example:5000/myorg"]}

messages(vs) := {v.msg | some v in vs}

some_message_contains(vs, parts) if {
	some m in messages(vs)
	every part in parts {
		contains(m, part)
	}
}

test_pinned_image_under_prefix_is_admitted if {
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["registry.example:5000/myorg/payments", d])}]), allowed)) == 0
}

test_lookalike_repository_is_denied if {
	img := concat("@", ["registry.example:5000/myorg-payments", d])
	vs := violations(pod("wasmtime", [{"name": "app", "image": img}]), allowed)
	count(vs) == 1
	some_message_contains(vs, ["container \"app\"", img, "repository registry.example:5000/myorg-payments is not under an allowed prefix (registry.example:5000/myorg)"])
}

test_lookalike_registry_is_denied if {
	vs := violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["registry.example:5000.evil.example/myorg/payments", d])}]), allowed)
	some_message_contains(vs, ["not under an allowed prefix"])
}

test_tag_reference_is_denied if {
	vs := violations(pod("wasmtime", [{"name": "app", "image": "registry.example:5000/myorg/payments:v1.2.0"}]), allowed)
	count(vs) == 1
	some_message_contains(vs, ["registry.example:5000/myorg/payments:v1.2.0 is not pinned by digest", "registry.example:5000/myorg/payments@sha256:<digest>"])
}

test_tag_and_digest_is_pinned if {
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["registry.example:5000/myorg/payments:v1.2.0", d])}]), allowed)) == 0
}

test_short_digest_is_not_pinned if {
	count(violations(pod("wasmtime", [{"name": "app", "image": "registry.example:5000/myorg/payments@sha256:abc"}]), allowed)) == 1
}

test_digest_requirement_can_be_off if {
	count(violations(pod("wasmtime", [{"name": "app", "image": "registry.example:5000/myorg/payments:v1"}]), object.union(allowed, {"requireDigest": false}))) == 0
}

test_docker_hub_names_are_normalized if {
	params := {"allowedPrefixes": ["docker.io/library"]}
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["alpine", d])}]), params)) == 0
	some_message_contains(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["myorg/alpine", d])}]), params), ["repository docker.io/myorg/alpine is not under"])
}

test_init_and_ephemeral_containers_are_checked if {
	obj := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": {
		"runtimeClassName": "spin",
		"containers": [{"name": "app", "image": concat("@", ["registry.example:5000/myorg/payments", d])}],
		"initContainers": [{"name": "init", "image": "registry.example:5000/other/init:v1"}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox"}],
	}}
	vs := violations(obj, allowed)
	count(vs) == 4
	some_message_contains(vs, ["init container \"init\"", "not under an allowed prefix"])
	some_message_contains(vs, ["init container \"init\"", "not pinned by digest"])
	some_message_contains(vs, ["ephemeral container \"debug\"", "docker.io/library/busybox is not under"])
}

test_runtime_class_filter if {
	params := object.union(allowed, {"runtimeClassNames": ["wasmtime"]})
	count(violations(pod("runc", [{"name": "app", "image": "nginx"}]), params)) == 0
	count(violations(pod("wasmtime", [{"name": "app", "image": "nginx"}]), params)) == 2

	# Absent: the default WASM runtime classes, as RatifyWasmVerification.
	count(violations(pod("runc", [{"name": "app", "image": "nginx"}]), allowed)) == 0
	count(violations(pod("wasmcloud", [{"name": "app", "image": "nginx"}]), allowed)) == 2
}

# Empty means "no class by name" in both templates, not "every pod".
test_empty_runtime_class_list_selects_no_class_by_name if {
	params := object.union(allowed, {"runtimeClassNames": []})
	count(violations(pod("runc", [{"name": "app", "image": "nginx"}]), params)) == 0
	count(violations(pod("wasmtime", [{"name": "app", "image": "nginx"}]), params)) == 0
	count(violations_in(pod("wasmtime", [{"name": "app", "image": "nginx"}]), params, classes({"wasmtime": "wasmtime"}))) == 2
}

classes(handlers) := {"cluster": {"node.k8s.io/v1": {"RuntimeClass": {name: {"handler": h} | some name, h in handlers}}}}

violations_in(obj, params, inventory) := vs if {
	vs := template.violation with input as {"review": {"object": obj}, "parameters": params} with data.inventory as inventory
}

test_alias_of_a_wasm_handler_is_checked if {
	inv := classes({"crun": "wasmtime", "runc": "runc"})
	count(violations_in(pod("crun", [{"name": "app", "image": "nginx"}]), allowed, inv)) == 2
	count(violations_in(pod("runc", [{"name": "app", "image": "nginx"}]), allowed, inv)) == 0
}

test_unknown_runtime_class_can_be_denied if {
	params := object.union(allowed, {"denyUnknownRuntimeClasses": true})
	vs := violations_in(pod("brand-new", [{"name": "app", "image": concat("@", ["registry.example:5000/myorg/payments", d])}]), params, classes({"runc": "runc"}))
	count(vs) == 1
	some_message_contains(vs, ["runtimeClassName brand-new is not a RuntimeClass Gatekeeper has synced"])
}

test_image_volumes_are_checked if {
	obj := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": {
		"runtimeClassName": "wasmtime",
		"containers": [{"name": "app", "image": concat("@", ["registry.example:5000/myorg/payments", d])}],
		"volumes": [{"name": "plugins", "image": {"reference": "attacker.example/x:latest"}}, {"name": "tmp", "emptyDir": {}}],
	}}
	vs := violations(obj, allowed)
	count(vs) == 2
	some_message_contains(vs, ["image volume \"plugins\" image attacker.example/x:latest", "not under an allowed prefix"])
	some_message_contains(vs, ["image volume \"plugins\"", "not pinned by digest"])
}

test_prefixes_and_images_in_canonical_form if {
	params := {"allowedPrefixes": ["GHCR.IO:443/myorg"]}
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["ghcr.io/myorg/app", d])}]), params)) == 0
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["Ghcr.Io:443/myorg/app", d])}]), {"allowedPrefixes": ["ghcr.io/myorg"]})) == 0
	some_message_contains(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["index.docker.io/evil/app", d])}]), {"allowedPrefixes": ["docker.io/myorg"]}), ["repository docker.io/evil/app is not under"])
}

test_invalid_references_are_denied if {
	vs := violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["registry.example:5000/myorg/Payments", d])}]), allowed)
	some_message_contains(vs, ["registry.example:5000/myorg/Payments@", "is not a valid image reference"])
	some_message_contains(violations(pod("wasmtime", []), {"allowedPrefixes": ["ghcr.io/MyOrg"]}), ["allowedPrefixes entry \"ghcr.io/MyOrg\""])
}

test_no_prefixes_means_any_repository if {
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("@", ["anywhere.example/x", d])}]), {})) == 0
}

test_overlong_digest_is_not_pinned if {
	count(violations(pod("wasmtime", [{"name": "app", "image": concat("", ["registry.example:5000/myorg/payments@", d, "0"])}]), allowed)) == 1
}
