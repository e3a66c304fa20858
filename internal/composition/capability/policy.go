package capability

import (
	"fmt"
	"slices"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Rules are the capability settings as written in a verifier config; each
// list holds patterns (see Pattern).
type Rules struct {
	// AllowImports, when not empty, is the complete set of imports a
	// component may have. When empty, every interface import is allowed.
	// Plain-name imports (no interface, no implements) are denied unless a
	// pattern here names them.
	AllowImports []string `json:"allowImports,omitempty"`
	// DenyImports always wins.
	DenyImports []string `json:"denyImports,omitempty"`
	// AllowHostCodeImports lists the imports of kind core module or
	// component (code the host supplies, not in the artifact) that are
	// allowed; all others are denied. AllowImports does not cover them.
	AllowHostCodeImports []string `json:"allowHostCodeImports,omitempty"`
	// RequireExports: each pattern must match at least one export.
	RequireExports []string `json:"requireExports,omitempty"`
}

// Policy is a parsed set of Rules.
type Policy struct {
	allow, deny, hostCode, exports []Pattern
}

// NewPolicy parses rules; a bad entry is a *failure.ConfigError naming it
// (e.g. "denyImports[1]").
func NewPolicy(r Rules) (*Policy, error) {
	p := &Policy{}
	for _, l := range []struct {
		key  string
		in   []string
		into *[]Pattern
	}{
		{"allowImports", r.AllowImports, &p.allow},
		{"denyImports", r.DenyImports, &p.deny},
		{"allowHostCodeImports", r.AllowHostCodeImports, &p.hostCode},
		{"requireExports", r.RequireExports, &p.exports},
	} {
		for i, s := range l.in {
			pat, err := ParsePattern(s)
			if err != nil {
				return nil, &failure.ConfigError{Key: fmt.Sprintf("%s[%d]", l.key, i), Reason: fmt.Sprintf("is invalid: %v", err), Err: err}
			}
			*l.into = append(*l.into, pat)
		}
	}
	return p, nil
}

// HasRules reports whether any rule was configured. Without rules the
// policy still denies host-supplied code and plain-name imports.
func (p *Policy) HasRules() bool {
	return len(p.allow)+len(p.deny)+len(p.hostCode)+len(p.exports) > 0
}

// Extern is what the policy needs to know about an import or export: its
// name and name attributes as found in the binary.
type Extern struct {
	Name          string
	Kind          string
	Implements    string
	VersionSuffix string
	// HostCode marks an import of kind core module or component, or of an
	// instance whose type exports one.
	HostCode bool
}

// identities are the interfaces an extern claims to be: its name when it
// is interface-shaped (with the version suffix folded in) and its
// implements attribute. A plain label is only a local alias.
func (e Extern) identities() []string {
	var ids []string
	if _, ok := wasm.ParseInterfaceName(e.Name); ok {
		ids = append(ids, e.Name+e.VersionSuffix)
	}
	if e.Implements != "" {
		ids = append(ids, e.Implements)
	}
	return ids
}

// Denial is an import the policy refused, with the reason.
type Denial struct {
	Name      string `json:"name"`
	Interface string `json:"interface,omitempty"`
	Reason    string `json:"reason"`
	// Layer is set by the caller when the artifact has several WASM layers
	// and the import is not in the one the composition list describes.
	Layer string `json:"layer,omitempty"`
}

// Result is the policy's verdict on one component.
type Result struct {
	Denied []Denial `json:"deniedImports"`
	// MissingExports are the requireExports patterns no export matched.
	MissingExports []string `json:"missingExports"`
}

// allows reports whether pat allows every identity of e (so neither a
// plain name nor an allowed implements value can stand in for another
// interface), or its plain name when it has none.
func allows(pat Pattern, e Extern) bool {
	ids := e.identities()
	if len(ids) == 0 {
		return pat.matchPlain(e.Name, false)
	}
	for _, id := range ids {
		if !pat.matchInterface(id, false) {
			return false
		}
	}
	return true
}

// allowedBy reports whether every identity of e is allowed by some pattern
// of pats (not necessarily the same one).
func allowedBy(pats []Pattern, e Extern) bool {
	ids := e.identities()
	if len(ids) == 0 {
		return slices.ContainsFunc(pats, func(p Pattern) bool { return p.matchPlain(e.Name, false) })
	}
	for _, id := range ids {
		if !slices.ContainsFunc(pats, func(p Pattern) bool { return p.matchInterface(id, false) }) {
			return false
		}
	}
	return true
}

// deniedBy returns the first pattern that matches any identity or the
// plain name of e, ignoring ASCII case (a deny rule errs towards denying).
func deniedBy(pats []Pattern, e Extern) *Pattern {
	for i, p := range pats {
		if p.matchPlain(e.Name, true) {
			return &pats[i]
		}
		for _, id := range e.identities() {
			if p.matchInterface(id, true) {
				return &pats[i]
			}
		}
	}
	return nil
}

// Evaluate applies the policy to a component's top-level imports and exports.
func (p *Policy) Evaluate(imports, exports []Extern) Result {
	res := Result{Denied: []Denial{}, MissingExports: []string{}}
	for _, e := range imports {
		if reason := p.denyReason(e); reason != "" {
			res.Denied = append(res.Denied, Denial{Name: e.Name, Interface: e.Implements, Reason: reason})
		}
	}
	for _, pat := range p.exports {
		found := false
		for _, e := range exports {
			if wasm.ExternNameProblem(e.Name, e.Implements, e.VersionSuffix, e.Kind) == "" && allows(pat, e) {
				found = true
				break
			}
		}
		if !found {
			res.MissingExports = append(res.MissingExports, pat.String())
		}
	}
	return res
}

func (p *Policy) denyReason(e Extern) string {
	// What a conforming validator rejects cannot be judged by its name.
	if problem := wasm.ExternNameProblem(e.Name, e.Implements, e.VersionSuffix, e.Kind); problem != "" {
		return "is not a valid component-model name: " + problem
	}
	if pat := deniedBy(p.deny, e); pat != nil {
		return fmt.Sprintf("matches denyImports pattern %q", *pat)
	}
	if e.HostCode {
		if allowedBy(p.hostCode, e) {
			return ""
		}
		if e.Kind == wasm.ExternInstance {
			return "imports an instance whose type exports a core module or component (or cannot be resolved): code supplied by the host, not in the artifact (allow it in allowHostCodeImports)"
		}
		return fmt.Sprintf("imports a %s: code supplied by the host, not in the artifact (allow it in allowHostCodeImports)", e.Kind)
	}
	if len(e.identities()) == 0 {
		if allowedBy(p.allow, e) {
			return ""
		}
		return fmt.Sprintf("plain-name %s import with no interface (allow it by name in allowImports)", e.Kind)
	}
	if len(p.allow) > 0 && !allowedBy(p.allow, e) {
		if e.Implements != "" {
			return "matches no allowImports pattern (an import that implements an interface is judged as that interface)"
		}
		return "matches no allowImports pattern"
	}
	return ""
}
