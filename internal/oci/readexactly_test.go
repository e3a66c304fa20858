package oci

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

func TestReadExactly(t *testing.T) {
	blob := bytes.Repeat([]byte("wasm"), 1<<18) // 1 MiB
	desc := ocispec.Descriptor{Digest: digest.FromBytes(blob), Size: int64(len(blob))}

	b, err := readExactly(bytes.NewReader(blob), desc)
	if err != nil || !bytes.Equal(b, blob) {
		t.Fatalf("exact read: %v", err)
	}
	// One allocation of exactly the declared size: no doubling growth,
	// which held about 2.5 times a large blob (bench/README.md).
	if cap(b) != len(blob) {
		t.Fatalf("buffer capacity %d for a %d-byte blob", cap(b), len(blob))
	}

	for name, tc := range map[string]struct {
		body []byte
		want error
	}{
		"truncated":       {blob[:len(blob)/2], io.ErrUnexpectedEOF},
		"empty":           {nil, io.ErrUnexpectedEOF},
		"trailing data":   {append(bytes.Clone(blob), 'x'), content.ErrTrailingData},
		"digest mismatch": {append(bytes.Clone(blob[:len(blob)-1]), 'x'), content.ErrMismatchedDigest},
	} {
		if _, err := readExactly(bytes.NewReader(tc.body), desc); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}

	empty := ocispec.Descriptor{Digest: digest.FromBytes(nil), Size: 0}
	if b, err := readExactly(bytes.NewReader(nil), empty); err != nil || len(b) != 0 {
		t.Fatalf("empty blob: %v", err)
	}
}
