# Tests of RatifyWasmVerification with external_data mocked (opa test
# --capabilities with the external_data builtin declared; see policies.mk).
# Ratify's answers are the reports recorded from real `ratify verify` runs
# (policies/ratify/testdata/golden, loaded as data.golden).
package ratifywasmverification_test

import data.ratifywasmverification as template

golden := data.golden

image_of(name) := golden[name].verifierReports[0].subject

host := split(image_of("verified"), "/")[0]

pod(runtime_class, spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": object.union(
	{"runtimeClassName": runtime_class},
	spec,
)}

wasm_pod(images) := pod("wasmtime", {"containers": [{"name": sprintf("c%d", [i]), "image": img} | some i, img in images]})

review(obj, params) := {"review": {"object": obj}, "parameters": params}

# answer is what the external_data builtin returns for a Ratify response
# whose items are [image, report] pairs.
answer(items) := {"responses": items, "errors": [], "status_code": 200, "system_error": ""}

answer_for(names) := answer([[image_of(n), golden[n]] | some n in names])

# The provider's answer for the current test; external_data is replaced by
# a function returning it (OPA mocks builtins with functions or constants).
current_answer := {}

provider_mock(_) := current_answer

violations(obj, params, resp) := vs if {
	vs := template.violation with input as review(obj, params)
		with current_answer as resp
		with external_data as provider_mock
}

messages(vs) := {v.msg | some v in vs}

some_message_contains(vs, parts) if {
	some m in messages(vs)
	every part in parts {
		contains(m, part)
	}
}

# ---- selection ---------------------------------------------------------

down := {"responses": [], "errors": [], "status_code": 0, "system_error": "failed to send external data request: connection refused"}

test_pod_without_runtime_class_is_untouched if {
	obj := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
	count(violations(obj, {}, down)) == 0
}

test_pod_of_another_runtime_class_is_untouched if {
	count(violations(pod("runc", {"containers": [{"name": "c", "image": "nginx"}]}), {}, down)) == 0
}

test_default_runtime_classes if {
	every rc in ["wasmtime", "spin", "wasmtime-spin-v2", "wasmcloud", "wasmedge", "wasmer", "wws", "lunatic", "slight"] {
		some_message_contains(violations(pod(rc, {"containers": [{"name": "c", "image": image_of("verified")}]}), {}, down), ["could not verify images"])
	}
}

test_runtime_classes_are_a_parameter if {
	params := {"runtimeClassNames": ["wasmtime-v2"]}
	count(violations(pod("wasmtime-v2", {"containers": [{"name": "c", "image": image_of("verified")}]}), params, down)) == 1
	count(violations(pod("wasmtime", {"containers": [{"name": "c", "image": image_of("verified")}]}), params, down)) == 0
}

# ---- Ratify's answers ----------------------------------------------------

test_verified_image_is_admitted if {
	count(violations(wasm_pod([image_of("verified")]), {}, answer_for(["verified"]))) == 0
}

test_ratify_unreachable_is_denied if {
	vs := violations(wasm_pod([image_of("verified")]), {}, down)
	count(vs) == 1
	some_message_contains(vs, ["pod app (runtimeClassName wasmtime)", "could not verify images", image_of("verified"), "connection refused"])
}

test_provider_http_error_is_denied if {
	vs := violations(wasm_pod([image_of("verified")]), {}, {"responses": [], "errors": [], "status_code": 500, "system_error": ""})
	some_message_contains(vs, ["answered with status 500", image_of("verified")])
}

# Gatekeeper answers from its response cache with status 0 (frameworks
# externaldata builtin: the status is set only when a request is sent).
cached(resp) := object.union(resp, {"status_code": 0})

test_cached_answer_is_judged_like_a_fresh_one if {
	count(violations(wasm_pod([image_of("verified")]), {}, cached(answer_for(["verified"])))) == 0
	vs := violations(wasm_pod([image_of("unsigned")]), {}, cached(answer_for(["unsigned"])))
	some_message_contains(vs, [image_of("unsigned"), "no passing signature report"])
}

test_provider_item_error_is_denied if {
	img := concat("", [host, "/myorg/nope@sha256:9999999999999999999999999999999999999999999999999999999999999999"])
	resp := {"responses": [], "errors": [[img, "REFERRER_STORE_FAILURE: could not resolve descriptor for a subject from any stores"]], "status_code": 200, "system_error": ""}
	vs := violations(wasm_pod([img]), {}, resp)
	count(vs) == 1
	some_message_contains(vs, [img, "Ratify could not verify it: REFERRER_STORE_FAILURE"])
}

