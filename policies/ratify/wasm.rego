# ratify-wasm default policy for Ratify's regoPolicy provider (Ratify v1.4.6).
#
# A WASM subject is valid when, among the reports Ratify collected:
#   - signature:   the signature verifiers passed ("any" of them, or "all");
#   - provenance:  a provenance verifier (wasm-slsa) passed;
#   - composition: a composition verifier (wasm-composition) passed, and the
#                  composition list it checked carries a passing signature
#                  (a nested report of the list's referrer);
#   - no verifier report failed, anywhere in the tree;
#   - the repository is allowed, the digest is not denied and the version
#     the provenance was built from is not below the repository's floor.
# Skipped reports (extension "skipped", e.g. nonWasmSubjects: skip) are
# neither evidence nor failures.
#
# Everything that varies is in the PARAMETERS block below (JSON; see
# policies/README.md). `reasons` lists, one sentence each, why a subject is
# not valid; the Gatekeeper template reuses this file as a library to say
# the same in admission denials.
package ratify.policy

import rego.v1

# BEGIN PARAMETERS
parameters := {}

# END PARAMETERS

# Built-in defaults; `parameters` is merged over them (objects merge key by
# key, lists and scalars replace).
defaults := {
	"signature": {
		# Verifier entry names (or types) whose reports count as signatures.
		"verifiers": ["wasm-cosign", "wasm-notation"],
		# "any": one of them passed; "all": each of them passed.
		"require": "any",
	},
	"provenance": {"required": true, "verifiers": ["wasm-slsa"]},
	"composition": {
		"required": true,
		"verifiers": ["wasm-composition"],
		# The composition list must itself be signed...
		"signedList": true,
		# ...as judged by one of these verifiers on the list's referrers.
		# Ratify's built-in cosign and notation verifiers are included
		# because they verify signatures on any subject.
		"listSignatureVerifiers": ["wasm-cosign", "wasm-notation", "cosign", "notation"],
	},
	# Registry or repository prefixes ("ghcr.io/myorg", "ghcr.io/myorg/app");
	# a prefix matches whole path segments only. Empty: any repository.
	"allowedRepositories": [],
	# Manifest digests ("sha256:…") that are never valid.
	"deniedDigests": [],
	# Repository -> lowest allowed version ("1.2.3"), compared with the
	# version in the provenance's source ref ("refs/tags/v1.2.3").
	"minimumVersions": {},
}

params := object.union(defaults, parameters)

default valid := false

valid if count(reasons) == 0

reasons := deny_reasons(input.verifierReports, params)

# deny_reasons returns the set of reasons why the subject of reports (Ratify's
# regoPolicy input.verifierReports) is not valid under p (a parameters object
# merged over defaults). Empty means valid.
deny_reasons(reports, p) := {r |
	some checker in [
		failure_reasons(reports),
		signature_reasons(reports, p),
		provenance_reasons(reports, p),
		composition_reasons(reports, p),
		repository_reasons(reports, p),
		digest_reasons(reports, p),
		version_reasons(reports, p),
	]
	some r in checker
}

# ---- reports -------------------------------------------------------------

# The subject as Ratify was asked about it (a tag or digest reference);
# undefined when there are no reports at all.
subject_ref(reports) := s if {
	some r in reports
	s := r.subject
}

# subject names the subject in messages.
subject(reports) := s if {
	s := subject_ref(reports)
} else := "the subject"

passed(v) if {
	v.isSuccess == true
	not skipped(v)
}

skipped(v) if object.get(v, ["extensions", "skipped"], "") != ""

failed(v) if not v.isSuccess == true

# A report is from one of the verifiers in names by its entry name or type.
from(v, names) if v.name in names

from(v, names) if v.type in names

# Every report in the tree with the path of referrers leading to it.
all_reports(reports) := [[node, v] |
	walk(reports, [_, node])
	is_object(node)
	is_array(node.verifierReports)
	some v in node.verifierReports
	is_object(v)
]

# Top-level passing reports of verifiers in names.
passing_top(reports, names) := [v |
	some node in reports
	some v in node.verifierReports
	from(v, names)
	passed(v)
]

join_names(names) := concat(" or ", names)

# ---- checks --------------------------------------------------------------

failure_reasons(reports) := {sprintf("%s failed on %s referrer %s of %s: %s", [
	object.get(v, "name", "a verifier"), node.artifactType, node.referenceDigest, node.subject, detail(v),
]) |
	some [node, v] in all_reports(reports)
	failed(v)
}

# detail is a report's message on one line. A plugin that crashed has no
# message; Ratify puts its (multi-line) error in errorReason.
detail(v) := regex.replace(trim_space(v.message), `\s+`, " ") if {
	v.message != ""
} else := regex.replace(trim_space(v.errorReason), `\s+`, " ") if {
	v.errorReason != ""
} else := "no message"

signature_reasons(reports, p) := ({sprintf("%s has no passing signature report (from %s)", [subject(reports), join_names(p.signature.verifiers)]) |
	p.signature.require == "any"
	count(passing_top(reports, p.signature.verifiers)) == 0
} | {sprintf("%s has no passing %s signature report (signature.require is \"all\")", [subject(reports), name]) |
	p.signature.require == "all"
	some name in p.signature.verifiers
	count(passing_top(reports, [name])) == 0
}) | {sprintf("parameter signature.require is %v; expected \"any\" or \"all\"", [p.signature.require]) |
	not p.signature.require in {"any", "all"}
}

provenance_reasons(reports, p) := {sprintf("%s has no passing provenance report (from %s)", [subject(reports), join_names(p.provenance.verifiers)]) |
	p.provenance.required == true
	count(passing_top(reports, p.provenance.verifiers)) == 0
}

