package oci

import (
	"bytes"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/memo"
)

// Memory keeps what Clients read and verified, for the life of a process
// that verifies the same artifacts again and again (Ratify with the
// verifiers built in, where every admission request verifies its images
// anew): manifests and blobs up to Options.MaxManifestBytes, and the
// descriptors digest references resolved to. Both are addressed by digest
// within one repository, so what was verified once stays true; a tag is
// always resolved at the registry, and content is never taken from the
// memory of another repository. A Memory is safe for concurrent use.
type Memory struct {
	content  *memo.Memo[contentKey, []byte]
	resolved *memo.Memo[contentKey, ocispec.Descriptor]
}

type contentKey struct {
	repository string
	digest     digest.Digest
	size       int64 // -1 for resolved descriptors, whose size is the answer
}

// NewMemory returns a Memory holding at most maxBytes of content (oldest
// out first) and 4,096 resolved descriptors.
func NewMemory(maxBytes int64) *Memory {
	return &Memory{
		content:  memo.New[contentKey, []byte](4096, maxBytes, func(b []byte) int64 { return int64(len(b)) }),
		resolved: memo.New[contentKey, ocispec.Descriptor](4096, 4096, func(ocispec.Descriptor) int64 { return 1 }),
	}
}

// get returns a copy of desc's content as read from repository before.
func (m *Memory) get(repository string, desc ocispec.Descriptor) ([]byte, bool) {
	b, ok := m.content.Get(contentKey{repository, desc.Digest, desc.Size})
	if !ok {
		return nil, false
	}
	return bytes.Clone(b), true
}

// put remembers content that was read from repository against desc.
func (m *Memory) put(repository string, desc ocispec.Descriptor, b []byte) {
	m.content.Put(contentKey{repository, desc.Digest, desc.Size}, bytes.Clone(b))
}

// resolution returns the descriptor repository@d resolved to before.
func (m *Memory) resolution(repository string, d digest.Digest) (ocispec.Descriptor, bool) {
	return m.resolved.Get(contentKey{repository, d, -1})
}

// putResolution remembers what a digest reference in repository resolved to.
func (m *Memory) putResolution(repository string, desc ocispec.Descriptor) {
	m.resolved.Put(contentKey{repository, desc.Digest, -1}, desc)
}
