// Package pull writes the WASM layers of a verified artifact to a
// directory for hosts that load modules themselves (Spin, wasmCloud,
// Wasmtime embedders): each layer fetched by the digest that was verified,
// never by tag again, checked for size and digest (package oci), written
// atomically as <dir>/sha256-<hex>.wasm, with a record of what was
// verified (package admitted) that a host checks the bytes against before
// compiling them.
package pull

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ratify-wasm/ratify-wasm/admitted"
	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/ratifyexec"
)

// Result is what Write wrote.
type Result struct {
	Record     admitted.Record
	RecordPath string
	// Files are the paths of the layers, in manifest order.
	Files []string
}

// Write fetches the WASM layers of the subject v verified from f and
// writes them, and the record, into dir (created if missing). A subject
// that was not admitted is refused before anything is fetched. On any
// error nothing new is left in dir: layers are written to temporary files
// first, and renamed into place only once every layer was fetched and
// checked.
func Write(ctx context.Context, f oci.Fetcher, v *ratifyexec.Verification, dir string, now time.Time) (*Result, error) {
	if err := v.Refusal(); err != nil {
		return nil, err
	}
	subject, err := artifact.Load(ctx, f, v.Repository, v.Descriptor, artifact.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.Subject, err)
	}
	if len(subject.WasmLayers) == 0 {
		return nil, fmt.Errorf("%s: no WASM layer to pull", v.Subject)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	rec := admitted.Record{Reference: v.Subject, ManifestDigest: v.Descriptor.Digest, VerifiedAt: now.UTC().Truncate(time.Second), Verifiers: v.Passed}
	var staged []stagedFile
	defer func() {
		for _, s := range staged {
			os.Remove(s.temp) // no-op once renamed
		}
	}()
	for _, l := range subject.WasmLayers {
		b, err := f.FetchBlob(ctx, v.Repository, l)
		if err != nil {
			return nil, err
		}
		name := admitted.LayerFileName(l.Digest)
		temp, err := writeTemp(dir, b)
		if err != nil {
			return nil, err
		}
		staged = append(staged, stagedFile{temp: temp, final: filepath.Join(dir, name)})
		rec.Layers = append(rec.Layers, admitted.Layer{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size, File: name})
	}
	res := &Result{Record: rec}
	var renamed []string
	for _, s := range staged {
		if err := os.Rename(s.temp, s.final); err != nil {
			removeAll(renamed)
			return nil, err
		}
		renamed = append(renamed, s.final)
	}
	res.RecordPath, err = admitted.WriteRecord(dir, rec)
	if err != nil {
		removeAll(renamed)
		return nil, err
	}
	res.Files = renamed
	return res, nil
}

type stagedFile struct{ temp, final string }

// writeTemp writes b to a new temporary file in dir, synced to disk.
func writeTemp(dir string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".ratify-wasm-pull-*")
	if err != nil {
		return "", err
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func removeAll(paths []string) {
	for _, p := range paths {
		os.Remove(p)
	}
}
