# Ratify regoPolicy for wasm-composition (see README.md).
#
# An artifact is valid when at least one composition list attached to it
# passed every verifier that ran on it (wasm-composition), and that list
# carries a cosign signature that passed every verifier that ran on it.
# Unsigned or failing lists do not count; skipped reports (nonWasmSubjects:
# skip) are not passes.
package ratify.policy

import rego.v1

default valid := false

composition_type := "application/vnd.ratify-wasm.composition.v1+json"

signature_type := "application/vnd.dev.cosign.artifact.sig.v1+json"

passed(reports) if {
	count(reports) > 0
	every v in reports {
		v.isSuccess
		not v.extensions.skipped
	}
}

signed_list_passed(r) if {
	r.artifactType == composition_type
	passed(r.verifierReports)
	some sig in r.nestedReports
	sig.artifactType == signature_type
	passed(sig.verifierReports)
}

valid if {
	some r in input.verifierReports
	signed_list_passed(r)
}