# Top-level referrers (composition lists) with a passing composition report.
passing_lists(reports, p) := [node |
	some node in reports
	some v in node.verifierReports
	from(v, p.composition.verifiers)
	passed(v)
]

list_signed(node, p) if {
	some nested in node.nestedReports
	some v in nested.verifierReports
	from(v, p.composition.listSignatureVerifiers)
	passed(v)
}

composition_reasons(reports, p) := {sprintf("%s has no passing composition report (from %s)", [subject(reports), join_names(p.composition.verifiers)]) |
	p.composition.required == true
	count(passing_lists(reports, p)) == 0
} | {sprintf("composition list %s of %s carries no passing signature report (from %s)", [node.referenceDigest, subject(reports), join_names(p.composition.listSignatureVerifiers)]) |
	p.composition.required == true
	p.composition.signedList == true
	lists := passing_lists(reports, p)
	count(lists) > 0
	not any_list_signed(lists, p)
	some node in lists
}

any_list_signed(lists, p) if {
	some node in lists
	list_signed(node, p)
}

# ---- replay and substitution rules -----------------------------------------

repository_reasons(reports, p) := {sprintf("repository %s is not under an allowed prefix (%s)", [repo, concat(", ", p.allowedRepositories)]) |
	count(p.allowedRepositories) > 0
	repo := repository(subject_ref(reports))
	not allowed_repository(repo, p.allowedRepositories)
}

allowed_repository(repo, prefixes) if {
	some prefix in prefixes
	under_prefix(repo, prefix)
}

# under_prefix matches whole path segments: "ghcr.io/myorg" covers
# "ghcr.io/myorg/app" but not "ghcr.io/myorg-payments".
under_prefix(repo, prefix) if repo == trim_suffix(prefix, "/")

under_prefix(repo, prefix) if startswith(repo, concat("", [trim_suffix(prefix, "/"), "/"]))

# deniedDigests matches the manifest digest (from a digest reference, or
# from the provenance's statement subject when verifying a tag) and the WASM
# layer digest the composition verifier checked, so a denied binary is
# caught in a new manifest too.
digest_reasons(reports, p) := {sprintf("%s has digest %s, which is in deniedDigests", [subject(reports), d]) |
	some d in known_digests(reports, p)
	d in p.deniedDigests
} | {sprintf("%s is a tag reference and no report says which manifest it resolved to; deniedDigests is set, so verify it by digest (repository@sha256:…)", [subject(reports)]) |
	count(p.deniedDigests) > 0
	subject_ref(reports)
	count(manifest_digests(reports, p)) == 0
}

manifest_digests(reports, p) := {d | d := digest(subject_ref(reports))} | {d |
	not digest(subject_ref(reports))
	some v in passing_top(reports, p.provenance.verifiers)
	v.extensions.subjectMatch == "manifest"
	d := v.extensions.subjectDigest
}

known_digests(reports, p) := manifest_digests(reports, p) | {d |
	some v in passing_top(reports, p.composition.verifiers)
	d := v.extensions.layerDigest
}

version_reasons(reports, p) := {msg |
	repo := repository(subject_ref(reports))
	floor := p.minimumVersions[repo]
	some v in passing_top(reports, p.provenance.verifiers)
	msg := version_reason(subject(reports), object.get(v, ["extensions", "sourceRef"], ""), floor)
} | {sprintf("%s has a version floor %s but no passing provenance report says which version it was built from", [subject(reports), floor]) |
	repo := repository(subject_ref(reports))
	floor := p.minimumVersions[repo]
	count(passing_top(reports, p.provenance.verifiers)) == 0
}

version_reason(subj, ref, floor) := sprintf("%s was built from %s (version %s), below the minimum version %s for its repository", [subj, ref, v, floor]) if {
	v := version_of(ref)
	semver.is_valid(trim_prefix(floor, "v"))
	semver.compare(v, trim_prefix(floor, "v")) < 0
} else := sprintf("%s was built from source ref %q, which names no semantic version; its repository requires at least %s", [subj, ref, floor]) if {
	not version_of(ref)
} else := sprintf("minimumVersions value %q is not a semantic version (e.g. \"1.2.3\")", [floor]) if {
	not semver.is_valid(trim_prefix(floor, "v"))
}

# version_of("refs/tags/v1.2.3") = "1.2.3"; the last path segment of a tag
# ref, with an optional leading "v", must be a semantic version.
version_of(ref) := v if {
	startswith(ref, "refs/tags/")
	parts := split(ref, "/")
	v := trim_prefix(parts[count(parts) - 1], "v")
	semver.is_valid(v)
}

# ---- references ----------------------------------------------------------

# digest("reg/repo@sha256:…") = "sha256:…"; undefined for tag references.
digest(ref) := d if {
	parts := split(ref, "@")
	count(parts) == 2
	d := parts[1]
}

# repository("reg:5000/org/app:v1") = "reg:5000/org/app", with Docker Hub
# names normalized ("alpine" = "docker.io/library/alpine").
repository(ref) := normalize(strip_tag(split(ref, "@")[0]))

strip_tag(name) := name if {
	segs := split(name, "/")
	not contains(segs[count(segs) - 1], ":")
} else := concat("/", array.concat(
	array.slice(segs, 0, count(segs) - 1),
	[split(segs[count(segs) - 1], ":")[0]],
)) if {
	segs := split(name, "/")
}

normalize(name) := concat("/", ["docker.io/library", name]) if {
	not contains(name, "/")
} else := concat("/", ["docker.io", name]) if {
	first := split(name, "/")[0]
	not contains(first, ".")
	not contains(first, ":")
	first != "localhost"
} else := name
