package admitted

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
)

var update = flag.Bool("update", false, "rewrite testdata/pulled from exampleRecord")

// tinyModule is the smallest valid core module: the preamble alone.
var tinyModule = []byte("\x00asm\x01\x00\x00\x00")

// exampleManifest stands for the digest of a verified manifest.
var exampleManifest = digest.FromString(`{"schemaVersion":2,"example":"manifest"}`)

// exampleRecord is the record in testdata/pulled (the one the top-level
// README shows and ExampleLoadLayer loads): tinyModule, pulled from a local
// registry.
func exampleRecord() Record {
	d := digest.FromBytes(tinyModule)
	return Record{
		Reference:      "localhost:5000/hello@" + string(exampleManifest),
		ManifestDigest: exampleManifest,
		VerifiedAt:     time.Date(2026, 11, 24, 10, 15, 0, 0, time.UTC),
		Verifiers:      []string{"wasm-cosign", "wasm-notation", "wasm-slsa", "wasm-composition"},
		Layers: []Layer{{
			MediaType: mediatype.CNCFLayer,
			Digest:    d,
			Size:      int64(len(tinyModule)),
			File:      LayerFileName(d),
		}},
	}
}

// pulled lays out dir as `ratify-wasm pull` does: each layer as
// LayerFileName(digest) and one record. It returns the record's path.
func pulled(t *testing.T, dir string, layers ...[]byte) (string, Record) {
	t.Helper()
	r := exampleRecord()
	r.Layers = nil
	for _, b := range layers {
		d := digest.FromBytes(b)
		r.Layers = append(r.Layers, Layer{MediaType: mediatype.CNCFLayer, Digest: d, Size: int64(len(b)), File: LayerFileName(d)})
		write(t, filepath.Join(dir, LayerFileName(d)), b)
	}
	path, err := WriteRecord(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	return path, r
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	return link
}

// wantErr checks err against a sentinel (nil: no error) and a substring of
// its message.
func wantErr(t *testing.T, err, sentinel error, msg string) {
	t.Helper()
	switch {
	case sentinel == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case sentinel != nil && !errors.Is(err, sentinel):
		t.Fatalf("error %v, want one wrapping %v", err, sentinel)
	case err != nil && !strings.Contains(err.Error(), msg):
		t.Fatalf("error %q does not say %q", err, msg)
	case err != nil && strings.Contains(err.Error(), "\n"):
		t.Fatalf("error %q is more than one line", err)
	}
}

// TestReadFile: ReadFile returns the bytes of a file whose size and digest
// are the admitted ones, and refuses every other file with an error naming
// the check.
func TestReadFile(t *testing.T) {
	content := append(append([]byte{}, tinyModule...), "\x00\x05hello"...)
	good := digest.FromBytes(content)
	size := int64(len(content))
	swapped := bytes.Clone(content)
	swapped[len(swapped)-1] ^= 1
	sha512d := digest.NewDigestFromBytes(digest.SHA512, func() []byte { s := sha512.Sum512(content); return s[:] }())

	cases := []struct {
		name  string
		setup func(t *testing.T, dir string) string // the path to read
		want  digest.Digest
		size  int64
		err   error  // nil: the read succeeds and returns content
		msg   string // in the error
	}{
		{name: "match", want: good, size: size},
		{name: "match without a size", want: good},
		{name: "sha512 match", want: sha512d, size: size},
		{name: "symlink to the file", want: good, size: size, setup: func(t *testing.T, dir string) string {
			return symlink(t, filepath.Join(dir, "f.wasm"), filepath.Join(dir, "link.wasm"))
		}},
		{name: "swapped, same size", want: digest.FromBytes(swapped), size: size, err: ErrDigestMismatch,
			msg: "digest " + string(good) + " does not match the admitted " + string(digest.FromBytes(swapped)) + "; refusing to load it (re-run ratify-wasm pull)"},
		{name: "swapped, sha512", want: digest.NewDigestFromBytes(digest.SHA512, make([]byte, 64)), size: size, err: ErrDigestMismatch, msg: "digest sha512:"},
		{name: "swapped, no size", want: digest.FromBytes(swapped), err: ErrDigestMismatch, msg: "does not match the admitted"},
		{name: "longer", want: good, size: size - 1, err: ErrSizeMismatch, msg: "longer than the admitted " + itoa(size-1) + " bytes"},
		{name: "shorter", want: good, size: size + 1, err: ErrSizeMismatch, msg: "shorter than the admitted " + itoa(size+1) + " bytes"},
		{name: "directory", want: good, size: size, err: ErrNotRegular, msg: "(a directory)", setup: func(t *testing.T, dir string) string {
			return dir
		}},
		{name: "symlink to a directory", want: good, size: size, err: ErrNotRegular, msg: "(a directory)", setup: func(t *testing.T, dir string) string {
			return symlink(t, dir, filepath.Join(dir, "link.wasm"))
		}},
		{name: "symlink to a device", want: good, size: size, err: ErrNotRegular, msg: "(a character device)", setup: func(t *testing.T, dir string) string {
			if _, err := os.Stat(os.DevNull); err != nil {
				t.Skip(err)
			}
			return symlink(t, os.DevNull, filepath.Join(dir, "link.wasm"))
		}},
		{name: "symlink to a FIFO", want: good, size: size, err: ErrNotRegular, msg: "(a named pipe)", setup: func(t *testing.T, dir string) string {
			return symlink(t, mkfifo(t, filepath.Join(dir, "fifo")), filepath.Join(dir, "link.wasm"))
		}},
		{name: "missing", want: good, size: size, err: os.ErrNotExist, msg: "missing.wasm", setup: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing.wasm")
		}},
		{name: "unavailable algorithm", want: "md5:" + digest.Digest(strings.Repeat("0", 32)), size: size, err: digest.ErrDigestUnsupported, msg: "the admitted digest md5:"},
		{name: "invalid digest", want: "sha256:xyz", size: size, err: digest.ErrDigestInvalidLength, msg: "the admitted digest sha256:xyz is not usable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.wasm")
			write(t, path, content)
			if c.setup != nil {
				path = c.setup(t, dir)
			}
			b, err := readFileWithin(t, path, c.want, c.size)
			wantErr(t, err, c.err, c.msg)
			if c.err == nil && !bytes.Equal(b, content) {
				t.Fatalf("returned %q, want exactly the file's bytes %q", b, content)
			}
			if c.err != nil && b != nil {
				t.Fatalf("returned %d bytes with the error", len(b))
			}
			if c.err != nil && c.err != os.ErrNotExist && !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file %s", err, path)
			}
		})
	}
}

