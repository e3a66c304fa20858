package oci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// layoutCache is a content-addressed store on disk in the OCI image layout
// that Ratify's oras store keeps its cache in (localCachePath): content
// is at blobs/<algorithm>/<hex>, manifests included. Ratify fills it with
// what its own verifiers fetch; the plugins read it before the registry
// and add what they fetched that is referrer-sized.
//
// Nothing read from it is trusted: it goes through readExactly like a
// registry response, and content that does not match its descriptor is an
// error, not a reason to ask the registry (see Options.CacheDir).
type layoutCache struct {
	dir string
	// maxWrite bounds what is written back: manifests and referrer
	// content (signatures, attestations, lists), not WASM layers, which
	// would fill Ratify's disk with every component it ever verified.
	maxWrite int64
}

// CacheError reports cache content that cannot be used: not a regular
// file, unreadable, or not what its name promises.
type CacheError struct {
	Path string
	Err  error
}

func (e *CacheError) Error() string {
	return fmt.Sprintf("oras cache entry %s (store configuration key \"localCachePath\"): %v; remove it, or the cache directory, to have the content fetched again", e.Path, e.Err)
}

func (e *CacheError) Unwrap() error { return e.Err }

// path is where desc's content lives in the layout.
func (c *layoutCache) path(desc ocispec.Descriptor) string {
	return filepath.Join(c.dir, "blobs", desc.Digest.Algorithm().String(), desc.Digest.Encoded())
}

// read returns desc's content from the cache, verified; ok is false when
// the cache has no entry for it.
func (c *layoutCache) read(desc ocispec.Descriptor) (b []byte, ok bool, err error) {
	p := c.path(desc)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, true, &CacheError{Path: p, Err: err}
	case !fi.Mode().IsRegular():
		// A FIFO would block the read, a link could point anywhere.
		return nil, true, &CacheError{Path: p, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, true, &CacheError{Path: p, Err: err}
	}
	defer f.Close()
	b, err = readExactly(f, desc)
	if err != nil {
		return nil, true, &CacheError{Path: p, Err: fmt.Errorf("content does not match %s (%d bytes): %w", desc.Digest, desc.Size, err)}
	}
	return b, true, nil
}

// write adds verified content to the cache, atomically (a temporary file
// renamed into place), when it is small enough and the layout's blob
// directory for its algorithm exists (Ratify creates the layout; the
// plugins never create one). Failures are ignored: the cache is an
// optimisation, and the content was already verified.
func (c *layoutCache) write(desc ocispec.Descriptor, b []byte) {
	if int64(len(b)) > c.maxWrite {
		return
	}
	p := c.path(desc)
	dir := filepath.Dir(p)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return
	}
	if _, err := os.Lstat(p); err == nil {
		return
	}
	f, err := os.CreateTemp(dir, ".ratify-wasm-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), p) != nil {
		os.Remove(f.Name())
	}
}
