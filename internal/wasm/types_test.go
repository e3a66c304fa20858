package wasm

import (
	"strings"
	"testing"

	w "github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
)

// TestInstanceImportCarryingCode: an imported instance whose type exports a
// core module or a component, at any depth, is host-supplied code.
func TestInstanceImportCarryingCode(t *testing.T) {
	moduleExport := w.ExportDecl("helper", 0x00, 0x11, 0x00)
	codeInstance := w.InstanceType(w.CoreModuleType, moduleExport)
	plainInstance := w.InstanceType(w.ExportDecl("f", 0x01, 0x00))
	funcType := []byte{0x40, 0x00, 0x01, 0x00}
	imp := func(idx uint64) []byte {
		return w.ImportSection(w.InstanceImport(w.Plain("wasi:cli/stdout@0.2.0"), idx))
	}
	for _, c := range []struct {
		name string
		bin  []byte
		via  string // "" = not host code
	}{
		{"plain instance type", w.Component(w.TypeSection(funcType, plainInstance), imp(1)), ""},
		{"exports a core module", w.Component(w.TypeSection(codeInstance), imp(0)), `exports core module "helper"`},
		{"exports a component", w.Component(w.TypeSection(w.InstanceType(
			[]byte{0x01, 0x41, 0x00}, w.ExportDecl("plugin", 0x04, 0x00))), imp(0)), `exports component "plugin"`},
		{"nested instance type", w.Component(w.TypeSection(w.InstanceType(
			w.Cat([]byte{0x01}, codeInstance), w.ExportDecl("inner", 0x05, 0x00))), imp(0)),
			`exports instance "inner", which exports core module "helper"`},
		{"outer alias to a code-carrying type", w.Component(w.TypeSection(funcType, codeInstance, w.InstanceType(
			[]byte{0x02, 0x03, 0x02, 0x01, 0x01}, // alias outer 1 1 (type)
			w.ExportDecl("inner", 0x05, 0x00))), imp(2)), `exports instance "inner", which exports core module "helper"`},
		{"outer alias to a plain type", w.Component(w.TypeSection(codeInstance, plainInstance, w.InstanceType(
			[]byte{0x02, 0x03, 0x02, 0x01, 0x01}, w.ExportDecl("inner", 0x05, 0x00))), imp(2)), ""},
		{"type imported as eq of a code-carrying type", w.Component(w.TypeSection(codeInstance),
			w.ImportSection(w.Cat(w.Plain("t"), []byte{0x03, 0x00, 0x00})), imp(1)), `exports core module "helper"`},
		{"alias of an instance export", w.Component(w.TypeSection(plainInstance),
			w.ImportSection(w.InstanceImport(w.Plain("a"), 0)),
			w.Section(6, w.Vec(w.Cat([]byte{0x03, 0x00, 0x00}, w.Str("t")))), imp(1)), "cannot be resolved"},
		{"type index out of range", w.Component(w.TypeSection(plainInstance), imp(5)), "out of range"},
		{"not an instance type", w.Component(w.TypeSection(funcType), imp(0)), "not an instance type"},
		{"component type as instance type", w.Component(w.TypeSection([]byte{0x41, 0x00}), imp(0)), "not an instance type"},
		// An export adds a type index: index 2 is the exported type 1
		// (code), index 3 the plain instance type defined after it.
		{"export shifts the index space: code", w.Component(w.TypeSection(plainInstance, codeInstance),
			w.Section(11, w.Vec(w.Cat(w.Plain("t"), []byte{0x03, 0x01, 0x00}))), w.TypeSection(plainInstance), imp(2)), `exports core module "helper"`},
		{"export shifts the index space: plain", w.Component(w.TypeSection(plainInstance, codeInstance),
			w.Section(11, w.Vec(w.Cat(w.Plain("t"), []byte{0x03, 0x01, 0x00}))), w.TypeSection(plainInstance), imp(3)), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := mustParse(t, c.bin)
			e := bin.Imports[len(bin.Imports)-1]
			if e.HostCode != (c.via != "") || !strings.Contains(e.HostCodeVia, c.via) || (c.via == "" && e.HostCodeVia != "") {
				t.Fatalf("import %+v: want host code via %q", e, c.via)
			}
		})
	}
}

// TestNestedComponentTypesNotTracked: the type index space is tracked at
// the top level only; a nested component's imports are not reported.
func TestNestedComponentTypesNotTracked(t *testing.T) {
	codeInstance := w.InstanceType(w.CoreModuleType, w.ExportDecl("helper", 0x00, 0x11, 0x00))
	inner := w.Component(w.TypeSection(codeInstance), w.ImportSection(w.InstanceImport(w.Plain("x"), 0)))
	bin := mustParse(t, w.Component(w.Section(4, inner)))
	if len(bin.Imports) != 0 {
		t.Fatalf("imports %+v", bin.Imports)
	}
}

func TestLimitMaxTypes(t *testing.T) {
	build := func(n int) []byte {
		types := make([][]byte, n)
		for i := range types {
			types[i] = []byte{0x73} // bool
		}
		return w.Component(w.TypeSection(types...))
	}
	edge(t, "MaxTypes", Limits{MaxTypes: 5}, 5, build)
	// Declarations inside instance types count too.
	edge(t, "MaxTypes", Limits{MaxTypes: 4}, 4, func(n int) []byte {
		decls := make([][]byte, n-1)
		for i := range decls {
			decls[i] = []byte{0x01, 0x73}
		}
		return w.Component(w.TypeSection(w.InstanceType(decls...)))
	})
}
