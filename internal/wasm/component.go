package wasm

// Component section ids (Binary.md).
const (
	secCustom       = 0
	secCoreModule   = 1
	secCoreInstance = 2
	secCoreType     = 3
	secComponent    = 4
	secInstance     = 5
	secAlias        = 6
	secType         = 7
	secCanon        = 8
	secStart        = 9
	secImport       = 10
	secExport       = 11
	// 12 (value) is not implemented anywhere and is rejected like any
	// unknown id.
)

// componentState counts what one component declares, for per-component
// limits.
type componentState struct {
	path       string
	depth      int
	top        bool
	modules    int
	components int
	imports    int
	exports    int
	sawStart   bool
	// types is the type index space, tracked for the top level only.
	types *typeScope
}

// component walks the sections of a component whose preamble r has already
// consumed; r is bounded to the component.
func (p *parser) component(r *reader, path string, depth int) {
	st := componentState{path: path, depth: depth, top: depth == 0}
	if st.top {
		st.types = &typeScope{count: new(int)}
	}
	for r.ok() && r.pos < r.end {
		id, _, s, ok := r.section(secExport)
		if !ok {
			return
		}
		p.componentSection(&s, &st, id)
		if s.err != nil {
			r.err = s.err
			return
		}
	}
}

func (p *parser) componentSection(s *reader, st *componentState, id byte) {
	switch id {
	case secCustom:
		p.custom(s, st.path)
		return
	case secCoreModule:
		if st.modules >= p.lim.MaxModules {
			s.failAt(s.pos, "core module count exceeds limit MaxModules (%d)", p.lim.MaxModules)
			return
		}
		st.modules++
		p.nested(s, st.path, KindModule, st.modules-1, st.depth+1)
		if s.ok() {
			s.part = st.path
		}
		return
	case secComponent:
		if st.components >= p.lim.MaxComponents {
			s.failAt(s.pos, "component count exceeds limit MaxComponents (%d)", p.lim.MaxComponents)
			return
		}
		st.components++
		p.nested(s, st.path, KindComponent, st.components-1, st.depth+1)
		if s.ok() {
			s.part = st.path
		}
		return
	case secCoreInstance:
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			s.coreInstance()
		}
	case secCoreType:
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			s.coreType()
		}
	case secInstance:
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			s.instance()
		}
	case secAlias:
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			if a := s.alias(); a.typeSort {
				st.types.push(s, a.resolve(st.types))
			}
		}
	case secType:
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			st.types.push(s, s.componentType(p.lim.MaxTypeNesting, st.types))
		}
	case secCanon:
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			s.canon()
		}
	case secStart:
		if st.sawStart {
			s.failAt(s.pos, "component cannot have more than one start function")
			return
		}
		st.sawStart = true
		s.u32() // funcidx
		n := s.count()
		for i := 0; i < n && s.ok(); i++ {
			s.u32() // valueidx
		}
		s.u32() // result count
	case secImport:
		off := s.pos
		n := s.count()
		if s.ok() && n > p.lim.MaxImports-st.imports {
			s.failAt(off, "import count exceeds limit MaxImports (%d)", p.lim.MaxImports)
			return
		}
		st.imports += n
		for i := 0; i < n && s.ok(); i++ {
			en := s.externName()
			ref := s.externType()
			if ref.kind == ExternType {
				st.types.push(s, ref.typeFor(st.types))
			}
			if st.top && s.ok() {
				e := en.extern(ref.kind, ref.kind == ExternCoreModule || ref.kind == ExternComponent)
				if ref.kind == ExternInstance {
					if e.HostCodeVia = importedInstance(st.types, ref.idx); e.HostCodeVia != "" {
						e.HostCode = true
					}
				}
				p.out.Imports = append(p.out.Imports, e)
			}
		}
	case secExport:
		off := s.pos
		n := s.count()
		if s.ok() && n > p.lim.MaxExports-st.exports {
			s.failAt(off, "export count exceeds limit MaxExports (%d)", p.lim.MaxExports)
			return
		}
		st.exports += n
		for i := 0; i < n && s.ok(); i++ {
			en := s.externName()
			kind := s.externKind()
			idx := s.u32()
			if kind == ExternType {
				// An export adds an index to its sort's index space.
				st.types.push(s, st.types.at(idx))
			}
			tyOff := s.pos
			switch c := s.byte(); c {
			case 0x00:
			case 0x01:
				s.externType()
			default:
				if s.ok() {
					s.leading(tyOff, c, "optional component export type")
				}
			}
			if st.top && s.ok() {
				p.out.Exports = append(p.out.Exports, en.extern(kind, false))
			}
		}
	}
	s.done()
}

