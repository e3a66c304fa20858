# opa test policies/examples policies/ratify: the example on reports
# recorded from real `ratify verify` runs (data.testdata.golden).
package examples.release_test

import data.examples.release

golden := data.testdata.golden

# The recorded reports come from a loopback registry; the team's registry
# is its repository prefix.
team := [concat("/", [split(golden.verified.verifierReports[0].subject, "/")[0], "myorg"])]

test_verified_release_is_allowed if {
	release.allow with input as golden.verified with release.teamRegistries as team
}

test_library_reasons_are_reused if {
	some msg in release.deny with input as golden.unsigned with release.teamRegistries as team
	contains(msg, "no passing wasm-cosign signature report")
	not release.allow with input as golden.unsigned with release.teamRegistries as team
}

# The example's own parameters apply: "all" needs wasm-notation too, and
# the default team registry is not the loopback one.
test_own_parameters_apply if {
	no_notation := object.union(golden.verified, {"verifierReports": [object.union(node, {"verifierReports": [v |
		some v in node.verifierReports
		v.name != "wasm-notation"
	]}) |
		some node in golden.verified.verifierReports
	]})
	some msg in release.deny with input as no_notation with release.teamRegistries as team
	contains(msg, "no passing wasm-notation signature report")

	some other in release.deny with input as golden.verified
	contains(other, "is not under an allowed prefix (ghcr.io/myorg)")
}

test_house_rule if {
	legacy := object.union(golden.verified, {"verifierReports": [object.union(node, {"subject": replace(node.subject, "/myorg/payments@", "/myorg/payments-legacy@")}) | some node in golden.verified.verifierReports]})
	some msg in release.deny with input as legacy with release.teamRegistries as team
	contains(msg, "payments-legacy is a legacy repository")
}