test_image_without_an_answer_is_denied if {
	other := image_of("unsigned")
	vs := violations(wasm_pod([image_of("verified"), other]), {}, answer_for(["verified"]))
	count(vs) == 1
	some_message_contains(vs, [other, "returned no result"])
}

# A mock provider answering only requests to "my-ratify".
my_ratify(req) := answer_for(["verified"]) if req.provider == "my-ratify"

test_provider_name_is_a_parameter if {
	count(template.violation) == 0 with input as review(wasm_pod([image_of("verified")]), {"provider": "my-ratify"})
		with external_data as my_ratify
}

three_images := sort([image_of("verified"), image_of("unsigned"), image_of("sockets")])

# A mock provider that answers only a request for exactly these keys.
three_answers(req) := answer_for(["verified", "unsigned", "sockets"]) if req.keys == three_images

# Every container, init and ephemeral container image is sent, once.
test_all_images_are_verified if {
	obj := pod("spin", {
		"containers": [{"name": "app", "image": image_of("verified")}, {"name": "again", "image": image_of("verified")}],
		"initContainers": [{"name": "init", "image": image_of("unsigned")}],
		"ephemeralContainers": [{"name": "debug", "image": image_of("sockets")}],
	})
	vs := template.violation with input as review(obj, {}) with external_data as three_answers
	some_message_contains(vs, [image_of("unsigned"), "no passing signature report"])
	some_message_contains(vs, [image_of("sockets"), "wasm-composition failed"])
	not some_message_contains(vs, [concat("", ["image ", image_of("verified")])])
}

# ---- the threat matrix, as Ratify reported it ------------------------------

test_unsigned_names_the_missing_signature if {
	some_message_contains(violations(wasm_pod([image_of("unsigned")]), {}, answer_for(["unsigned"])), [
		concat("", ["image ", image_of("unsigned"), " in pod app: "]),
		"no passing signature report (from wasm-cosign or wasm-notation)",
	])
}

test_failed_verifiers_are_named if {
	some_message_contains(violations(wasm_pod([image_of("forked_builder")]), {}, answer_for(["forked_builder"])), ["wasm-slsa failed", "builder: "])
	some_message_contains(violations(wasm_pod([image_of("unknown_part")]), {}, answer_for(["unknown_part"])), ["wasm-composition failed", "parts: "])
	some_message_contains(violations(wasm_pod([image_of("sockets")]), {}, answer_for(["sockets"])), ["wasm-composition failed", "wasi:sockets/tcp@0.2.0"])
}

test_unsigned_composition_list if {
	some_message_contains(violations(wasm_pod([image_of("unsigned_list")]), {}, answer_for(["unsigned_list"])), ["composition list sha256:", "carries no passing signature report"])
}

test_replaced_tag if {
	img := concat("", [host, "/myorg/replaced:v1"])
	vs := violations(wasm_pod([img]), {"policy": {"subject": {"allowTags": true}}}, answer([[img, golden.replaced]]))
	some_message_contains(vs, [img, "no passing signature report"])
}

# The version floor, the denylist and the allowed repositories are
# constraint parameters. The recorded reports of older and denylisted were
# rejected by Ratify's policy (rendered with the e2e parameters): without
# the same constraint parameters the denial can only say so.
test_floor_is_a_constraint_parameter if {
	repo := split(image_of("older"), "@")[0]
	params := {"policy": {"minimumVersions": {repo: "1.2.0"}}}
	some_message_contains(violations(wasm_pod([image_of("older")]), {}, answer_for(["older"])), ["Ratify's policy rejected it although no verifier failed"])
	some_message_contains(violations(wasm_pod([image_of("older")]), params, answer_for(["older"])), ["refs/tags/v1.0.0", "below the minimum version 1.2.0"])
}

test_denylist_is_a_constraint_parameter if {
	d := split(image_of("denylisted"), "@")[1]
	some_message_contains(violations(wasm_pod([image_of("denylisted")]), {}, answer_for(["denylisted"])), ["Ratify's policy rejected it"])
	some_message_contains(violations(wasm_pod([image_of("denylisted")]), {"policy": {"deniedDigests": [d]}}, answer_for(["denylisted"])), [d, "deniedDigests"])
}

test_allowed_repositories_is_a_constraint_parameter if {
	params := {"policy": {"allowedRepositories": [concat("/", [host, "myorg"])]}}
	some_message_contains(violations(wasm_pod([image_of("typosquat")]), params, answer_for(["typosquat"])), ["myorg-payments", "not under an allowed prefix"])
	count(violations(wasm_pod([image_of("verified")]), params, answer_for(["verified"]))) == 0
}

