package micro

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// blob is 10 MiB of pseudo-random bytes, the size of a mid-sized component.
func blob() []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 10<<20)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// BenchmarkFetchDigestCheck is how internal/oci reads a blob: oras-go's
// content.ReadAll, which allocates the declared size, reads, and checks
// size and digest.
func BenchmarkFetchDigestCheck(b *testing.B) {
	in := blob()
	desc := ocispec.Descriptor{MediaType: "application/wasm", Digest: digest.FromBytes(in), Size: int64(len(in))}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := content.ReadAll(bytes.NewReader(in), desc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the baseline: sha256 over the same bytes in memory.
func BenchmarkSHA256(b *testing.B) {
	in := blob()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		sha256.Sum256(in)
	}
}
