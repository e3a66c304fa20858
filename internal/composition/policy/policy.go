// Package policy checks a WebAssembly binary against its composition list.
// A Policy combines the list (package list), an allowlist (package
// allowlist), a capability policy (package capability) and the cross-check
// of the interface an artifact's CNCF config declares; its Verify returns an
// Outcome that says what was checked and what failed for the layer a list
// describes, and VerifyUndescribed does the same for any other WASM layer of
// the artifact (known only through the allowlist).
package policy

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/capability"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Policy says which nested parts are known-good and what the component may
// import and must export.
type Policy struct {
	// TrustListParts counts the parts of the composition list being
	// verified as known-good. Turn it off to accept only Allowlist parts.
	TrustListParts bool
	// Allowlist holds centrally approved part digests (may be nil).
	Allowlist *allowlist.Allowlist
	// Capabilities judges the imports and exports; nil means no rules
	// (host-supplied code and plain-name imports are still denied).
	Capabilities *capability.Policy
}

// Declared is the interface an artifact's CNCF config declares
// (component.imports / component.exports), or nil when it declares none.
type Declared struct {
	Imports []string
	Exports []string
}

// Declared-interface states reported in Outcome.DeclaredInterface.
const (
	DeclaredMatched    = "matched"
	DeclaredMismatched = "mismatched"
	DeclaredAbsent     = "absent"
)

// Violation is one failed check: parts, layer, list, imports, exports or
// declaredInterface (package failure), in the order they are reported.
type Violation struct {
	Check  failure.Check
	Detail string
}

// PartRef names a part by path and digest; Layer is set for parts of a
// layer the composition list does not describe.
type PartRef struct {
	Path   string `json:"path"`
	Digest string `json:"digest"`
	Layer  string `json:"layer,omitempty"`
}

// Outcome is what Verify checked and found.
type Outcome struct {
	// Layer is the binary that was examined.
	Layer list.Layer
	// PartCount is the number of nested parts in the binary; each is known
	// through the list, the allowlist (counted once, list first) or unknown.
	PartCount        int
	KnownByList      int
	KnownByAllowlist int
	UnknownParts     []PartRef
	Imports          []list.Extern
	Capabilities     capability.Result
	// DeclaredInterface is DeclaredMatched, DeclaredMismatched or
	// DeclaredAbsent.
	DeclaredInterface string
	Violations        []Violation
}

// OK reports whether every check passed.
func (o *Outcome) OK() bool { return len(o.Violations) == 0 }

// Verify checks found (the list generated from the binary) against listed
// (the composition list attached to the artifact) and the policy. Every
// check runs, so one outcome names everything that is wrong.
func (p *Policy) Verify(listed, found *list.List, declared *Declared) *Outcome {
	caps := p.capabilities()
	o := newOutcome(found)
	p.checkParts(o, listed, found, "")

	diff := list.Compare(listed, found)
	if diff.Layer != nil {
		o.fail(failure.Layer, "the binary is %s; the composition list describes %s", found.Layer, listed.Layer)
	} else if !diff.Empty() {
		// Same bytes, different description: the list was not generated
		// from this layer (or was edited), so none of it can be trusted.
		o.fail(failure.List, "the composition list names layer %s but does not describe it: %s", found.Layer.Digest, diffText(diff, 3))
	}

	caps.check(o, found, true, "")

	o.DeclaredInterface = DeclaredAbsent
	if declared != nil {
		o.DeclaredInterface = DeclaredMatched
		if msg := declaredMismatch(declared, found); msg != "" {
			o.DeclaredInterface = DeclaredMismatched
			o.fail(failure.DeclaredInterface, "the artifact config declares an interface the binary does not have: %s", msg)
		}
	}
	return o
}

// VerifyUndescribed checks another WASM layer of the same artifact, one the
// composition list does not describe: nothing in the list vouches for it,
// so it passes only when the allowlist holds its digest, every nested part
// is known and its imports pass the capability policy (requireExports
// applies to the described layer only).
func (p *Policy) VerifyUndescribed(listed, found *list.List) *Outcome {
	o := newOutcome(found)
	if !p.Allowlist.Allows(list.Part{Digest: found.Layer.Digest, Kind: found.Layer.Kind}) {
		o.fail(failure.Layer, "WASM layer %s is not the layer the composition list describes (%s) and is not in the allowlist: every WASM layer of the artifact must be covered", found.Layer.Digest, listed.Layer.Digest)
	}
	p.checkParts(o, listed, found, found.Layer.Digest)
	p.capabilities().check(o, found, false, found.Layer.Digest)
	o.DeclaredInterface = DeclaredAbsent
	return o
}

func (p *Policy) capabilities() *capabilities {
	if p.Capabilities == nil {
		return &capabilities{&capability.Policy{}}
	}
	return &capabilities{p.Capabilities}
}

func newOutcome(found *list.List) *Outcome {
	return &Outcome{
		Layer: found.Layer, PartCount: len(found.Parts), Imports: found.Imports, UnknownParts: []PartRef{},
		Capabilities: capability.Result{Denied: []capability.Denial{}, MissingExports: []string{}},
	}
}

func (o *Outcome) fail(check failure.Check, format string, args ...any) {
	o.Violations = append(o.Violations, Violation{Check: check, Detail: fmt.Sprintf(format, args...)})
}

