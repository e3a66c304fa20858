package ratify.policy
import rego.v1
default valid := false

slsa contains v if {
	some report in input.verifierReports
	some v in report.verifierReports
	v.name == "wasm-slsa"
}

valid if {
	some v in slsa
	v.isSuccess
	not v.extensions.skipped
	v.extensions.predicateType == "https://slsa.dev/provenance/v1"
	v.extensions.runnerEnvironment == "github-hosted"
	every w in slsa { w.isSuccess }
}
