package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

func pool(t *testing.T) *Pool {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPool(filepath.Join(wd, "..", "..", "..", "examples", "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestComponentShape(t *testing.T) {
	p := pool(t)
	for _, tc := range []struct {
		size  int64
		depth int
	}{{1 << 20, 1}, {1 << 20, 4}, {10 << 20, 3}, {6 << 20, 8}} {
		b := p.Component(tc.size, tc.depth)
		if d := float64(len(b)) / float64(tc.size); d < 0.97 || d > 1.01 {
			t.Errorf("size %d depth %d: got %d bytes", tc.size, tc.depth, len(b))
		}
		bin, err := wasm.Parse(b, wasm.DefaultLimits())
		if err != nil {
			t.Fatalf("size %d depth %d: %v", tc.size, tc.depth, err)
		}
		// Each level carries one adapter; the bulk sits at the requested
		// depth, and nowhere else.
		large := map[int]int{}
		var bulkBytes int64
		for _, part := range bin.Parts {
			if part.Kind == wasm.KindModule && part.Size >= int64(len(p.Adapter)) {
				large[part.Depth]++
				if part.Depth == tc.depth {
					bulkBytes += part.Size
				}
			}
		}
		for d := 1; d < tc.depth; d++ {
			if large[d] != 1 {
				t.Errorf("size %d depth %d: %d large modules at depth %d, want the adapter only", tc.size, tc.depth, large[d], d)
			}
		}
		if len(large) != tc.depth || large[tc.depth] < 2 {
			t.Errorf("size %d depth %d: large modules per depth %v", tc.size, tc.depth, large)
		}
		if bulkBytes < int64(len(b))*9/10 {
			t.Errorf("size %d depth %d: bulk is %d of %d bytes", tc.size, tc.depth, bulkBytes, len(b))
		}
		// Real top-level interface (nested.wasm's).
		if len(bin.Imports) != 2 || len(bin.Exports) != 1 {
			t.Errorf("imports %v exports %v", bin.Imports, bin.Exports)
		}
	}
}

func TestComponentUsesRealGoModule(t *testing.T) {
	p := pool(t)
	b := p.Component(12<<20, 2)
	if n := bytes.Count(b, p.Bulk[:4096]); n != 4 {
		t.Fatalf("want 4 copies of the Go module in 12 MB, found %d", n)
	}
	if !bytes.Equal(p.Component(12<<20, 2), b) {
		t.Fatal("not deterministic")
	}
}
