package wasm

import (
	"strconv"
	"strings"
)

// InterfaceName is an interface-shaped extern name as defined by the
// component-model Explainer:
//
//	interfacename ::= <namespace> <label> <projection> <interfaceversion>?
//	                | <namespace>+ <label> <projection>+ <interfaceversion>?  (nested)
//	namespace     ::= <label> ':'
//	projection    ::= '/' <label>
//	interfaceversion ::= '@' <valid semver> | '@' <canonversion>
//
// For "wasi:http/types@0.2.6": Namespace "wasi", Package "http",
// Path ["types"], Version "0.2.6". Nested namespaces are joined with ":"
// ("a:b:c/d" has Namespace "a:b", Package "c"). Namespaces and the package
// are <words>: lowercase kebab-case ("WASI:http/types" is not a valid name);
// projections are labels, which may also be all-uppercase acronyms.
type InterfaceName struct {
	Namespace string
	Package   string
	Path      []string // interface projections, outermost first
	Version   string   // without '@'; "" when absent
}

// String reassembles the name.
func (n InterfaceName) String() string {
	var b strings.Builder
	b.WriteString(n.Namespace)
	b.WriteByte(':')
	b.WriteString(n.Package)
	for _, p := range n.Path {
		b.WriteByte('/')
		b.WriteString(p)
	}
	if n.Version != "" {
		b.WriteByte('@')
		b.WriteString(n.Version)
	}
	return b.String()
}

// Unversioned returns "ns:pkg/path" without the version.
func (n InterfaceName) Unversioned() string {
	n.Version = ""
	return n.String()
}

// ParseInterfaceName parses an interface-shaped extern name. Plain names
// ("run", "[method]r.m") and malformed names return ok == false.
func ParseInterfaceName(s string) (InterfaceName, bool) {
	var n InterfaceName
	body := s
	if at := strings.IndexByte(s, '@'); at >= 0 {
		body, n.Version = s[:at], s[at+1:]
		if !validVersion(n.Version) {
			return InterfaceName{}, false
		}
	}
	slash := strings.IndexByte(body, '/')
	if slash < 0 {
		return InterfaceName{}, false
	}
	pkg, rest := body[:slash], body[slash+1:]
	colon := strings.LastIndexByte(pkg, ':')
	if colon < 0 {
		return InterfaceName{}, false
	}
	n.Namespace, n.Package = pkg[:colon], pkg[colon+1:]
	for _, ns := range strings.Split(n.Namespace, ":") {
		if !isWords(ns) {
			return InterfaceName{}, false
		}
	}
	if !isWords(n.Package) {
		return InterfaceName{}, false
	}
	n.Path = strings.Split(rest, "/")
	for _, p := range n.Path {
		if !isLabel(p) {
			return InterfaceName{}, false
		}
	}
	return n, true
}

// isLabel reports a kebab-case label: words separated by single '-', each
// word starting with a letter and being all-lowercase or all-uppercase
// (digits allowed after the first character).
func isLabel(s string) bool {
	if s == "" || s[len(s)-1] == '-' {
		return false
	}
	lower, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' && !upper:
			lower = true
		case c >= 'A' && c <= 'Z' && !lower:
			upper = true
		case c >= '0' && c <= '9' && (lower || upper):
		case c == '-' && (lower || upper):
			lower, upper = false, false
		default:
			return false
		}
	}
	return true
}

// isWords reports lowercase kebab-case words, the form of namespaces and
// packages.
func isWords(s string) bool {
	return isLabel(s) && strings.ToLower(s) == s
}

// IsPlainName reports a plainname: a label, optionally prefixed by
// [constructor] or [async], or [method]/[static] (also [async method] and
// [async static]) followed by resource.name.
func IsPlainName(s string) bool {
	for _, p := range []string{"[constructor]", "[async]"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return isLabel(rest)
		}
	}
	for _, p := range []string{"[method]", "[static]", "[async method]", "[async static]"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			res, name, ok := strings.Cut(rest, ".")
			return ok && isLabel(res) && isLabel(name)
		}
	}
	return isLabel(s)
}

