package wasm

import (
	"bytes"
	"strings"
	"testing"
)

func TestDefaultLimits(t *testing.T) {
	d := DefaultLimits()
	want := Limits{
		MaxInputSize:      1 << 30,
		MaxDepth:          64,
		MaxParts:          10_000,
		MaxModules:        1_000,
		MaxComponents:     1_000,
		MaxNameLength:     100_000,
		MaxImports:        1_000_000,
		MaxExports:        1_000_000,
		MaxTypeNesting:    100,
		MaxCustomSections: 100_000,
		MaxTypes:          1_000_000,
		MaxHashFactor:     10,
		MinHashBudget:     16 << 20,
	}
	if d != want {
		t.Fatalf("DefaultLimits() = %+v, want %+v", d, want)
	}
	if (Limits{}).withDefaults() != d || (Limits{MaxDepth: -1}).withDefaults() != d {
		t.Fatal("zero/negative fields must select defaults")
	}
	if got := (Limits{MaxDepth: 3}).withDefaults(); got.MaxDepth != 3 || got.MaxParts != d.MaxParts {
		t.Fatalf("explicit field not kept: %+v", got)
	}
}

// edge asserts that build(limit) parses under lim and build(limit+1) fails
// with a reason naming the limit.
func edge(t *testing.T, name string, lim Limits, limit int, build func(n int) []byte) {
	t.Helper()
	ok := build(limit)
	if _, err := Parse(ok, lim); err != nil {
		t.Fatalf("%s: at the limit (%d): %v", name, limit, err)
	}
	mustFail(t, build(limit+1), lim, name)
}

func TestLimitMaxInputSize(t *testing.T) {
	b := component(section(0, str("pad"), make([]byte, 100)))
	if _, err := Parse(b, Limits{MaxInputSize: int64(len(b))}); err != nil {
		t.Fatal(err)
	}
	mustFail(t, b, Limits{MaxInputSize: int64(len(b) - 1)}, "MaxInputSize")
}

// chain nests n levels: components down to depth n-1 and a core module at
// depth n when leafModule is set, otherwise components all the way.
func chain(n int, leafModule bool) []byte {
	var b []byte
	if leafModule {
		b = module()
	} else {
		b = component()
	}
	for i := 0; i < n; i++ {
		id := byte(4)
		if i == 0 && leafModule {
			id = 1
		}
		b = component(section(id, b))
	}
	return b
}

func TestLimitMaxDepth(t *testing.T) {
	edge(t, "MaxDepth", Limits{}, 64, func(n int) []byte { return chain(n, false) })
	edge(t, "MaxDepth", Limits{}, 64, func(n int) []byte { return chain(n, true) })
	edge(t, "MaxDepth", Limits{MaxDepth: 2}, 2, func(n int) []byte { return chain(n, true) })
	bin := mustParse(t, chain(64, true))
	last := bin.Parts[len(bin.Parts)-1]
	if last.Depth != 64 || last.Kind != KindModule || strings.Count(last.Path, "/") != 128 {
		t.Fatalf("deepest part %+v", last)
	}
}

func TestLimitMaxParts(t *testing.T) {
	modules := func(n int) []byte {
		return bytes.Repeat(section(1, module()), n)
	}
	// 1 top + 10 components × (1 + 998 modules) + extra top-level modules.
	build := func(total int) []byte {
		var secs [][]byte
		for i := 0; i < 10; i++ {
			secs = append(secs, section(4, component(modules(998))))
		}
		secs = append(secs, modules(total-1-10*999))
		return component(secs...)
	}
	edge(t, "MaxParts", Limits{}, 10_000, build)
	edge(t, "MaxParts", Limits{MaxParts: 3}, 3, func(n int) []byte {
		return component(section(4, component(modules(n-2))))
	})
}

func TestLimitMaxModules(t *testing.T) {
	build := func(n int) []byte { return component(bytes.Repeat(section(1, module()), n)) }
	edge(t, "MaxModules", Limits{}, 1_000, build)
	edge(t, "MaxModules", Limits{MaxModules: 2}, 2, build)
	// The count is per component: two siblings with 2 each pass.
	if _, err := Parse(component(section(4, build(2)), section(4, build(2))), Limits{MaxModules: 2}); err != nil {
		t.Fatal(err)
	}
}

func TestLimitMaxComponents(t *testing.T) {
	build := func(n int) []byte { return component(bytes.Repeat(section(4, component()), n)) }
	edge(t, "MaxComponents", Limits{}, 1_000, build)
	edge(t, "MaxComponents", Limits{MaxComponents: 1}, 1, build)
}

func TestLimitMaxNameLength(t *testing.T) {
	name := func(n int) string { return strings.Repeat("a", n) }
	edge(t, "MaxNameLength", Limits{}, 100_000, func(n int) []byte {
		return component(section(0, str(name(n))))
	})
	edge(t, "MaxNameLength", Limits{}, 100_000, func(n int) []byte {
		return component(section(10, vec(cat(plain(name(n)), []byte{0x01, 0x00}))))
	})
	edge(t, "MaxNameLength", Limits{MaxNameLength: 4}, 4, func(n int) []byte {
		return component(section(10, vec(cat(attrName("x", attr(0x00, name(n))), []byte{0x01, 0x00}))))
	})
	edge(t, "MaxNameLength", Limits{MaxNameLength: 4}, 4, func(n int) []byte {
		return component(section(1, module(section(0, str(name(n))))))
	})
}

