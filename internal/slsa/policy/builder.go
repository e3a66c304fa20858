package policy

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

const (
	generator     = "https://github.com/slsa-framework/slsa-github-generator"
	workflows     = generator + "/.github/workflows/"
	buildTypeBYOB = generator + "/delegator-generic@v0"
)

// knownBuildTypes are the build types slsa-verifier accepts from each
// slsa-github-generator builder (slsaprovenance/common).
var knownBuildTypes = map[string][]string{
	workflows + "generator_generic_slsa3.yml":          {generator + "/generic@v1", generator + "@v1"},
	workflows + "builder_go_slsa3.yml":                 {generator + "/go@v1", generator + "-go@v1", generator + "@v1"},
	workflows + "generator_container_slsa3.yml":        {generator + "/container@v1"},
	workflows + "builder_container-based_slsa3.yml":    {"https://slsa.dev/container-based-build/v0.1?draft"},
	workflows + "delegator_generic_slsa3.yml":          {buildTypeBYOB},
	workflows + "delegator_lowperms-generic_slsa3.yml": {buildTypeBYOB},
}

// builderPattern is one builderIds entry.
type builderPattern struct {
	raw  string
	name string
	// ref is a path.Match pattern for the ref; empty means "any release
	// tag".
	ref string
}

func parseBuilder(entry string) (builderPattern, error) {
	if entry == "" {
		return builderPattern{}, fmt.Errorf("contains an empty builder ID")
	}
	name, ref, hasRef := strings.Cut(entry, "@")
	if !hasRef {
		return builderPattern{raw: entry, name: entry}, nil
	}
	if name == "" || ref == "" || strings.Contains(ref, "@") {
		return builderPattern{}, fmt.Errorf("entry %q must be \"<builder>\" or \"<builder>@<ref pattern>\"", entry)
	}
	if strings.HasPrefix(ref, "v") {
		ref = "refs/tags/" + ref
	}
	if _, err := path.Match(ref, ""); err != nil {
		return builderPattern{}, fmt.Errorf("entry %q has an invalid ref pattern: %v", entry, err)
	}
	return builderPattern{raw: entry, name: name, ref: ref}, nil
}

// splitBuilder splits "<name>@<ref>" at the last "@".
func splitBuilder(id string) (name, ref string) {
	if i := strings.LastIndexByte(id, '@'); i >= 0 {
		return id[:i], id[i+1:]
	}
	return id, ""
}

// releaseTag is slsa-verifier's IsValidBuilderTag: vX.Y.Z, no pre-release
// or build metadata.
var releaseTag = regexp.MustCompile(`^refs/tags/v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

// matches applies slsa-verifier's rule: the provenance's builder ID must be
// "<name>@<ref>" with exactly one "@" (ParseBuilderID with needVersion), so
// an ID without a ref matches no entry.
func (b builderPattern) matches(id string) bool {
	name, ref := splitBuilder(id)
	if name != b.name || ref == "" || strings.Count(id, "@") != 1 {
		return false
	}
	if b.ref == "" {
		return releaseTag.MatchString(ref)
	}
	ok, _ := path.Match(b.ref, ref)
	return ok
}

func (p *Policy) matchBuilder(id string) (string, bool) {
	if id == "" {
		return "", false
	}
	for _, b := range p.builders {
		if b.matches(id) {
			return b.raw, true
		}
	}
	return "", false
}

// version is a semantic version tag "vMAJOR[.MINOR[.PATCH[-pre]]][+build]"
// with the components that were written.
type version struct {
	parts []string // major, minor, patch (patch keeps -pre)
}

var semverTag = regexp.MustCompile(`^v(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.((?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?))?(?:\+[0-9A-Za-z.-]+)?$`)

func parseVersion(s string) (version, bool) {
	m := semverTag.FindStringSubmatch(s)
	if m == nil {
		return version{}, false
	}
	v := version{parts: []string{m[1]}}
	for _, p := range m[2:] {
		if p == "" {
			break
		}
		v.parts = append(v.parts, p)
	}
	return v, true
}

// matches reports whether the provenance tag got agrees with every
// component written in the expected version v; components missing from got
// count as 0, as in semver.Canonical ("v14" is v14.0.0).
func (v version) matches(got version) bool {
	for i, want := range v.parts {
		have := "0"
		if i < len(got.parts) {
			have = got.parts[i]
		}
		if want != have {
			return false
		}
	}
	return true
}