# Ratify's decision stands even when this constraint's parameters find
# nothing wrong (e.g. the Ratify policy has a floor the constraint lacks).
test_ratify_policy_rejection_without_reason_is_denied if {
	resp := answer([[image_of("verified"), object.union(golden.verified, {"isSuccess": false})]])
	vs := violations(wasm_pod([image_of("verified")]), {}, resp)
	count(vs) == 1
	some_message_contains(vs, ["Ratify's policy rejected it although no verifier failed"])
}

# The verdict is Ratify's: a constraint whose copy of the parameters is
# stricter than Ratify's cannot deny what Ratify admitted...
test_stricter_constraint_parameters_do_not_deny_what_ratify_admits if {
	golden.verified.isSuccess == true
	repo := split(image_of("verified"), "@")[0]
	d := split(image_of("verified"), "@")[1]
	every params in [
		{"minimumVersions": {repo: "2.0.0"}},
		{"deniedDigests": [d]},
		{"signature": {"require": "all", "verifiers": ["wasm-cosign", "nobody"]}},
		{"provenance": {"verifiers": []}},
	] {
		count(violations(wasm_pod([image_of("verified")]), {"policy": params}, answer_for(["verified"]))) == 0
	}
}

# ...and one that is looser cannot admit what Ratify refused: the looser
# copy only changes the wording.
test_looser_constraint_parameters_do_not_admit_what_ratify_refuses if {
	not golden.unsigned.isSuccess == true
	loose := {"policy": {"signature": {"verifiers": ["wasm-composition"]}, "provenance": {"required": false}, "composition": {"required": false}}}
	vs := violations(wasm_pod([image_of("unsigned")]), loose, answer_for(["unsigned"]))
	count(vs) == 1
	some_message_contains(vs, [image_of("unsigned"), "Ratify's policy rejected it although no verifier failed"])
}

# Anything but isSuccess true is a refusal, with the library's wording.
test_only_is_success_true_admits if {
	every value in [false, null, "true", 1] {
		resp := answer([[image_of("verified"), object.union(golden.verified, {"isSuccess": value})]])
		some_message_contains(violations(wasm_pod([image_of("verified")]), {}, resp), ["Ratify's policy rejected it"])
	}
	no_field := answer([[image_of("verified"), object.remove(golden.verified, ["isSuccess"])]])
	some_message_contains(violations(wasm_pod([image_of("verified")]), {}, no_field), ["Ratify's policy rejected it"])
	not_an_object := answer([[image_of("verified"), "isSuccess"]])
	some_message_contains(violations(wasm_pod([image_of("verified")]), {}, not_an_object), ["Ratify's policy rejected it"])
}

# ---- pods are selected by what runs them -------------------------------------

