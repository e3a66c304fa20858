package reliability_test

import (
	"context"
	"regexp"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	w "github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Attacks on wasm-composition: capabilities hidden in a layer the list does
// not name, in import names a validator would reject, in instance types
// that carry code; a deny rule that can never match; nesting that makes
// hashing explode.
func init() {
	denySockets := map[string]any{"denyImports": []string{"wasi:sockets/*"}}
	attackCases = append(attackCases,
		hostileCase{name: "composition-second-layer", plugin: "wasm-composition", config: denySockets,
			desc: "Spin-layout artifact whose second WASM layer imports wasi:sockets, with the list of the first layer and denyImports wasi:sockets/*",
			want: regexp.MustCompile(`^layer: .*is not the layer the composition list describes.*imports: 1 import\(s\) in layer sha256:[0-9a-f]+ denied: wasi:sockets/tcp@0\.2\.0`),
			push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
				d, err := registrytest.PushWasm(context.Background(), h.reg, repo, "v1", h.good, registrytest.WasmLayout{
					Format:      registrytest.Spin,
					ExtraLayers: []registrytest.Blob{{MediaType: mediatype.WasmToOCILayer, Data: fixture(t, "sockets.wasm")}},
				})
				if err != nil {
					t.Fatal(err)
				}
				h.attach(t, repo, d, mediatype.CompositionList, mediatype.CompositionList, h.list(t), nil)
				return d, nil, nil
			}},
		importCase("composition-import-implements-spoof", "an import named wasi:sockets/tcp@0.2.0 with implements wasi:cli/stdout@0.2.0, denyImports wasi:sockets/*",
			`imports: .*wasi:sockets/tcp@0\.2\.0 \(implements wasi:cli/stdout@0\.2\.0\) is not a valid component-model name`,
			w.ComponentWithImports(w.AttrName("wasi:sockets/tcp@0.2.0", w.Attr(w.Implements, "wasi:cli/stdout@0.2.0")))),
		importCase("composition-import-version-split", "an import wasi:sockets/tcp@0.2 with versionsuffix .0!, denyImports wasi:sockets/*",
			`imports: .*wasi:sockets/tcp@0\.2 is not a valid component-model name: the version and versionsuffix`,
			w.ComponentWithImports(w.AttrName("wasi:sockets/tcp@0.2", w.Attr(w.VersionSuffix, ".0!")))),
		importCase("composition-import-implements-unparseable", "an import primary implementing wasi:sockets/tcp@0.2.0! (not an interface name), denyImports wasi:sockets/*",
			`imports: .*primary \(implements wasi:sockets/tcp@0\.2\.0!\) is not a valid component-model name`,
			w.ComponentWithImports(w.AttrName("primary", w.Attr(w.Implements, "wasi:sockets/tcp@0.2.0!")))),
		hostileCase{name: "composition-instance-exports-module", plugin: "wasm-composition",
			desc: "an imported instance whose type exports a core module (host code the component can instantiate), with a list that does not flag it",
			want: regexp.MustCompile(`imports: .*wasi:cli/stdout@0\.2\.0 imports an instance whose type exports a core module or component`),
			push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
				bin := w.Component(w.TypeSection(w.InstanceType(w.CoreModuleType, w.ExportDecl("helper", 0x00, 0x11, 0x00))),
					w.ImportSection(w.InstanceImport(w.Plain("wasi:cli/stdout@0.2.0"), 0)))
				// The list as a tool that records the import as a plain
				// instance writes it.
				l := listOf(t, bin, wasm.DefaultLimits())
				l.Imports[0].HostCode = false
				return h.pushWithList(t, repo, bin, registrytest.WasmLayout{Format: registrytest.Runwasi}, l), nil, nil
			}},
		hostileCase{name: "composition-deny-rule-never-matches", plugin: "wasm-composition",
			config: map[string]any{"denyImports": []string{"WASI:HTTP/*"}},
			desc:   "denyImports [\"WASI:HTTP/*\"]: namespaces are lowercase, so the rule could never match",
			want:   regexp.MustCompile(`^config: .*"denyImports\[0\]" is invalid: .*can never match`),
			push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
				d := h.pushGood(t, repo)
				h.attach(t, repo, d, mediatype.CompositionList, mediatype.CompositionList, h.list(t), nil)
				return d, nil, nil
			}},
		hostileCase{name: "composition-nesting-hash-budget", plugin: "wasm-composition",
			desc: "64 nested components over 1 MiB: hashing every part would read 65 MiB",
			want: regexp.MustCompile(`^parse: .*hashing every nested part would read [0-9]+ bytes, more than the budget`),
			push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
				b := w.Module(w.Section(0, w.Str("pad"), make([]byte, 1<<20)))
				for i := range 64 {
					id := byte(4)
					if i == 0 {
						id = 1
					}
					b = w.Component(w.Section(id, b))
				}
				// Its own list, made without the budget.
				l := listOf(t, b, wasm.Limits{MaxHashFactor: 100})
				return h.pushWithList(t, repo, b, registrytest.WasmLayout{Format: registrytest.Runwasi}, l), nil, nil
			}},
	)
}

// listOf is the composition list of bin, parsed under lim.
func listOf(t *testing.T, bin []byte, lim wasm.Limits) *list.List {
	t.Helper()
	parsed, err := wasm.Parse(bin, lim)
	if err != nil {
		t.Fatal(err)
	}
	return list.FromBinary(parsed, list.Generator{Name: "reliability", Version: "1"})
}

// pushWithList pushes bin in layout and attaches l to it.
func (h *hostileEnv) pushWithList(t *testing.T, repo string, bin []byte, layout registrytest.WasmLayout, l *list.List) ocispec.Descriptor {
	t.Helper()
	d, err := registrytest.PushWasm(context.Background(), h.reg, repo, "v1", bin, layout)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	h.attach(t, repo, d, mediatype.CompositionList, mediatype.CompositionList, raw, nil)
	return d
}

// importCase pushes bin (no declared interface) with its own, genuine
// composition list and denyImports wasi:sockets/*: only the import rules
// stand between it and a pass.
func importCase(name, desc, want string, bin []byte) hostileCase {
	return hostileCase{name: name, plugin: "wasm-composition", desc: desc, want: regexp.MustCompile(want),
		config: map[string]any{"denyImports": []string{"wasi:sockets/*"}},
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			return h.pushWithList(t, repo, bin, registrytest.WasmLayout{Format: registrytest.Runwasi}, listOf(t, bin, wasm.DefaultLimits())), nil, nil
		}}
}
