// Command wasm-smoke is a minimal verifier built on the plugin runtime, used
// by the runtime's tests: it loads the WASM subject, fetches and parses its
// WASM layer and reports what it found. With "require": "component" it fails
// for core modules, so tests can observe both outcomes through Ratify.
package main

import (
	"context"
	"fmt"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

type config struct {
	Require string `json:"require"`
	// Sleep makes Verify wait, to exercise the deadline.
	Sleep plugin.Duration `json:"sleep"`
	Panic bool            `json:"panic"`
}

// checkKind is this test plugin's own check, outside the plugins' vocabulary.
const checkKind failure.Check = "kind"

func verify(ctx context.Context, req *plugin.Request, cfg *config) (plugin.Report, error) {
	if cfg.Panic {
		var m map[string]int
		m["boom"]++ // a nil-map write: the runtime must turn it into a failed result
	}
	if cfg.Sleep > 0 {
		<-ctx.Done() // honours ctx; the runtime reports the deadline
	}
	s, err := req.LoadWasmSubject(ctx)
	if err != nil {
		return plugin.Report{}, err
	}
	b, err := s.FetchWasm(ctx, req.Registry, 0)
	if err != nil {
		return plugin.Report{}, failure.New(failure.Layer, "%w", err)
	}
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		return plugin.Report{}, failure.New(failure.Parse, "%s: %w", s.Ref, err)
	}
	ext := map[string]any{"layout": string(s.Layout), "kind": string(bin.Kind), "parts": len(bin.Parts), "digest": bin.Digest}
	if cfg.Require != "" && string(bin.Kind) != cfg.Require {
		return plugin.Report{Extensions: ext}, failure.New(checkKind, "%s is a %s, expected a %s", s.Ref, bin.Kind, cfg.Require)
	}
	return plugin.Report{Message: fmt.Sprintf("%s: %s with %d parts", s.Ref, bin.Kind, len(bin.Parts)), Extensions: ext}, nil
}

func main() {
	plugin.Main(plugin.Definition[config]{
		Name:      "wasm-smoke",
		NewConfig: func() *config { return &config{} },
		Verify:    verify,
	})
}