// readFileWithin is ReadFile, failing the test if it blocks (on a FIFO).
func readFileWithin(t *testing.T, path string, want digest.Digest, size int64) ([]byte, error) {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := ReadFile(path, want, size)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("ReadFile(%s) blocked", path)
		return nil, nil
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestReadFileCap: without a size, a file above the cap is refused as too
// large (not read whole and then found to differ), one at the cap is read.
func TestReadFileCap(t *testing.T) {
	defer func(old int64) { defaultMax = old }(defaultMax)
	defaultMax = 16
	dir := t.TempDir()
	at, over := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{1}, 17)
	write(t, filepath.Join(dir, "at"), at)
	write(t, filepath.Join(dir, "over"), over)
	if b, err := ReadFile(filepath.Join(dir, "at"), digest.FromBytes(at), 0); err != nil || !bytes.Equal(b, at) {
		t.Fatalf("at the cap: %q, %v", b, err)
	}
	_, err := ReadFile(filepath.Join(dir, "over"), digest.FromBytes(over), 0)
	wantErr(t, err, ErrTooLarge, "more than 16 bytes, and no admitted size")
	// An admitted size above the cap is the bound instead.
	if b, err := ReadFile(filepath.Join(dir, "over"), digest.FromBytes(over), 17); err != nil || !bytes.Equal(b, over) {
		t.Fatalf("with its size: %q, %v", b, err)
	}
}

// TestErrorsShowInputSafely: strings from a record or a path are quoted
// when not printable and cut when long.
func TestErrorsShowInputSafely(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "a\x1b[31mred\n.wasm")
	write(t, odd, tinyModule)
	_, err := ReadFile(odd, digest.FromString("other"), int64(len(tinyModule)))
	wantErr(t, err, ErrDigestMismatch, `\x1b[31mred\n.wasm"`)

	_, err = ReadFile(filepath.Join(dir, "missing\n.wasm"), digest.FromString("other"), 1)
	wantErr(t, err, os.ErrNotExist, `missing\n.wasm": open: no such file or directory`)
	_, err = ReadRecord(filepath.Join(dir, "missing\n.json"))
	wantErr(t, err, os.ErrNotExist, `missing\n.json": open: no such file or directory`)
	wantErr(t, err, ErrBadRecord, "")

	long := strings.Repeat("é", 1000)
	if got := show(long); len(got) > maxShown+40 || !strings.HasSuffix(got, "…[cut from 2000 bytes]") || !strings.HasPrefix(got, "ééé") {
		t.Fatalf("show(long) = %q", got)
	}
	if got := show("/srv/wasm/sha256-ab.wasm"); got != "/srv/wasm/sha256-ab.wasm" {
		t.Fatalf("a printable path is shown as %q", got)
	}
	if got := show("\xff"); got != `"\xff"` {
		t.Fatalf("invalid UTF-8 is shown as %q", got)
	}

	r := exampleRecord()
	r.Layers[0].File = strings.Repeat("x", 5000) + "\x00"
	path := writeJSON(t, t.TempDir(), r)
	_, err = ReadRecord(path)
	wantErr(t, err, ErrBadRecord, "…[cut from 5001 bytes]")
	if len(err.Error()) > 1000 {
		t.Fatalf("error of %d bytes: %.200s…", len(err.Error()), err)
	}
}

