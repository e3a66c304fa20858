package wasm

import (
	"fmt"
	"strconv"
)

// The top-level component's type index space is tracked just far enough to
// tell whether an imported instance carries code: an instance type that
// exports a core module or a component (at any depth, through nested
// instance types and outer aliases) lets the host hand the component code
// that is not in the artifact, exactly like a core-module import.

// typeClass is what a type definition is, for that purpose.
type typeClass byte

const (
	typeOther     typeClass = iota // func, value, resource: no code
	typeInstance                   // an instance type
	typeComponent                  // a component type
	typeUnknown                    // not resolved (alias of an instance export, bad index)
)

// typeInfo is one entry of a type index space. via, for an instance type,
// says which export carries code ("" when none does); for an unknown entry,
// why it cannot be resolved.
type typeInfo struct {
	class typeClass
	via   string
}

// typeScope is the type index space of the top-level component or of a
// component/instance type declaration inside it. A nil scope tracks nothing
// (nested components: their imports are satisfied inside the artifact).
type typeScope struct {
	parent *typeScope
	types  []typeInfo
	// count is shared by all scopes of one walk and bounded by MaxTypes.
	count *int
}

func (s *typeScope) child() *typeScope {
	if s == nil {
		return nil
	}
	return &typeScope{parent: s, count: s.count}
}

// push appends an entry, failing r past MaxTypes.
func (s *typeScope) push(r *reader, t typeInfo) {
	if s == nil || !r.ok() {
		return
	}
	if *s.count >= r.lim.MaxTypes {
		r.failAt(r.pos, "type count exceeds limit MaxTypes (%d)", r.lim.MaxTypes)
		return
	}
	*s.count++
	s.types = append(s.types, t)
}

// at returns entry idx, or an unknown entry when idx is out of range.
func (s *typeScope) at(idx uint32) typeInfo {
	if s == nil {
		return typeInfo{}
	}
	if int64(idx) >= int64(len(s.types)) {
		return typeInfo{class: typeUnknown, via: fmt.Sprintf("type index %d is out of range", idx)}
	}
	return s.types[idx]
}

// outer resolves an outer alias ct levels up.
func (s *typeScope) outer(ct, idx uint32) typeInfo {
	if s == nil {
		return typeInfo{}
	}
	t := s
	for i := uint32(0); i < ct && t != nil; i++ {
		t = t.parent
	}
	if t == nil {
		return typeInfo{class: typeUnknown, via: fmt.Sprintf("outer alias %d levels up has no enclosing scope", ct)}
	}
	return t.at(idx)
}

// externRef is a decoded externtype: its kind, the type index (for module,
// func, component and instance; for a type bound "eq i") and whether a type
// bound is "eq".
type externRef struct {
	kind string
	idx  uint32
	eq   bool
}

// code says why an extern of this type carries code ("" when it does not),
// resolving instance types in s.
func (e externRef) code(s *typeScope, name string) string {
	switch e.kind {
	case ExternCoreModule:
		return "exports core module " + quoteName(name)
	case ExternComponent:
		return "exports component " + quoteName(name)
	case ExternInstance:
		t := s.at(e.idx)
		switch {
		case t.class == typeInstance && t.via == "":
			return ""
		case t.class == typeInstance:
			return capVia("exports instance " + quoteName(name) + ", which " + t.via)
		case t.class == typeUnknown:
			return "exports instance " + quoteName(name) + " whose type cannot be resolved: " + t.via
		default:
			return "exports instance " + quoteName(name) + " whose type is not an instance type"
		}
	}
	return ""
}

// typeFor is the entry an extern of kind type adds to the index space.
func (e externRef) typeFor(s *typeScope) typeInfo {
	if e.eq {
		return s.at(e.idx)
	}
	return typeInfo{class: typeOther} // sub resource
}

// importedInstance says why a top-level import of an instance of type idx
// is host-supplied code, or "" when its type exports no code.
func importedInstance(s *typeScope, idx uint32) string {
	t := s.at(idx)
	switch t.class {
	case typeInstance:
		return t.via
	case typeUnknown:
		return "its type cannot be resolved: " + t.via
	default:
		return fmt.Sprintf("its type (index %d) is not an instance type", idx)
	}
}

// maxVia bounds an explanation: names can be 100,000 bytes and instance
// types nest 100 deep.
const maxVia = 300

func quoteName(name string) string {
	if len(name) > 64 {
		name = name[:64] + "…"
	}
	return strconv.Quote(name)
}

func capVia(s string) string {
	if len(s) > maxVia {
		return s[:maxVia] + "…"
	}
	return s
}
