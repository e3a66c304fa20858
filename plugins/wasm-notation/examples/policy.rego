package ratify.policy

import rego.v1

default valid := false

notation_ok(report) if {
	report.name == "wasm-notation"
	report.isSuccess
	not report.extensions.skipped
	report.extensions.verificationLevel == "strict"
	count(report.extensions.loggedFailures) == 0
}

valid if {
	some ref in input.verifierReports
	ref.artifactType == "application/vnd.cncf.notary.signature"
	some report in ref.verifierReports
	notation_ok(report)
}
