package wasm

import (
	"strings"
	"testing"
)

// Hand-built section bodies beyond binary.wast: GC core types, core module
// type declarations with every import kind, and canonical built-ins the
// spec vectors do not exercise.
func TestDecodeSectionBodies(t *testing.T) {
	valid := map[string][]byte{
		"core rec group": section(3, vec(
			cat([]byte{0x4e}, vec(
				[]byte{0x4f, 0x00, 0x5f, 0x02, 0x7f, 0x01, 0x78, 0x00},             // final struct {mut i32, i8}
				[]byte{0x00 + 0x5e, 0x63, 0x00, 0x01},                              // array (mut (ref null 0))
				[]byte{0x4f, 0x01, 0x00, 0x65, 0x60, 0x01, 0x64, 0x65, 0x70, 0x00}, // shared func ((ref (shared func))) -> ()
			)),
			[]byte{0x00, 0x50, 0x01, 0x00, 0x60, 0x01, 0x7b, 0x01, 0x6f}, // 0x00 0x50 sub (supertype 0) func (v128) -> externref
			[]byte{0x5d, 0x00}, // cont type 0
		)),
		"core module type imports": section(3, vec(cat([]byte{0x50}, vec(
			cat([]byte{0x00}, str("m"), str("f"), []byte{0x00, 0x00}),                           // func
			cat([]byte{0x00}, str("m"), str("t"), []byte{0x01, 0x70, 0x01, 0x01, 0x02}),         // table funcref min 1 max 2
			cat([]byte{0x00}, str("m"), str("t64"), []byte{0x01, 0x6f, 0x04, 0x80, 0x80, 0x04}), // table64
			cat([]byte{0x00}, str("m"), str("mem"), []byte{0x02, 0x03, 0x01, 0x02}),             // shared memory 1..2
			cat([]byte{0x00}, str("m"), str("m64"), []byte{0x02, 0x0d, 0x01, 0x02, 0x10}),       // memory64 with page size
			cat([]byte{0x00}, str("m"), str("g"), []byte{0x03, 0x7e, 0x01}),                     // mut i64 global
			cat([]byte{0x00}, str("m"), str("tag"), []byte{0x04, 0x00, 0x00}),                   // tag
			cat([]byte{0x03}, str("e"), []byte{0x03, 0x63, 0x6e, 0x00}),                         // export global anyref
		)))),
		"canon built-ins": section(8, vec(
			[]byte{0x1c, 0x01, 0x00}, // error-context.new utf8
			[]byte{0x1d, 0x00},       // error-context.debug-message
			[]byte{0x1e},             // error-context.drop
			[]byte{0x40, 0x00},       // thread.spawn-ref
			[]byte{0x41, 0x00, 0x00}, // thread.spawn-indirect
			[]byte{0x42},             // thread.available-parallelism
			[]byte{0x01, 0x00, 0x00, 0x03, 0x06, 0x07, 0x00, 0x08, 0x00}, // lower async callback core-type
			[]byte{0x01, 0x00, 0x00, 0x01, 0x09},                         // lower gc
		)),
		"types": section(7, vec(
			[]byte{0x64},             // error-context
			[]byte{0x6b, 0x05},       // option <type 5>
			[]byte{0x70, 0x7f},       // list bool
			[]byte{0x3f, 0x7f, 0x00}, // resource
			[]byte{0x41, 0x02, 0x03, 0x00, 0x01, 'i', 0x05, 0x00, 0x02, 0x03, 0x02, 0x01, 0x00}, // component type: import, outer alias
			[]byte{0x42, 0x01, 0x00, 0x50, 0x00},                                                // instance type with empty core module type
		)),
		"start": section(9, leb(0), vec(leb(1), leb(2)), leb(1)),
		"instances with every sort": section(5, vec(cat([]byte{0x00, 0x00}, vec(
			cat(str("a"), []byte{0x00, 0x11, 0x00}),
			cat(str("b"), []byte{0x01, 0x00}),
			cat(str("c"), []byte{0x02, 0x00}),
			cat(str("d"), []byte{0x03, 0x00}),
			cat(str("e"), []byte{0x04, 0x00}),
			cat(str("f"), []byte{0x05, 0x00}),
		)))),
		"aliases": section(6, vec(
			cat([]byte{0x00, 0x11, 0x00, 0x00}, str("m")), // core module export of an instance
			cat([]byte{0x00, 0x04, 0x01, 0x00}, str("t")), // core tag export of a core instance
			[]byte{0x04, 0x02, 0x01, 0x00},                // outer component
		)),
	}
	for name, sec := range valid {
		if _, err := Parse(component(sec), Limits{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	malformed := map[string]struct {
		sec  []byte
		want string
	}{
		"non-final sub without 0x50":     {section(3, vec([]byte{0x00, 0x60, 0x00, 0x00})), "non-final sub type"},
		"bad composite type":             {section(3, vec([]byte{0x4f, 0x00, 0x40})), "for type"},
		"bad valtype":                    {section(3, vec([]byte{0x60, 0x01, 0x40, 0x00})), "reference type"},
		"negative heap type index":       {section(3, vec([]byte{0x60, 0x01, 0x63, 0x40, 0x00})), "heap type"},
		"bad mutability":                 {section(3, vec([]byte{0x5e, 0x7f, 0x02})), "mutability"},
		"bad limits flags":               {section(3, vec(cat([]byte{0x50}, vec(cat([]byte{0x00}, str("m"), str("x"), []byte{0x02, 0x10, 0x00}))))), "limits flags"},
		"table limits with page size":    {section(3, vec(cat([]byte{0x50}, vec(cat([]byte{0x00}, str("m"), str("x"), []byte{0x01, 0x70, 0x08, 0x00, 0x00}))))), "limits flags"},
		"bad import kind":                {section(3, vec(cat([]byte{0x50}, vec(cat([]byte{0x00}, str("m"), str("x"), []byte{0x05, 0x00}))))), "external kind"},
		"tag attribute":                  {section(3, vec(cat([]byte{0x50}, vec(cat([]byte{0x00}, str("m"), str("x"), []byte{0x04, 0x01, 0x00}))))), "zero byte"},
		"resource dtor flag":             {section(7, vec([]byte{0x3f, 0x7f, 0x02})), "resource destructor"},
		"option payload flag":            {section(7, vec([]byte{0x6a, 0x02})), "optional component value type"},
		"stream payload flag":            {section(7, vec([]byte{0x66, 0x02})), "optional component value type"},
		"removed union":                  {section(7, vec([]byte{0x6c, 0x00})), "component defined type"},
		"canon 0x07":                     {section(8, vec([]byte{0x07})), "canonical function"},
		"canon 0x08":                     {section(8, vec([]byte{0x08})), "canonical function"},
		"stream.cancel-read flag":        {section(8, vec([]byte{0x11, 0x00, 0x02})), "invalid boolean value"},
		"core alias with component sort": {section(6, vec(cat([]byte{0x01, 0x01, 0x00}, str("f")))), "core instance export kind"},
		"core alias bad core sort":       {section(6, vec(cat([]byte{0x00, 0x10, 0x01, 0x00}, str("f")))), "external kind"},
		"export alias core func":         {section(6, vec(cat([]byte{0x00, 0x00, 0x00, 0x00}, str("f")))), "component external kind"},
		"export alias bad sort":          {section(6, vec(cat([]byte{0x06, 0x00, 0x00}, str("f")))), "component external kind"},
		"core inline export kind":        {section(2, vec(cat([]byte{0x01}, vec(cat(str("f"), []byte{0x10, 0x00}))))), "external kind"},
		"start truncated":                {section(9, leb(0), leb(2), leb(1)), "unexpected end-of-file"},
		"truncated nested type decls":    {section(7, vec([]byte{0x42, 0x02, 0x01, 0x73})), "unexpected end-of-file"},
	}
	for name, c := range malformed {
		_, err := Parse(component(c.sec), Limits{})
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if pe := err.(*ParseError); !strings.Contains(pe.Reason, c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
