package registrytest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// FixedCreated is the timestamp written where a layout or oras.PackManifest
// wants a creation time, so pushes are reproducible (same input, same digest).
const FixedCreated = "2025-01-01T00:00:00Z"

var specsVersioned = specs.Versioned{SchemaVersion: 2}

// Format selects the producer whose manifest shape PushWasm imitates.
type Format int

const (
	// CNCF TAG Runtime "Wasm OCI Artifact layout": config
	// application/vnd.wasm.config.v0+json (architecture wasm, os
	// wasip1/wasip2, layerDigests, component), one application/wasm layer,
	// no artifactType.
	CNCF Format = iota
	// WasmToOCI is engineerd/wasm-to-oci and `cosign upload wasm`: config
	// application/vnd.wasm.config.v1+json "{}", layer
	// application/vnd.wasm.content.layer.v1+wasm.
	WasmToOCI
	// Spin: OCI image config (architecture wasm, os wasip1), layer
	// application/vnd.wasm.content.layer.v1+wasm. (Real Spin pushes also
	// carry a locked-app layer; add it with ExtraLayers if needed.)
	Spin
	// Runwasi is containerd/runwasi oci-tar-builder: OCI image config
	// (architecture wasm, os wasip1), layer
	// application/vnd.bytecodealliance.wasm.component.layer.v0+wasm.
	Runwasi
	// WasmCloudLegacy is pre-standard wash: config
	// application/vnd.wasmcloud.actor.archive.config "{}", layer
	// application/vnd.module.wasm.content.layer.v1+wasm.
	WasmCloudLegacy
	// ContainerImage is a plain linux/amd64 OCI image: one tar+gzip layer
	// holding a file "payload" (the wasm bytes, or "hello\n" if nil). It is a
	// non-WASM subject.
	ContainerImage
)

