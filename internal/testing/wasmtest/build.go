// Package wasmtest builds WebAssembly binaries byte by byte for tests: the
// one set of builders shared by the parser's tests and those of the
// packages that judge what it reports.
package wasmtest

// Preambles of a component and of a core module.
var (
	ComponentHeader = []byte{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}
	ModuleHeader    = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
)

// Leb is n as unsigned LEB128.
func Leb(n uint64) []byte {
	var out []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n != 0 {
			out = append(out, c|0x80)
			continue
		}
		return append(out, c)
	}
}

// Cat concatenates.
func Cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Str is a length-prefixed name.
func Str(s string) []byte { return Cat(Leb(uint64(len(s))), []byte(s)) }

// Section is a section with id and the concatenated payload.
func Section(id byte, payload ...[]byte) []byte {
	body := Cat(payload...)
	return Cat([]byte{id}, Leb(uint64(len(body))), body)
}

// Vec is a vector of items.
func Vec(items ...[]byte) []byte {
	return Cat(Leb(uint64(len(items))), Cat(items...))
}

// Component and Module are binaries made of sections.
func Component(sections ...[]byte) []byte { return Cat(ComponentHeader, Cat(sections...)) }
func Module(sections ...[]byte) []byte    { return Cat(ModuleHeader, Cat(sections...)) }

// Plain is a 0x00-prefixed extern name.
func Plain(name string) []byte { return Cat([]byte{0x00}, Str(name)) }

// AttrName is a 0x02-prefixed extern name with attributes (see Attr).
func AttrName(name string, attrs ...[]byte) []byte {
	return Cat([]byte{0x02}, Str(name), Vec(attrs...))
}

// Name attribute tags.
const (
	Implements    = 0x00
	VersionSuffix = 0x01
	ExternalID    = 0x02
)

// Attr is one name attribute.
func Attr(tag byte, v string) []byte { return Cat([]byte{tag}, Str(v)) }

// InstanceImport is an import of an instance of type typeIdx.
func InstanceImport(name []byte, typeIdx uint64) []byte {
	return Cat(name, []byte{0x05}, Leb(typeIdx))
}

// ImportSection holds the imports.
func ImportSection(imports ...[]byte) []byte { return Section(10, Vec(imports...)) }

// TypeSection holds the type definitions.
func TypeSection(types ...[]byte) []byte { return Section(7, Vec(types...)) }

// InstanceType is an instance type with the declarations.
func InstanceType(decls ...[]byte) []byte { return Cat([]byte{0x42}, Vec(decls...)) }

// ExportDecl declares an export named name of the extern type ty
// (e.g. {0x00, 0x11, 0} for a core module of core type 0).
func ExportDecl(name string, ty ...byte) []byte { return Cat([]byte{0x04}, Plain(name), ty) }

// CoreModuleType is a core type declaration of an empty module type.
var CoreModuleType = []byte{0x00, 0x50, 0x00}

// ComponentWithImports is a component importing one instance per name, all
// of an empty instance type; attributes go through AttrName.
func ComponentWithImports(names ...[]byte) []byte {
	imports := make([][]byte, len(names))
	for i, n := range names {
		imports[i] = InstanceImport(n, 0)
	}
	return Component(TypeSection(InstanceType()), ImportSection(imports...))
}
