// Package artifact recognises WebAssembly artifacts in OCI registries and
// loads their manifest, config and WASM layers through an oci.Fetcher, so
// every byte is size- and digest-checked. It knows the media types in use
// (CNCF TAG Runtime, wasm-to-oci, Spin, runwasi, wasmCloud, solo-io: the
// table in internal/mediatype); the WASM payload is identified by its 8-byte
// header, never by media type alone. A composition list
// (mediatype.CompositionList) is not WASM but is signed like the artifacts
// it describes: it loads as LayoutCompositionList.
package artifact

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// Layout names the convention an artifact follows; it is reported to policy.
type Layout string

const (
	LayoutCNCF      Layout = "cncf"        // config v0 + single application/wasm layer
	LayoutWasmToOCI Layout = "wasm-to-oci" // legacy config v1 (also `cosign upload wasm`)
	LayoutSpin      Layout = "spin"        // image config + one wasm layer per component
	LayoutRunwasi   Layout = "runwasi"     // image config + component layer
	LayoutWasmCloud Layout = "wasmcloud"   // legacy wash actor archive
	LayoutModuleOCI Layout = "module-oci"  // solo-io / Envoy proxy-wasm
	// LayoutCompositionList is a composition list referrer, not a WASM
	// artifact: only signature verifiers accept it (Request.LoadSignedSubject).
	LayoutCompositionList Layout = "composition-list"
)

// wasmLayerTypes are the layer media types that carry a WASM binary.
var wasmLayerTypes = map[string]bool{
	mediatype.CNCFLayer:      true,
	mediatype.WasmToOCILayer: true,
	mediatype.RunwasiLayer:   true,
	mediatype.ModuleLayer:    true,
}

// DefaultMaxConfigBytes bounds the config blob; WASM configs are a few
// hundred bytes, Spin's image config a few kilobytes.
const DefaultMaxConfigBytes int64 = 1 << 20

// NotWasmError says the subject is a well-formed artifact of another kind.
type NotWasmError struct {
	Ref    string
	Reason string
}

func (e *NotWasmError) Error() string {
	return fmt.Sprintf("subject %s is not a WASM artifact: %s", e.Ref, e.Reason)
}

// Subject is a loaded WASM artifact: its manifest and config, checked.
type Subject struct {
	// Repository is "host/path"; Ref is Repository@digest.
	Repository string
	Ref        string
	Descriptor ocispec.Descriptor
	Manifest   ocispec.Manifest
	Layout     Layout
	// Config is the raw config blob; CNCFConfig is set for LayoutCNCF.
	Config     []byte
	CNCFConfig *CNCFConfig
	// WasmLayers are the layers that carry WASM binaries, in manifest order.
	WasmLayers []ocispec.Descriptor
}

// CNCFConfig is the config of the CNCF TAG Runtime "Wasm OCI Artifact layout".
type CNCFConfig struct {
	Created      string         `json:"created,omitempty"`
	Author       string         `json:"author,omitempty"`
	Architecture string         `json:"architecture"`
	OS           string         `json:"os"`
	LayerDigests []string       `json:"layerDigests,omitempty"`
	Component    *CNCFComponent `json:"component,omitempty"`
}

// CNCFComponent is the declared interface of a component (os wasip2).
type CNCFComponent struct {
	Exports []string `json:"exports,omitempty"`
	Imports []string `json:"imports,omitempty"`
	Target  string   `json:"target,omitempty"`
}

// Options configure Load.
type Options struct {
	MaxConfigBytes int64 // zero means DefaultMaxConfigBytes
}

// Load fetches the manifest desc points to in repository and its config,
// and classifies it. A well-formed non-WASM artifact yields *NotWasmError;
// a malformed WASM artifact (e.g. a CNCF manifest with two layers) an error.
func Load(ctx context.Context, f oci.Fetcher, repository string, desc ocispec.Descriptor, opts Options) (*Subject, error) {
	ref := repository + "@" + desc.Digest.String()
	if desc.MediaType != ocispec.MediaTypeImageManifest && desc.MediaType != mediatype.DockerManifest {
		return nil, &NotWasmError{Ref: ref, Reason: fmt.Sprintf("manifest media type %q is not an image manifest", desc.MediaType)}
	}
	raw, err := f.FetchManifest(ctx, repository, desc)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: invalid JSON: %w", ref, err)
	}
	s := &Subject{Repository: repository, Ref: ref, Descriptor: desc, Manifest: m}
	if err := s.classify(); err != nil {
		return nil, err
	}
	maxConfig := opts.MaxConfigBytes
	if maxConfig <= 0 {
		maxConfig = DefaultMaxConfigBytes
	}
	if m.Config.Size > maxConfig {
		return nil, &oci.TooLargeError{What: "config", Ref: repository + "@" + m.Config.Digest.String(), Size: m.Config.Size, Limit: maxConfig}
	}
	if s.Config, err = f.FetchBlob(ctx, repository, m.Config); err != nil {
		return nil, err
	}
	return s, s.checkConfig()
}

