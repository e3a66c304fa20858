package wasm

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are hand-built inputs covering nesting, externs and core types.
func fuzzSeeds() [][]byte {
	nested, standalone := nestedFixture()
	return [][]byte{
		nested,
		standalone,
		chain(4, true),
		component(
			section(3, vec([]byte{0x50, 0x01, 0x00, 0x01, 'a', 0x01, 'b', 0x00, 0x00}, []byte{0x00, 0x50, 0x00, 0x60, 0x00, 0x00})),
			section(7, vec([]byte{0x40, 0x00, 0x01, 0x00}, []byte{0x42, 0x01, 0x04, 0x00, 0x01, 'f', 0x01, 0x00})),
			section(10, vec(
				cat(plain("wasi:cli/stdout@0.2.0"), []byte{0x05, 0x01}),
				cat(attrName("wasi:http/types@0.2", attr(0x01, ".6"), attr(0x02, "id")), []byte{0x05, 0x01}),
				cat(attrName("p", attr(0x00, "a:b/c")), []byte{0x00, 0x11, 0x00}),
			)),
			section(8, vec([]byte{0x01, 0x00, 0x00, 0x02, 0x03, 0x00, 0x04, 0x00})),
			section(11, vec(cat(plain("e"), []byte{0x01, 0x00, 0x01, 0x01, 0x00}))),
		),
		module(section(1, []byte{0x01, 0x60, 0x00, 0x00}), section(0, str("name"), []byte{1, 2})),
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range loadWastVectors(f) {
		f.Add(v.Bytes)
	}
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bin, err := Parse(data, Limits{})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *ParseError", err)
			}
			if pe.Offset < 0 || pe.Offset > int64(len(data)) {
				t.Fatalf("error offset %d outside input of %d bytes", pe.Offset, len(data))
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if msg := partsInvariant(data, bin); msg != "" {
			t.Fatal(msg)
		}
		// Every nested part is itself a complete binary of its kind.
		for _, p := range bin.Parts[1:] {
			sub, err := Parse(data[p.Offset:p.Offset+p.Size], Limits{})
			if err != nil {
				t.Fatalf("part %s does not parse standalone: %v", p.Path, err)
			}
			if sub.Kind != p.Kind || sub.Digest != p.Digest {
				t.Fatalf("part %s standalone kind/digest mismatch", p.Path)
			}
		}
	})
}

func TestFuzzSeedsParse(t *testing.T) {
	for i, s := range fuzzSeeds() {
		if _, err := Parse(s, Limits{}); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}
