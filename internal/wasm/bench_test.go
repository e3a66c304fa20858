package wasm

import (
	"crypto/sha256"
	"math/rand/v2"
	"sync"
	"testing"
)

// benchModule is a core module of about size bytes: type, function, export,
// a large code section and a data section of pseudo-random bytes (bodies are
// not decoded by the walker), plus a name custom section.
func benchModule(rng *rand.Rand, size int) []byte {
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	return module(
		section(1, vec([]byte{0x60, 0x00, 0x00})),
		section(3, vec([]byte{0x00})),
		section(7, vec(cat(str("run"), []byte{0x00, 0x00}))),
		section(10, blob(size*3/4)),
		section(11, blob(size/4-200)),
		section(0, str("name"), blob(100)),
	)
}

// benchComponent builds a ~10 MB component shaped like real toolchain
// output: many interface imports, four large modules, a nested component
// with its own modules and a doubly nested component, exports and custom
// sections.
var benchComponent = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var imports [][]byte
	for i := 0; i < 40; i++ {
		imports = append(imports, cat(plain("wasi:cli/env"+string(rune('a'+i%26))+"@0.2.12"), []byte{0x05, 0x00}))
	}
	inner2 := component(section(1, benchModule(rng, 256<<10)))
	inner := component(
		section(1, benchModule(rng, 512<<10)),
		section(1, benchModule(rng, 512<<10)),
		section(4, inner2),
	)
	return component(
		section(7, vec([]byte{0x42, 0x00}, []byte{0x40, 0x00, 0x01, 0x00})),
		section(10, vec(imports...)),
		section(1, benchModule(rng, 4<<20)),
		section(1, benchModule(rng, 2<<20)),
		section(1, benchModule(rng, 1<<20)),
		section(1, benchModule(rng, 1<<20)),
		section(4, inner),
		section(11, vec(cat(plain("wasi:cli/run@0.2.12"), []byte{0x05, 0x00, 0x00}))),
		section(0, str("producers"), make([]byte, 64)),
	)
})

func BenchmarkParse(b *testing.B) {
	in := benchComponent()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseVerified is Parse for a layer whose digest the fetch
// verified: the whole input is not hashed again (compare BenchmarkParse,
// and BenchmarkSHA256Floor minus one pass over the input).
func BenchmarkParseVerified(b *testing.B) {
	in := benchComponent()
	bin, err := Parse(in, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVerified(in, Limits{}, bin.Digest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalk is Parse without hashing: the parser's own overhead on top
// of BenchmarkSHA256Floor (less sensitive to noise than comparing the two).
func BenchmarkWalk(b *testing.B) {
	in := benchComponent()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := walk(in, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256Floor hashes exactly the part ranges Parse reports, once
// each: the lower bound for Parse on the same input.
func BenchmarkSHA256Floor(b *testing.B) {
	in := benchComponent()
	bin, err := Parse(in, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range bin.Parts {
			sha256.Sum256(in[p.Offset : p.Offset+p.Size])
		}
	}
}

func TestBenchComponentShape(t *testing.T) {
	in := benchComponent()
	bin := mustParse(t, in)
	if len(in) < 9<<20 || len(in) > 12<<20 {
		t.Fatalf("bench component is %d bytes", len(in))
	}
	if len(bin.Parts) != 10 || len(bin.Imports) != 40 || len(bin.Exports) != 1 {
		t.Fatalf("bench component: %d parts, %d imports, %d exports", len(bin.Parts), len(bin.Imports), len(bin.Exports))
	}
}
