package composition

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/memo"
)

// parsed remembers, for the life of a process that runs many verifications
// (plugin.Remembering), what the parser found in each WASM layer it read,
// keyed by the layer's digest and size: at most 64 layers holding 100,000
// parts, imports and exports together (a few hundred bytes each). What the parser finds is a function of the bytes
// alone, and a layer is only remembered after its bytes were read against
// that digest, so a later verification of the same layer (every admission
// request to Ratify with the verifiers built in) need not fetch and hash
// megabytes again. The list, allowlist and capability checks still run on
// every verification. Remembered lists are shared and must not be modified.
var parsed = memo.New[parsedKey, *list.List](64, 100_000, func(l *list.List) int64 {
	return int64(1 + len(l.Parts) + len(l.Imports) + len(l.Exports))
})

type parsedKey struct {
	digest string
	size   int64
}

func keyOf(layer ocispec.Descriptor) parsedKey {
	return parsedKey{digest: layer.Digest.String(), size: layer.Size}
}
