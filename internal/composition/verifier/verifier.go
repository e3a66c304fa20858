// Package verifier is the wasm-composition Ratify verifier: run for a
// composition-list referrer, it checks the subject's WASM layer against the
// list, the allowlist and the capability policy (package composition).
package verifier

import (
	"context"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Plugin is the wasm-composition verifier.
var Plugin = plugin.Definition[Config]{
	Name:      "wasm-composition",
	Version:   "1.0.0",
	NewConfig: NewConfig,
	Verify:    verify,
}

// Checks (the "failedCheck" extension) besides composition's (parts, layer,
// list, imports, exports, declaredInterface) and the runtime's (config,
// deadline, internal, subject, referrer).
const (
	// CheckParse: the WASM layer is not a well-formed binary.
	CheckParse = "parse"
)

// Extension keys; documented in plugins/wasm-composition/README.md.
const (
	ExtLayerDigest        = "layerDigest"
	ExtPartCount          = "partCount"
	ExtPartsFromAllowlist = "partsFromAllowlist"
	ExtUnknownParts       = "unknownParts"
	ExtUnknownPartCount   = "unknownPartCount"
	ExtImports            = "imports"
	ExtDeniedImports      = "deniedImports"
	ExtMissingExports     = "missingExports"
	ExtDeclaredInterface  = "declaredInterface"
)

// maxUnknownParts caps the unknownParts extension; unknownPartCount has
// the total. Ratify drops result lines over 64 KiB.
const maxUnknownParts = 100

func verify(ctx context.Context, req *plugin.Request, cfg *Config) plugin.Result {
	listRef := req.Repository() + "@" + req.Referrer.Digest.String()
	listed, res := fetchList(ctx, req, listRef)
	if res != nil {
		return *res
	}
	subject, res := req.LoadWasmSubject(ctx)
	if res != nil {
		return *res
	}
	i, res := pickLayer(subject.WasmLayers, listed, subject.Ref)
	if res != nil {
		return *res
	}
	b, err := subject.FetchWasm(ctx, req.Registry, i)
	if err != nil {
		return plugin.Fail(plugin.CheckSubject, "%v", err)
	}
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		return plugin.Fail(CheckParse, "layer %s of %s is not a well-formed WebAssembly binary: %v", subject.WasmLayers[i].Digest, subject.Ref, err)
	}
	found := composition.FromBinary(bin, composition.ThisGenerator())
	var declared *composition.Declared
	if c := subject.CNCFConfig; c != nil && c.Component != nil {
		declared = &composition.Declared{Imports: c.Component.Imports, Exports: c.Component.Exports}
	}
	out := cfg.policy.Verify(listed, found, declared)
	req.Log.Debugf("composition: %s: %d parts (%d via allowlist), %d unknown, %d violations",
		subject.Ref, out.PartCount, out.KnownByAllowlist, len(out.UnknownParts), len(out.Violations))
	ext := extensions(out)
	if !out.OK() {
		details := make([]string, len(out.Violations))
		for j, v := range out.Violations {
			details[j] = v.Detail
			if j > 0 {
				details[j] = v.Check + ": " + v.Detail
			}
		}
		return plugin.FailWith(out.Violations[0].Check, ext, "%s checked against composition list %s: %s",
			subject.Ref, listRef, strings.Join(details, "; "))
	}
	return plugin.Pass(fmt.Sprintf("%s matches composition list %s: layer %s, %d nested parts known (%d via allowlist), %d imports allowed, declared interface %s",
		subject.Ref, listRef, out.Layer.Digest, out.PartCount, out.KnownByAllowlist, len(out.Imports), out.DeclaredInterface), ext)
}

// fetchList fetches the referrer manifest (digest-checked, attached to this
// subject) and its one composition-list layer, and decodes it.
func fetchList(ctx context.Context, req *plugin.Request, listRef string) (*composition.List, *plugin.Result) {
	fail := func(check, format string, args ...any) (*composition.List, *plugin.Result) {
		r := plugin.Fail(check, format, args...)
		return nil, &r
	}
	ref, err := req.FetchReferrer(ctx)
	if err != nil {
		return fail(plugin.CheckReferrer, "cannot read composition list %s: %v", listRef, err)
	}
	if at := ref.ArtifactType(); at != composition.MediaType {
		return fail(plugin.CheckReferrer, "referrer %s has artifact type %q; this verifier reads composition lists (%s): set its artifactTypes to that type only", listRef, at, composition.MediaType)
	}
	var layers []ocispec.Descriptor
	for _, l := range ref.Manifest.Layers {
		if l.MediaType == composition.MediaType {
			layers = append(layers, l)
		}
	}
	if len(layers) != 1 {
		return fail(plugin.CheckReferrer, "composition list %s has %d layers of media type %s; expected exactly one", listRef, len(layers), composition.MediaType)
	}
	if layers[0].Size > composition.MaxListBytes {
		return fail(composition.CheckList, "composition list %s is %d bytes, more than the limit of %d", listRef, layers[0].Size, composition.MaxListBytes)
	}
	raw, err := req.Registry.FetchBlob(ctx, req.Repository(), layers[0])
	if err != nil {
		return fail(plugin.CheckReferrer, "cannot read composition list %s: %v", listRef, err)
	}
	l, err := composition.Decode(raw)
	if err != nil {
		return fail(composition.CheckList, "%s: %v", listRef, err)
	}
	return l, nil
}

// pickLayer returns the WASM layer the list describes. A single-layer
// artifact is compared even when the digest differs, so the outcome can say
// which parts changed.
func pickLayer(layers []ocispec.Descriptor, listed *composition.List, subjectRef string) (int, *plugin.Result) {
	for i, l := range layers {
		if l.Digest.String() == listed.Layer.Digest {
			return i, nil
		}
	}
	if len(layers) == 1 {
		return 0, nil
	}
	digests := make([]string, len(layers))
	for i, l := range layers {
		digests[i] = l.Digest.String()
	}
	r := plugin.Fail(composition.CheckLayer, "the composition list describes layer %s, which is none of the %d WASM layers of %s (%s)",
		listed.Layer.Digest, len(layers), subjectRef, strings.Join(digests, ", "))
	return 0, &r
}

func extensions(o *composition.Outcome) map[string]any {
	unknown := o.UnknownParts
	if len(unknown) > maxUnknownParts {
		unknown = unknown[:maxUnknownParts]
	}
	return map[string]any{
		ExtLayerDigest:        o.Layer.Digest,
		ExtPartCount:          o.PartCount,
		ExtPartsFromAllowlist: o.KnownByAllowlist,
		ExtUnknownParts:       unknown,
		ExtUnknownPartCount:   len(o.UnknownParts),
		ExtImports:            o.Imports,
		ExtDeniedImports:      o.Capabilities.Denied,
		ExtMissingExports:     o.Capabilities.MissingExports,
		ExtDeclaredInterface:  o.DeclaredInterface,
	}
}
