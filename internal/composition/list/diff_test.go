package list_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
)

func TestCompareIdentical(t *testing.T) {
	b := compositiontest.Fixture(t, "hello.component.wasm")
	l := compositiontest.List(t, b)
	other := compositiontest.List(t, b)
	other.Generator.Version = "2" // not compared
	if d := list.Compare(l, other); !d.Empty() {
		t.Fatalf("want no differences, got %+v", d)
	}
}

// sockets.wasm is nested.wasm plus a wasi:sockets/tcp import wired into the
// top-level module: the diff shows exactly that.
func TestCompareNestedWithSockets(t *testing.T) {
	listed := compositiontest.List(t, compositiontest.Fixture(t, "nested.wasm"))
	found := compositiontest.List(t, compositiontest.Fixture(t, "sockets.wasm"))
	d := list.Compare(listed, found)
	if d.Layer == nil || d.Layer.Listed != listed.Layer || d.Layer.Found != found.Layer {
		t.Errorf("layer: %+v", d.Layer)
	}
	// Only the top-level module differs; the nested component is identical.
	if len(d.Parts) != 1 || d.Parts[0].Path != "component/module/0" || d.Parts[0].Change != list.Changed {
		t.Errorf("parts: %+v", d.Parts)
	}
	if len(d.Imports) != 1 || d.Imports[0].Name != "wasi:sockets/tcp@0.2.0" || d.Imports[0].Change != list.Added {
		t.Errorf("imports: %+v", d.Imports)
	}
	if len(d.Exports) != 0 {
		t.Errorf("exports: %+v", d.Exports)
	}
	var buf bytes.Buffer
	if err := d.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"layer: listed component " + listed.Layer.Digest,
		"part component/module/0: changed: listed module " + listed.Parts[0].Digest + " (169 bytes), found module " + found.Parts[0].Digest + " (250 bytes)",
		"import wasi:sockets/tcp@0.2.0: added: instance",
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("want %d lines, got:\n%s", len(want), buf.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q does not start with %q", i, lines[i], w)
		}
	}

	// The other way round the import is removed.
	back := list.Compare(found, listed)
	if len(back.Imports) != 1 || back.Imports[0].Change != list.Removed || back.Imports[0].Listed == nil {
		t.Errorf("reverse imports: %+v", back.Imports)
	}
}

func TestCompareAddedAndRemovedParts(t *testing.T) {
	b := compositiontest.Fixture(t, "nested.wasm")
	listed := compositiontest.List(t, b)
	found := compositiontest.List(t, b)
	listed.Parts = listed.Parts[:len(listed.Parts)-1] // leaf module missing from the list
	listed.Parts = append(listed.Parts, list.Part{Path: "component/module/1", Kind: "module", Size: 9, Digest: listed.Parts[0].Digest})
	listed.Exports[0].Name = "ratify:example/answer@0.2.0"
	d := list.Compare(listed, found)
	var got []string
	for _, p := range d.Parts {
		got = append(got, p.Path+":"+string(p.Change))
	}
	if strings.Join(got, " ") != "component/component/0/component/0/module/0:added component/module/1:removed" {
		t.Errorf("parts: %v", got)
	}
	if len(d.Exports) != 2 || d.Exports[0].Change != list.Added || d.Exports[1].Change != list.Removed {
		t.Errorf("exports: %+v", d.Exports)
	}
}

func TestCompareDuplicateNames(t *testing.T) {
	b := compositiontest.Fixture(t, "nested.wasm")
	listed := compositiontest.List(t, b)
	found := compositiontest.List(t, b)
	// A malformed duplicate must not hide behind the first entry.
	found.Imports = append(found.Imports, found.Imports[0])
	d := list.Compare(listed, found)
	if len(d.Imports) != 1 || d.Imports[0].Change != list.Added || d.Imports[0].Name != found.Imports[0].Name {
		t.Fatalf("imports: %+v", d.Imports)
	}
}