// ExternNameProblem says why an extern name and its attributes are not
// valid under the component-model name grammar (Explainer.md, Binary.md),
// or returns "" when they are. A conforming validator rejects what this
// rejects, so a policy must not judge such an extern by its name:
//   - the name must be a plainname or an interfacename;
//   - implements is allowed only on an instance-typed extern with a plain
//     label as its name, and must itself be an interfacename;
//   - versionsuffix is allowed only on an interfacename whose version is in
//     canonical form, and canonical version + suffix must be a valid semver
//     whose canonical split gives back exactly that version and suffix.
//
// Empty attribute values are rejected by the parser, so "" means absent.
func ExternNameProblem(name, implements, versionSuffix, kind string) string {
	n, isIface := ParseInterfaceName(name)
	if !isIface && !IsPlainName(name) {
		return "the name is neither a kebab-case plain name nor an interface name (ns:pkg/iface@version)"
	}
	if implements != "" {
		if !isLabel(name) {
			return "an implements attribute is only allowed on a plain label name"
		}
		if kind != ExternInstance {
			return "an implements attribute is only allowed on an instance"
		}
		if _, ok := ParseInterfaceName(implements); !ok {
			return "the implements attribute is not an interface name"
		}
	}
	if versionSuffix != "" {
		if !isIface || n.Version == "" {
			return "a versionsuffix attribute is only allowed on a versioned interface name"
		}
		canon, suffix, ok := canonSplit(n.Version + versionSuffix)
		if !ok || canon != n.Version || suffix != versionSuffix {
			return "the version and versionsuffix do not form a canonical version and its suffix"
		}
	}
	return ""
}

// canonSplit splits a full semver into its canonical version and suffix:
// "1.2.3" → "1", ".2.3"; "0.2.6-rc.1" → "0.2", ".6-rc.1";
// "0.0.1-alpha" → "0.0.1", "-alpha".
func canonSplit(v string) (canon, suffix string, ok bool) {
	sv, ok := parseSemver(v)
	if !ok {
		return "", "", false
	}
	switch {
	case sv.major != "0":
		canon = sv.major
	case sv.minor != "0":
		canon = "0." + sv.minor
	default:
		canon = "0.0." + sv.patch
	}
	return canon, v[len(canon):], true
}

// semver is a parsed semantic version; fields are decimal strings.
type semver struct {
	major, minor, patch, pre, build string
}

// parseSemver parses a SemVer 2.0.0 version.
func parseSemver(v string) (semver, bool) {
	var sv semver
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v, sv.build = v[:i], v[i+1:]
		if !validIdents(sv.build, false) {
			return semver{}, false
		}
	}
	if i := strings.IndexByte(v, '-'); i >= 0 {
		v, sv.pre = v[:i], v[i+1:]
		if !validIdents(sv.pre, true) {
			return semver{}, false
		}
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return semver{}, false
	}
	for _, p := range parts {
		if !isNumeric(p) {
			return semver{}, false
		}
	}
	sv.major, sv.minor, sv.patch = parts[0], parts[1], parts[2]
	return sv, true
}

// isNumeric reports a decimal number without leading zeros.
func isNumeric(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validIdents checks dot-separated [0-9A-Za-z-]+ identifiers; numeric
// prerelease identifiers must not have leading zeros.
func validIdents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		digits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if pre && digits && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

// canonVersion reports the shortened canonical forms that are not full
// semver: "N" (N >= 1) and "0.N" (N >= 1).
func canonVersion(v string) bool {
	if rest, ok := strings.CutPrefix(v, "0."); ok {
		return isNumeric(rest) && rest != "0"
	}
	return isNumeric(v) && v != "0"
}

func validVersion(v string) bool {
	if _, ok := parseSemver(v); ok {
		return true
	}
	return canonVersion(v)
}

// SemverCompatKey returns the key under which versions are compatible
// (wac's are_semver_compatible, the Explainer's canonical version):
// "1.2.3" → "1", "0.2.6" → "0.2", "0.0.1" → "0.0.1". A prerelease is only
// compatible with itself, so its key is the whole version (build metadata
// dropped). Canonical short forms map to themselves ("1" → "1",
// "0.2" → "0.2"). Invalid versions return ok == false.
func SemverCompatKey(v string) (string, bool) {
	if canonVersion(v) {
		return v, true
	}
	sv, ok := parseSemver(v)
	if !ok {
		return "", false
	}
	switch {
	case sv.pre != "":
		return sv.major + "." + sv.minor + "." + sv.patch + "-" + sv.pre, true
	case sv.major != "0":
		return sv.major, true
	case sv.minor != "0":
		return "0." + sv.minor, true
	default:
		return "0.0." + sv.patch, true
	}
}

// effectiveInterface is Extern.Interface: the implements value if set,
// otherwise the name when it is interface-shaped, with a version suffix
// appended to the (canonical) version it completes.
func effectiveInterface(name, implements, suffix string) string {
	if implements != "" {
		return implements
	}
	if _, ok := ParseInterfaceName(name); !ok {
		return ""
	}
	return name + suffix
}

// Printable returns s for human output: as is when every character is a
// printable non-space rune, else quoted with Go escapes, so a name holding
// a newline, an ANSI escape or a bidirectional override cannot forge lines
// or hide text. Valid extern names are always printed as is.
func Printable(s string) string {
	for _, r := range s {
		if r == ' ' || r == '"' || r == '\\' || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
