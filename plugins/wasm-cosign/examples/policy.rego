package ratify.policy
import rego.v1

default valid := false

valid if {
	some report in input.verifierReports
	some v in report.verifierReports
	v.name == "wasm-cosign"
	v.isSuccess
	not v.extensions.skipped
	v.extensions.keyId == "sha256:<hex of the release key>"
}
