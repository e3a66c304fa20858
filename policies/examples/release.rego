# METADATA
# title: A release policy of your own that reuses the ratify-wasm library
# description: >-
#   Loads next to policies/ratify/wasm.rego (package ratify.policy) and
#   judges a Ratify report with its own parameters and one house rule.
package examples.release

import data.ratify.policy as ratifywasm

# Both signatures, and only the team's repositories; everything else keeps
# the library's defaults.
params := object.union(ratifywasm.defaults, {
	"signature": {"require": "all"},
	"allowedRepositories": teamRegistries,
})

teamRegistries := ["ghcr.io/myorg"]

# METADATA
# title: deny
# description: Why a report of Ratify's is refused, one sentence each.
# scope: document
deny contains msg if {
	some msg in ratifywasm.deny_reasons(input.verifierReports, params)
}

# A house rule next to the library's: legacy repositories are read-only.
deny contains msg if {
	some report in input.verifierReports
	repo := ratifywasm.repository(report.subject)
	endswith(repo, "-legacy")
	msg := sprintf("%s is a legacy repository; new releases go elsewhere", [repo])
}

default allow := false

allow if count(deny) == 0