// coreInstance decodes a core:instance.
func (r *reader) coreInstance() {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00: // instantiate moduleidx args
		r.u32()
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
			kOff := r.pos
			if k := r.byte(); k != 0x12 && r.ok() {
				r.leading(kOff, k, "instantiation arg kind")
			}
			r.u32()
		}
	case 0x01: // inline exports
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
			r.coreExternalKind()
			r.u32()
		}
	default:
		if r.ok() {
			r.leading(off, c, "core instance")
		}
	}
}

// coreExternalKind reads a core sort usable in core exports and imports.
func (r *reader) coreExternalKind() {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00, 0x01, 0x02, 0x03, 0x04: // func, table, memory, global, tag
	default:
		if r.ok() {
			r.leading(off, c, "external kind")
		}
	}
}

// instance decodes a component instance.
func (r *reader) instance() {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00: // instantiate componentidx args
		r.u32()
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
			r.externKind()
			r.u32()
		}
	case 0x01: // inline exports
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.externName()
			r.externKind()
			r.u32()
		}
	default:
		if r.ok() {
			r.leading(off, c, "instance")
		}
	}
}

// externKind reads a component sort as used in sortidx, exports and
// externtypes: 0x00 0x11 (core module), 0x01..0x05.
func (r *reader) externKind() string {
	off := r.pos
	c := r.byte()
	switch c {
	case 0x00:
		off2 := r.pos
		if c2 := r.byte(); c2 != 0x11 {
			if r.ok() {
				r.leading(off2, c2, "component external kind")
			}
			return ""
		}
		return ExternCoreModule
	case 0x01:
		return ExternFunc
	case 0x02:
		return ExternValue
	case 0x03:
		return ExternType
	case 0x04:
		return ExternComponent
	case 0x05:
		return ExternInstance
	}
	if r.ok() {
		r.leading(off, c, "component external kind")
	}
	return ""
}

// externType decodes an externtype.
func (r *reader) externType() externRef {
	e := externRef{kind: r.externKind()}
	switch e.kind {
	case ExternCoreModule, ExternFunc, ExternComponent, ExternInstance:
		e.idx = r.u32()
	case ExternType:
		off := r.pos
		switch c := r.byte(); c {
		case 0x00: // eq typeidx
			e.idx, e.eq = r.u32(), true
		case 0x01: // sub resource
		default:
			if r.ok() {
				r.leading(off, c, "type bound")
			}
		}
	case ExternValue:
		off := r.pos
		switch c := r.byte(); c {
		case 0x00: // eq valueidx
			r.u32()
		case 0x01:
			r.valType()
		default:
			if r.ok() {
				r.leading(off, c, "value bound")
			}
		}
	}
	return e
}

// aliasRef is what an alias adds to the component type index space.
type aliasRef struct {
	typeSort bool // the alias is of sort type
	outer    bool
	ct, idx  uint32
}

// resolve is the type an alias of sort type stands for: an outer alias is
// followed; an alias of an instance's export is not resolved.
func (a aliasRef) resolve(s *typeScope) typeInfo {
	if a.outer {
		return s.outer(a.ct, a.idx)
	}
	return typeInfo{class: typeUnknown, via: "it is an alias of an instance export"}
}

// alias decodes a component alias.
func (r *reader) alias() aliasRef {
	off := r.pos
	b1 := r.byte()
	var b2 byte
	if b1 == 0x00 {
		b2 = r.byte()
	}
	tOff := r.pos
	switch t := r.byte(); t {
	case 0x00: // export of a component instance
		if b1 == 0x00 && b2 != 0x11 {
			r.leading(off+1, b2, "component external kind")
		} else if b1 > 0x05 {
			r.leading(off, b1, "component external kind")
		}
		r.u32()
		r.name()
		return aliasRef{typeSort: b1 == 0x03}
	case 0x01: // export of a core instance
		switch {
		case b1 != 0x00:
			r.leading(off, b1, "core instance export kind")
		case b2 > 0x04:
			r.leading(off+1, b2, "external kind")
		}
		r.u32()
		r.name()
	case 0x02: // outer
		switch {
		case b1 == 0x00 && (b2 == 0x10 || b2 == 0x11): // core type, core module
		case b1 == 0x03 || b1 == 0x04: // type, component
		case b1 == 0x00:
			r.leading(off+1, b2, "component outer alias kind")
		default:
			r.leading(off, b1, "component outer alias kind")
		}
		ct := r.u32()
		idx := r.u32()
		return aliasRef{typeSort: b1 == 0x03, outer: true, ct: ct, idx: idx}
	default:
		if r.ok() {
			r.leading(tOff, t, "alias")
		}
	}
	return aliasRef{}
}

