package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	w "github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
)

// compRun runs `composition args...` and returns stdout and the error.
func compRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newCompositionCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func compFixture(t *testing.T, name string) string {
	return filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", name)
}

func writeTemp(t *testing.T, name string, b []byte) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompositionCreateFile(t *testing.T) {
	out, err := compRun(t, "create", compFixture(t, "hello.component.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := list.Decode([]byte(out))
	if err != nil {
		t.Fatalf("create wrote an invalid list: %v", err)
	}
	want := compositiontest.List(t, compositiontest.Fixture(t, "hello.component.wasm"))
	if d := list.Compare(want, l); !d.Empty() || l.Generator.Name != "ratify-wasm" {
		t.Fatalf("list differs from the binary: %+v, generator %+v", d, l.Generator)
	}
	path := filepath.Join(t.TempDir(), "list.json")
	if out, err := compRun(t, "create", "-o", path, compFixture(t, "hello.component.wasm")); err != nil || out != "" {
		t.Fatalf("create -o: %q %v", out, err)
	}
	if written, _ := os.ReadFile(path); string(written) != out {
		t.Error("create -o wrote different bytes than create to stdout")
	}
}

func TestCompositionCreateRejects(t *testing.T) {
	nested := compositiontest.Fixture(t, "nested.wasm")
	_, err := compRun(t, "create", writeTemp(t, "cut.wasm", nested[:len(nested)-40]))
	if err == nil || !strings.Contains(err.Error(), "cut.wasm: wasm: component at offset 0x") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("truncated file: %v", err)
	}
	if _, err := compRun(t, "create", "no/such file.wasm"); err == nil || !strings.Contains(err.Error(), "neither a file nor a registry reference") {
		t.Fatalf("missing file: %v", err)
	}
}

// create from a registry reference gives the same list as from the file,
// and attach pushes it as a referrer that registry clients list, on a
// referrers-API registry and through the distribution tag fallback.
func TestCompositionCreateAndAttach(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		ctx := context.Background()
		nested := compositiontest.Fixture(t, "nested.wasm")
		subj, err := registrytest.PushWasm(ctx, reg, "wasm/nested", "v1", nested, registrytest.WasmLayout{})
		if err != nil {
			t.Fatal(err)
		}
		ref := reg.Ref("wasm/nested", "v1")
		fromRef, err := compRun(t, "create", "--plain-http", ref)
		if err != nil {
			t.Fatal(err)
		}
		fromFile, _ := compRun(t, "create", compFixture(t, "nested.wasm"))
		if fromRef != fromFile {
			t.Fatalf("list from the registry differs from the list of the file:\n%s\n%s", fromRef, fromFile)
		}
		listPath := writeTemp(t, "list.json", []byte(fromRef))

		out, err := compRun(t, "attach", "--plain-http", ref, listPath)
		if err != nil {
			t.Fatal(err)
		}
		refs, err := registrytest.ReferrersOfType(ctx, reg, "wasm/nested", subj, mediatype.CompositionList)
		if err != nil || len(refs) != 1 {
			t.Fatalf("want one composition referrer, got %v %v", refs, err)
		}
		if strings.TrimSpace(out) != reg.Host+"/wasm/nested@"+refs[0].Digest.String() {
			t.Errorf("attach printed %q, referrer is %s", out, refs[0].Digest)
		}
		_, raw, err := registrytest.Fetch(ctx, reg, "wasm/nested", refs[0].Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		var m ocispec.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.ArtifactType != mediatype.CompositionList || m.Subject == nil || m.Subject.Digest != subj.Digest || len(m.Layers) != 1 || m.Layers[0].MediaType != mediatype.CompositionList {
			t.Fatalf("referrer manifest: %s", raw)
		}
		blob, err := registrytest.FetchBlob(ctx, reg, "wasm/nested", m.Layers[0])
		if err != nil || string(blob) != fromRef {
			t.Fatalf("referrer layer is not the list: %v", err)
		}

		// A list for another binary is not attached.
		plugList := writeTemp(t, "plug.json", compositiontest.Encoded(t, compositiontest.Fixture(t, "plug.wasm")))
		if _, err := compRun(t, "attach", "--plain-http", ref, plugList); err == nil || !strings.Contains(err.Error(), "plug.json does not describe "+ref) {
			t.Fatalf("attach of a foreign list: %v", err)
		}
		if refs, _ := registrytest.Referrers(ctx, reg, "wasm/nested", subj); len(refs) != 1 {
			t.Errorf("a refused attach left %d referrers", len(refs))
		}
	})
}

func TestCompositionAttachRejectsInvalidList(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	if _, err := registrytest.PushWasm(context.Background(), reg, "wasm/nested", "v1", compositiontest.Fixture(t, "nested.wasm"), registrytest.WasmLayout{}); err != nil {
		t.Fatal(err)
	}
	bad := writeTemp(t, "bad.json", []byte(`{"mediaType":"`+mediatype.CompositionList+`","layer":{}}`))
	if _, err := compRun(t, "attach", "--plain-http", reg.Ref("wasm/nested", "v1"), bad); err == nil || !strings.Contains(err.Error(), "bad.json: composition list does not match") {
		t.Fatalf("got %v", err)
	}
}

