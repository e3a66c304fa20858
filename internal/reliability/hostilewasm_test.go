package reliability_test

import (
	"bytes"

	w "github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
)

// hostileWasm returns the hostile binaries by name; good is a real component.
func hostileWasm(good []byte) map[string][]byte {
	nest := w.Component()
	for range 100 {
		nest = w.Component(w.Section(0x04, nest))
	}
	custom := bytes.Repeat(w.Section(0x00, []byte{0x01, 'c'}), 100_001)
	return map[string][]byte{
		"truncated":            good[:len(good)/2],
		"section-past-end":     w.Component([]byte{0x01}, w.Leb(0xffffffff), w.ModuleHeader),
		"deep-nesting":         nest,
		"huge-count":           w.Component(w.Section(0x0a, w.Leb(0xffffffff))),
		"duplicate-section":    w.Module(w.Section(0x01, w.Leb(0)), w.Section(0x01, w.Leb(0))),
		"many-custom-sections": w.Module(custom),
		"not-wasm":             []byte("hello, world: not a WebAssembly binary\n"),
		"empty":                {},
	}
}
