package artifact_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

func load(t *testing.T, r *registrytest.Registry, repo string, desc ocispec.Descriptor) (*artifact.Subject, error) {
	t.Helper()
	client := oci.New(oci.Options{PlainHTTP: true})
	return artifact.Load(context.Background(), client, r.Host+"/"+repo, desc, artifact.Options{})
}

// TestLayouts pushes the same real component in every layout in use and
// checks each is recognised, with its WASM layer fetched and digest-checked.
func TestLayouts(t *testing.T) {
	wasm := testenv.Fixture(t, "nested.wasm")
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		for _, c := range []struct {
			format registrytest.Format
			layout artifact.Layout
		}{
			{registrytest.CNCF, artifact.LayoutCNCF},
			{registrytest.WasmToOCI, artifact.LayoutWasmToOCI},
			{registrytest.Spin, artifact.LayoutSpin},
			{registrytest.Runwasi, artifact.LayoutRunwasi},
			{registrytest.WasmCloudLegacy, artifact.LayoutWasmCloud},
		} {
			desc, err := registrytest.PushWasm(context.Background(), r, "wasm/layouts", string(c.layout), wasm, registrytest.WasmLayout{Format: c.format})
			if err != nil {
				t.Fatal(err)
			}
			s, err := load(t, r, "wasm/layouts", desc)
			if err != nil {
				t.Fatalf("%s: %v", c.layout, err)
			}
			if s.Layout != c.layout || len(s.WasmLayers) != 1 {
				t.Fatalf("%s: got layout %s with %d WASM layers", c.layout, s.Layout, len(s.WasmLayers))
			}
			b, err := s.FetchWasm(context.Background(), oci.New(oci.Options{PlainHTTP: true}), 0)
			if err != nil || string(b) != string(wasm) {
				t.Fatalf("%s: FetchWasm: %v", c.layout, err)
			}
			if c.layout == artifact.LayoutCNCF && (s.CNCFConfig == nil || s.CNCFConfig.OS != "wasip2") {
				t.Errorf("CNCF config not decoded: %+v", s.CNCFConfig)
			}
		}
	})
}

func TestNotWasm(t *testing.T) {
	r := registrytest.StartReferrers(t)
	desc, err := registrytest.PushWasm(context.Background(), r, "app/image", "v1", []byte("rootfs"), registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	_, err = load(t, r, "app/image", desc)
	var nw *artifact.NotWasmError
	if !errors.As(err, &nw) || !strings.Contains(err.Error(), "no layer has a WASM media type") {
		t.Fatalf("container image: want NotWasmError, got %v", err)
	}
}

// TestMalformedWasmArtifacts: artifacts that claim to be WASM but break the
// layout's rules fail with an error (not NotWasmError, which a plugin may
// be configured to skip).
func TestMalformedWasmArtifacts(t *testing.T) {
	r := registrytest.StartReferrers(t)
	wasm := testenv.Fixture(t, "nested.wasm")
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		layout registrytest.WasmLayout
		want   string
	}{
		{"two CNCF layers", registrytest.WasmLayout{ExtraLayers: []registrytest.Blob{{MediaType: mediatype.CNCFLayer, Data: wasm[:10]}}}, "must have exactly one application/wasm layer, found 2"},
		{"architecture", registrytest.WasmLayout{Config: []byte(`{"architecture":"amd64","os":"wasip2"}`)}, `architecture is "amd64", expected "wasm"`},
		{"layerDigests", registrytest.WasmLayout{Config: []byte(`{"architecture":"wasm","os":"wasip2","layerDigests":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}`)}, "do not match the manifest layer"},
		{"config not JSON", registrytest.WasmLayout{Config: []byte(`not json`)}, "CNCF config is not valid JSON"},
	} {
		desc, err := registrytest.PushWasm(ctx, r, "wasm/bad", "", wasm, c.layout)
		if err != nil {
			t.Fatal(err)
		}
		_, err = load(t, r, "wasm/bad", desc)
		var nw *artifact.NotWasmError
		if err == nil || errors.As(err, &nw) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error containing %q, got %v", c.name, c.want, err)
		}
	}

	// A layer typed application/wasm that is not WASM.
	desc, err := registrytest.PushWasm(ctx, r, "wasm/bad", "", []byte("#!/bin/sh\necho not wasm"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := load(t, r, "wasm/bad", desc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FetchWasm(ctx, oci.New(oci.Options{PlainHTTP: true}), 0); err == nil || !strings.Contains(err.Error(), "does not start with the WASM magic number") {
		t.Fatalf("want a magic-number error, got %v", err)
	}
}

// TestBlobLimits: a blob above the configured limit is refused before it is
// read, and the message names both numbers.
func TestBlobLimits(t *testing.T) {
	r := registrytest.StartReferrers(t)
	wasm := testenv.Fixture(t, "hello.component.wasm")
	desc, err := registrytest.PushWasm(context.Background(), r, "wasm/big", "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := load(t, r, "wasm/big", desc)
	if err != nil {
		t.Fatal(err)
	}
	small := oci.New(oci.Options{PlainHTTP: true, MaxBlobBytes: 1 << 20})
	_, err = s.FetchWasm(context.Background(), small, 0)
	var tl *oci.TooLargeError
	if !errors.As(err, &tl) || tl.Limit != 1<<20 || tl.Size != int64(len(wasm)) {
		t.Fatalf("want TooLargeError with size %d and limit 1 MiB, got %v", len(wasm), err)
	}
}
