package wasm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Kind is the kind of a WebAssembly binary or part.
type Kind string

// Kinds of binaries.
const (
	KindModule    Kind = "module"
	KindComponent Kind = "component"
)

// Extern kinds reported in [Extern.Kind].
const (
	ExternCoreModule = "core-module"
	ExternFunc       = "func"
	ExternValue      = "value"
	ExternType       = "type"
	ExternComponent  = "component"
	ExternInstance   = "instance"
)

// Part is one binary in the tree: the top level (Parts[0]) or a nested core
// module or component. Offset and Size locate it in the top-level input.
type Part struct {
	Path   string `json:"path"`
	Kind   Kind   `json:"kind"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"` // "sha256:<hex>" of input[Offset:Offset+Size]
	Depth  int    `json:"depth"`  // 0 for the top level
}

// Extern is a top-level import or export of a component.
type Extern struct {
	Name string `json:"name"`
	// Kind is one of core-module, func, value, type, component, instance.
	Kind string `json:"kind"`
	// Implements is the interface named by an `implements` attribute.
	Implements string `json:"implements,omitempty"`
	// VersionSuffix is the `versionsuffix` attribute (e.g. ".6" for a name
	// carrying the canonical version "@0.2").
	VersionSuffix string `json:"versionSuffix,omitempty"`
	// ExternalID is the free-form `external-id` attribute.
	ExternalID string `json:"externalId,omitempty"`
	// Interface is the effective interface: Implements if set, otherwise the
	// name if it is interface-shaped (ns:pkg/iface[@version]) with
	// VersionSuffix folded back into a full version. Empty for plain names
	// without `implements`.
	Interface string `json:"interface,omitempty"`
	// HostCode is set on imports of kind core-module or component, and on
	// instance imports whose type exports a core module or a component at
	// any depth (or cannot be resolved): code the host supplies that is not
	// in the artifact.
	HostCode bool `json:"hostCode,omitempty"`
	// HostCodeVia says, for an instance import, why it is host code
	// (`exports core module "helper"`).
	HostCodeVia string `json:"hostCodeVia,omitempty"`
}

// CustomSection is a custom section (id 0) anywhere in the tree. Offset and
// Size cover the section payload (name included) in the top-level input.
type CustomSection struct {
	Part   string `json:"part"`
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
}

