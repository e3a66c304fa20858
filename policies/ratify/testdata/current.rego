# current(report) is a recorded `ratify verify` report as today's plugins
# write it, for reports recorded before they did (make policy-golden
# re-records them; on a fresh recording it changes nothing):
#   - every report of a ratify-wasm plugin (type wasm-*) names the manifest
#     it verified (extension manifestDigest): its referrer's subject digest,
#     or, for a subject named by tag, the one the provenance resolved;
#   - wasm-cosign verifies signatures of composition lists where it used to
#     skip them: where it skipped a list that Ratify's built-in cosign found
#     signed with the same trust policy, it passes.
package ratifywasm.fixtures

current(report) := object.union(report, {"verifierReports": [top(node, resolved(report)) | some node in report.verifierReports]})

# The manifest a tag resolved to, as the provenance's statement names it.
resolved(report) := d if {
	ds := {v.extensions.subjectDigest |
		walk(report, [_, v])
		is_object(v)
		v.type == "wasm-slsa"
		v.extensions.subjectMatch == "manifest"
	}
	count(ds) == 1
	some d in ds
} else := ""

digest_of(ref) := split(ref, "@")[1] if contains(ref, "@")

else := ""

top(node, tag_digest) := object.union(node, {
	"verifierReports": [bind(v, md) | some v in node.verifierReports],
	"nestedReports": [nested(n) | some n in object.get(node, "nestedReports", [])],
}) if {
	md := digest_of(node.subject)
	md != ""
} else := object.union(node, {
	"verifierReports": [bind(v, tag_digest) | some v in node.verifierReports],
	"nestedReports": [nested(n) | some n in object.get(node, "nestedReports", [])],
})

nested(node) := object.union(node, {"verifierReports": [list_signature(node, bind(v, digest_of(node.subject))) | some v in node.verifierReports]})

bind(v, md) := object.union(v, {"extensions": object.union(object.get(v, "extensions", {}), {"manifestDigest": md})}) if {
	startswith(v.type, "wasm-")
	md != ""
	not v.extensions.manifestDigest
} else := v

builtin_cosign_passed(node) if {
	some v in node.verifierReports
	v.type == "cosign"
	v.isSuccess == true
}

list_signature(node, v) := {
	"isSuccess": true,
	"name": v.name,
	"type": v.type,
	"verifierName": v.verifierName,
	"verifierType": v.verifierType,
	"message": sprintf("1 of 1 cosign signature(s) verified for %s", [node.subject]),
	"extensions": {"format": "legacy", "manifestDigest": v.extensions.manifestDigest, "trustPolicy": "release", "verifiedSignatures": 1},
} if {
	v.type == "wasm-cosign"
	v.extensions.skipped == "not-wasm"
	builtin_cosign_passed(node)
} else := v
