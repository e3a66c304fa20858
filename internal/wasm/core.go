package wasm

// coreOrder maps a known core section id (1..13) to its required position;
// custom sections (0) may appear anywhere. Tag (13) sits between memory and
// global, data count (12) between element and code.
var coreOrder = [14]int8{
	0:  0,
	1:  1,  // type
	2:  2,  // import
	3:  3,  // function
	4:  4,  // table
	5:  5,  // memory
	13: 6,  // tag
	6:  7,  // global
	7:  8,  // export
	8:  9,  // start
	9:  10, // element
	12: 11, // data count
	10: 12, // code
	11: 13, // data
}

// module walks the section framing of a core module whose preamble r has
// already consumed: ids, sizes, order and custom section names. Section
// bodies are not validated.
func (p *parser) module(r *reader, path string) {
	last := int8(0)
	for r.ok() && r.pos < r.end {
		id, idOff, s, ok := r.section(byte(len(coreOrder) - 1))
		if !ok {
			return
		}
		if id == 0 {
			p.custom(&s, path)
			if s.err != nil {
				r.err = s.err
			}
			continue
		}
		o := coreOrder[id]
		if o <= last {
			r.failAt(idOff, "section out of order")
			return
		}
		last = o
	}
}

// coreType decodes a core:type in a component (core type section and
// instance/component type declarations). A bare 0x50 is a core module type;
// a non-final GC sub type must be written 0x00 0x50.
func (r *reader) coreType() {
	switch r.peek() {
	case 0x00:
		r.pos++
		off := r.pos
		if c := r.peek(); c != 0x50 && r.ok() {
			r.leading(off, c, "non-final sub type")
			return
		}
		r.recGroup()
	case 0x50:
		r.pos++
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.moduleTypeDecl()
		}
	default:
		r.recGroup()
	}
}

// moduleTypeDecl decodes a core:moduledecl.
func (r *reader) moduleTypeDecl() {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00: // import
		r.coreImport()
	case 0x01: // type
		r.recGroup()
	case 0x02: // outer alias of a core type
		kOff := r.pos
		if k := r.byte(); k != 0x10 && r.ok() {
			r.leading(kOff, k, "outer alias kind")
			return
		}
		tOff := r.pos
		if t := r.byte(); t != 0x01 && r.ok() {
			r.leading(tOff, t, "outer alias target")
			return
		}
		r.u32()
		r.u32()
	case 0x03: // export
		r.name()
		r.coreTypeRef()
	default:
		if r.ok() {
			r.leading(off, c, "type definition")
		}
	}
}

// coreImport decodes a core:import (module name, field name, importdesc).
func (r *reader) coreImport() {
	r.name()
	r.name()
	r.coreTypeRef()
}

// coreTypeRef decodes a core:importdesc.
func (r *reader) coreTypeRef() {
	off := r.pos
	switch c := r.byte(); c {
	case 0x00: // func typeidx
		r.u32()
	case 0x01: // table
		r.refType()
		r.limits(0x07)
	case 0x02: // memory
		r.limits(0x0f)
	case 0x03: // global
		r.coreValType()
		r.mutability(0x03)
	case 0x04: // tag
		r.zero()
		r.u32()
	default:
		if r.ok() {
			r.leading(off, c, "external kind")
		}
	}
}

// limits reads a limits flag byte (bit 0: max present, bit 1: shared,
// bit 2: 64-bit, bit 3: custom page size) and the values it announces.
func (r *reader) limits(allowed byte) {
	off := r.pos
	f := r.byte()
	if f&^allowed != 0 {
		if r.ok() {
			r.failAt(off, "invalid limits flags")
		}
		return
	}
	read := r.u64
	if f&0x04 == 0 {
		read = func() uint64 { return uint64(r.u32()) }
	}
	read()
	if f&0x01 != 0 {
		read()
	}
	if f&0x08 != 0 {
		r.u32() // page size log2
	}
}

func (r *reader) mutability(allowed byte) {
	off := r.pos
	if c := r.byte(); c&^allowed != 0 && r.ok() {
		r.failAt(off, "malformed mutability")
	}
}

// recGroup decodes a core rec group: 0x4e vec(subtype) or one subtype.
func (r *reader) recGroup() {
	if r.peek() == 0x4e {
		r.pos++
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.subType()
		}
		return
	}
	r.subType()
}

// subType decodes 0x50/0x4f vec(typeidx) comptype, or a bare comptype.
func (r *reader) subType() {
	switch r.peek() {
	case 0x50, 0x4f:
		r.pos++
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.u32()
		}
	}
	r.compositeType()
}

// compositeType decodes func, struct, array or cont types, optionally
// prefixed by 0x65 (shared).
func (r *reader) compositeType() {
	if r.peek() == 0x65 {
		r.pos++
	}
	off := r.pos
	switch c := r.byte(); c {
	case 0x60: // func
		for k := 0; k < 2 && r.ok(); k++ {
			n := r.count()
			for i := 0; i < n && r.ok(); i++ {
				r.coreValType()
			}
		}
	case 0x5f: // struct
		n := r.count()
		for i := 0; i < n && r.ok(); i++ {
			r.fieldType()
		}
	case 0x5e: // array
		r.fieldType()
	case 0x5d: // cont
		r.s33()
	default:
		if r.ok() {
			r.leading(off, c, "type")
		}
	}
}

func (r *reader) fieldType() {
	switch r.peek() {
	case 0x78, 0x77: // i8, i16
		r.pos++
	default:
		r.coreValType()
	}
	r.mutability(0x01)
}

// isAbsHeapType reports the single-byte abstract heap types (and their
// reference-type shorthands).
func isAbsHeapType(c byte) bool {
	return c >= 0x68 && c <= 0x75 // cont exn array struct i31 eq any extern func none noextern nofunc noexn nocont
}

// coreValType decodes a core value type.
func (r *reader) coreValType() {
	c := r.peek()
	if !r.ok() {
		return
	}
	switch {
	case c >= 0x7b && c <= 0x7f: // i32 i64 f32 f64 v128
		r.pos++
	default:
		r.refType()
	}
}

// refType decodes 0x64/0x63 heaptype or a shorthand reference type.
func (r *reader) refType() {
	off := r.pos
	c := r.byte()
	switch {
	case c == 0x64 || c == 0x63:
		r.heapType()
	case isAbsHeapType(c):
	default:
		if r.ok() {
			r.failAt(off, "malformed reference type (0x%x)", c)
		}
	}
}

// heapType decodes an abstract heap type (optionally 0x65-shared) or a
// non-negative s33 type index.
func (r *reader) heapType() {
	c := r.peek()
	if !r.ok() {
		return
	}
	if c == 0x65 {
		r.pos++
		off := r.pos
		if c := r.byte(); !isAbsHeapType(c) && r.ok() {
			r.failAt(off, "malformed heap type (0x%x)", c)
		}
		return
	}
	if isAbsHeapType(c) {
		r.pos++
		return
	}
	off := r.pos
	if v := r.s33(); v < 0 && r.ok() {
		r.failAt(off, "malformed heap type")
	}
}