func (f Format) String() string {
	switch f {
	case CNCF:
		return "cncf"
	case WasmToOCI:
		return "wasm-to-oci"
	case Spin:
		return "spin"
	case Runwasi:
		return "runwasi"
	case WasmCloudLegacy:
		return "wasmcloud-legacy"
	case ContainerImage:
		return "container-image"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Formats lists every Format, for table tests.
var Formats = []Format{CNCF, WasmToOCI, Spin, Runwasi, WasmCloudLegacy, ContainerImage}

// DeclaredLayout is the CNCF layout whose config declares the binary's
// real imports and exports, as oci-wasm writes it.
func DeclaredLayout(b []byte) (WasmLayout, error) {
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		return WasmLayout{}, err
	}
	var l WasmLayout
	for _, e := range bin.Imports {
		l.Imports = append(l.Imports, e.Name)
	}
	for _, e := range bin.Exports {
		l.Exports = append(l.Exports, e.Name)
	}
	return l, nil
}

// WasmLayout describes the manifest PushWasm writes. The zero value is the
// CNCF layout.
type WasmLayout struct {
	Format Format

	// OS overrides the config "os" of CNCF, Spin and Runwasi. By default CNCF
	// uses wasip2 for a component and wasip1 otherwise (from the 8-byte
	// header); Spin and Runwasi use wasip1.
	OS string
	// Imports, Exports and Target fill the CNCF config "component" object,
	// which is written when os is wasip2 (nil slices become []).
	Imports, Exports []string
	Target           string

	// Config replaces the generated config bytes verbatim.
	Config []byte
	// ConfigMediaType replaces the config media type.
	ConfigMediaType string
	// LayerMediaType replaces the media type of the wasm layer.
	LayerMediaType string
	// LayerAnnotations are set on the wasm layer descriptor, e.g.
	// org.opencontainers.image.title.
	LayerAnnotations map[string]string
	// ExtraLayers are appended after the wasm layer (CNCF layerDigests list
	// them too unless Config is given).
	ExtraLayers []Blob

	// ArtifactType sets the manifest artifactType. Real producers leave it
	// empty, so clients fall back to config.mediaType.
	ArtifactType string
	// Annotations are the manifest annotations (none by default).
	Annotations map[string]string
}

// Blob is a layer or other blob to push.
type Blob struct {
	MediaType   string
	Data        []byte
	Annotations map[string]string
}

// IsComponent reports whether b starts with the component-model preamble
// (magic, then layer field 1: `00 61 73 6D xx xx 01 00`).
func IsComponent(b []byte) bool {
	return len(b) >= 8 && bytes.Equal(b[:4], []byte("\x00asm")) && b[6] == 1 && b[7] == 0
}

// PushWasm pushes wasm in the given layout to repo on r, tagged tag (or
// untagged if tag is ""), and returns the manifest descriptor. The manifest
// is built here rather than by oras.PackManifest so it carries exactly what
// the imitated producer writes (PackManifest always adds a created
// annotation). Pushes are reproducible.
func PushWasm(ctx context.Context, r *Registry, repo, tag string, wasm []byte, opt WasmLayout) (ocispec.Descriptor, error) {
	var (
		layer     = Blob{Data: wasm, Annotations: opt.LayerAnnotations}
		configMT  string
		configGen func(layers []ocispec.Descriptor) ([]byte, error)
	)
	switch opt.Format {
	case CNCF:
		layer.MediaType, configMT = mediatype.CNCFLayer, mediatype.CNCFConfig
		configGen = func(layers []ocispec.Descriptor) ([]byte, error) {
			return cncfConfig(wasm, opt, layers)
		}
	case WasmToOCI:
		layer.MediaType, configMT = mediatype.WasmToOCILayer, mediatype.WasmToOCIConfig
		configGen = emptyJSON
	case Spin:
		layer.MediaType, configMT = mediatype.WasmToOCILayer, ocispec.MediaTypeImageConfig
		configGen = func(layers []ocispec.Descriptor) ([]byte, error) {
			return imageConfig("wasm", or(opt.OS, "wasip1"), layers, nil)
		}
	case Runwasi:
		layer.MediaType, configMT = mediatype.RunwasiLayer, ocispec.MediaTypeImageConfig
		configGen = func(layers []ocispec.Descriptor) ([]byte, error) {
			return imageConfig("wasm", or(opt.OS, "wasip1"), layers, nil)
		}
	case WasmCloudLegacy:
		layer.MediaType, configMT = mediatype.ModuleLayer, mediatype.WasmCloudConfig
		configGen = emptyJSON
	case ContainerImage:
		payload := wasm
		if payload == nil {
			payload = []byte("hello\n")
		}
		tarball, gz, err := tarGzip("payload", payload)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		layer.MediaType, layer.Data, configMT = ocispec.MediaTypeImageLayerGzip, gz, ocispec.MediaTypeImageConfig
		diffIDs := []digest.Digest{digest.FromBytes(tarball)}
		configGen = func(layers []ocispec.Descriptor) ([]byte, error) {
			for _, l := range layers[1:] {
				diffIDs = append(diffIDs, l.Digest) // extra layers: assume uncompressed
			}
			return imageConfig("amd64", or(opt.OS, "linux"), nil, diffIDs)
		}
	default:
		return ocispec.Descriptor{}, fmt.Errorf("registrytest: unknown format %v", opt.Format)
	}
	if opt.LayerMediaType != "" {
		layer.MediaType = opt.LayerMediaType
	}
	if opt.ConfigMediaType != "" {
		configMT = opt.ConfigMediaType
	}

	rep, err := r.Repository(repo)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layers := make([]ocispec.Descriptor, 0, 1+len(opt.ExtraLayers))
	for _, b := range append([]Blob{layer}, opt.ExtraLayers...) {
		d, err := pushBlob(ctx, rep, b)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		layers = append(layers, d)
	}
	config := opt.Config
	if config == nil {
		if config, err = configGen(layers); err != nil {
			return ocispec.Descriptor{}, err
		}
	}
	configDesc, err := pushBlob(ctx, rep, Blob{MediaType: configMT, Data: config})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	m := ocispec.Manifest{
		Versioned:    specsVersioned,
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: opt.ArtifactType,
		Config:       configDesc,
		Layers:       layers,
		Annotations:  opt.Annotations,
	}
	return pushManifest(ctx, rep, tag, m)
}

// cncfConfig writes the CNCF config the way oci-wasm serializes it
// (camelCase, absent optional fields as null).
func cncfConfig(wasm []byte, opt WasmLayout, layers []ocispec.Descriptor) ([]byte, error) {
	type component struct {
		Exports []string `json:"exports"`
		Imports []string `json:"imports"`
		Target  *string  `json:"target"`
	}
	cfg := struct {
		Created      string     `json:"created"`
		Author       *string    `json:"author"`
		Architecture string     `json:"architecture"`
		OS           string     `json:"os"`
		LayerDigests []string   `json:"layerDigests"`
		Component    *component `json:"component"`
	}{
		Created:      FixedCreated,
		Architecture: "wasm",
		OS:           opt.OS,
		LayerDigests: []string{},
	}
	if cfg.OS == "" {
		cfg.OS = "wasip1"
		if IsComponent(wasm) {
			cfg.OS = "wasip2"
		}
	}
	for _, l := range layers {
		cfg.LayerDigests = append(cfg.LayerDigests, l.Digest.String())
	}
	if cfg.OS == "wasip2" {
		c := &component{Exports: orEmpty(opt.Exports), Imports: orEmpty(opt.Imports)}
		if opt.Target != "" {
			c.Target = &opt.Target
		}
		cfg.Component = c
	}
	return json.Marshal(cfg)
}

// imageConfig writes an OCI image config. diffIDs default to the layer
// digests (right for uncompressed, non-tar wasm layers).
func imageConfig(arch, os string, layers []ocispec.Descriptor, diffIDs []digest.Digest) ([]byte, error) {
	if diffIDs == nil {
		diffIDs = []digest.Digest{}
		for _, l := range layers {
			diffIDs = append(diffIDs, l.Digest)
		}
	}
	created, _ := time.Parse(time.RFC3339, FixedCreated)
	return json.Marshal(ocispec.Image{
		Created:  &created,
		Platform: ocispec.Platform{Architecture: arch, OS: os},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: diffIDs},
	})
}

