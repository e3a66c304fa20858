package admitted

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/opencontainers/go-digest"
)

// MaxRecordBytes is the largest record ReadRecord reads and WriteRecord
// writes: 1 MiB.
const MaxRecordBytes = 1 << 20

// Record is what `ratify-wasm pull` verified and wrote, stored as JSON in
// the output directory under RecordName(ManifestDigest).
type Record struct {
	// Reference is the subject as verified, in digest form
	// (registry/repository@sha256:…), whatever the user typed.
	Reference string `json:"reference"`
	// ManifestDigest is the digest of the verified manifest.
	ManifestDigest digest.Digest `json:"manifestDigest"`
	// VerifiedAt is when Ratify's verification passed (RFC 3339).
	VerifiedAt time.Time `json:"verifiedAt"`
	// Verifiers names the verifiers whose reports passed.
	Verifiers []string `json:"verifiers"`
	// Layers are the WASM layers written next to the record.
	Layers []Layer `json:"layers"`
}

// Layer is one WASM layer of a Record, as its manifest describes it, and
// the file it was written to.
type Layer struct {
	MediaType string        `json:"mediaType"`
	Digest    digest.Digest `json:"digest"`
	Size      int64         `json:"size"`
	// File is the base name of the layer's file in the record's directory:
	// always LayerFileName(Digest).
	File string `json:"file"`
}

// RecordName is the file name of the record of the manifest with digest d:
// sha256-<hex>.verified.json. It is "" when d is not a valid digest.
func RecordName(d digest.Digest) string {
	if d.Validate() != nil {
		return ""
	}
	return string(d.Algorithm()) + "-" + d.Encoded() + ".verified.json"
}

// LayerFileName is the file name of the layer with digest d:
// sha256-<hex>.wasm. It is "" when d is not a valid digest.
func LayerFileName(d digest.Digest) string {
	if d.Validate() != nil {
		return ""
	}
	return string(d.Algorithm()) + "-" + d.Encoded() + ".wasm"
}

// WriteRecord validates r as ReadRecord would and writes it to
// dir/RecordName(r.ManifestDigest), atomically: into a temporary file in
// dir, synced, then renamed over the final name, so that a reader sees the
// old record or the new one and never part of one. The temporary file is
// removed on failure. It returns the record's path.
func WriteRecord(dir string, r Record) (path string, err error) {
	if err := r.validate(); err != nil {
		return "", also(fmt.Errorf("admitted: not writing the record to %s: %w", show(dir), err), ErrBadRecord)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("admitted: encode record: %w", err)
	}
	b = append(b, '\n')
	if len(b) > MaxRecordBytes {
		return "", also(fmt.Errorf("admitted: not writing the record to %s: %d bytes, more than the %d ReadRecord reads", show(dir), len(b), MaxRecordBytes), ErrBadRecord, ErrTooLarge)
	}
	name := RecordName(r.ManifestDigest)
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("admitted: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(b); err != nil {
		return "", fmt.Errorf("admitted: %w", err)
	}
	if err = f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("admitted: %w", err)
	}
	if err = f.Sync(); err != nil {
		return "", fmt.Errorf("admitted: %w", err)
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("admitted: %w", err)
	}
	path = filepath.Join(dir, name)
	if err = os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("admitted: %w", err)
	}
	syncDir(dir)
	return path, nil
}

// syncDir makes a rename in dir durable where the system allows it; a
// failure (some systems cannot open or sync a directory) is not an error of
// the write, which has happened.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ReadRecord reads and validates the record at path. It reads at most
// MaxRecordBytes, refuses anything but a regular file, and decodes
// strictly: unknown fields (also keys that differ from a field's name only
// in case), trailing data and missing or invalid values are errors
// wrapping ErrBadRecord. A valid record has a reference ending in
// "@"+manifestDigest, a verifiedAt time, at least one verifier and one
// layer, and for each layer a media type, a valid digest, a size above 0
// and a file that is exactly LayerFileName(digest), a plain name in the
// record's directory.
func ReadRecord(path string) (Record, error) {
	fail := func(format string, a ...any) (Record, error) {
		return Record{}, also(fmt.Errorf("admitted: record %s: "+format, append([]any{show(path)}, a...)...), ErrBadRecord)
	}
	f, err := openNoBlock(path)
	if err != nil {
		return Record{}, also(fileError(path, err), ErrBadRecord)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Record{}, also(fileError(path, err), ErrBadRecord)
	}
	if !fi.Mode().IsRegular() {
		return fail("%w (%s)", ErrNotRegular, fileType(fi.Mode()))
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxRecordBytes+1))
	if err != nil {
		return Record{}, also(fileError(path, err), ErrBadRecord)
	}
	if len(b) > MaxRecordBytes {
		return Record{}, also(fmt.Errorf("admitted: record %s: more than %d bytes", show(path), MaxRecordBytes), ErrBadRecord, ErrTooLarge)
	}
	if err := checkKeys(b); err != nil {
		return fail("%v", err)
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return fail("%s", clip(err.Error()))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail("data after the record's JSON object")
	}
	if err := r.validate(); err != nil {
		return fail("%v", err)
	}
	return r, nil
}

