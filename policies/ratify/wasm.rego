# ratify-wasm default policy for Ratify's regoPolicy provider (Ratify v1.4.6).
#
# A WASM subject is valid when, among the reports Ratify collected:
#   - signature:   the signature verifiers passed ("any" of them, or "all");
#   - provenance:  a provenance verifier (wasm-slsa) passed;
#   - composition: a composition verifier (wasm-composition) passed, and
#                  every composition list that passed carries a passing
#                  signature (a nested report of the list's referrer);
#   - no verifier report failed, anywhere in the tree;
#   - the subject is named by digest, and every report that names the
#     manifest it verified (extension manifestDigest) names that digest;
#   - the repository is allowed, no digest is denied, and neither the
#     repository's nor the source repository's version floor is above the
#     version the provenance was built from.
# Only evidence counts: a pass that was skipped (extension "skipped", e.g.
# nonWasmSubjects: skip), whose extensions were cut (extensionsTruncated:
# the skip marker may be what was lost), that does not say which manifest
# it verified, or a notation pass whose trust check was only logged (level
# audit/permissive) is neither evidence nor a failure.
#
# Every repository is looked up under one spelling (canonical_repository:
# host in lower case, no :443, Docker Hub's aliases as docker.io/library/…),
# the rules of internal/oci/canonical.go; names no rule can make canonical
# are refused.
#
# Everything that varies is `parameters` (JSON; see policies/README.md):
# rendering appends one `parameters := {…}` rule to this file
# (policies/ratify/render.sh, the Helm chart), which overrides the
# default below. `reasons` lists, one sentence each, why a subject is
# not valid; the Gatekeeper template reuses this file as a library to say
# the same in admission denials.
package ratify.policy

import rego.v1

default parameters := {}

# METADATA
# title: defaults
# description: >-
#   The built-in parameters; merge yours over them with object.union
#   (objects key by key, lists and scalars replace). Every key is
#   described in policies/README.md.
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
		# Every composition list that passed must itself be signed...
		"signedList": true,
		# ...as judged by one of these verifiers on the list's referrers.
		# Only verifiers that check the signed digest against the list:
		# Ratify's built-in cosign does not on its trust-policy path (a
		# signature copied from another artifact passes), and its built-in
		# notation reports no verification level.
		"listSignatureVerifiers": ["wasm-cosign", "wasm-notation"],
	},
	"subject": {
		# Subjects named by tag are refused: each verifier resolves a tag on
		# its own, so their evidence may come from different manifests.
		"allowTags": false,
		# Verifier names (or types) whose passes count without a
		# manifestDigest extension (Ratify's built-ins report none).
		"unboundVerifiers": [],
	},
	"notation": {
		# Reports of these verifiers count only at these trust policy levels;
		# audit and permissive passes only logged a failed check.
		"verifiers": ["wasm-notation"],
		"levels": ["strict"],
	},
	# Registry or repository prefixes ("ghcr.io/myorg", "ghcr.io/myorg/app");
	# a prefix matches whole path segments only. Empty: any repository.
	"allowedRepositories": [],
	# Manifest or WASM layer digests ("sha256:…") that are never valid.
	"deniedDigests": [],
	# Repository -> lowest allowed version ("1.2.3"), compared with the
	# version in the provenance's source ref ("refs/tags/v1.2.3").
	"minimumVersions": {},
	# Source repository ("github.com/myorg/app") -> lowest allowed version:
	# the floor follows the software into any registry repository.
	"minimumSourceVersions": {},
	# Builds that are never valid wherever they are copied: a source
	# repository, optionally "@" a ref or commit
	# ("github.com/myorg/app@refs/tags/v1.0.0", "git+https://…@<sha>").
	"deniedSources": [],
}

# METADATA
# title: params
# description: >-
#   The parameters this policy judges with: the rendered `parameters`
#   rule merged over defaults.
params := object.union(defaults, parameters)

# METADATA
# scope: document
# title: valid
# description: >-
#   What Ratify's regoPolicy reads: true when deny_reasons finds
#   nothing for input.verifierReports under params.
default valid := false

valid if count(reasons) == 0

# METADATA
# title: reasons
# description: >-
#   One sentence per problem of input under params, naming the check,
#   the artifact and what was expected; Ratify does not pass it on.
reasons := deny_reasons(input.verifierReports, params)

