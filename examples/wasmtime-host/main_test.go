package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"
	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/admitted"
)

// fixtures is the project's committed WASM fixtures (examples/fixtures).
const fixtures = "../fixtures"

// hello returns hello.core.wasm and its digest as examples/fixtures/SHA256SUMS
// lists it, after checking that the file hashes to it.
func hello(t *testing.T) ([]byte, digest.Digest) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "hello.core.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(fixtures, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || name != "hello.core.wasm" {
			continue
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Fatalf("hello.core.wasm hashes to %x, SHA256SUMS says %s", got, sum)
		}
		return b, digest.NewDigestFromEncoded(digest.SHA256, sum)
	}
	t.Fatal("hello.core.wasm is not in SHA256SUMS")
	return nil, ""
}

// swappedHello is hello.core.wasm with one more custom section: a valid
// module that runs and prints the same, with other bytes.
func swappedHello(t *testing.T) []byte {
	b, _ := hello(t)
	name := "swapped"
	section := append([]byte{0, byte(1 + len(name) + 1), byte(len(name))}, name...)
	return append(append(bytes.Clone(b), section...), 1)
}

// pulled lays out a directory as `ratify-wasm pull` does, with the layers
// given, and returns the record's path.
func pulled(t *testing.T, layers ...[]byte) string {
	t.Helper()
	dir := t.TempDir()
	manifest := digest.FromString(t.Name())
	r := admitted.Record{
		Reference:      "localhost:5000/hello@" + string(manifest),
		ManifestDigest: manifest,
		VerifiedAt:     time.Now().UTC(),
		Verifiers:      []string{"wasm-cosign", "wasm-composition"},
	}
	for _, b := range layers {
		d := digest.FromBytes(b)
		r.Layers = append(r.Layers, admitted.Layer{MediaType: "application/wasm", Digest: d, Size: int64(len(b)), File: admitted.LayerFileName(d)})
		writeFile(t, filepath.Join(dir, admitted.LayerFileName(d)), b)
	}
	path, err := admitted.WriteRecord(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// result is one in-process run of the command.
type result struct {
	code           int
	stdout, stderr string // the module's output
	hostErr        string // the host's own messages
	compiles       int
}

// runHost runs the command in process with env as the whole environment,
// counting the modules it compiles.
func runHost(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	dir := t.TempDir()
	var res result
	h := host{
		compile: func(e *wasmtime.Engine, b []byte) (*wasmtime.Module, error) {
			res.compiles++
			return wasmtime.NewModule(e, b)
		},
		stdout: filepath.Join(dir, "stdout"),
		stderr: filepath.Join(dir, "stderr"),
		getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
	var hostErr bytes.Buffer
	res.code = run(args, &hostErr, h)
	res.hostErr = hostErr.String()
	out, _ := os.ReadFile(h.stdout)
	errOut, _ := os.ReadFile(h.stderr)
	res.stdout, res.stderr = string(out), string(errOut)
	return res
}

// refused checks a run that must have stopped before compiling anything,
// with a one-line message saying msg.
func refused(t *testing.T, res result, msg string) {
	t.Helper()
	if res.code != 1 || res.compiles != 0 || res.stdout != "" {
		t.Fatalf("exit %d after %d compilations, stdout %q; want exit 1 and nothing compiled", res.code, res.compiles, res.stdout)
	}
	if !strings.HasPrefix(res.hostErr, "wasmtime-host: admitted: ") || strings.Count(res.hostErr, "\n") != 1 || !strings.Contains(res.hostErr, msg) {
		t.Fatalf("stderr %q: want one line saying %q", res.hostErr, msg)
	}
}

// (a) The right digest: the module runs, with its arguments and HELLO_NAME.
func TestDigestRuns(t *testing.T) {
	b, d := hello(t)
	path := filepath.Join(fixtures, "hello.core.wasm")
	res := runHost(t, nil, "--digest", string(d), path, "alice", "x", "y")
	if res.code != 0 || res.stdout != "hello, alice, from ratify-wasm\nargs: x y\n" || res.compiles != 1 || res.hostErr != "" {
		t.Fatalf("%+v", res)
	}
	res = runHost(t, map[string]string{"HELLO_NAME": "Ratify", "OTHER": "x"}, "--digest", string(d), "--size", itoa(len(b)), path)
	if res.code != 0 || res.stdout != "hello, Ratify, from ratify-wasm\n" {
		t.Fatalf("with HELLO_NAME and --size: %+v", res)
	}
}

// (b) A swapped file at the path: refused on its digest, never compiled,
// though it is a module that would run (as the last run shows).
func TestDigestSwappedFileIsNotCompiled(t *testing.T) {
	_, d := hello(t)
	swapped := swappedHello(t)
	path := writeFile(t, filepath.Join(t.TempDir(), "hello.core.wasm"), swapped)
	refused(t, runHost(t, nil, "--digest", string(d), path),
		path+": digest "+string(digest.FromBytes(swapped))+" does not match the admitted "+string(d)+"; refusing to load it (re-run ratify-wasm pull)")

	// Another module altogether (a component), and the right size check.
	other := filepath.Join(fixtures, "hostcode.wasm")
	refused(t, runHost(t, nil, "--digest", string(d), other), "does not match the admitted "+string(d))
	refused(t, runHost(t, nil, "--digest", string(d), "--size", "8", path), "the file is longer than the admitted 8 bytes")
	refused(t, runHost(t, nil, "--digest", "sha256:abc", path), "the admitted digest sha256:abc is not usable")
	refused(t, runHost(t, nil, "--digest", string(d), t.TempDir()), "not a regular file (a directory)")

	// The swapped module itself is valid: only the check kept it out.
	res := runHost(t, nil, "--digest", string(digest.FromBytes(swapped)), path, "swapped")
	if res.code != 0 || res.stdout != "hello, swapped, from ratify-wasm\n" {
		t.Fatalf("the swapped module under its own digest: %+v", res)
	}
}

// (c) A directory laid out as pull lays it out, loaded through its record.
func TestRecordRuns(t *testing.T) {
	b, _ := hello(t)
	record := pulled(t, b)
	res := runHost(t, map[string]string{"HELLO_NAME": "record"}, "--record", record, "z")
	if res.code != 0 || res.stdout != "hello, record, from ratify-wasm\nargs: z\n" || res.compiles != 1 || res.hostErr != "" {
		t.Fatalf("%+v", res)
	}
}

// (d) The record's file replaced after pull, and records LoadLayer
// refuses: nothing is compiled.
func TestRecordFileReplacedIsNotCompiled(t *testing.T) {
	b, d := hello(t)
	record := pulled(t, b)
	file := filepath.Join(filepath.Dir(record), admitted.LayerFileName(d))
	swapped := swappedHello(t)
	writeFile(t, file, swapped)
	refused(t, runHost(t, nil, "--record", record),
		file+": the file is longer than the admitted "+itoa(len(b))+" bytes")

	// Same size, other bytes.
	same := bytes.Clone(b)
	same[len(same)-1] ^= 0xff
	writeFile(t, file, same)
	refused(t, runHost(t, nil, "--record", record), "digest "+string(digest.FromBytes(same))+" does not match the admitted "+string(d))

	// The file removed, or a symlink to another file of the same name.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	refused(t, runHost(t, nil, "--record", record), "no such file")
	if err := os.Symlink(writeFile(t, filepath.Join(t.TempDir(), "x.wasm"), same), file); err != nil {
		t.Fatal(err)
	}
	refused(t, runHost(t, nil, "--record", record), "does not match the admitted "+string(d))

	// Two layers: the host must choose; a record that does not decode.
	refused(t, runHost(t, nil, "--record", pulled(t, b, swapped)), "it lists 2 WASM layers")
	bad := writeFile(t, filepath.Join(t.TempDir(), "r.verified.json"), []byte(`{"reference": 1}`))
	refused(t, runHost(t, nil, "--record", bad), "cannot unmarshal number")
}

// Usage errors exit 2 and compile nothing.
func TestUsage(t *testing.T) {
	_, d := hello(t)
	for _, args := range [][]string{
		nil,
		{"--record"},
		{"--digest", string(d)},
		{"--record", "r.json", "--digest", string(d), "f.wasm"},
		{"--record", "r.json", "--size", "8"},
		{"--size", "8", "f.wasm"},
		{"--unknown"},
	} {
		res := runHost(t, nil, args...)
		if res.code != 2 || res.compiles != 0 || !strings.Contains(res.hostErr, "usage: wasmtime-host") {
			t.Errorf("%q: %+v", args, res)
		}
	}
	if res := runHost(t, nil, "--help"); res.code != 0 || !strings.Contains(res.hostErr, "usage: wasmtime-host") {
		t.Errorf("--help: %+v", res)
	}
}

// exitModule is a WASI command that exits with status 3; trapModule traps.
const (
	exitModule = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))`
	trapModule = `(module (memory (export "memory") 1) (func (export "_start") unreachable))`
	noStart    = `(module (memory (export "memory") 1))`
)

func wat(t *testing.T, dir, name, text string) (string, digest.Digest) {
	t.Helper()
	b, err := wasmtime.Wat2Wasm(text)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Join(dir, name), b), digest.FromBytes(b)
}

// The module's exit status is the command's; a trap, a module without
// _start or bytes that do not compile exit 1 with one line.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	path, d := wat(t, dir, "exit.wasm", exitModule)
	if res := runHost(t, nil, "--digest", string(d), path); res.code != 3 || res.hostErr != "" {
		t.Fatalf("exit 3: %+v", res)
	}
	for _, c := range []struct{ name, text, msg string }{
		{"trap.wasm", trapModule, "run trap.wasm: error while executing: wasm trap: wasm `unreachable` instruction executed\n"},
		{"nostart.wasm", noStart, "nostart.wasm exports no _start function"},
	} {
		path, d := wat(t, dir, c.name, c.text)
		res := runHost(t, nil, "--digest", string(d), path)
		if res.code != 1 || !strings.Contains(res.hostErr, c.msg) || strings.Count(res.hostErr, "\n") != 1 {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	component := filepath.Join(fixtures, "hostcode.wasm")
	b, err := os.ReadFile(component)
	if err != nil {
		t.Fatal(err)
	}
	res := runHost(t, nil, "--digest", string(digest.FromBytes(b)), component)
	if want := "wasmtime-host: compile hostcode.wasm: failed to parse WebAssembly module: expected a WebAssembly module but was given a WebAssembly component\n"; res.code != 1 || res.compiles != 1 || res.hostErr != want {
		t.Errorf("a component: %+v, want stderr %q", res, want)
	}
}

// The binary itself: real flag parsing, inherited stdout and stderr, exit
// codes, the environment passed through as documented.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "wasmtime-host")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, d := hello(t)
	record := pulled(t, b)
	exit, exitDigest := wat(t, t.TempDir(), "exit.wasm", exitModule)

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string // a substring; "" for none at all
	}{
		{"record", []string{"--record", record, "a", "b"}, 0, "hello, binary, from ratify-wasm\nargs: a b\n", ""},
		{"digest", []string{"--digest", string(d), filepath.Join(fixtures, "hello.core.wasm")}, 0, "hello, binary, from ratify-wasm\n", ""},
		{"exit status", []string{"--digest", string(exitDigest), exit}, 3, "", ""},
		{"refused", []string{"--digest", string(d), filepath.Join(fixtures, "hostcode.wasm")}, 1, "", "does not match the admitted " + string(d) + "; refusing to load it (re-run ratify-wasm pull)\n"},
		{"usage", []string{"--digest", string(d)}, 2, "", "usage: wasmtime-host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Env = append(os.Environ(), "HELLO_NAME=binary")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code || stdout.String() != c.stdout {
				t.Fatalf("exit %d, stdout %q; want %d, %q (stderr %q)", code, stdout.String(), c.code, c.stdout, stderr.String())
			}
			if (c.stderr == "") != (stderr.Len() == 0) || !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("stderr %q, want %q", stderr.String(), c.stderr)
			}
			if c.code == 1 && strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("stderr %q is not one line", stderr.String())
			}
		})
	}
}

// oneLine folds Wasmtime's error texts.
func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain",
		"a\n\nCaused by:\n    b\n\nStack backtrace:\n   0: x\n   1: y": "a: b",
		"a\n\nCaused by:\n    0: b\n    1: c":                          "a: b: c",
		"error while executing at wasm backtrace:\n    0:     0x31 - <unknown>!<wasm function 0>\n\nCaused by:\n    wasm trap: wasm `unreachable` instruction executed\n\nStack backtrace:\n   0: <unknown>": "error while executing: wasm trap: wasm `unreachable` instruction executed",
		"wasm backtrace:\n    0: 0x1 - f\n\nCaused by:\n    x": "x",
		"0x10 out of bounds": "0x10 out of bounds",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