// valType reads a component valtype: a primitive type byte or a non-negative
// s33 type index. (A negative s33 that is not a primitive is decode-valid
// and left to validation, as in wasmparser.)
func (r *reader) valType() {
	if isPrimValType(r.peek()) {
		r.pos++
		return
	}
	r.s33()
}

func isPrimValType(c byte) bool {
	return (c >= 0x73 && c <= 0x7f) || c == 0x64
}

// optValType reads 0x00 | 0x01 valtype.
func (r *reader) optValType(what string) {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00:
	case 0x01:
		r.valType()
	default:
		if r.ok() {
			r.leading(off, c, what)
		}
	}
}

// componentType decodes a component type definition; budget bounds the
// nesting of component/instance types. scope is the index space the
// definition is read in (nil: not tracked).
func (r *reader) componentType(budget int, scope *typeScope) typeInfo {
	off := r.pos
	c := r.byte()
	if !r.ok() {
		return typeInfo{}
	}
	switch {
	case c == 0x3f: // resource
		r.coreValType()
		dOff := r.pos
		switch d := r.byte(); d {
		case 0x00:
		case 0x01:
			r.u32()
		default:
			if r.ok() {
				r.leading(dOff, d, "resource destructor")
			}
		}
	case c == 0x40 || c == 0x43: // func, async func
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
			r.valType()
		}
		r.resultList()
	case c == 0x41 || c == 0x42: // component type, instance type
		if budget < 1 {
			r.failAt(off, "type nesting exceeds limit MaxTypeNesting (%d)", r.lim.MaxTypeNesting)
			return typeInfo{}
		}
		inner := scope.child()
		var via string
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			if v := r.typeDecl(c == 0x41, budget-1, inner); via == "" {
				via = v
			}
		}
		if c == 0x41 {
			return typeInfo{class: typeComponent}
		}
		return typeInfo{class: typeInstance, via: via}
	case isPrimValType(c):
	default:
		r.definedType(off, c)
	}
	return typeInfo{class: typeOther}
}

// resultList reads 0x00 valtype | 0x01 0x00.
func (r *reader) resultList() {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00:
		r.valType()
	case 0x01:
		off2 := r.pos
		if c2 := r.byte(); c2 != 0x00 && r.ok() {
			r.leading(off2, c2, "number of results")
		}
	default:
		if r.ok() {
			r.leading(off, c, "component function results")
		}
	}
}

// definedType decodes a defvaltype whose opcode c (at off) was read.
func (r *reader) definedType(off int, c byte) {
	switch c {
	case 0x72: // record
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
			r.valType()
		}
	case 0x71: // variant
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
			r.optValType("optional component value type")
			r.zero()
		}
	case 0x70, 0x6b: // list, option
		r.valType()
	case 0x67: // fixed-size list
		r.valType()
		r.u32()
	case 0x63: // map
		r.valType()
		r.valType()
	case 0x6f: // tuple
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.valType()
		}
	case 0x6e, 0x6d: // flags, enum
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.name()
		}
	case 0x6a: // result
		r.optValType("optional component value type")
		r.optValType("optional component value type")
	case 0x69, 0x68: // own, borrow
		r.u32()
	case 0x66, 0x65: // stream, future
		r.optValType("optional component value type")
	default:
		r.leading(off, c, "component defined type")
	}
}

// typeDecl decodes a componentdecl (component types) or instancedecl in
// scope and says which export carries code ("" for none or not tracked).
func (r *reader) typeDecl(component bool, budget int, scope *typeScope) string {
	off := r.pos
	c := r.byte()
	switch {
	case c == 0x03 && component: // importdecl
		r.externName()
		if ref := r.externType(); ref.kind == ExternType {
			scope.push(r, ref.typeFor(scope))
		}
	case c == 0x00:
		r.coreType()
	case c == 0x01:
		scope.push(r, r.componentType(budget, scope))
	case c == 0x02:
		if a := r.alias(); a.typeSort {
			scope.push(r, a.resolve(scope))
		}
	case c == 0x04: // exportdecl
		en := r.externName()
		ref := r.externType()
		if ref.kind == ExternType {
			scope.push(r, ref.typeFor(scope))
		}
		if scope != nil && r.ok() {
			return ref.code(scope, string(en.name))
		}
	default:
		if r.ok() {
			r.leading(off, c, "component or instance type declaration")
		}
	}
	return ""
}