// Several WASM layers (a Spin-style app): create and diff need --layer.
func TestCompositionLayerChoice(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	nested, plug := compositiontest.Fixture(t, "nested.wasm"), compositiontest.Fixture(t, "plug.wasm")
	_, err := registrytest.PushWasm(context.Background(), reg, "wasm/app", "v1", nested, registrytest.WasmLayout{
		Format:      registrytest.Spin,
		ExtraLayers: []registrytest.Blob{{MediaType: mediatype.WasmToOCILayer, Data: plug}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("wasm/app", "v1")
	if _, err := compRun(t, "create", "--plain-http", ref); err == nil || !strings.Contains(err.Error(), "has 2 WASM layers; choose one with --layer") {
		t.Fatalf("create without --layer: %v", err)
	}
	plugDigest := compositiontest.List(t, plug).Layer.Digest
	out, err := compRun(t, "create", "--plain-http", "--layer", plugDigest, ref)
	if err != nil || !strings.Contains(out, `"digest": "`+plugDigest+`"`) {
		t.Fatalf("create --layer: %v\n%s", err, out)
	}
	// diff picks the layer the list names.
	if out, err := compRun(t, "diff", "--plain-http", writeTemp(t, "plug.json", []byte(out)), ref); err != nil || out != "" {
		t.Fatalf("diff of the plug layer: %q %v", out, err)
	}
}

func TestCompositionDiff(t *testing.T) {
	nestedList := writeTemp(t, "nested.json", compositiontest.Encoded(t, compositiontest.Fixture(t, "nested.wasm")))
	if out, err := compRun(t, "diff", nestedList, compFixture(t, "nested.wasm")); err != nil || out != "" {
		t.Fatalf("identical: %q %v", out, err)
	}
	out, err := compRun(t, "diff", nestedList, compFixture(t, "sockets.wasm"))
	if !errors.Is(err, errCompositionDiffers) {
		t.Fatalf("want errCompositionDiffers, got %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "layer: listed component sha256:") ||
		!strings.HasPrefix(lines[1], "part component/module/0: changed: listed module sha256:") ||
		lines[2] != "import wasi:sockets/tcp@0.2.0: added: instance" {
		t.Fatalf("diff output:\n%s", out)
	}
	out, err = compRun(t, "diff", "--json", nestedList, compFixture(t, "sockets.wasm"))
	var d list.Diff
	if !errors.Is(err, errCompositionDiffers) || json.Unmarshal([]byte(out), &d) != nil || len(d.Imports) != 1 || d.Imports[0].Change != list.Added {
		t.Fatalf("diff --json: %v\n%s", err, out)
	}

	// Names are escaped: one added import whose name holds a newline and an
	// ANSI escape is one line.
	forge := w.ComponentWithImports(w.Plain(forgingName))
	out, err = compRun(t, "diff", nestedList, writeTemp(t, "forge.wasm", forge))
	if !errors.Is(err, errCompositionDiffers) || strings.ContainsRune(out, 0x1b) ||
		!strings.Contains(out, "\nimport "+strconv.Quote(forgingName)+": added: instance\n") {
		t.Fatalf("diff with a forging name:\n%q", out)
	}

	// Against the artifact in a registry (its only layer differs from the list).
	reg := registrytest.StartDistribution(t)
	if _, err := registrytest.PushWasm(context.Background(), reg, "wasm/sockets", "v1", compositiontest.Fixture(t, "sockets.wasm"), registrytest.WasmLayout{}); err != nil {
		t.Fatal(err)
	}
	fromRef, err := compRun(t, "diff", "--plain-http", nestedList, reg.Ref("wasm/sockets", "v1"))
	if !errors.Is(err, errCompositionDiffers) || fromRef != strings.Join(lines, "\n")+"\n" {
		t.Fatalf("diff against a reference: %v\n%s", err, fromRef)
	}
}

// TestCompositionAttachStockDistribution: on a stock distribution registry
// (DELETE refused) whose subject already has a referrers tag index, attach
// replaces the index, warns that the old one could not be removed, prints
// the list's reference and exits 0; attaching the same list again pushes
// nothing and prints the same reference.
func TestCompositionAttachStockDistribution(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.StartStockDistribution(t)
	subj, err := registrytest.PushWasm(ctx, reg, "wasm/nested", "v1", compositiontest.Fixture(t, "nested.wasm"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	// Another referrer first, so the subject has a referrers tag index.
	if _, err := registrytest.Attach(ctx, reg, "wasm/nested", subj, "application/vnd.example.other", []registrytest.Blob{{MediaType: "application/vnd.example.other", Data: []byte("x")}}, nil); err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("wasm/nested", "v1")
	list, err := compRun(t, "create", "--plain-http", ref)
	if err != nil {
		t.Fatal(err)
	}
	listPath := writeTemp(t, "list.json", []byte(list))
	attach := func() (string, string) {
		t.Helper()
		cmd := newCompositionCmd()
		var out, errOut bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetArgs([]string{"attach", "--plain-http", ref, listPath})
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("attach: %v\nstderr: %s", err, errOut.String())
		}
		return strings.TrimSpace(out.String()), errOut.String()
	}
	first, warning := attach()
	if !strings.Contains(warning, "warning: ") || !strings.Contains(warning, "405") {
		t.Errorf("stderr = %q, want a warning naming the refused DELETE", warning)
	}
	refs, err := registrytest.ReferrersOfType(ctx, reg, "wasm/nested", subj, mediatype.CompositionList)
	if err != nil || len(refs) != 1 || first != reg.Host+"/wasm/nested@"+refs[0].Digest.String() {
		t.Fatalf("attach printed %q; composition referrers %v, %v", first, refs, err)
	}
	second, _ := attach()
	refs, err = registrytest.ReferrersOfType(ctx, reg, "wasm/nested", subj, mediatype.CompositionList)
	if err != nil || len(refs) != 1 || second != first {
		t.Fatalf("second attach printed %q (first %q); composition referrers %v, %v", second, first, refs, err)
	}
}
