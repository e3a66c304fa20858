package wasm

import (
	"strings"
	"testing"
)

// A deeply nested part's path is shortened in the message, so the reason
// stays within one-line message limits; the Part field keeps it whole.
func TestParseErrorShortensDeepPaths(t *testing.T) {
	bin := component()
	for range 100 {
		bin = component(section(4, bin))
	}
	_, err := Parse(bin, Limits{})
	pe, ok := err.(*ParseError)
	if !ok {
		t.Fatalf("want *ParseError, got %v", err)
	}
	msg := err.Error()
	if len(msg) > 300 || !strings.HasSuffix(msg, "nesting depth 65 exceeds limit MaxDepth (64)") || !strings.Contains(msg, "…") {
		t.Fatalf("message %q (%d bytes)", msg, len(msg))
	}
	if len(pe.Part) < 500 {
		t.Fatalf("Part shortened too: %d bytes", len(pe.Part))
	}
	short := &ParseError{Part: "component/module/1", Offset: 4, Reason: "x"}
	if got := short.Error(); got != "wasm: component/module/1 at offset 0x4: x" {
		t.Fatalf("short path changed: %q", got)
	}
}
