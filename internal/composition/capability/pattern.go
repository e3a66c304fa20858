// Package capability decides which top-level imports a WebAssembly
// component may have and which exports it must have. Imports are the
// component's capability surface: an import named "wasi:sockets/tcp@0.2.0"
// is network access. Patterns match the effective interface of an extern, so
// an import with a plain name that implements an interface ("primary"
// implementing "wasi:keyvalue/store@0.2.0") is judged as that interface.
package capability

import (
	"fmt"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Pattern matches extern names. Forms, each optionally followed by a
// version:
//
//	"*"                 everything, plain names included
//	"wasi:*"            every interface in namespace wasi
//	"wasi:sockets/*"    every interface of package wasi:sockets (also "wasi:sockets")
//	"wasi:sockets/tcp"  one interface (nested paths: "a:b/c/d")
//	"primary"           a plain name, matched literally
//
// "@0.2.6" matches semver-compatible versions only (0.2.x here, 1.x for
// "@1.4.0"; a prerelease matches only itself), "@=0.2.6" exactly that
// version. A versioned pattern never matches an unversioned name.
type Pattern struct {
	text string
	any  bool
	// plain is set for a plain-name pattern.
	plain string
	// Interface patterns: namespace, package ("" = any), leading path
	// segments and whether more segments may follow.
	namespace string
	pkg       string
	path      []string
	openPath  bool
	// version ("" = any); exact or compared by compatibility key.
	version string
	exact   bool
	compat  string
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.text }

// ParsePattern parses one pattern.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{text: s}
	switch {
	case s == "*":
		p.any = true
		return p, nil
	case s == "":
		return p, fmt.Errorf("empty pattern")
	case !strings.Contains(s, ":"):
		if !wasm.IsPlainName(s) {
			return p, fmt.Errorf("pattern %q: not a valid plain name (kebab-case, each word all-lowercase or all-uppercase, e.g. \"log\" or \"[method]r.m\"), so it can never match an import; interface patterns look like ns:pkg/iface", s)
		}
		p.plain = s
		return p, nil
	}
	body := s
	if at := strings.IndexByte(s, '@'); at >= 0 {
		body, p.version = s[:at], s[at+1:]
		p.version, p.exact = strings.CutPrefix(p.version, "=")
		key, ok := wasm.SemverCompatKey(p.version)
		if !ok {
			return p, fmt.Errorf("pattern %q: %q is not a semantic version", s, p.version)
		}
		p.compat = key
	}
	pkgPart, pathPart, hasPath := strings.Cut(body, "/")
	colon := strings.LastIndexByte(pkgPart, ':')
	if colon < 0 || pkgPart[colon+1:] == "" {
		return p, fmt.Errorf("pattern %q: expected ns:pkg before any '/'", s)
	}
	p.namespace, p.pkg = pkgPart[:colon], pkgPart[colon+1:]
	switch {
	case p.pkg == "*" && !hasPath:
		p.pkg, p.openPath = "", true
	case !hasPath:
		p.openPath = true
	default:
		p.path = strings.Split(pathPart, "/")
		if p.path[len(p.path)-1] == "*" {
			p.path, p.openPath = p.path[:len(p.path)-1], true
		}
	}
	// Validate the labels by parsing a name built from the pattern, with
	// wildcards replaced by a valid label.
	probe := wasm.InterfaceName{Namespace: p.namespace, Package: p.pkg, Path: append([]string{}, p.path...)}
	if probe.Package == "" {
		probe.Package = "x"
	}
	if len(probe.Path) == 0 {
		probe.Path = []string{"x"}
	}
	if _, ok := wasm.ParseInterfaceName(probe.String()); !ok {
		return p, fmt.Errorf("pattern %q: expected ns:pkg, ns:pkg/iface, ns:pkg/* or ns:* (namespace and package in lowercase kebab-case words, interface names kebab-case), optionally followed by @version or @=version; anything else can never match a valid import name", s)
	}
	return p, nil
}

// matchInterface matches an interface name such as "wasi:http/types@0.2.6".
// For a deny rule (deny) it errs towards matching: ASCII case is ignored
// (validators compare names so) and an unversioned name matches a
// versioned pattern.
func (p Pattern) matchInterface(iface string, deny bool) bool {
	fold := deny
	if p.any {
		return true
	}
	if p.plain != "" {
		return false
	}
	eq := func(a, b string) bool { return a == b || (fold && strings.EqualFold(a, b)) }
	n, ok := wasm.ParseInterfaceName(iface)
	if !ok || !eq(n.Namespace, p.namespace) || (p.pkg != "" && !eq(n.Package, p.pkg)) {
		return false
	}
	if len(n.Path) < len(p.path) || (!p.openPath && len(n.Path) != len(p.path)) {
		return false
	}
	for i, seg := range p.path {
		if !eq(n.Path[i], seg) {
			return false
		}
	}
	switch {
	case p.version == "":
		return true
	case n.Version == "":
		return deny
	case p.exact:
		return n.Version == p.version
	}
	key, ok := wasm.SemverCompatKey(n.Version)
	return ok && key == p.compat
}

// matchPlain matches a plain name literally (fold: ignoring ASCII case).
func (p Pattern) matchPlain(name string, fold bool) bool {
	return p.any || (p.plain != "" && (p.plain == name || (fold && strings.EqualFold(p.plain, name))))
}
