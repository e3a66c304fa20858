package wasm

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
)

// checkParts asserts the invariants every successful Parse must satisfy:
// parts lie inside the input, sha256(input[Offset:Offset+Size]) == Digest,
// Parts[0] is the whole input, and children lie inside their parents.
func checkParts(tb testing.TB, in []byte, b *Binary) {
	tb.Helper()
	if err := partsInvariant(in, b); err != "" {
		tb.Fatal(err)
	}
}

func partsInvariant(in []byte, b *Binary) string {
	if b == nil || len(b.Parts) == 0 {
		return "no parts"
	}
	if b.Parts[0].Offset != 0 || b.Parts[0].Size != int64(len(in)) || b.Size != int64(len(in)) {
		return "top-level part does not cover the input"
	}
	if b.Digest != b.Parts[0].Digest {
		return "Binary.Digest differs from Parts[0].Digest"
	}
	byPath := map[string]Part{}
	for _, p := range b.Parts {
		if p.Offset < 0 || p.Size < 0 || p.Offset+p.Size > int64(len(in)) {
			return "part " + p.Path + " outside the input"
		}
		sum := sha256.Sum256(in[p.Offset : p.Offset+p.Size])
		if p.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
			return "digest mismatch for " + p.Path
		}
		if _, dup := byPath[p.Path]; dup {
			return "duplicate path " + p.Path
		}
		byPath[p.Path] = p
		if p.Depth > 0 {
			parentPath := lastSlashStr(lastSlashStr(p.Path))
			parent, ok := byPath[parentPath]
			if !ok {
				return "parent of " + p.Path + " not listed before it"
			}
			if p.Depth != parent.Depth+1 || p.Offset < parent.Offset || p.Offset+p.Size > parent.Offset+parent.Size {
				return "part " + p.Path + " not inside its parent"
			}
		}
	}
	for _, c := range b.CustomSections {
		if c.Offset < 0 || c.Size < 0 || c.Offset+c.Size > int64(len(in)) {
			return "custom section outside the input"
		}
		if _, ok := byPath[c.Part]; !ok {
			return "custom section owner " + c.Part + " unknown"
		}
	}
	return ""
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return 0
}

func lastSlashStr(s string) string { return s[:lastSlash(s)] }

// Binary builders for hand-made vectors (package wasmtest).
var (
	componentHeader = wasmtest.ComponentHeader
	moduleHeader    = wasmtest.ModuleHeader
	leb             = wasmtest.Leb
	cat             = wasmtest.Cat
	str             = wasmtest.Str
	section         = wasmtest.Section
	vec             = wasmtest.Vec
	component       = wasmtest.Component
	module          = wasmtest.Module
	plain           = wasmtest.Plain
	attrName        = wasmtest.AttrName
	attr            = wasmtest.Attr
)
