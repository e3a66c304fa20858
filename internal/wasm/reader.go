package wasm

import (
	"fmt"
	"unicode/utf8"
)

// reader decodes buf[pos:end]. Positions are absolute offsets into the
// top-level input, so errors and parts need no translation. Errors are
// sticky: after the first failure every read returns a zero value without
// advancing, and loops stop on !r.ok().
type reader struct {
	buf  []byte
	pos  int
	end  int
	part string
	lim  *Limits
	err  *ParseError
}

// sub returns a reader for the next n bytes and advances r past them. The
// caller has checked n <= r.remaining().
func (r *reader) sub(n int) reader {
	s := reader{buf: r.buf, pos: r.pos, end: r.pos + n, part: r.part, lim: r.lim}
	r.pos += n
	return s
}

// section reads a section header (id byte, u32 size) shared by modules and
// components and returns the id, its offset and a reader bounded to the
// payload; an id above maxID or a size past the end fails r.
func (r *reader) section(maxID byte) (id byte, idOff int, payload reader, ok bool) {
	idOff = r.pos
	id = r.byte()
	if r.ok() && id > maxID {
		r.failAt(idOff, "malformed section id: %d", id)
		return 0, idOff, reader{}, false
	}
	sizeOff := r.pos
	size := r.u32()
	if !r.ok() {
		return 0, idOff, reader{}, false
	}
	if int64(size) > int64(r.remaining()) {
		r.failAt(sizeOff, "unexpected end-of-file")
		return 0, idOff, reader{}, false
	}
	return id, idOff, r.sub(int(size)), true
}

func (r *reader) ok() bool       { return r.err == nil }
func (r *reader) remaining() int { return r.end - r.pos }

func (r *reader) failAt(off int, format string, args ...any) {
	if r.err != nil {
		return
	}
	reason := format
	if len(args) > 0 {
		reason = fmt.Sprintf(format, args...)
	}
	r.err = &ParseError{Part: r.part, Offset: int64(off), Reason: reason}
}

func (r *reader) eof() { r.failAt(r.pos, "unexpected end-of-file") }

// leading reports an unexpected discriminator byte read at off, in the
// wording wasmparser uses ("invalid leading byte (0x3) for component name").
func (r *reader) leading(off int, b byte, what string) {
	r.failAt(off, "invalid leading byte (0x%x) for %s", b, what)
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= r.end {
		r.eof()
		return 0
	}
	c := r.buf[r.pos]
	r.pos++
	return c
}

// peek returns the next byte without consuming it.
func (r *reader) peek() byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= r.end {
		r.eof()
		return 0
	}
	return r.buf[r.pos]
}

// skip advances n bytes.
func (r *reader) skip(n int) {
	if r.err != nil {
		return
	}
	if n > r.remaining() {
		r.pos = r.end
		r.eof()
		return
	}
	r.pos += n
}

// u32 reads an unsigned LEB128 u32: at most 5 bytes, no bits set beyond the
// 32nd. Overlong zero-padded encodings are valid.
func (r *reader) u32() uint32 { return uint32(r.uleb(28, 0x70, "var_u32")) }

// u64 reads an unsigned LEB128 u64 (at most 10 bytes).
func (r *reader) u64() uint64 { return r.uleb(63, 0x7e, "var_u64") }

// uleb reads an unsigned LEB128 integer whose last byte comes at lastShift
// and may not set the bits in overflow (they lie beyond the integer's width).
func (r *reader) uleb(lastShift uint, overflow byte, name string) uint64 {
	if r.err != nil {
		return 0
	}
	start := r.pos
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if r.pos >= r.end {
			r.eof()
			return 0
		}
		c := r.buf[r.pos]
		r.pos++
		if shift == lastShift {
			if c&0x80 != 0 {
				r.failAt(start, "invalid %s: integer representation too long", name)
				return 0
			}
			if c&overflow != 0 {
				r.failAt(start, "invalid %s: integer too large", name)
				return 0
			}
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

// s33 reads a signed LEB128 33-bit integer (at most 5 bytes).
func (r *reader) s33() int64 {
	if r.err != nil {
		return 0
	}
	start := r.pos
	var v int64
	for shift := uint(0); ; shift += 7 {
		if r.pos >= r.end {
			r.eof()
			return 0
		}
		c := r.buf[r.pos]
		r.pos++
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			// Sign-extend from the last payload bit read.
			n := shift + 7
			v = v << (64 - n) >> (64 - n)
			if v < -(1<<32) || v >= 1<<32 {
				r.failAt(start, "invalid var_s33: integer too large")
				return 0
			}
			return v
		}
		if shift == 28 {
			r.failAt(start, "invalid var_s33: integer representation too long")
			return 0
		}
	}
}

// boolean reads a 0x00/0x01 flag byte.
func (r *reader) boolean() bool {
	off := r.pos
	switch c := r.byte(); c {
	case 0:
		return false
	case 1:
		return true
	default:
		r.failAt(off, "invalid boolean value")
		return false
	}
}

// zero reads a byte that must be 0x00.
func (r *reader) zero() {
	off := r.pos
	if c := r.byte(); c != 0 && r.ok() {
		r.leading(off, c, "zero byte required")
	}
}

// count reads a vector count and rejects it when the remaining bytes cannot
// hold that many elements of at least one byte each, so callers may loop
// (or allocate) in proportion to the result.
func (r *reader) count() int {
	off := r.pos
	n := r.u32()
	if r.err != nil {
		return 0
	}
	if int64(n) > int64(r.remaining()) {
		r.failAt(off, "unexpected end-of-file")
		return 0
	}
	return int(n)
}

// name reads a length-prefixed UTF-8 string and returns it as a slice of
// the input (no copy).
func (r *reader) name() []byte {
	off := r.pos
	n := r.u32()
	if r.err != nil {
		return nil
	}
	if int64(n) > int64(r.lim.MaxNameLength) {
		r.failAt(off, "name length %d exceeds limit MaxNameLength (%d)", n, r.lim.MaxNameLength)
		return nil
	}
	if int64(n) > int64(r.remaining()) {
		r.pos = r.end
		r.eof()
		return nil
	}
	s := r.buf[r.pos : r.pos+int(n)]
	if !utf8.Valid(s) {
		r.failAt(r.pos, "malformed UTF-8 encoding")
		return nil
	}
	r.pos += int(n)
	return s
}

// done checks that a section was consumed exactly.
func (r *reader) done() {
	if r.err == nil && r.pos != r.end {
		r.failAt(r.pos, "unexpected data at the end of the section")
	}
}