func TestLimitMaxImportsExports(t *testing.T) {
	imp := cat(plain("f"), []byte{0x01, 0x00})
	exp := cat(plain("f"), []byte{0x01, 0x00, 0x00})
	imports := func(n int) []byte { return section(10, leb(uint64(n)), bytes.Repeat(imp, n)) }
	exports := func(n int) []byte { return section(11, leb(uint64(n)), bytes.Repeat(exp, n)) }
	// Default edge inside a nested component (nothing is recorded there, so
	// the test stays cheap); the limit applies per component at every level.
	edge(t, "MaxImports", Limits{}, 1_000_000, func(n int) []byte { return component(section(4, component(imports(n)))) })
	edge(t, "MaxExports", Limits{}, 1_000_000, func(n int) []byte { return component(section(4, component(exports(n)))) })
	// Small limits at the top level, summed over sections.
	edge(t, "MaxImports", Limits{MaxImports: 3}, 3, func(n int) []byte { return component(imports(1), imports(n-1)) })
	edge(t, "MaxExports", Limits{MaxExports: 3}, 3, func(n int) []byte { return component(exports(2), exports(n-2)) })
}

func TestLimitMaxTypeNesting(t *testing.T) {
	// n nested instance types: (instance (type (instance (type …)))).
	build := func(n int) []byte {
		ty := []byte{0x42, 0x00}
		for i := 1; i < n; i++ {
			ty = cat([]byte{0x42}, vec(cat([]byte{0x01}, ty)))
		}
		return component(section(7, vec(ty)))
	}
	edge(t, "MaxTypeNesting", Limits{}, 100, build)
	edge(t, "MaxTypeNesting", Limits{MaxTypeNesting: 1}, 1, build)
	// Component types nest the same way.
	edge(t, "MaxTypeNesting", Limits{MaxTypeNesting: 3}, 3, func(n int) []byte {
		ty := []byte{0x41, 0x00}
		for i := 1; i < n; i++ {
			ty = cat([]byte{0x41}, vec(cat([]byte{0x01}, ty)))
		}
		return component(section(7, vec(ty)))
	})
}

func TestLimitMaxCustomSections(t *testing.T) {
	custom := section(0, str(""))
	edge(t, "MaxCustomSections", Limits{}, 100_000, func(n int) []byte { return component(bytes.Repeat(custom, n)) })
	// Counted over the whole tree, core modules included.
	edge(t, "MaxCustomSections", Limits{MaxCustomSections: 3}, 3, func(n int) []byte {
		return component(custom, section(1, module(bytes.Repeat(custom, n-1))))
	})
}

func TestCountsBoundedByRemainingBytes(t *testing.T) {
	// Huge counts fail immediately instead of looping or allocating.
	for _, id := range []byte{2, 3, 5, 6, 7, 8, 10, 11} {
		mustFail(t, component(section(id, []byte{0xff, 0xff, 0xff, 0xff, 0x0f})), Limits{}, "unexpected end-of-file")
	}
	mustFail(t, component(section(7, []byte{0x01, 0x72, 0xff, 0xff, 0xff, 0xff, 0x0f})), Limits{}, "unexpected end-of-file")
	mustFail(t, component(section(10, vec(cat(plain("a"), []byte{0x01})))), Limits{}, "unexpected end-of-file")
	// A name length larger than the section (but within MaxNameLength).
	mustFail(t, component(section(0, []byte{0xa0, 0x8d, 0x06})), Limits{}, "unexpected end-of-file")
}

// deepPadded is chain(n) with a core module of pad bytes (one custom
// section) at the bottom: every level's range covers the padding again.
func deepPadded(n, pad int) []byte {
	b := module(section(0, str("pad"), make([]byte, pad)))
	for i := 0; i < n; i++ {
		id := byte(4)
		if i == 0 {
			id = 1
		}
		b = component(section(id, b))
	}
	return b
}

func hashedBytes(t *testing.T, b []byte) int64 {
	t.Helper()
	out, err := walk(b, Limits{MaxHashFactor: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range out.Parts {
		n += p.Size
	}
	return n
}

func TestLimitHashBudget(t *testing.T) {
	// 64 levels over 1 MiB: each level is hashed again, 65 MiB in all,
	// more than 10 × the input and more than the 16 MiB floor.
	deep := deepPadded(64, 1<<20)
	pe := mustFail(t, deep, Limits{}, "MaxHashFactor")
	if !strings.Contains(pe.Reason, "nested too deeply") {
		t.Errorf("reason %q", pe.Reason)
	}
	// The same nesting over a small part stays under the floor.
	mustParse(t, deepPadded(64, 100))
	// Bulk 8 levels deep (hashed 9 times) is within 10 × the input.
	mustParse(t, deepPadded(8, 4<<20))

	// At the edge: exactly the budget passes, one byte less fails, for
	// both the factor and the floor.
	b := deepPadded(10, 1000)
	h := hashedBytes(t, b)
	if _, err := Parse(b, Limits{MaxHashFactor: 1, MinHashBudget: h}); err != nil {
		t.Fatalf("at the floor: %v", err)
	}
	mustFail(t, b, Limits{MaxHashFactor: 1, MinHashBudget: h - 1}, "MinHashBudget")
	factor := int((h + int64(len(b)) - 1) / int64(len(b)))
	if _, err := Parse(b, Limits{MaxHashFactor: factor, MinHashBudget: 1}); err != nil {
		t.Fatalf("at factor %d: %v", factor, err)
	}
	mustFail(t, b, Limits{MaxHashFactor: factor - 1, MinHashBudget: 1}, "MaxHashFactor")
}
