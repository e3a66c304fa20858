// Package gen builds large WebAssembly components with realistic nesting
// for the composition benchmark, out of the project's real fixtures
// (examples/fixtures): the Go core module and the WASI adapter modules that
// `jco new` embedded in hello.component.wasm, and the hand-written nested
// component nested.wasm with its imports, exports and three levels of
// nesting.
package gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// componentPreamble is magic, version 0x0d and layer 1.
var componentPreamble = wasmtest.ComponentHeader

// Section ids used here.
const (
	sectionCoreModule = 1
	sectionComponent  = 4
)

// Pool holds the real parts components are built from.
type Pool struct {
	// Bulk is the Go wasip1 core module (about 2.6 MB), the bulk of a real
	// component built from a compiled language.
	Bulk []byte
	// Adapter is the WASI preview1→0.2 command adapter module (about 20 KB).
	Adapter []byte
	// Shims are the small glue modules jco adds (fd table, realloc).
	Shims [][]byte
	// frame is nested.wasm's sections without its preamble: a real
	// component's imports, exports, instances and nested components.
	frame []byte
}

// LoadPool reads the fixtures in dir (examples/fixtures).
func LoadPool(dir string) (*Pool, error) {
	hello, err := os.ReadFile(filepath.Join(dir, "hello.component.wasm"))
	if err != nil {
		return nil, err
	}
	bin, err := wasm.Parse(hello, wasm.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("hello.component.wasm: %w", err)
	}
	modules := map[string][]byte{}
	for _, p := range bin.Parts {
		if p.Depth == 1 && p.Kind == wasm.KindModule {
			modules[p.Path] = hello[p.Offset : p.Offset+p.Size]
		}
	}
	pool := &Pool{
		Bulk:    modules["component/module/0"],
		Adapter: modules["component/module/1"],
		Shims:   [][]byte{modules["component/module/2"], modules["component/module/3"]},
	}
	if pool.Bulk == nil || pool.Adapter == nil || pool.Shims[0] == nil || pool.Shims[1] == nil {
		return nil, fmt.Errorf("hello.component.wasm: expected four core modules, got %d", len(modules))
	}
	nested, err := os.ReadFile(filepath.Join(dir, "nested.wasm"))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(nested, componentPreamble) {
		return nil, fmt.Errorf("nested.wasm is not a component")
	}
	pool.frame = nested[len(componentPreamble):]
	return pool, nil
}

// Component returns a component of about size bytes whose bulk core modules
// sit at nesting depth depth (1 = directly in the top-level component).
//
// Every level is a component made of nested.wasm's sections (real imports,
// exports and sub-components), the adapter and shim modules, and, except
// at the innermost level, a section-4 payload holding the next level. The
// innermost level also holds the bulk: copies of the Go module while they
// fit, then copies of the adapter. A part nested k deep lies inside k
// ancestors, so a checker that digests every part hashes those bytes k+1
// times: at fixed size the hashing floor grows linearly with depth.
func (p *Pool) Component(size int64, depth int) []byte {
	if depth < 1 {
		depth = 1
	}
	overhead := int64(depth) * int64(p.levelOverhead()+16)
	var bulk [][]byte
	for left := size - overhead; ; {
		switch {
		case left >= int64(len(p.Bulk)):
			bulk = append(bulk, p.Bulk)
			left -= int64(len(p.Bulk)) + 6
		case left >= int64(len(p.Adapter)):
			bulk = append(bulk, p.Adapter)
			left -= int64(len(p.Adapter)) + 4
		default:
			return p.wrap(bulk, depth)
		}
	}
}

func (p *Pool) levelOverhead() int {
	n := len(componentPreamble) + len(p.frame) + len(p.Adapter) + 4
	for _, s := range p.Shims {
		n += len(s) + 3
	}
	return n
}

// wrap builds depth levels around the bulk modules, innermost first.
func (p *Pool) wrap(bulk [][]byte, depth int) []byte {
	var inner []byte
	for level := depth; level >= 1; level-- {
		var b bytes.Buffer
		b.Write(componentPreamble)
		b.Write(p.frame)
		writeSection(&b, sectionCoreModule, p.Adapter)
		for _, s := range p.Shims {
			writeSection(&b, sectionCoreModule, s)
		}
		if inner == nil {
			for _, m := range bulk {
				writeSection(&b, sectionCoreModule, m)
			}
		} else {
			writeSection(&b, sectionComponent, inner)
		}
		inner = b.Bytes()
	}
	return inner
}

func writeSection(b *bytes.Buffer, id byte, payload []byte) {
	b.WriteByte(id)
	b.Write(wasmtest.Leb(uint64(len(payload))))
	b.Write(payload)
}
