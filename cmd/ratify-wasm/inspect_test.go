package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	w "github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// runCLI runs the root command with args and returns stdout and the error.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestInspectJSONDigests checks the jco-built component: its nested core
// modules are listed and every digest is the sha256 of the bytes at the
// reported offset and size.
func TestInspectJSONDigests(t *testing.T) {
	path := testenv.FixturePath(t, "hello.component.wasm")
	out, err := runCLI(t, "inspect", "--json", path)
	if err != nil {
		t.Fatal(err)
	}
	var bin wasm.Binary
	if err := json.Unmarshal([]byte(out), &bin); err != nil {
		t.Fatalf("--json output does not decode: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	modules := 0
	for _, p := range bin.Parts {
		if p.Offset < 0 || p.Size <= 0 || p.Offset+p.Size > int64(len(raw)) {
			t.Fatalf("part %s lies outside the file: offset %d size %d", p.Path, p.Offset, p.Size)
		}
		sum := sha256.Sum256(raw[p.Offset : p.Offset+p.Size])
		if want := "sha256:" + hex.EncodeToString(sum[:]); p.Digest != want {
			t.Errorf("part %s: digest %s, bytes at offset %d size %d hash to %s", p.Path, p.Digest, p.Offset, p.Size, want)
		}
		if p.Kind == wasm.KindModule {
			modules++
		}
	}
	// jco new: main module, WASI adapter, shim and fixup modules.
	if modules != 4 || bin.Parts[0].Path != "component" || bin.Parts[0].Size != int64(len(raw)) {
		t.Fatalf("want the component with 4 nested core modules, got %d modules: %+v", modules, bin.Parts)
	}
	if len(bin.Imports) == 0 || len(bin.Exports) != 1 || bin.Exports[0].Name != "wasi:cli/run@0.2.12" {
		t.Errorf("imports/exports: %+v / %+v", bin.Imports, bin.Exports)
	}
}

func TestInspectText(t *testing.T) {
	out, err := runCLI(t, "inspect", testenv.FixturePath(t, "implements.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PATH", "component/module/0", "IMPORTS", "primary (implements wasi:keyvalue/store@0.2.0)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestInspectMalformed(t *testing.T) {
	raw := testenv.Fixture(t, "nested.wasm")
	bad := filepath.Join(t.TempDir(), "truncated.wasm")
	if err := os.WriteFile(bad, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, "inspect", bad)
	if err == nil {
		t.Fatal("a truncated component was accepted")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "truncated.wasm") || !strings.Contains(msg, "offset") {
		t.Errorf("want a one-line reason naming the file and offset, got %q", msg)
	}
}

func TestInspectReference(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	raw := testenv.Fixture(t, "nested.wasm")
	if _, err := registrytest.PushWasm(context.Background(), reg, "wasm/nested", "v1", raw, registrytest.WasmLayout{}); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "inspect", "--plain-http", "--json", reg.Ref("wasm/nested", "v1"))
	if err != nil {
		t.Fatal(err)
	}
	var bin wasm.Binary
	if err := json.Unmarshal([]byte(out), &bin); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if bin.Digest != "sha256:"+hex.EncodeToString(sum[:]) || len(bin.Parts) != 6 {
		t.Fatalf("want the pushed component's digest and 6 parts, got %s with %d parts", bin.Digest, len(bin.Parts))
	}
}

// forgingName is an import name that, printed raw, would end the line and
// print a fake "host-supplied code" free import in red.
const forgingName = "wasi:cli/stdout@0.2.0\n  instance     \x1b[31mwasi:random/random@0.2.0"

// TestInspectEscapesNames: control characters in extern names cannot forge
// output lines or terminal escapes.
func TestInspectEscapesNames(t *testing.T) {
	bin := w.ComponentWithImports(w.Plain(forgingName), w.AttrName("kv", w.Attr(w.Implements, "a:b/c\r\x1b[2K")))
	out, err := runCLI(t, "inspect", writeTemp(t, "forge.wasm", bin))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\r") || strings.Count(out, "\n  instance") != 2 {
		t.Fatalf("raw control characters in the output:\n%q", out)
	}
	for _, want := range []string{
		`  instance     "wasi:cli/stdout@0.2.0\n  instance     \x1b[31mwasi:random/random@0.2.0"`,
		`  instance     kv (implements "a:b/c\r\x1b[2K")`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks line %q:\n%s", want, out)
		}
	}
}

// TestInspectInstanceCarryingCode: an imported instance whose type exports
// a core module is marked as host-supplied code, with the reason.
func TestInspectInstanceCarryingCode(t *testing.T) {
	bin := w.Component(w.TypeSection(w.InstanceType(w.CoreModuleType, w.ExportDecl("helper", 0x00, 0x11, 0x00))),
		w.ImportSection(w.InstanceImport(w.Plain("wasi:cli/stdout@0.2.0"), 0)))
	out, err := runCLI(t, "inspect", writeTemp(t, "code.wasm", bin))
	if err != nil {
		t.Fatal(err)
	}
	if want := `  instance     wasi:cli/stdout@0.2.0  [host-supplied code: exports core module "helper"]` + "\n"; !strings.Contains(out, want) {
		t.Fatalf("output lacks %q:\n%s", want, out)
	}
}