func emptyJSON([]ocispec.Descriptor) ([]byte, error) { return []byte("{}"), nil }

// tarGzip returns a one-file tarball and its gzip, both reproducible.
func tarGzip(name string, data []byte) (tarball, gz []byte, err error) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	mtime, _ := time.Parse(time.RFC3339, FixedCreated)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return nil, nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	var gb bytes.Buffer
	zw := gzip.NewWriter(&gb)
	if _, err := zw.Write(tb.Bytes()); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return tb.Bytes(), gb.Bytes(), nil
}

// PushManifest pushes raw, possibly hostile, content: every blob under the
// digest given as its key (the registry checks the digest, so a mismatch
// makes it fail), then manifest as-is, tagged tag (or by digest if tag is
// ""). The manifest media type is taken from its "mediaType" field, default
// OCI image manifest. Note distribution validates manifests (schema, that
// referenced blobs exist); the referrers registry does not.
func PushManifest(ctx context.Context, r *Registry, repo, tag string, manifest []byte, blobs map[digest.Digest][]byte) (ocispec.Descriptor, error) {
	rep, err := r.Repository(repo)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	for _, dg := range slices.Sorted(maps.Keys(blobs)) {
		data := blobs[dg]
		d := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: dg, Size: int64(len(data))}
		if err := rep.Blobs().Push(ctx, d, bytes.NewReader(data)); err != nil {
			return ocispec.Descriptor{}, fmt.Errorf("push blob %s: %w", dg, err)
		}
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	mt := ocispec.MediaTypeImageManifest
	if json.Unmarshal(manifest, &probe) == nil && probe.MediaType != "" {
		mt = probe.MediaType
	}
	desc := content.NewDescriptorFromBytes(mt, manifest)
	if tag == "" {
		err = rep.Manifests().Push(ctx, desc, bytes.NewReader(manifest))
	} else {
		err = rep.Manifests().PushReference(ctx, desc, bytes.NewReader(manifest), tag)
	}
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push manifest: %w", err)
	}
	return desc, nil
}

// ConfigShape selects the config of a referrer pushed by Attach.
type ConfigShape int

const (
	// EmptyConfig is the OCI 1.1 artifact guidance and `oras attach`:
	// config application/vnd.oci.empty.v1+json, artifactType set.
	EmptyConfig ConfigShape = iota
	// TypedConfig: config "{}" with mediaType = artifactType, and
	// artifactType set too (cosign's OCI 1.1 shape). Listed correctly even
	// by registries that derive artifactType from the config.
	TypedConfig
	// TypedConfigOnly: config "{}" with mediaType = artifactType and no
	// artifactType field (notation's shape).
	TypedConfigOnly
)

// AttachOption changes what Attach pushes.
type AttachOption func(*attachOptions)

type attachOptions struct {
	config ConfigShape
}

// WithConfigShape selects the config shape (default EmptyConfig).
func WithConfigShape(s ConfigShape) AttachOption {
	return func(o *attachOptions) { o.config = s }
}

