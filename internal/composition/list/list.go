// Package list is the composition list format: what a WebAssembly binary is
// built from.
//
// A composition list (media and artifact type
// application/vnd.ratify-wasm.composition.v1+json, JSON Schema in
// ../schema/composition.v1.schema.json) records the digest of one WASM
// layer, every nested core module and component in it (path, kind, size,
// sha256) and the component's top-level imports and exports. It is produced
// from the final built artifact (FromBinary), attached to the artifact as an
// OCI referrer (Attach) and signed like any other referrer, so a verifier
// can tell a known-good build from one whose transitive parts or capability
// surface changed; Compare says what differs between two lists.
package list

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/schema"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/version"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// MaxBytes bounds a composition list. The parser allows 10,000 parts of
// about 150 bytes each; imports and exports are a few hundred at most.
const MaxBytes int64 = 8 << 20

// List is a composition list (../schema/composition.v1.schema.json).
type List struct {
	MediaType string    `json:"mediaType"`
	Layer     Layer     `json:"layer"`
	Parts     []Part    `json:"parts"`
	Imports   []Extern  `json:"imports"`
	Exports   []Extern  `json:"exports"`
	Generator Generator `json:"generator"`
}

// Layer identifies the whole binary: its sha256 is the OCI layer digest.
type Layer struct {
	Digest string    `json:"digest"`
	Size   int64     `json:"size"`
	Kind   wasm.Kind `json:"kind"`
}

// Part is one nested core module or component.
type Part struct {
	Path   string    `json:"path"`
	Kind   wasm.Kind `json:"kind"`
	Size   int64     `json:"size"`
	Digest string    `json:"digest"`
}

// Extern is a top-level import or export. The fields follow the component
// binary's name attributes; Interface is what policies match on.
type Extern struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Implements    string `json:"implements,omitempty"`
	VersionSuffix string `json:"versionSuffix,omitempty"`
	ExternalID    string `json:"externalId,omitempty"`
	Interface     string `json:"interface,omitempty"`
	HostCode      bool   `json:"hostCode,omitempty"`
}

// Generator names the tool that wrote a list.
type Generator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ThisGenerator is this program, "ratify-wasm", at its release version
// (internal/version: linked in by the Makefile, "(devel)" otherwise).
func ThisGenerator() Generator {
	return Generator{Name: "ratify-wasm", Version: version.Version}
}

// FromBinary writes the composition list of a parsed binary.
func FromBinary(bin *wasm.Binary, gen Generator) *List {
	l := &List{
		MediaType: mediatype.CompositionList,
		Layer:     Layer{Digest: bin.Digest, Size: bin.Size, Kind: bin.Kind},
		Parts:     []Part{},
		Imports:   externs(bin.Imports),
		Exports:   externs(bin.Exports),
		Generator: gen,
	}
	for _, p := range bin.Parts {
		if p.Depth == 0 {
			continue // the layer itself
		}
		l.Parts = append(l.Parts, Part{Path: p.Path, Kind: p.Kind, Size: p.Size, Digest: p.Digest})
	}
	return l
}

func externs(in []wasm.Extern) []Extern {
	out := make([]Extern, 0, len(in))
	for _, e := range in {
		out = append(out, Extern{
			Name: e.Name, Kind: e.Kind, Implements: e.Implements, VersionSuffix: e.VersionSuffix,
			ExternalID: e.ExternalID, Interface: e.Interface, HostCode: e.HostCode,
		})
	}
	return out
}

// Encode writes l as indented JSON with a trailing newline. The output is
// deterministic: the same binary and generator give the same bytes.
func (l *List) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Decode reads a composition list: at most MaxBytes, valid against the
// published schema, and internally consistent (unique paths, every part's
// parent listed before it, kinds agreeing with paths).
func Decode(raw []byte) (*List, error) {
	if int64(len(raw)) > MaxBytes {
		return nil, fmt.Errorf("composition list is %d bytes, more than the limit of %d", len(raw), MaxBytes)
	}
	if err := schema.Validate(schema.ListFile, raw); err != nil {
		return nil, fmt.Errorf("composition list %w", err)
	}
	var l List
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("composition list: %w", err)
	}
	if err := l.check(); err != nil {
		return nil, fmt.Errorf("composition list: %w", err)
	}
	return &l, nil
}

// check enforces what the schema cannot express.
func (l *List) check() error {
	if l.Layer.Kind == wasm.KindModule && (len(l.Parts) > 0 || len(l.Imports) > 0 || len(l.Exports) > 0) {
		return fmt.Errorf("layer %s is a core module, which has no nested parts, imports or exports", l.Layer.Digest)
	}
	seen := map[string]bool{string(l.Layer.Kind): true}
	for _, p := range l.Parts {
		if seen[p.Path] {
			return fmt.Errorf("part %s is listed twice", p.Path)
		}
		parent, kind := splitPath(p.Path)
		if !seen[parent] {
			return fmt.Errorf("part %s is listed before its parent %s, or the parent is missing", p.Path, parent)
		}
		if kind != string(p.Kind) {
			return fmt.Errorf("part %s has kind %q; its path says %q", p.Path, p.Kind, kind)
		}
		if p.Size >= l.Layer.Size {
			return fmt.Errorf("part %s (%d bytes) is not smaller than the layer (%d bytes)", p.Path, p.Size, l.Layer.Size)
		}
		seen[p.Path] = true
	}
	return nil
}

// splitPath splits "a/b/component/1" into "a/b" and "component".
func splitPath(path string) (parent, kind string) {
	i := strings.LastIndexByte(path, '/')
	j := strings.LastIndexByte(path[:i], '/')
	return path[:j], path[j+1 : i]
}
