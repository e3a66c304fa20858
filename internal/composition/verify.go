package composition

import (
	"context"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/policy"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Plugin is the wasm-composition verifier.
var Plugin = plugin.Definition[Config]{
	Name:      "wasm-composition",
	NewConfig: NewConfig,
	Verify:    verify,
}

// Extension keys; documented in plugins/wasm-composition/README.md.
const (
	ExtLayerDigest        = "layerDigest"
	ExtLayerDigests       = "layerDigests"
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

// maxWasmLayers bounds the WASM layers of one subject: each is fetched and
// parsed, and layerDigests lists them all (about 75 bytes each).
const maxWasmLayers = 100

func verify(ctx context.Context, req *plugin.Request, cfg *Config) (plugin.Report, error) {
	listRef := req.Repository() + "@" + req.Referrer.Digest.String()
	listed, err := fetchList(ctx, req, listRef)
	if err != nil {
		return plugin.Report{}, err
	}
	subject, err := req.LoadWasmSubject(ctx)
	if err != nil {
		return plugin.Report{}, err
	}
	if n := len(subject.WasmLayers); n > maxWasmLayers {
		return plugin.Report{}, failure.New(failure.Layer, "%s has %d WASM layers, more than the %d this verifier checks (every layer must be checked and reported in layerDigests)", subject.Ref, n, maxWasmLayers)
	}
	described, err := pickLayer(subject.WasmLayers, listed, subject.Ref)
	if err != nil {
		return plugin.Report{}, err
	}
	var declared *policy.Declared
	if c := subject.CNCFConfig; c != nil && c.Component != nil {
		declared = &policy.Declared{Imports: c.Component.Imports, Exports: c.Component.Exports}
	}
	// Every WASM layer is checked, the described one first; a layer whose
	// digest repeats one already checked is the same bytes.
	order := []int{described}
	for i := range subject.WasmLayers {
		if i != described {
			order = append(order, i)
		}
	}
	checked := map[string]bool{}
	var out *policy.Outcome
	for _, i := range order {
		d := subject.WasmLayers[i].Digest.String()
		if checked[d] {
			continue
		}
		checked[d] = true
		found, err := parseLayer(ctx, req, subject, i)
		if err != nil {
			return plugin.Report{}, err
		}
		if i == described {
			out = cfg.policy.Verify(listed, found, declared)
		} else {
			merge(out, cfg.policy.VerifyUndescribed(listed, found))
		}
	}
	req.Log.Debugf("composition: %s: %d WASM layer(s), %d parts (%d via allowlist), %d unknown, %d violations",
		subject.Ref, len(checked), out.PartCount, out.KnownByAllowlist, len(out.UnknownParts), len(out.Violations))
	ext := extensions(out)
	ext[ExtLayerDigests] = layerDigests(subject.WasmLayers)
	if !out.OK() {
		details := make([]string, len(out.Violations))
		for j, v := range out.Violations {
			details[j] = v.Detail
			if j > 0 {
				details[j] = string(v.Check) + ": " + v.Detail
			}
		}
		return plugin.Report{Extensions: ext}, failure.New(out.Violations[0].Check, "%s checked against composition list %s: %s",
			subject.Ref, listRef, strings.Join(details, "; "))
	}
	return plugin.Report{Message: fmt.Sprintf("%s matches composition list %s: layer %s (%d WASM layer(s) checked), %d nested parts known (%d via allowlist), %d imports allowed, declared interface %s",
		subject.Ref, listRef, out.Layer.Digest, len(checked), out.PartCount, out.KnownByAllowlist, len(out.Imports), out.DeclaredInterface), Extensions: ext}, nil
}

// parseLayer fetches and parses WASM layer i of subject, or takes what
// this process already found in the same layer (parsed).
func parseLayer(ctx context.Context, req *plugin.Request, subject *artifact.Subject, i int) (*list.List, error) {
	remember := plugin.Remembering()
	if remember {
		if found, ok := parsed.Get(keyOf(subject.WasmLayers[i])); ok {
			return found, nil
		}
	}
	b, err := subject.FetchWasm(ctx, req.Registry, i)
	if err != nil {
		return nil, failure.New(failure.Subject, "%w", err)
	}
	// FetchWasm checked the bytes against the layer digest: the parser
	// need not hash the whole layer again.
	bin, err := wasm.ParseVerified(b, wasm.DefaultLimits(), subject.WasmLayers[i].Digest.String())
	if err != nil {
		return nil, failure.New(failure.Parse, "layer %s of %s is not a well-formed WebAssembly binary: %w", subject.WasmLayers[i].Digest, subject.Ref, err)
	}
	found := list.FromBinary(bin, list.ThisGenerator())
	if remember {
		parsed.Put(keyOf(subject.WasmLayers[i]), found)
	}
	return found, nil
}

// merge adds the findings of an undescribed layer to the outcome of the
// described one; counts and imports stay those of the described layer.
func merge(out, other *policy.Outcome) {
	out.UnknownParts = append(out.UnknownParts, other.UnknownParts...)
	out.Capabilities.Denied = append(out.Capabilities.Denied, other.Capabilities.Denied...)
	out.Violations = append(out.Violations, other.Violations...)
}

func layerDigests(layers []ocispec.Descriptor) []string {
	out := make([]string, len(layers))
	for i, l := range layers {
		out[i] = l.Digest.String()
	}
	return out
}

// fetchList fetches the referrer manifest (digest-checked, attached to this
// subject) and its one composition-list layer, and decodes it.
func fetchList(ctx context.Context, req *plugin.Request, listRef string) (*list.List, error) {
	fail := func(check failure.Check, format string, args ...any) (*list.List, error) {
		return nil, failure.New(check, format, args...)
	}
	ref, err := req.FetchReferrer(ctx)
	if err != nil {
		return fail(failure.Referrer, "cannot read composition list %s: %w", listRef, err)
	}
	if at := ref.ArtifactType(); at != mediatype.CompositionList {
		return fail(failure.Referrer, "referrer %s has artifact type %q; this verifier reads composition lists (%s): set its artifactTypes to that type only", listRef, at, mediatype.CompositionList)
	}
	var layers []ocispec.Descriptor
	for _, l := range ref.Manifest.Layers {
		if l.MediaType == mediatype.CompositionList {
			layers = append(layers, l)
		}
	}
	if len(layers) != 1 {
		return fail(failure.Referrer, "composition list %s has %d layers of media type %s; expected exactly one", listRef, len(layers), mediatype.CompositionList)
	}
	if layers[0].Size > list.MaxBytes {
		return fail(failure.List, "composition list %s is %d bytes, more than the limit of %d", listRef, layers[0].Size, list.MaxBytes)
	}
	raw, err := req.Registry.FetchBlob(ctx, req.Repository(), layers[0])
	if err != nil {
		return fail(failure.Referrer, "cannot read composition list %s: %w", listRef, err)
	}
	l, err := list.Decode(raw)
	if err != nil {
		return fail(failure.List, "%s: %w", listRef, err)
	}
	return l, nil
}

// pickLayer returns the WASM layer the list describes. A single-layer
// artifact is compared even when the digest differs, so the outcome can say
// which parts changed.
func pickLayer(layers []ocispec.Descriptor, listed *list.List, subjectRef string) (int, error) {
	for i, l := range layers {
		if l.Digest.String() == listed.Layer.Digest {
			return i, nil
		}
	}
	if len(layers) == 1 {
		return 0, nil
	}
	return 0, failure.New(failure.Layer, "the composition list describes layer %s, which is none of the %d WASM layers of %s (%s)",
		listed.Layer.Digest, len(layers), subjectRef, strings.Join(layerDigests(layers), ", "))
}

func extensions(o *policy.Outcome) map[string]any {
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