var (
	recordKeys = []string{"reference", "manifestDigest", "verifiedAt", "verifiers", "layers"}
	layerKeys  = []string{"mediaType", "digest", "size", "file"}
)

// checkKeys refuses object keys of the record and of its layers that are
// not exactly a field's name: encoding/json alone would fill "reference"
// from "Reference" or "REFERENCE". A document of another shape is left to
// the decoder to refuse.
func checkKeys(b []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return nil
	}
	if err := knownKeys("", top, recordKeys); err != nil {
		return err
	}
	var layers []map[string]json.RawMessage
	if json.Unmarshal(top["layers"], &layers) != nil {
		return nil
	}
	for i, l := range layers {
		if err := knownKeys(fmt.Sprintf("layers[%d].", i), l, layerKeys); err != nil {
			return err
		}
	}
	return nil
}

func knownKeys(prefix string, m map[string]json.RawMessage, known []string) error {
	for k := range m {
		ok := false
		for _, want := range known {
			ok = ok || k == want
		}
		if !ok {
			return fmt.Errorf("unknown field %s%s (known: %s)", prefix, show(k), strings.Join(known, ", "))
		}
	}
	return nil
}

// validate checks what ReadRecord documents; WriteRecord writes nothing
// that ReadRecord would refuse.
func (r Record) validate() error {
	if err := r.ManifestDigest.Validate(); err != nil {
		return fmt.Errorf("manifestDigest %s: %v", show(string(r.ManifestDigest)), err)
	}
	name, ok := strings.CutSuffix(r.Reference, "@"+string(r.ManifestDigest))
	if !ok || !strings.Contains(name, "/") || strings.Contains(name, "@") || !printable(name) {
		return fmt.Errorf("reference %s is not registry/repository@%s", show(r.Reference), r.ManifestDigest)
	}
	if r.VerifiedAt.IsZero() {
		return errors.New("no verifiedAt time")
	}
	if len(r.Verifiers) == 0 {
		return errors.New("no verifiers: a record says which verifiers passed")
	}
	for i, v := range r.Verifiers {
		if v == "" || !printable(v) {
			return fmt.Errorf("verifiers[%d] %s is not a verifier name", i, show(v))
		}
	}
	if len(r.Layers) == 0 {
		return errors.New("no layers")
	}
	for i, l := range r.Layers {
		if l.MediaType == "" || !printable(l.MediaType) {
			return fmt.Errorf("layers[%d]: mediaType %s is not a media type", i, show(l.MediaType))
		}
		if err := l.Digest.Validate(); err != nil {
			return fmt.Errorf("layers[%d]: digest %s: %v", i, show(string(l.Digest)), err)
		}
		if l.Size <= 0 {
			return fmt.Errorf("layers[%d]: size %d: a layer has at least one byte", i, l.Size)
		}
		if !plainName(l.File) {
			return fmt.Errorf("layers[%d]: file %s is not a plain file name in the record's directory", i, show(l.File))
		}
		if want := LayerFileName(l.Digest); l.File != want {
			return fmt.Errorf("layers[%d]: file %s is not named after its digest (%s)", i, show(l.File), want)
		}
	}
	return nil
}

// plainName: a name of a file in the directory itself, not a path.
func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "..") &&
		!strings.ContainsAny(s, `/\:`) && filepath.IsLocal(s) && printable(s)
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == ' ' {
			return false
		}
	}
	return true
}

// clip cuts an error text to maxShown bytes and quotes it when it holds
// runes that are not printable.
func clip(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return show(s)
		}
	}
	if len(s) > maxShown {
		return show(s)
	}
	return s
}