// classify decides the layout from media types alone.
func (s *Subject) classify() error {
	m := s.Manifest
	if m.ArtifactType == mediatype.CompositionList || m.Config.MediaType == mediatype.CompositionList {
		s.Layout = LayoutCompositionList
		return nil
	}
	for _, l := range m.Layers {
		if wasmLayerTypes[l.MediaType] {
			s.WasmLayers = append(s.WasmLayers, l)
		}
	}
	switch m.Config.MediaType {
	case mediatype.CNCFConfig:
		s.Layout = LayoutCNCF
		// The CNCF layout allows exactly one layer: "If a consumer sees more
		// than a single layer for this version of the spec, they should reject it".
		if len(m.Layers) != 1 || m.Layers[0].MediaType != mediatype.CNCFLayer {
			return fmt.Errorf("subject %s: CNCF WASM artifact must have exactly one %s layer, found %d layer(s)", s.Ref, mediatype.CNCFLayer, len(m.Layers))
		}
	case mediatype.WasmToOCIConfig:
		s.Layout = LayoutWasmToOCI
	case mediatype.WasmCloudConfig:
		s.Layout = LayoutWasmCloud
	case mediatype.ModuleConfig:
		s.Layout = LayoutModuleOCI
	case ocispec.MediaTypeImageConfig, mediatype.DockerImageConfig:
		// Spin and runwasi use an ordinary image config with architecture wasm;
		// plain container images land here too and are told apart by layers.
		switch {
		case len(s.WasmLayers) == 0:
			return &NotWasmError{Ref: s.Ref, Reason: "no layer has a WASM media type"}
		case hasLayer(m.Layers, mediatype.SpinLockedApp) || hasLayer(m.Layers, mediatype.WasmToOCILayer):
			s.Layout = LayoutSpin
		default:
			s.Layout = LayoutRunwasi
		}
	default:
		return &NotWasmError{Ref: s.Ref, Reason: fmt.Sprintf("config media type %q is not a WASM config", m.Config.MediaType)}
	}
	if len(s.WasmLayers) == 0 {
		return fmt.Errorf("subject %s: %s artifact has no WASM layer", s.Ref, s.Layout)
	}
	return nil
}

// checkConfig validates the fetched config against the layout.
func (s *Subject) checkConfig() error {
	switch s.Layout {
	case LayoutCNCF:
		var c CNCFConfig
		if err := json.Unmarshal(s.Config, &c); err != nil {
			return fmt.Errorf("subject %s: CNCF config is not valid JSON: %w", s.Ref, err)
		}
		if c.Architecture != "wasm" {
			return fmt.Errorf("subject %s: CNCF config architecture is %q, expected \"wasm\"", s.Ref, c.Architecture)
		}
		if len(c.LayerDigests) > 0 && (len(c.LayerDigests) != 1 || c.LayerDigests[0] != s.WasmLayers[0].Digest.String()) {
			return fmt.Errorf("subject %s: CNCF config layerDigests %v do not match the manifest layer %s", s.Ref, c.LayerDigests, s.WasmLayers[0].Digest)
		}
		s.CNCFConfig = &c
	case LayoutSpin, LayoutRunwasi:
		var c struct {
			Architecture string `json:"architecture"`
		}
		if err := json.Unmarshal(s.Config, &c); err != nil {
			return fmt.Errorf("subject %s: image config is not valid JSON: %w", s.Ref, err)
		}
		if c.Architecture != "wasm" {
			return &NotWasmError{Ref: s.Ref, Reason: fmt.Sprintf("image config architecture is %q, not \"wasm\"", c.Architecture)}
		}
	}
	return nil
}

func hasLayer(layers []ocispec.Descriptor, mediaType string) bool {
	for _, l := range layers {
		if l.MediaType == mediaType {
			return true
		}
	}
	return false
}

var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d}

// FetchWasm fetches the i-th WASM layer and checks that it starts with the
// WASM magic number.
func (s *Subject) FetchWasm(ctx context.Context, f oci.Fetcher, i int) ([]byte, error) {
	if i < 0 || i >= len(s.WasmLayers) {
		return nil, fmt.Errorf("subject %s has no WASM layer %d", s.Ref, i)
	}
	b, err := f.FetchBlob(ctx, s.Repository, s.WasmLayers[i])
	if err != nil {
		return nil, err
	}
	if len(b) < 8 || !bytes.Equal(b[:4], wasmMagic) {
		return nil, fmt.Errorf("subject %s: layer %s (%s) does not start with the WASM magic number", s.Ref, s.WasmLayers[i].Digest, s.WasmLayers[i].MediaType)
	}
	return b, nil
}
