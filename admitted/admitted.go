package admitted

import (
	_ "crypto/sha256" // digest algorithms ReadFile can check: sha256,
	_ "crypto/sha512" // sha384 and sha512
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/opencontainers/go-digest"
)

// DefaultMaxBytes is the most ReadFile reads when it is given no size
// (size <= 0): 256 MiB, the plugins' default maxBlobBytes.
const DefaultMaxBytes int64 = 256 << 20

// defaultMax is DefaultMaxBytes; tests lower it.
var defaultMax = DefaultMaxBytes

var (
	// ErrDigestMismatch: the file's bytes do not hash to the admitted digest.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrSizeMismatch: the file is longer or shorter than the admitted size.
	ErrSizeMismatch = errors.New("size mismatch")
	// ErrNotRegular: the path is not a regular file (a directory, a FIFO, a
	// device, or a symbolic link to one).
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file or record is above the cap it is read with.
	ErrTooLarge = errors.New("too large")
	// ErrBadRecord: a record that cannot be read, decoded or validated.
	ErrBadRecord = errors.New("bad record")
	// ErrMultipleLayers: LoadLayer was given a record with more than one
	// layer; the caller must choose one and check it with ReadFile.
	ErrMultipleLayers = errors.New("more than one layer")
)

// ReadFile reads the file at path and returns its bytes only if they are
// exactly size bytes long and hash to want (sha256, sha384 or sha512; any
// other algorithm is an error). With size <= 0 the length is not checked
// and the file may be at most DefaultMaxBytes long.
//
// It returns the bytes, rather than saying yes or no about the path,
// because the host must compile exactly the bytes that were hashed: opening
// the path again (wasmtime.NewModuleFromFile, a runtime reading a file
// name) could read another file swapped in after the check. Hand the
// returned slice to the compiler and do not fall back to the path on error.
//
// The file is opened once, following symbolic links; anything that is not
// a regular file is refused (ErrNotRegular) without blocking on it. At most
// size+1 bytes are read, so a longer file is detected without reading it
// whole. Errors wrap ErrNotRegular, ErrSizeMismatch, ErrTooLarge or
// ErrDigestMismatch, or the error from opening or reading the file.
func ReadFile(path string, want digest.Digest, size int64) ([]byte, error) {
	if err := want.Validate(); err != nil {
		return nil, fmt.Errorf("admitted: %s: the admitted digest %s is not usable: %w", show(path), show(string(want)), err)
	}
	limit := size
	if size <= 0 {
		limit = defaultMax
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileError(path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("admitted: %s: %w (%s); refusing to load it", show(path), ErrNotRegular, fileType(fi.Mode()))
	}
	h := want.Algorithm().Hash()
	// The file's current size is a hint for the buffer, never a bound.
	buf := make([]byte, 0, min(max(fi.Size(), 0), limit)+1)
	readLimit := limit // one more byte than allowed tells a longer file
	if readLimit < math.MaxInt64 {
		readLimit++
	}
	b, err := readAll(io.TeeReader(io.LimitReader(f, readLimit), h), buf)
	if err != nil {
		return nil, fileError(path, err)
	}
	n := int64(len(b))
	switch {
	case size > 0 && n != size:
		what := "shorter"
		if n > size {
			what = "longer"
		}
		return nil, also(fmt.Errorf("admitted: %s: the file is %s than the admitted %d bytes; refusing to load it (re-run ratify-wasm pull)", show(path), what, size), ErrSizeMismatch)
	case n > limit:
		return nil, also(fmt.Errorf("admitted: %s: more than %d bytes, and no admitted size to read it with; refusing to load it", show(path), limit), ErrTooLarge)
	}
	if got := digest.NewDigest(want.Algorithm(), h); got != want {
		return nil, also(fmt.Errorf("admitted: %s: digest %s does not match the admitted %s; refusing to load it (re-run ratify-wasm pull)", show(path), got, want), ErrDigestMismatch)
	}
	return b, nil
}

// fileError is err from opening or reading path, with the path shown as
// show does (an *os.PathError repeats it verbatim).
func fileError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return also(fmt.Errorf("admitted: %s: %s: %v", show(path), pe.Op, pe.Err), err)
	}
	return fmt.Errorf("admitted: %s: %w", show(path), err)
}

// also returns err, which also wraps sentinels: the message says what
// happened in words of its own rather than repeating a sentinel's text.
func also(err error, sentinels ...error) error {
	return &wrapped{err, sentinels}
}

type wrapped struct {
	error
	sentinels []error
}

func (w *wrapped) Unwrap() []error { return append([]error{w.error}, w.sentinels...) }

// readAll is io.ReadAll into buf, which it grows as needed.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	default:
		return "mode " + m.String()
	}
}

// maxShown is the most bytes of a string from a file or a caller that an
// error message repeats.
const maxShown = 256

// show returns s for an error message: cut to maxShown bytes (at a rune
// boundary, with the original length), and quoted unless every rune is
// printable and none is a quote or backslash.
func show(s string) string {
	cut := ""
	if len(s) > maxShown {
		i := maxShown
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		cut = "…[cut from " + strconv.Itoa(len(s)) + " bytes]"
		s = s[:i]
	}
	plain := utf8.ValidString(s)
	for _, r := range s {
		if !plain || !unicode.IsPrint(r) || r == '"' || r == '\\' {
			plain = false
			break
		}
	}
	if !plain {
		s = strconv.Quote(s)
	}
	return s + cut
}