// Attach pushes an OCI 1.1 referrer of subject to repo on r, with
// oras.PackManifest: artifactType, the given layers (an empty layer if none)
// and manifest annotations. org.opencontainers.image.created defaults to
// FixedCreated, so attaching the same content twice yields one referrer.
// On a registry without the referrers API, oras-go updates the
// sha256-<hex> fallback index itself.
func Attach(ctx context.Context, r *Registry, repo string, subject ocispec.Descriptor, artifactType string, layers []Blob, annotations map[string]string, opts ...AttachOption) (ocispec.Descriptor, error) {
	var o attachOptions
	for _, f := range opts {
		f(&o)
	}
	rep, err := r.Repository(repo)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	// Like oras attach, refer to the subject by media type, digest and size
	// only (descriptors from PushWasm also carry artifactType/annotations).
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	pack := oras.PackManifestOptions{
		Subject:             &subj,
		ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: FixedCreated},
	}
	maps.Copy(pack.ManifestAnnotations, annotations)
	for _, b := range layers {
		d, err := pushBlob(ctx, rep, b)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		pack.Layers = append(pack.Layers, d)
	}
	at := artifactType
	switch o.config {
	case EmptyConfig:
	case TypedConfig, TypedConfigOnly:
		cfg, err := pushBlob(ctx, rep, Blob{MediaType: artifactType, Data: []byte("{}")})
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		pack.ConfigDescriptor = &cfg
		if o.config == TypedConfigOnly {
			at = ""
		}
	default:
		return ocispec.Descriptor{}, fmt.Errorf("registrytest: unknown config shape %d", o.config)
	}
	return oras.PackManifest(ctx, rep, oras.PackManifestVersion1_1, at, pack)
}

// Tag tags desc (already in repo) as tag.
func Tag(ctx context.Context, r *Registry, repo string, desc ocispec.Descriptor, tag string) error {
	rep, err := r.Repository(repo)
	if err != nil {
		return err
	}
	return rep.Tag(ctx, desc, tag)
}

// Referrers lists the referrers of subject as a client sees them: through
// the referrers API if the registry has one, else through the sha256-<hex>
// fallback index. The result is sorted by digest.
func Referrers(ctx context.Context, r *Registry, repo string, subject ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	return ReferrersOfType(ctx, r, repo, subject, "")
}

// ReferrersOfType is Referrers restricted to artifactType (filtered by the
// server if it says so in OCI-Filters-Applied, else by oras-go).
func ReferrersOfType(ctx context.Context, r *Registry, repo string, subject ocispec.Descriptor, artifactType string) ([]ocispec.Descriptor, error) {
	rep, err := r.Repository(repo)
	if err != nil {
		return nil, err
	}
	var all []ocispec.Descriptor
	err = rep.Referrers(ctx, subject, artifactType, func(page []ocispec.Descriptor) error {
		all = append(all, page...)
		return nil
	})
	slices.SortFunc(all, func(a, b ocispec.Descriptor) int {
		return strings.Compare(a.Digest.String(), b.Digest.String())
	})
	return all, err
}

// Fetch resolves reference (tag or digest) in repo and returns the
// descriptor and the manifest bytes.
func Fetch(ctx context.Context, r *Registry, repo, reference string) (ocispec.Descriptor, []byte, error) {
	rep, err := r.Repository(repo)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	return oras.FetchBytes(ctx, rep, reference, oras.DefaultFetchBytesOptions)
}

// FetchBlob returns the blob desc from repo.
func FetchBlob(ctx context.Context, r *Registry, repo string, desc ocispec.Descriptor) ([]byte, error) {
	rep, err := r.Repository(repo)
	if err != nil {
		return nil, err
	}
	return content.FetchAll(ctx, rep.Blobs(), desc)
}

func pushBlob(ctx context.Context, rep *remote.Repository, b Blob) (ocispec.Descriptor, error) {
	if b.MediaType == "" {
		return ocispec.Descriptor{}, errors.New("registrytest: blob without media type")
	}
	d := content.NewDescriptorFromBytes(b.MediaType, b.Data)
	d.Annotations = b.Annotations
	ok, err := rep.Blobs().Exists(ctx, d)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if !ok {
		if err := rep.Blobs().Push(ctx, d, bytes.NewReader(b.Data)); err != nil {
			return ocispec.Descriptor{}, fmt.Errorf("push blob %s (%s): %w", d.Digest, d.MediaType, err)
		}
	}
	return d, nil
}

func pushManifest(ctx context.Context, rep *remote.Repository, tag string, m ocispec.Manifest) (ocispec.Descriptor, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	d := content.NewDescriptorFromBytes(m.MediaType, body)
	if tag == "" {
		err = rep.Push(ctx, d, bytes.NewReader(body))
	} else {
		err = rep.PushReference(ctx, d, bytes.NewReader(body), tag)
	}
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push manifest: %w", err)
	}
	d.ArtifactType = m.ArtifactType
	d.Annotations = m.Annotations
	return d, nil
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