# Gatekeeper's inventory of synced RuntimeClass objects.
classes(handlers) := {"cluster": {"node.k8s.io/v1": {"RuntimeClass": {name: {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": name}, "handler": h} | some name, h in handlers}}}}

violations_in(obj, params, resp, inventory) := vs if {
	vs := template.violation with input as review(obj, params)
		with current_answer as resp
		with external_data as provider_mock
		with data.inventory as inventory
}

verified_container := {"containers": [{"name": "c", "image": image_of("unsigned")}]}

test_alias_of_a_wasm_handler_is_verified if {
	inv := classes({"crun": "wasmtime", "fast": "spin", "runc": "runc"})
	some_message_contains(violations_in(pod("crun", verified_container), {}, answer_for(["unsigned"]), inv), [image_of("unsigned"), "no passing signature report"])
	some_message_contains(violations_in(pod("fast", verified_container), {}, answer_for(["unsigned"]), inv), ["no passing signature report"])
	count(violations_in(pod("runc", verified_container), {}, answer_for(["unsigned"]), inv)) == 0
}

test_runtime_handlers_are_a_parameter if {
	inv := classes({"edge": "my-shim"})
	count(violations_in(pod("edge", verified_container), {}, down, inv)) == 0
	some_message_contains(violations_in(pod("edge", verified_container), {"runtimeHandlers": ["my-shim"]}, down, inv), ["could not verify images"])
}

test_unknown_runtime_class_can_be_denied if {
	inv := classes({"runc": "runc"})
	count(violations_in(pod("brand-new", verified_container), {}, down, inv)) == 0
	vs := violations_in(pod("brand-new", verified_container), {"denyUnknownRuntimeClasses": true}, down, inv)
	count(vs) == 1
	some_message_contains(vs, ["runtimeClassName brand-new is not a RuntimeClass Gatekeeper has synced"])
	count(violations_in(pod("runc", verified_container), {"denyUnknownRuntimeClasses": true}, down, inv)) == 0
}

test_pods_without_runtime_class_can_be_verified if {
	obj := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": verified_container}
	count(violations(obj, {}, down)) == 0
	some_message_contains(violations(obj, {"verifyPodsWithoutRuntimeClass": true}, down), ["could not verify images"])
}

# ---- image volumes -----------------------------------------------------------

# A mock provider answering only a request for both images.
with_volume(req) := answer_for(["verified", "unsigned"]) if req.keys == sort([image_of("verified"), image_of("unsigned")])

test_image_volumes_are_verified if {
	obj := pod("wasmtime", {
		"containers": [{"name": "app", "image": image_of("verified")}],
		"volumes": [{"name": "plugins", "image": {"reference": image_of("unsigned")}}, {"name": "scratch", "emptyDir": {}}],
	})
	vs := template.violation with input as review(obj, {}) with external_data as with_volume
	some_message_contains(vs, [image_of("unsigned"), "no passing signature report"])
}

# ---- nothing is sent that the rules refuse -----------------------------------------

# A provider that records being called: its answer is a denial naming it.
called := {"responses": [], "errors": [], "status_code": 200, "system_error": "provider was called"}

test_images_outside_the_allowed_prefixes_are_not_sent if {
	params := {"policy": {"allowedRepositories": [concat("/", [host, "myorg"])]}}
	evil := "attacker.example:6443/x@sha256:9999999999999999999999999999999999999999999999999999999999999999"
	vs := violations(pod("wasmtime", {"containers": [{"name": "c", "image": evil}], "volumes": [{"name": "v", "image": {"reference": "10.0.0.1:2379/y@sha256:9999999999999999999999999999999999999999999999999999999999999999"}}]}), params, called)
	not some_message_contains(vs, ["provider was called"])
	some_message_contains(vs, ["container \"c\" image attacker.example:6443/x@", "not sent to Ratify", "not under an allowed prefix"])
	some_message_contains(vs, ["image volume \"v\" image 10.0.0.1:2379/y@", "not sent to Ratify"])
}

test_tags_and_invalid_references_are_not_sent if {
	vs := violations(wasm_pod([concat("", [host, "/myorg/payments:v1.2.0"]), "ghcr.io/MyOrg/x@sha256:9999999999999999999999999999999999999999999999999999999999999999"]), {}, called)
	not some_message_contains(vs, ["provider was called"])
	some_message_contains(vs, ["myorg/payments:v1.2.0", "not pinned by digest"])
	some_message_contains(vs, ["ghcr.io/MyOrg/x@", "not a valid image reference"])
}

# Ratify is asked about the canonical reference, whatever the pod wrote.
pinned_d := "sha256:9999999999999999999999999999999999999999999999999999999999999999"

canonical_only(req) := answer([[concat("@", ["ghcr.io/myorg/app", pinned_d]), golden.verified]]) if {
	req.keys == [concat("@", ["ghcr.io/myorg/app", pinned_d])]
} else := object.union(called, {"system_error": sprintf("unexpected keys %v", [req.keys])})

test_images_are_sent_in_canonical_form if {
	every img in ["GHCR.IO:443/myorg/app", "ghcr.io:443/myorg/app", "Ghcr.io/myorg/app:v1"] {
		count(template.violation) == 0 with input as review(wasm_pod([concat("@", [img, pinned_d])]), {}) with external_data as canonical_only
	}
}

# ---- the policy's evidence rules hold at admission too ---------------------

# The denials of answers Ratify refused word them with the evidence rules;
# the same reports with isSuccess true are admitted (Ratify decided).
test_evidence_rules_word_ratify_refusals if {
	# The list signed only as Ratify's built-in cosign judged it.
	builtin := [object.union(node, {"nestedReports": [object.union(n, {"verifierReports": [{"isSuccess": true, "name": "cosign", "type": "cosign", "message": "Verification success.", "extensions": {}}]}) | some n in node.nestedReports]}) | some node in golden.verified.verifierReports]
	refused := object.union(golden.verified, {"verifierReports": builtin, "isSuccess": false})
	some_message_contains(violations(wasm_pod([image_of("verified")]), {}, answer([[image_of("verified"), refused]])), ["carries no passing signature report (from wasm-cosign or wasm-notation)"])
	count(violations(wasm_pod([image_of("verified")]), {}, answer([[image_of("verified"), object.union(refused, {"isSuccess": true})]]))) == 0

	# A signature pass whose extensions were cut.
	cut := [object.union(node, {"verifierReports": [object.union(v, {"extensions": {"extensionsTruncated": true}}) | some v in node.verifierReports]}) | some node in golden.unsigned.verifierReports]
	some_message_contains(violations(wasm_pod([image_of("unsigned")]), {"policy": {"signature": {"verifiers": ["wasm-composition"]}}}, answer([[image_of("unsigned"), object.union(golden.unsigned, {"verifierReports": cut})]])), ["no passing signature report (from wasm-composition)"])
}