# METADATA
# title: deny_reasons
# description: >-
#   The set of reasons why the subject of reports is not valid under
#   p, one sentence each; empty means valid. Reuse it from your own
#   policy with your own parameters (policies/examples/).
# custom:
#   inputs:
#     reports: 'Ratify''s verifierReports (regoPolicy input.verifierReports, or verifierReports in the value of an external data answer)'
#     p: 'a parameters object merged over defaults: object.union(defaults, yours)'
#   returns: set of strings
deny_reasons(reports, p) := {r |
	some checker in [
		parameter_reasons(p),
		failure_reasons(reports),
		subject_reasons(reports, p),
		signature_reasons(reports, p),
		provenance_reasons(reports, p),
		composition_reasons(reports, p),
		repository_reasons(reports, p),
		digest_reasons(reports, p),
		version_reasons(reports, p),
		source_reasons(reports, p),
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

extensions(v) := e if {
	e := v.extensions
	is_object(e)
} else := {}

passed(v) if {
	v.isSuccess == true
	not skipped(v)
}

skipped(v) if object.get(extensions(v), "skipped", "") != ""

truncated(v) if "extensionsTruncated" in object.keys(extensions(v))

failed(v) if not v.isSuccess == true

# METADATA
# title: evidence
# description: >-
#   Report v on node (the referrer it judged) is a pass that may
#   vouch for node's subject: passed, not skipped, extensions not cut,
#   names the manifest it verified, at an accepted notation level.
# custom:
#   inputs:
#     node: 'an element of reports (or of a nestedReports list)'
#     v: 'one of node.verifierReports'
#     p: 'a parameters object merged over defaults: object.union(defaults, yours)'
evidence(node, v, p) if {
	passed(v)
	not truncated(v)
	bound(node, v, p)
	level_counts(v, p)
}

# The report names the manifest it verified, and it is node's subject (for
# a subject named by tag: the one all reports agree on, see subject_reasons).
bound(node, v, _) if manifest_digest(v) == digest(node.subject)

bound(node, v, _) if {
	manifest_digest(v)
	not digest(node.subject)
}

bound(_, v, p) if from(v, p.subject.unboundVerifiers)

manifest_digest(v) := md if {
	md := extensions(v).manifestDigest
	is_string(md)
	startswith(md, "sha256:")
}

level_counts(v, p) if not from(v, p.notation.verifiers)

level_counts(v, p) if extensions(v).verificationLevel in p.notation.levels

# A report is from one of the verifiers in names by its entry name or type.
from(v, names) if v.name in names

from(v, names) if v.type in names

# Every report in the tree with the referrer node it judged.
all_reports(reports) := [[node, v] |
	walk(reports, [_, node])
	is_object(node)
	is_array(node.verifierReports)
	some v in node.verifierReports
	is_object(v)
]

# Top-level reports of verifiers in names that are evidence.
passing_top(reports, names, p) := [v |
	some node in reports
	some v in node.verifierReports
	from(v, names)
	evidence(node, v, p)
]

join_names(names) := concat(" or ", names) if count(names) > 0

else := "no verifier"

# ---- checks --------------------------------------------------------------

parameter_reasons(p) := {sprintf("parameter %s is empty, so nothing could count as evidence; name at least one verifier", [key]) |
	some key in ["signature.verifiers", "provenance.verifiers", "composition.verifiers", "composition.listSignatureVerifiers"]
	names_needed(p, key)
	count(object.get(p, split(key, "."), [])) == 0
}

# names_needed holds when the verifier list key is in use under p.
names_needed(_, "signature.verifiers")

names_needed(p, "provenance.verifiers") if p.provenance.required == true

names_needed(p, "composition.verifiers") if p.composition.required == true

names_needed(p, "composition.listSignatureVerifiers") if {
	p.composition.required == true
	p.composition.signedList == true
}

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

# The manifest digests the subject's top-level reports say they verified.
verified_manifests(reports) := {md |
	some node in reports
	some v in node.verifierReports
	md := extensions(v).manifestDigest
}

subject_reasons(reports, p) := ({sprintf("%s is a tag reference; each verifier resolves a tag on its own, so verify it by digest (repository@sha256:…) or set subject.allowTags", [subject(reports)]) |
	not p.subject.allowTags == true
	s := subject_ref(reports)
	not digest(s)
} | {sprintf("%s report on %s referrer %s says it verified manifest %v, not %s", [object.get(v, "name", "a verifier"), node.artifactType, node.referenceDigest, md, d]) |
	some [node, v] in all_reports(reports)
	md := extensions(v).manifestDigest
	d := digest(node.subject)
	md != d
}) | {sprintf("the reports on %s disagree about the manifest they verified (%s); the registry answered differently per request", [subject(reports), concat(", ", sort(mds))]) |
	mds := verified_manifests(reports)
	count(mds) > 1
}

signature_reasons(reports, p) := ({sprintf("%s has no passing signature report (from %s)", [subject(reports), join_names(p.signature.verifiers)]) |
	p.signature.require == "any"
	count(passing_top(reports, p.signature.verifiers, p)) == 0
} | {sprintf("%s has no passing %s signature report (signature.require is \"all\")", [subject(reports), name]) |
	p.signature.require == "all"
	some name in p.signature.verifiers
	count(passing_top(reports, [name], p)) == 0
}) | {sprintf("parameter signature.require is %v; expected \"any\" or \"all\"", [p.signature.require]) |
	not p.signature.require in {"any", "all"}
}

provenance_reasons(reports, p) := {sprintf("%s has no passing provenance report (from %s)", [subject(reports), join_names(p.provenance.verifiers)]) |
	p.provenance.required == true
	count(passing_top(reports, p.provenance.verifiers, p)) == 0
}

# Top-level referrers (composition lists) with a passing composition report.
passing_lists(reports, p) := [node |
	some node in reports
	some v in node.verifierReports
	from(v, p.composition.verifiers)
	evidence(node, v, p)
]

# A signature of the list itself: a nested report whose subject is the list.
list_signed(node, p) if {
	some nested in node.nestedReports
	digest(nested.subject) == node.referenceDigest
	some v in nested.verifierReports
	from(v, p.composition.listSignatureVerifiers)
	evidence(nested, v, p)
}

composition_reasons(reports, p) := {sprintf("%s has no passing composition report (from %s)", [subject(reports), join_names(p.composition.verifiers)]) |
	p.composition.required == true
	count(passing_lists(reports, p)) == 0
} | {sprintf("composition list %s of %s carries no passing signature report (from %s)", [node.referenceDigest, subject(reports), join_names(p.composition.listSignatureVerifiers)]) |
	p.composition.required == true
	p.composition.signedList == true
	some node in passing_lists(reports, p)
	not list_signed(node, p)
}

# ---- replay and substitution rules -----------------------------------------

repository_reasons(reports, p) := ({sprintf("repository %s is not under an allowed prefix (%s)", [repo, concat(", ", p.allowedRepositories)]) |
	count(p.allowedRepositories) > 0
	repo := repository(subject_ref(reports))
	not allowed_repository(repo, p.allowedRepositories)
} | {sprintf("%s is not a valid image reference (repository path components are lower-case alphanumerics and separators), so no rule can be looked up for it", [s]) |
	s := subject_ref(reports)
	not repository(s)
}) | {sprintf("allowedRepositories entry %q is not a registry or registry/repository prefix", [prefix]) |
	some prefix in p.allowedRepositories
	not canonical_prefix(prefix)
}

# METADATA
# title: allowed_repository
# description: >-
#   repo (canonical, see repository) is under one of prefixes,
#   whole path segments only: ghcr.io/myorg covers ghcr.io/myorg/app,
#   not ghcr.io/myorg-payments.
# custom:
#   inputs:
#     repo: 'a canonical repository'
#     prefixes: 'allowedRepositories entries, any spelling'
allowed_repository(repo, prefixes) if {
	some prefix in prefixes
	under_prefix(repo, canonical_prefix(prefix))
}

# under_prefix matches whole path segments: "ghcr.io/myorg" covers
# "ghcr.io/myorg/app" but not "ghcr.io/myorg-payments".
under_prefix(repo, prefix) if repo == trim_suffix(prefix, "/")

under_prefix(repo, prefix) if startswith(repo, concat("", [trim_suffix(prefix, "/"), "/"]))

# deniedDigests matches the manifest digest (from a digest reference, or
# the one the reports verified when a tag is allowed) and every WASM layer
# digest a report names (the composition verifier's layers, a provenance
# statement made for the layer), so a denied binary is caught in a new
# manifest too.
digest_reasons(reports, p) := {sprintf("%s has digest %s, which is in deniedDigests", [subject(reports), d]) |
	some d in known_digests(reports, p)
	d in p.deniedDigests
} | {sprintf("%s is a tag reference and no report says which manifest it resolved to; deniedDigests is set, so verify it by digest (repository@sha256:…)", [subject(reports)]) |
	count(p.deniedDigests) > 0
	subject_ref(reports)
	count(manifest_digests(reports, p)) == 0
}

manifest_digests(reports, p) := ({d | d := digest(subject_ref(reports))} | {d |
	not digest(subject_ref(reports))
	some d in verified_manifests(reports)
}) | {d |
	not digest(subject_ref(reports))
	some v in passing_top(reports, p.provenance.verifiers, p)
	extensions(v).subjectMatch == "manifest"
	d := extensions(v).subjectDigest
}

# Denials need no evidence: every report that names a digest is heard.
known_digests(reports, p) := (manifest_digests(reports, p) | {d |
	some node in reports
	some v in node.verifierReports
	from(v, p.composition.verifiers)
	some d in array.concat([object.get(extensions(v), "layerDigest", "")], object.get(extensions(v), "layerDigests", []))
}) | {d |
	some node in reports
	some v in node.verifierReports
	from(v, p.provenance.verifiers)
	extensions(v).subjectMatch == "wasmLayer"
	d := extensions(v).subjectDigest
}

version_reasons(reports, p) := ({msg |
	repo := repository(subject_ref(reports))
	some floor in repository_floors(repo, p)
	some v in passing_top(reports, p.provenance.verifiers, p)
	msg := version_reason(subject(reports), object.get(extensions(v), "sourceRef", ""), floor, "its repository")
} | {sprintf("%s has a version floor %s but no passing provenance report says which version it was built from", [subject(reports), floor]) |
	repo := repository(subject_ref(reports))
	some floor in repository_floors(repo, p)
	count(passing_top(reports, p.provenance.verifiers, p)) == 0
}) | {sprintf("minimumVersions key %q is not a repository (host/path)", [key]) |
	some key, _ in p.minimumVersions
	not canonical_repository(key)
}

# The floors of repo, whatever spelling the parameters use.
repository_floors(repo, p) := {floor |
	some key, floor in p.minimumVersions
	canonical_repository(key) == repo
}

version_reason(subj, ref, floor, whose) := sprintf("%s was built from %s (version %s), below the minimum version %s for %s", [subj, ref, v, floor, whose]) if {
	v := version_of(ref)
	semver.is_valid(trim_prefix(floor, "v"))
	semver.compare(v, trim_prefix(floor, "v")) < 0
} else := sprintf("%s was built from source ref %q, which names no semantic version; %s requires at least %s", [subj, ref, whose, floor]) if {
	not version_of(ref)
} else := sprintf("version floor %q is not a semantic version (e.g. \"1.2.3\")", [floor]) if {
	not semver.is_valid(trim_prefix(floor, "v"))
}

# METADATA
# title: version_of
# description: >-
#   version_of("refs/tags/v1.2.3") = "1.2.3": the last path segment of a
#   tag ref, with an optional leading "v", as a semantic version;
#   undefined otherwise.
# custom:
#   inputs:
#     ref: 'a git ref, e.g. a provenance sourceRef'
version_of(ref) := v if {
	startswith(ref, "refs/tags/")
	parts := split(ref, "/")
	v := trim_prefix(parts[count(parts) - 1], "v")
	semver.is_valid(v)
}

# ---- the software, wherever it is copied -----------------------------------

# Floors and denials keyed by the provenance's source repository. Without
# a passing provenance report nobody knows which software the subject is,
# so none of these rules can be cleared.
source_reasons(reports, p) := (({msg |
	some v in passing_top(reports, p.provenance.verifiers, p)
	src := source_of(v)
	some key, floor in p.minimumSourceVersions
	source_key(key) == src
	msg := version_reason(subject(reports), source_ref(v), floor, sprintf("source %s", [src]))
} | {sprintf("%s was built from %s, which is in deniedSources (%s)", [subject(reports), extensions(v).sourceUri, entry]) |
	some v in passing_top(reports, p.provenance.verifiers, p)
	some entry in p.deniedSources
	denied_build(v, entry)
}) | {sprintf("%s has no passing provenance report, so minimumSourceVersions and deniedSources cannot be checked", [subject(reports)]) |
	count(p.minimumSourceVersions) + count(p.deniedSources) > 0
	count(passing_top(reports, p.provenance.verifiers, p)) == 0
}) | {sprintf("%s has a passing provenance report without a source repository (sourceUri), so minimumSourceVersions and deniedSources cannot be checked", [subject(reports)]) |
	count(p.minimumSourceVersions) + count(p.deniedSources) > 0
	some v in passing_top(reports, p.provenance.verifiers, p)
	not source_of(v)
}

source_of(v) := source_key(extensions(v).sourceUri)

# The ref the provenance names: sourceRef, else the one in sourceUri.
source_ref(v) := r if {
	r := extensions(v).sourceRef
	r != ""
} else := r if {
	parts := split(extensions(v).sourceUri, "@")
	count(parts) > 1
	r := parts[count(parts) - 1]
} else := ""

# An entry without "@" denies every build of the source; with one, the
# builds from that ref or commit.
denied_build(v, entry) if {
	not contains(entry, "@")
	source_key(entry) == source_of(v)
}

denied_build(v, entry) if {
	parts := split(entry, "@")
	count(parts) > 1
	source_key(entry) == source_of(v)
	want := parts[count(parts) - 1]
	want in {source_ref(v), object.get(extensions(v), "sourceCommit", "")}
}

# METADATA
# title: source_key
# description: >-
#   source_key("git+https://GitHub.com/myorg/app.git@refs/tags/v1") =
#   "github.com/myorg/app": no scheme, ref, ".git" or case (forges
#   compare repository names without case).
# custom:
#   inputs:
#     uri: 'a source repository or a provenance sourceUri'
source_key(uri) := k if {
	s := regex.replace(lower(trim_space(uri)), `^(git\+)?[a-z][a-z0-9+.-]*://`, "")
	k := trim_suffix(trim_suffix(split(s, "@")[0], "/"), ".git")
	k != ""
}

# ---- references ----------------------------------------------------------

# METADATA
# title: digest
# description: >-
#   digest("reg/repo@sha256:…") = "sha256:…"; undefined for tag
#   references.
# custom:
#   inputs:
#     ref: 'an image reference'
digest(ref) := d if {
	parts := split(ref, "@")
	count(parts) == 2
	d := parts[1]
}

# METADATA
# title: repository
# description: >-
#   repository("reg:5000/org/app:v1") = "reg:5000/org/app", in
#   canonical form (canonical_repository, with the registry a bare
#   name implies, as the docker CLI does); undefined for names no rule
#   can make canonical.
# custom:
#   inputs:
#     ref: 'an image reference as a pod or Ratify names it'
repository(ref) := canonical_repository(docker_name(strip_tag(split(ref, "@")[0])))

strip_tag(name) := name if {
	segs := split(name, "/")
	not contains(segs[count(segs) - 1], ":")
} else := concat("/", array.concat(
	array.slice(segs, 0, count(segs) - 1),
	[split(segs[count(segs) - 1], ":")[0]],
)) if {
	segs := split(name, "/")
}

# docker_name adds the registry a pod's image name implies, as the docker
# CLI does: "alpine" and "myorg/app" are on docker.io.
docker_name(name) := concat("/", ["docker.io", name]) if {
	not contains(name, "/")
} else := concat("/", ["docker.io", name]) if {
	first := split(name, "/")[0]
	not contains(first, ".")
	not contains(first, ":")
	first != "localhost"
	lower(first) == first
} else := name

docker_hub_aliases := {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}

# canonical_host("GHCR.IO:443") = "ghcr.io"; Docker Hub's aliases are docker.io.
canonical_host(host) := "docker.io" if {
	trim_suffix(lower(host), ":443") in docker_hub_aliases
} else := h if {
	host != ""
	h := trim_suffix(lower(host), ":443")
}

# METADATA
# title: canonical_repository
# description: >-
#   internal/oci's CanonicalRepository: the host in lower case without
#   ":443", Docker Hub's aliases as docker.io and its one-component
#   names under library/, path components as the OCI distribution
#   specification spells them.
# custom:
#   inputs:
#     repo: 'host/path'
canonical_repository(repo) := concat("/", [host, path]) if {
	parts := split(repo, "/")
	count(parts) > 1
	host := canonical_host(parts[0])
	path := library(host, array.slice(parts, 1, count(parts)))
	valid_path(path)
}

library(host, segs) := concat("/", ["library", segs[0]]) if {
	host == "docker.io"
	count(segs) == 1
} else := concat("/", segs)

valid_path(path) if every c in split(path, "/") {
	regex.match(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`, c)
}

# METADATA
# title: canonical_prefix
# description: >-
#   An allowedRepositories entry in canonical form: a registry
#   ("ghcr.io") or a registry and path ("ghcr.io/myorg"); no library/
#   is added.
# custom:
#   inputs:
#     prefix: 'an allowedRepositories entry'
canonical_prefix(prefix) := canonical_host(p) if {
	p := trim_suffix(prefix, "/")
	not contains(p, "/")
} else := concat("/", [host, path]) if {
	parts := split(trim_suffix(prefix, "/"), "/")
	host := canonical_host(parts[0])
	path := concat("/", array.slice(parts, 1, count(parts)))
	valid_path(path)
}
