// Package compositiontest builds the WebAssembly inputs of composition tests
// from the project's fixtures (examples/fixtures): real jco-built binaries
// and byte-level tampered variants of them.
package compositiontest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Fixture returns examples/fixtures/<name>.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Parse parses b, failing the test on error.
func Parse(t testing.TB, b []byte) *wasm.Binary {
	t.Helper()
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// List returns the composition list of b.
func List(t testing.TB, b []byte) *list.List {
	t.Helper()
	return list.FromBinary(Parse(t, b), list.Generator{Name: "compositiontest", Version: "1"})
}

// Encoded returns the encoded composition list of b.
func Encoded(t testing.TB, b []byte) []byte {
	t.Helper()
	raw, err := List(t, b).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// PartOf returns the part at path in b.
func PartOf(t testing.TB, b []byte, path string) wasm.Part {
	t.Helper()
	for _, p := range Parse(t, b).Parts {
		if p.Path == path {
			return p
		}
	}
	t.Fatalf("no part %s", path)
	return wasm.Part{}
}

// ReplacePart returns a copy of b, a component, whose depth-1 part at path
// is replaced by payload (a complete module or component), re-encoding the
// section size. The result is a well-formed binary.
func ReplacePart(t testing.TB, b []byte, path string, payload []byte) []byte {
	t.Helper()
	part := PartOf(t, b, path)
	if part.Depth != 1 {
		t.Fatalf("ReplacePart handles depth-1 parts only; %s has depth %d", path, part.Depth)
	}
	off := 8
	for off < len(b) {
		id := b[off]
		size, n := uleb(b[off+1:])
		start := off + 1 + n
		if int64(start) == part.Offset {
			var out bytes.Buffer
			out.Write(b[:off])
			out.WriteByte(id)
			out.Write(wasmtest.Leb(uint64(len(payload))))
			out.Write(payload)
			out.Write(b[start+int(size):])
			return out.Bytes()
		}
		off = start + int(size)
	}
	t.Fatalf("no section starts at %s's offset %d", path, part.Offset)
	return nil
}

// ChangeByte returns a copy of b with the first occurrence of old inside
// the part at path replaced by new (same length), so the binary stays
// well-formed but the part's bytes differ.
func ChangeByte(t testing.TB, b []byte, path string, old, new []byte) []byte {
	t.Helper()
	part := PartOf(t, b, path)
	body := b[part.Offset : part.Offset+part.Size]
	i := bytes.Index(body, old)
	if i < 0 || len(old) != len(new) {
		t.Fatalf("%x not found in %s (or replacement of another length)", old, path)
	}
	out := bytes.Clone(b)
	copy(out[part.Offset+int64(i):], new)
	return out
}

func uleb(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