// Binary is the result of [Parse].
type Binary struct {
	Kind   Kind   `json:"kind"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
	// Parts lists every part in binary order, parents before children;
	// Parts[0] is the top level.
	Parts []Part `json:"parts"`
	// Imports and Exports of the top-level component (empty for a core
	// module).
	Imports        []Extern        `json:"imports"`
	Exports        []Extern        `json:"exports"`
	CustomSections []CustomSection `json:"customSections"`
}

// ParseError reports where and why a binary was rejected. Offset is relative
// to the start of the top-level input; Part is the path of the part being
// walked ("" when the top-level preamble itself is bad).
type ParseError struct {
	Part   string `json:"part"`
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
}

// Error returns a single line such as
// "wasm: component/module/1 at offset 0x4d2: unexpected end-of-file".
func (e *ParseError) Error() string {
	if e.Part == "" {
		return fmt.Sprintf("wasm: at offset 0x%x: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("wasm: %s at offset 0x%x: %s", shortPart(e.Part), e.Offset, e.Reason)
}

// maxPartInError bounds the part path in Error: a hostile binary nests
// parts deeply, and a path of thousands of characters would push the
// reason out of one-line messages (the plugins cap them at 1 KiB).
const maxPartInError = 160

func shortPart(p string) string {
	if len(p) <= maxPartInError {
		return p
	}
	const keep = maxPartInError / 2
	return p[:keep] + "…" + p[len(p)-keep:]
}

// Limits bound the work and memory a (possibly hostile) binary can demand.
// A field that is zero or negative selects its value from [DefaultLimits].
type Limits struct {
	// MaxInputSize is the largest accepted input, in bytes.
	MaxInputSize int64
	// MaxDepth is the deepest nesting of parts; the top level is depth 0.
	MaxDepth int
	// MaxParts is the total number of parts, the top level included.
	MaxParts int
	// MaxModules is the number of core module sections per component.
	MaxModules int
	// MaxComponents is the number of component sections per component.
	MaxComponents int
	// MaxNameLength is the longest name or string, in bytes.
	MaxNameLength int
	// MaxImports and MaxExports bound the imports and exports declared by
	// one component (summed over its import or export sections).
	MaxImports int
	MaxExports int
	// MaxTypeNesting bounds how deeply component and instance types nest
	// inside each other's declarations.
	MaxTypeNesting int
	// MaxCustomSections is the total number of custom sections reported
	// (a 3-byte custom section would otherwise cost a ~100-byte record).
	MaxCustomSections int
	// MaxTypes bounds the type definitions tracked in the top-level
	// component (its index space and those of its type declarations).
	MaxTypes int
	// MaxHashFactor and MinHashBudget bound the bytes hashed: every part
	// is hashed over its whole range, so a part nested k deep is read k+1
	// times. The sum of all part sizes may not exceed
	// max(MaxHashFactor × input size, MinHashBudget).
	MaxHashFactor int
	MinHashBudget int64
}

// DefaultLimits returns the limits used for zero fields of [Limits].
func DefaultLimits() Limits {
	return Limits{
		MaxInputSize:      1 << 30,
		MaxDepth:          64,
		MaxParts:          10_000,
		MaxModules:        1_000,
		MaxComponents:     1_000,
		MaxNameLength:     100_000,
		MaxImports:        1_000_000,
		MaxExports:        1_000_000,
		MaxTypeNesting:    100,
		MaxCustomSections: 100_000,
		MaxTypes:          1_000_000,
		MaxHashFactor:     10,
		MinHashBudget:     16 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxInputSize <= 0 {
		l.MaxInputSize = d.MaxInputSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxModules <= 0 {
		l.MaxModules = d.MaxModules
	}
	if l.MaxComponents <= 0 {
		l.MaxComponents = d.MaxComponents
	}
	if l.MaxNameLength <= 0 {
		l.MaxNameLength = d.MaxNameLength
	}
	if l.MaxImports <= 0 {
		l.MaxImports = d.MaxImports
	}
	if l.MaxExports <= 0 {
		l.MaxExports = d.MaxExports
	}
	if l.MaxTypeNesting <= 0 {
		l.MaxTypeNesting = d.MaxTypeNesting
	}
	if l.MaxCustomSections <= 0 {
		l.MaxCustomSections = d.MaxCustomSections
	}
	if l.MaxTypes <= 0 {
		l.MaxTypes = d.MaxTypes
	}
	if l.MaxHashFactor <= 0 {
		l.MaxHashFactor = d.MaxHashFactor
	}
	if l.MinHashBudget <= 0 {
		l.MinHashBudget = d.MinHashBudget
	}
	return l
}

// magic is the 4-byte magic shared by modules and components.
var magic = [4]byte{0x00, 0x61, 0x73, 0x6d}

// preambles is the explicit set of accepted (version, layer) pairs, read as
// two little-endian u16 after the magic. Accepting the standardized
// component version later is a one-line addition: {0x01, 0x01, KindComponent}.
var preambles = []struct {
	version, layer uint16
	kind           Kind
}{
	{0x01, 0x00, KindModule},    // 01 00 00 00: core module
	{0x0d, 0x01, KindComponent}, // 0d 00 01 00: pre-standard component
}

// Sniff identifies a binary from its first 8 bytes.
func Sniff(b []byte) (Kind, error) {
	lim := DefaultLimits()
	r := reader{buf: b, end: len(b), lim: &lim}
	k := r.preamble()
	if r.err != nil {
		return "", r.err
	}
	return k, nil
}

// preamble reads and checks the 8-byte preamble at the reader's position.
func (r *reader) preamble() Kind {
	start := r.pos
	if r.end-r.pos < 8 {
		r.pos = r.end
		r.failAt(start, "unexpected end-of-file")
		return ""
	}
	h := r.buf[r.pos : r.pos+8]
	if [4]byte(h[:4]) != magic {
		r.failAt(start, "magic header not detected: bad magic number")
		return ""
	}
	version := uint16(h[4]) | uint16(h[5])<<8
	layer := uint16(h[6]) | uint16(h[7])<<8
	for _, p := range preambles {
		if p.version == version && p.layer == layer {
			r.pos += 8
			return p.kind
		}
	}
	r.failAt(start+4, "unknown binary version")
	return ""
}

// Parse walks b and returns its parts, top-level externs and custom
// sections. Every rejection is a [*ParseError].
func Parse(b []byte, lim Limits) (*Binary, error) {
	out, err := walk(b, lim)
	if err != nil {
		return nil, err
	}
	hashParts(b, out, "")
	return out, nil
}

// ParseVerified is Parse for bytes whose sha256 digest the caller has
// already checked (a registry blob read against its descriptor): the
// top-level part takes that digest instead of being hashed a second time,
// so every byte is hashed once. A digest that is not "sha256:<64 hex>" is
// ignored and the bytes are hashed.
func ParseVerified(b []byte, lim Limits, verified string) (*Binary, error) {
	out, err := walk(b, lim)
	if err != nil {
		return nil, err
	}
	if !isSHA256(verified) {
		verified = ""
	}
	hashParts(b, out, verified)
	return out, nil
}

func isSHA256(d string) bool {
	hexPart, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hexPart) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil && strings.ToLower(hexPart) == hexPart
}

// walk parses b without hashing.
func walk(b []byte, lim Limits) (*Binary, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxInputSize {
		return nil, &ParseError{Offset: 0, Reason: fmt.Sprintf(
			"input size %d exceeds limit MaxInputSize (%d)", len(b), lim.MaxInputSize)}
	}
	p := &parser{lim: lim, out: &Binary{
		Size:           int64(len(b)),
		Imports:        []Extern{},
		Exports:        []Extern{},
		CustomSections: []CustomSection{},
	}}
	r := reader{buf: b, end: len(b), lim: &p.lim}
	kind := r.preamble()
	if r.err != nil {
		return nil, r.err
	}
	p.out.Kind = kind
	path := string(kind)
	p.out.Parts = append(p.out.Parts, Part{Path: path, Kind: kind, Offset: 0, Size: int64(len(b))})
	r.part = path
	if kind == KindModule {
		p.module(&r, path)
	} else {
		p.component(&r, path, 0)
	}
	if r.err != nil {
		return nil, r.err
	}
	var hashed int64
	for _, pt := range p.out.Parts {
		hashed += pt.Size
	}
	if budget := max(int64(lim.MaxHashFactor)*int64(len(b)), lim.MinHashBudget); hashed > budget {
		return nil, &ParseError{Part: path, Offset: 0, Reason: fmt.Sprintf(
			"hashing every nested part would read %d bytes, more than the budget of %d (MaxHashFactor %d × input size %d, at least MinHashBudget %d): parts are nested too deeply for their size",
			hashed, budget, lim.MaxHashFactor, len(b), lim.MinHashBudget)}
	}
	return p.out, nil
}

// hashParts sets each part's digest, hashing its range of b once, in place;
// top, when set, is the verified digest of the whole input (part 0).
func hashParts(b []byte, out *Binary, top string) {
	hexbuf := make([]byte, 7+2*sha256.Size)
	copy(hexbuf, "sha256:")
	for i := range out.Parts {
		pt := &out.Parts[i]
		if i == 0 && top != "" {
			pt.Digest = top
			continue
		}
		sum := sha256.Sum256(b[pt.Offset : pt.Offset+pt.Size])
		hex.Encode(hexbuf[7:], sum[:])
		pt.Digest = string(hexbuf)
	}
	out.Digest = out.Parts[0].Digest
}

// parser holds the state shared by the whole walk.
type parser struct {
	lim Limits
	out *Binary
}

// nested handles a section-1 or section-4 payload: it records the part,
// checks the nested preamble and walks it. r is bounded to the payload.
func (p *parser) nested(r *reader, parent string, want Kind, index, depth int) {
	start := r.pos
	size := r.end - r.pos
	path := parent + "/" + string(want) + "/" + strconv.Itoa(index)
	if depth > p.lim.MaxDepth {
		r.failAt(start, "nesting depth %d exceeds limit MaxDepth (%d)", depth, p.lim.MaxDepth)
		return
	}
	if len(p.out.Parts) >= p.lim.MaxParts {
		r.failAt(start, "part count exceeds limit MaxParts (%d)", p.lim.MaxParts)
		return
	}
	r.part = path
	kind := r.preamble()
	if r.err != nil {
		return
	}
	if kind != want {
		r.failAt(start+4, "expected a version header for a %s", want)
		return
	}
	p.out.Parts = append(p.out.Parts, Part{Path: path, Kind: kind, Offset: int64(start), Size: int64(size), Depth: depth})
	if kind == KindModule {
		p.module(r, path)
	} else {
		p.component(r, path, depth)
	}
}

// custom decodes a custom section payload (r bounded to it) and records it.
func (p *parser) custom(r *reader, path string) {
	start := r.pos
	if len(p.out.CustomSections) >= p.lim.MaxCustomSections {
		r.failAt(start, "custom section count exceeds limit MaxCustomSections (%d)", p.lim.MaxCustomSections)
		return
	}
	name := r.name()
	if r.err != nil {
		return
	}
	p.out.CustomSections = append(p.out.CustomSections, CustomSection{
		Part: path, Name: string(name), Offset: int64(start), Size: int64(r.end - start),
	})
	r.pos = r.end
}