// writeJSON writes v as a record file, without WriteRecord's validation.
func writeJSON(t *testing.T, dir string, v any) string {
	t.Helper()
	path := filepath.Join(dir, "r.verified.json")
	write(t, path, mustJSON(v))
	return path
}

// TestReadRecord: each check of a record refuses a record that fails only
// that check, with a message naming it.
func TestReadRecord(t *testing.T) {
	good := mustJSON(exampleRecord())
	layer := exampleRecord().Layers[0]
	edit := func(f func(r *Record)) []byte {
		r := exampleRecord()
		f(&r)
		return mustJSON(r)
	}
	// replace edits the encoded good record.
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q is not in the record", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	otherLayer := LayerFileName(digest.FromString("other"))
	cases := []struct {
		name string
		doc  []byte
		err  error // besides ErrBadRecord; nil: ErrBadRecord only
		msg  string
	}{
		{name: "valid", doc: good},
		{name: "valid, trailing space", doc: append(bytes.Clone(good), " \n"...)},
		{name: "unknown field", doc: replace(`"reference"`, `"signedBy":"x","reference"`), msg: "unknown field signedBy"},
		{name: "field in another case", doc: replace(`"reference"`, `"Reference"`), msg: "unknown field Reference"},
		{name: "unknown layer field", doc: replace(`"file"`, `"annotations":{},"file"`), msg: "unknown field layers[0].annotations"},
		{name: "layer field in another case", doc: replace(`"file"`, `"File"`), msg: "unknown field layers[0].File"},
		{name: "file ../x", doc: edit(func(r *Record) { r.Layers[0].File = "../" + layer.File }), msg: `file ../` + layer.File + ` is not a plain file name`},
		{name: "file /abs", doc: edit(func(r *Record) { r.Layers[0].File = "/srv/" + layer.File }), msg: "is not a plain file name"},
		{name: "file in a subdirectory", doc: edit(func(r *Record) { r.Layers[0].File = "sub/" + layer.File }), msg: "is not a plain file name"},
		{name: "file with a backslash", doc: edit(func(r *Record) { r.Layers[0].File = `..\` + layer.File }), msg: "is not a plain file name"},
		{name: "file ..", doc: edit(func(r *Record) { r.Layers[0].File = ".." }), msg: "file .. is not a plain file name"},
		{name: "file not named after its digest", doc: edit(func(r *Record) { r.Layers[0].File = otherLayer }), msg: "file " + otherLayer + " is not named after its digest (" + layer.File + ")"},
		{name: "truncated", doc: good[:len(good)/2], msg: "unexpected EOF"},
		{name: "empty", doc: nil, msg: "EOF"},
		{name: "not an object", doc: []byte(`[]`), msg: "cannot unmarshal array"},
		{name: "data after the object", doc: append(bytes.Clone(good), `{}`...), msg: "data after the record's JSON object"},
		{name: "oversized", doc: append(bytes.Clone(good), bytes.Repeat([]byte(" "), MaxRecordBytes)...), err: ErrTooLarge, msg: "more than 1048576 bytes"},
		{name: "size 0", doc: edit(func(r *Record) { r.Layers[0].Size = 0 }), msg: "layers[0]: size 0"},
		{name: "negative size", doc: edit(func(r *Record) { r.Layers[0].Size = -8 }), msg: "layers[0]: size -8"},
		{name: "size a string", doc: replace(`"size":8`, `"size":"8"`), msg: "cannot unmarshal string"},
		{name: "invalid layer digest", doc: edit(func(r *Record) { r.Layers[0].Digest = "sha256:xyz" }), msg: "layers[0]: digest sha256:xyz: invalid checksum digest length"},
		{name: "unavailable layer digest", doc: edit(func(r *Record) { r.Layers[0].Digest = "md5:d41d8cd98f00b204e9800998ecf8427e" }), msg: "unsupported digest algorithm"},
		{name: "no media type", doc: edit(func(r *Record) { r.Layers[0].MediaType = "" }), msg: "mediaType  is not a media type"},
		{name: "invalid manifest digest", doc: edit(func(r *Record) { r.ManifestDigest = "sha256:abc" }), msg: "manifestDigest sha256:abc"},
		{name: "reference by tag", doc: edit(func(r *Record) { r.Reference = "localhost:5000/hello:v1" }), msg: "reference localhost:5000/hello:v1 is not registry/repository@" + string(exampleManifest)},
		{name: "reference of another manifest", doc: edit(func(r *Record) { r.Reference = "localhost:5000/hello@" + string(digest.FromString("x")) }), msg: "is not registry/repository@"},
		{name: "reference without a repository", doc: edit(func(r *Record) { r.Reference = "@" + string(r.ManifestDigest) }), msg: "is not registry/repository@"},
		{name: "no verifiedAt", doc: edit(func(r *Record) { r.VerifiedAt = time.Time{} }), msg: "no verifiedAt time"},
		{name: "verifiedAt not RFC 3339", doc: replace(`"2026-11-24T10:15:00Z"`, `"24 Nov 2026"`), msg: "parsing time"},
		{name: "no verifiers", doc: edit(func(r *Record) { r.Verifiers = nil }), msg: "no verifiers"},
		{name: "empty verifier", doc: edit(func(r *Record) { r.Verifiers = []string{""} }), msg: "verifiers[0]"},
		{name: "no layers", doc: edit(func(r *Record) { r.Layers = []Layer{} }), msg: "no layers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), RecordName(exampleManifest))
			write(t, path, c.doc)
			r, err := ReadRecord(path)
			if c.msg == "" {
				wantErr(t, err, nil, "")
				if !reflect.DeepEqual(r, exampleRecord()) {
					t.Fatalf("read %+v, want %+v", r, exampleRecord())
				}
				return
			}
			wantErr(t, err, ErrBadRecord, c.msg)
			if c.err != nil {
				wantErr(t, err, c.err, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "admitted: record "+path+": ") {
				t.Fatalf("error %q does not start by naming the record", err)
			}
		})
	}
}

// TestReadRecordNotRegular: a record that is not a regular file is refused
// without blocking on it.
func TestReadRecordNotRegular(t *testing.T) {
	dir := t.TempDir()
	for name, path := range map[string]string{
		"directory": dir,
		"FIFO":      symlink(t, mkfifo(t, filepath.Join(dir, "fifo")), filepath.Join(dir, "r.verified.json")),
	} {
		done := make(chan error, 1)
		go func() { _, err := ReadRecord(path); done <- err }()
		select {
		case err := <-done:
			wantErr(t, err, ErrNotRegular, "not a regular file")
			wantErr(t, err, ErrBadRecord, "")
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: ReadRecord blocked", name)
		}
	}
}

// TestLoadLayer: the one layer of a record, read from the record's
// directory and checked; a record of two layers, or whose file was
// replaced, is refused.
func TestLoadLayer(t *testing.T) {
	dir := t.TempDir()
	recordPath, r := pulled(t, dir, tinyModule)
	b, l, err := LoadLayer(recordPath)
	if err != nil || !bytes.Equal(b, tinyModule) || !reflect.DeepEqual(l, r.Layers[0]) {
		t.Fatalf("LoadLayer: %q, %+v, %v", b, l, err)
	}

	// The file replaced by another of the same size.
	other := bytes.Clone(tinyModule)
	other[4] = 2
	write(t, filepath.Join(dir, l.File), other)
	b, l, err = LoadLayer(recordPath)
	wantErr(t, err, ErrDigestMismatch, filepath.Join(dir, r.Layers[0].File)+": digest "+string(digest.FromBytes(other))+" does not match the admitted "+string(r.Layers[0].Digest))
	if b != nil || l != (Layer{}) {
		t.Fatalf("returned %q, %+v with the error", b, l)
	}

	// Two layers: the caller must choose.
	two := t.TempDir()
	recordPath, _ = pulled(t, two, tinyModule, append(bytes.Clone(tinyModule), 0, 1, 0))
	_, _, err = LoadLayer(recordPath)
	wantErr(t, err, ErrMultipleLayers, "it lists 2 WASM layers; choose one from ReadRecord and check it with ReadFile")

	// A record that does not read.
	write(t, recordPath, []byte("{"))
	_, _, err = LoadLayer(recordPath)
	wantErr(t, err, ErrBadRecord, "unexpected EOF")
}

// TestWriteRecord: a record written reads back equal, under RecordName,
// readable by others, with no temporary file left behind; an invalid
// record is not written.
func TestWriteRecord(t *testing.T) {
	dir := t.TempDir()
	r := exampleRecord()
	r.VerifiedAt = time.Now().UTC()
	path, err := WriteRecord(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, RecordName(r.ManifestDigest)) {
		t.Fatalf("written to %s", path)
	}
	got, err := ReadRecord(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.VerifiedAt.Equal(r.VerifiedAt) {
		t.Fatalf("verifiedAt %v, want %v", got.VerifiedAt, r.VerifiedAt)
	}
	got.VerifiedAt = r.VerifiedAt
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("read back %+v, want %+v", got, r)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	onlyFiles(t, dir, RecordName(r.ManifestDigest))

	// A second write replaces the record.
	r.Verifiers = []string{"wasm-cosign"}
	if _, err := WriteRecord(dir, r); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadRecord(path); err != nil || !reflect.DeepEqual(got.Verifiers, r.Verifiers) {
		t.Fatalf("after a second write: %+v, %v", got, err)
	}
	onlyFiles(t, dir, RecordName(r.ManifestDigest))
}

// TestWriteRecordFails: a write that fails leaves nothing behind: not the
// record, not a temporary file.
func TestWriteRecordFails(t *testing.T) {
	invalid := exampleRecord()
	invalid.Layers[0].File = "../x.wasm"
	huge := exampleRecord()
	huge.Verifiers = make([]string, MaxRecordBytes/8)
	for i := range huge.Verifiers {
		huge.Verifiers[i] = "verifier"
	}
	cases := []struct {
		name  string
		r     Record
		setup func(t *testing.T, dir string) string // the dir to write to
		err   error
		msg   string
	}{
		{name: "invalid record", r: invalid, err: ErrBadRecord, msg: "is not a plain file name"},
		{name: "over MaxRecordBytes", r: huge, err: ErrTooLarge, msg: "more than the 1048576 ReadRecord reads"},
		{name: "rename fails", r: exampleRecord(), msg: "rename", setup: func(t *testing.T, dir string) string {
			// A directory holds the record's name: the temporary file is
			// written, then cannot be renamed over it.
			if err := os.Mkdir(filepath.Join(dir, RecordName(exampleManifest)), 0o755); err != nil {
				t.Fatal(err)
			}
			return dir
		}},
		{name: "no such directory", r: exampleRecord(), err: os.ErrNotExist, setup: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			to := dir
			if c.setup != nil {
				to = c.setup(t, dir)
			}
			before := names(t, dir)
			path, err := WriteRecord(to, c.r)
			if err == nil {
				t.Fatalf("written to %s", path)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Fatalf("error %v, want one wrapping %v", err, c.err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
			onlyFiles(t, dir, before...)
		})
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
}

// TestNames: the file names pull writes, for each algorithm, and "" for a
// string that is not a digest (so that no path is built from it).
func TestNames(t *testing.T) {
	d := digest.FromString("x")
	if got, want := RecordName(d), "sha256-"+d.Encoded()+".verified.json"; got != want {
		t.Errorf("RecordName = %q, want %q", got, want)
	}
	if got, want := LayerFileName(d), "sha256-"+d.Encoded()+".wasm"; got != want {
		t.Errorf("LayerFileName = %q, want %q", got, want)
	}
	d512 := digest.SHA512.FromString("x")
	if got, want := LayerFileName(d512), "sha512-"+d512.Encoded()+".wasm"; got != want {
		t.Errorf("LayerFileName(sha512) = %q, want %q", got, want)
	}
	for _, bad := range []digest.Digest{"", "sha256:../../etc", "sha256", "x/y:" + d[7:]} {
		if RecordName(bad) != "" || LayerFileName(bad) != "" {
			t.Errorf("names of %q: %q, %q", bad, RecordName(bad), LayerFileName(bad))
		}
	}
}

// TestExampleRecordFile: testdata/pulled is what WriteRecord writes for
// exampleRecord, byte for byte (the format is stable), next to its layer.
// go test -run TestExampleRecordFile -update rewrites it.
func TestExampleRecordFile(t *testing.T) {
	dir := filepath.Join("testdata", "pulled")
	r := exampleRecord()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, r.Layers[0].File), tinyModule)
		if _, err := WriteRecord(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	tmp := t.TempDir()
	path, err := WriteRecord(tmp, r)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, RecordName(r.ManifestDigest)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what WriteRecord writes:\n%s\nwant:\n%s", dir, got, want)
	}
	onlyFiles(t, dir, RecordName(r.ManifestDigest), r.Layers[0].File)
}