// checkParts counts found's nested parts as known through the list, the
// allowlist or not at all; layer is recorded on unknown parts of a layer
// the list does not describe.
func (p *Policy) checkParts(o *Outcome, listed, found *list.List, layer string) {
	listedDigests := map[string]bool{}
	if p.TrustListParts {
		for _, pt := range listed.Parts {
			listedDigests[pt.Digest] = true
		}
	}
	for _, pt := range found.Parts {
		switch {
		case listedDigests[pt.Digest]:
			o.KnownByList++
		case p.Allowlist.Allows(pt):
			o.KnownByAllowlist++
		default:
			o.UnknownParts = append(o.UnknownParts, PartRef{Path: pt.Path, Digest: pt.Digest, Layer: layer})
		}
	}
	if n := len(o.UnknownParts); n > 0 {
		in := ""
		if layer != "" {
			in = " of layer " + layer
		}
		o.fail(failure.Parts, "%d of %d nested parts%s are in neither %s: %s", n, len(found.Parts), in, p.knownSources(), partRefsText(o.UnknownParts, 5))
	}
}

type capabilities struct{ *capability.Policy }

// check applies the capability policy to found's imports (and, with
// exports, the requireExports rules); layer is recorded on denials of a
// layer the list does not describe.
func (caps *capabilities) check(o *Outcome, found *list.List, exports bool, layer string) {
	if found.Layer.Kind == wasm.KindModule {
		if caps.HasRules() {
			o.fail(failure.Imports, "layer %s is a core module: its imports are not component-model interfaces, so the capability policy cannot be applied", found.Layer.Digest)
		}
		return
	}
	o.Capabilities = caps.Evaluate(capExterns(found.Imports), capExterns(found.Exports))
	if !exports {
		o.Capabilities.MissingExports = []string{}
	}
	for i := range o.Capabilities.Denied {
		o.Capabilities.Denied[i].Layer = layer
	}
	if d := o.Capabilities.Denied; len(d) > 0 {
		in := ""
		if layer != "" {
			in = " in layer " + layer
		}
		o.fail(failure.Imports, "%d import(s)%s denied: %s", len(d), in, denialsText(d, 5))
	}
	if m := o.Capabilities.MissingExports; len(m) > 0 {
		o.fail(failure.Exports, "no export matches required pattern(s) %s; exports are %s", strings.Join(m, ", "), externNames(found.Exports))
	}
}

func (p *Policy) knownSources() string {
	switch {
	case p.TrustListParts && p.Allowlist != nil:
		return "the composition list nor the allowlist"
	case p.TrustListParts:
		return "the composition list (no allowlist configured)"
	default:
		return "the allowlist (list parts not trusted: trustListParts is false)"
	}
}

func capExterns(es []list.Extern) []capability.Extern {
	out := make([]capability.Extern, len(es))
	for i, e := range es {
		out[i] = capability.Extern{Name: e.Name, Kind: e.Kind, Implements: e.Implements, VersionSuffix: e.VersionSuffix, HostCode: e.HostCode}
	}
	return out
}

// declaredMismatch compares declared names with the binary's externs. The
// CNCF config (oci-wasm) lists a world key per extern: the interface name,
// or the plain name for plain and implements externs; either is accepted.
func declaredMismatch(d *Declared, found *list.List) string {
	var parts []string
	for _, set := range []struct {
		what     string
		declared []string
		externs  []list.Extern
	}{{"imports", d.Imports, found.Imports}, {"exports", d.Exports, found.Exports}} {
		names := map[string]bool{}
		for _, e := range set.externs {
			names[e.Name] = true
			if e.Interface != "" {
				names[e.Interface] = true
			}
		}
		var extra, missing []string
		for _, n := range set.declared {
			if !names[n] {
				extra = append(extra, wasm.Printable(n))
			}
		}
		declared := map[string]bool{}
		for _, n := range set.declared {
			declared[n] = true
		}
		for _, e := range set.externs {
			if !declared[e.Name] && (e.Interface == "" || !declared[e.Interface]) {
				missing = append(missing, wasm.Printable(e.Name))
			}
		}
		if len(extra) > 0 {
			parts = append(parts, fmt.Sprintf("%s declared but not in the binary: %s", set.what, listText(extra, 5)))
		}
		if len(missing) > 0 {
			parts = append(parts, fmt.Sprintf("%s in the binary but not declared: %s", set.what, listText(missing, 5)))
		}
	}
	return strings.Join(parts, "; ")
}

func partRefsText(refs []PartRef, max int) string {
	s := make([]string, len(refs))
	for i, r := range refs {
		s[i] = r.Path + " " + r.Digest
	}
	return listText(s, max)
}

func denialsText(ds []capability.Denial, max int) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		name := wasm.Printable(d.Name)
		if d.Interface != "" && d.Interface != d.Name {
			name += " (implements " + wasm.Printable(d.Interface) + ")"
		}
		s[i] = name + " " + d.Reason
	}
	return listText(s, max)
}

func externNames(es []list.Extern) string {
	if len(es) == 0 {
		return "none"
	}
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = wasm.Printable(e.Name)
	}
	return listText(s, 10)
}

// listText joins at most max items and says how many were left out.
func listText(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}

func diffText(d *list.Diff, max int) string {
	var buf bytes.Buffer
	_ = d.WriteText(&buf)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	return listText(lines, max)
}
