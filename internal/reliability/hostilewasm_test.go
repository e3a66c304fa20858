package reliability_test

import "bytes"

// Hostile WebAssembly binaries, built byte by byte.

var (
	componentPreamble = []byte{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}
	modulePreamble    = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
)

func leb(n uint64) []byte {
	var out []byte
	for {
		b := byte(n & 0x7f)
		n >>= 7
		if n != 0 {
			out = append(out, b|0x80)
			continue
		}
		return append(out, b)
	}
}

func section(id byte, content ...[]byte) []byte {
	body := bytes.Join(content, nil)
	return append(append([]byte{id}, leb(uint64(len(body)))...), body...)
}

func binary(preamble []byte, sections ...[]byte) []byte {
	return append(append([]byte(nil), preamble...), bytes.Join(sections, nil)...)
}

// hostileWasm returns the hostile binaries by name; good is a real component.
func hostileWasm(good []byte) map[string][]byte {
	nest := binary(componentPreamble)
	for range 100 {
		nest = binary(componentPreamble, section(0x04, nest))
	}
	custom := bytes.Repeat(section(0x00, []byte{0x01, 'c'}), 100_001)
	return map[string][]byte{
		"truncated":            good[:len(good)/2],
		"section-past-end":     binary(componentPreamble, []byte{0x01}, leb(0xffffffff), modulePreamble),
		"deep-nesting":         nest,
		"huge-count":           binary(componentPreamble, section(0x0a, leb(0xffffffff))),
		"duplicate-section":    binary(modulePreamble, section(0x01, leb(0)), section(0x01, leb(0))),
		"many-custom-sections": binary(modulePreamble, custom),
		"not-wasm":             []byte("hello, world: not a WebAssembly binary\n"),
		"empty":                {},
	}
}
