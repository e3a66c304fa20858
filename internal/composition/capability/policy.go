package capability

import (
	"fmt"
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

// RuleError names the rule list and entry that did not parse.
type RuleError struct {
	Key   string // e.g. "denyImports"
	Index int
	Err   error
}

func (e *RuleError) Error() string { return fmt.Sprintf("%s[%d]: %v", e.Key, e.Index, e.Err) }

// NewPolicy parses rules.
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
				return nil, &RuleError{Key: l.key, Index: i, Err: err}
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

// Extern is what the policy needs to know about an import or export.
type Extern struct {
	Name string
	Kind string
	// Interface is the effective interface ("" for a plain name without
	// an implements attribute).
	Interface string
	// HostCode marks an import of kind core module or component.
	HostCode bool
}

// Denial is an import the policy refused, with the reason.
type Denial struct {
	Name      string `json:"name"`
	Interface string `json:"interface,omitempty"`
	Reason    string `json:"reason"`
}

// Result is the policy's verdict on one component.
type Result struct {
	Denied []Denial `json:"deniedImports"`
	// MissingExports are the requireExports patterns no export matched.
	MissingExports []string `json:"missingExports"`
}

// identifies reports whether pat names e's identity: its interface when it
// has one (so a plain name cannot stand in for what it implements), else
// its plain name.
func identifies(pat Pattern, e Extern) bool {
	if e.Interface != "" {
		return pat.matchInterface(e.Interface)
	}
	return pat.matchPlain(e.Name)
}

// Evaluate applies the policy to a component's top-level imports and exports.
func (p *Policy) Evaluate(imports, exports []Extern) Result {
	res := Result{Denied: []Denial{}, MissingExports: []string{}}
	for _, e := range imports {
		if reason := p.denyReason(e); reason != "" {
			res.Denied = append(res.Denied, Denial{Name: e.Name, Interface: e.Interface, Reason: reason})
		}
	}
	for _, pat := range p.exports {
		found := false
		for _, e := range exports {
			if identifies(pat, e) {
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
	for _, pat := range p.deny {
		// Deny looks at both the interface and the plain name.
		if identifies(pat, e) || pat.matchPlain(e.Name) {
			return fmt.Sprintf("matches denyImports pattern %q", pat)
		}
	}
	if e.HostCode {
		if firstMatch(p.hostCode, e) != nil {
			return ""
		}
		return fmt.Sprintf("imports a %s: code supplied by the host, not in the artifact (allow it in allowHostCodeImports)", e.Kind)
	}
	if e.Interface == "" {
		if firstMatch(p.allow, e) != nil {
			return ""
		}
		return fmt.Sprintf("plain-name %s import with no interface (allow it by name in allowImports)", e.Kind)
	}
	if len(p.allow) > 0 && firstMatch(p.allow, e) == nil {
		return "matches no allowImports pattern"
	}
	return ""
}

func firstMatch(pats []Pattern, e Extern) *Pattern {
	for i := range pats {
		if identifies(pats[i], e) {
			return &pats[i]
		}
	}
	return nil
}