// canon decodes a canonical function definition.
func (r *reader) canon() {
	off := r.pos
	c := r.byte()
	if !r.ok() {
		return
	}
	switch c {
	case 0x00: // lift
		o := r.pos
		if c2 := r.byte(); c2 != 0x00 && r.ok() {
			r.leading(o, c2, "canonical function lift")
			return
		}
		r.u32()
		r.canonOpts()
		r.u32()
	case 0x01: // lower
		o := r.pos
		if c2 := r.byte(); c2 != 0x00 && r.ok() {
			r.leading(o, c2, "canonical function lower")
			return
		}
		r.u32()
		r.canonOpts()
	case 0x02, 0x03, 0x04: // resource.new/drop/rep
		r.u32()
	case 0x05: // task.cancel
	case 0x06: // subtask.cancel async?
		r.boolean()
	case 0x09: // task.return
		r.resultList()
		r.canonOpts()
	case 0x0a, 0x0b: // context.get/set
		r.coreValType()
		r.u32()
	case 0x0c: // thread.yield cancellable?
		r.boolean()
	case 0x0d: // subtask.drop
	case 0x0e, 0x13, 0x14, 0x15, 0x1a, 0x1b: // stream/future new, drop-*
		r.u32()
	case 0x0f, 0x10, 0x16, 0x17: // stream/future read/write
		r.u32()
		r.canonOpts()
	case 0x11, 0x12, 0x18, 0x19: // stream/future cancel-read/write
		r.u32()
		r.boolean()
	case 0x1c, 0x1d: // error-context.new, .debug-message
		r.canonOpts()
	case 0x1e, 0x1f, 0x22, 0x23, 0x24, 0x25, 0x26, 0x28:
		// error-context.drop, waitable-set.new/.drop, waitable.join,
		// backpressure.inc/.dec, thread.index, thread.resume-later
	case 0x20, 0x21: // waitable-set.wait/.poll cancellable? memidx
		r.boolean()
		r.u32()
	case 0x27: // thread.new-indirect
		r.u32()
		r.u32()
	case 0x29, 0x2a, 0x2b, 0x2c, 0x2d: // thread.suspend*, thread.yield-then-*
		r.boolean()
	case 0x40: // thread.spawn-ref
		r.u32()
	case 0x41: // thread.spawn-indirect
		r.u32()
		r.u32()
	case 0x42: // thread.available-parallelism
	default:
		r.leading(off, c, "canonical function")
	}
}

// canonOpts reads vec(canonopt).
func (r *reader) canonOpts() {
	n := r.count()
	for i := 0; i < n && r.ok(); i++ {
		off := r.pos
		switch c := r.byte(); c {
		case 0x00, 0x01, 0x02, 0x06, 0x09:
			// string encodings, async, gc
		case 0x03, 0x04, 0x05, 0x07, 0x08:
			// memory, realloc, post-return, callback, core-type
			r.u32()
		default:
			if r.ok() {
				r.leading(off, c, "canonical option")
			}
		}
	}
}

// externName is a decoded nameattributes.
type externName struct {
	name, implements, versionSuffix, externalID []byte
}

// externName reads nameattributes: a 0x00/0x01 plain name, or 0x02 name
// followed by a vector of attributes (implements, versionsuffix,
// external-id), each at most once.
func (r *reader) externName() externName {
	var en externName
	off := r.pos
	c := r.byte()
	if !r.ok() {
		return en
	}
	switch c {
	case 0x00, 0x01:
		en.name = r.name()
	case 0x02:
		en.name = r.name()
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			aOff := r.pos
			switch a := r.byte(); a {
			case 0x00:
				if en.implements != nil {
					r.failAt(aOff, "duplicate 'implements' option in name")
					return en
				}
				if en.implements = r.name(); len(en.implements) == 0 && r.ok() {
					r.failAt(aOff, "empty 'implements' option in name")
				}
			case 0x01:
				if en.versionSuffix != nil {
					r.failAt(aOff, "duplicate 'versionsuffix' option in name")
					return en
				}
				if en.versionSuffix = r.name(); len(en.versionSuffix) == 0 && r.ok() {
					r.failAt(aOff, "empty 'versionsuffix' option in name")
				}
			case 0x02:
				if en.externalID != nil {
					r.failAt(aOff, "duplicate 'external-id' option in name")
					return en
				}
				en.externalID = r.name()
			default:
				if r.ok() {
					r.leading(aOff, a, "name option")
				}
			}
		}
	default:
		r.leading(off, c, "component name")
	}
	return en
}

func (en externName) extern(kind string, hostCode bool) Extern {
	e := Extern{
		Name:          string(en.name),
		Kind:          kind,
		Implements:    string(en.implements),
		VersionSuffix: string(en.versionSuffix),
		ExternalID:    string(en.externalID),
		HostCode:      hostCode,
	}
	e.Interface = effectiveInterface(e.Name, e.Implements, e.VersionSuffix)
	return e
}
