package oci

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
)

// benchBlob is 100 MiB of pseudo-random bytes, the size class where the
// read buffer strategy shows in memory.
func benchBlob(b *testing.B) ([]byte, ocispec.Descriptor) {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	in := make([]byte, 100<<20)
	for i := range in {
		in[i] = byte(rng.Uint32())
	}
	return in, ocispec.Descriptor{MediaType: mediatype.CNCFLayer, Digest: digest.FromBytes(in), Size: int64(len(in))}
}

// BenchmarkReadExactly is how the fetcher reads a blob: exactly the
// declared size, then the end-of-body and digest checks.
func BenchmarkReadExactly(b *testing.B) {
	in, desc := benchBlob(b)
	b.SetBytes(desc.Size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readExactly(bytes.NewReader(in), desc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContentReadAll is oras-go's content.ReadAll on the same blob,
// which the fetcher used before (buffer grown by doubling from 32 MiB).
func BenchmarkContentReadAll(b *testing.B) {
	in, desc := benchBlob(b)
	b.SetBytes(desc.Size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := content.ReadAll(bytes.NewReader(in), desc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the floor: the digest alone, over bytes in memory.
func BenchmarkSHA256(b *testing.B) {
	in, desc := benchBlob(b)
	b.SetBytes(desc.Size)
	b.ReportAllocs()
	for b.Loop() {
		sha256.Sum256(in)
	}
}
