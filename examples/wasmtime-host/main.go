// Command wasmtime-host runs a WASI (preview 1) core module with Wasmtime,
// but only the bytes that `ratify-wasm pull` verified: it checks the file
// against the admitted digest and size first (package admitted), then
// compiles exactly the bytes it checked, never the path.
//
//	wasmtime-host --record DIR/sha256-<manifest hex>.verified.json [ARG...]
//	wasmtime-host --digest sha256:<hex> [--size N] FILE [ARG...]
//
// The module gets ARG... as its arguments, the host's stdout and stderr,
// and HELLO_NAME from the host's environment when it is set; no files, no
// network, no stdin. wasmtime-host exits with the module's exit code; 1 when
// the bytes are refused (nothing is compiled) or the module fails to
// compile, link or run; 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bytecodealliance/wasmtime-go/v39"
	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/admitted"
)

const usage = `usage: wasmtime-host --record DIR/sha256-<hex>.verified.json [ARG...]
       wasmtime-host --digest sha256:<hex> [--size N] FILE [ARG...]

Checks a WASI (preview 1) core module against the digest ratify-wasm pull
admitted, then runs exactly the checked bytes with Wasmtime.

  --record PATH  the record ratify-wasm pull wrote; its one WASM layer is
                 read from the record's directory and checked
  --digest D     the admitted digest of FILE (sha256, sha384 or sha512)
  --size N       the admitted size of FILE in bytes (default: not checked,
                 at most 256 MiB read)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stderr, host{}))
}

// host is what tests change; the zero value is the real command.
type host struct {
	// compile turns the checked bytes into a module; nil is
	// wasmtime.NewModule. It is the only way bytes become code.
	compile func(*wasmtime.Engine, []byte) (*wasmtime.Module, error)
	// stdout and stderr are files for the module's output; "" gives it
	// the process's own.
	stdout, stderr string
	// getenv looks up the host's environment; nil is os.LookupEnv.
	getenv func(string) (string, bool)
}

// run is the command: it returns the exit status and writes its own
// messages to stderr.
func run(args []string, stderr io.Writer, h host) int {
	fs := flag.NewFlagSet("wasmtime-host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	record := fs.String("record", "", "")
	want := fs.String("digest", "", "")
	size := fs.Int64("size", 0, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	var (
		wasm []byte
		name string // the module's argv[0]
		rest []string
		err  error
	)
	switch {
	case *record != "" && *want == "" && *size == 0:
		var layer admitted.Layer
		wasm, layer, err = admitted.LoadLayer(*record)
		name, rest = layer.File, fs.Args()
	case *want != "" && *record == "" && fs.NArg() > 0:
		file := fs.Arg(0)
		wasm, err = admitted.ReadFile(file, digest.Digest(*want), *size)
		name, rest = filepath.Base(file), fs.Args()[1:]
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil {
		// Refused: say why on one line and compile nothing.
		fmt.Fprintln(stderr, "wasmtime-host:", err)
		return 1
	}

	code, err := h.execute(wasm, name, rest)
	if err != nil {
		fmt.Fprintln(stderr, "wasmtime-host:", oneLine(err.Error()))
		return 1
	}
	return code
}

// oneLine folds Wasmtime's multi-line errors ("…\n\nCaused by:\n    …",
// wasm and native backtraces) into one line, without the backtraces.
func oneLine(msg string) string {
	var parts []string
	skipping := false // in a wasm backtrace's frames
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
			skipping = false
			continue
		case skipping || l == "Caused by:":
			continue
		case strings.HasPrefix(l, "Stack backtrace:"):
			return strings.Join(parts, ": ")
		case strings.HasSuffix(l, "wasm backtrace:"):
			// "error while executing at wasm backtrace:", then frames
			l = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(l, "wasm backtrace:")), " at")
			skipping = true
		}
		if n, rest, ok := strings.Cut(l, ": "); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			l = rest // "0: cause", in a list of causes
		}
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ": ")
}

// execute compiles wasm, the bytes admitted checked, and runs its _start
// with WASI preview 1. It returns the module's exit code.
func (h host) execute(wasm []byte, name string, args []string) (int, error) {
	compile, getenv := h.compile, h.getenv
	if compile == nil {
		compile = wasmtime.NewModule
	}
	if getenv == nil {
		getenv = os.LookupEnv
	}

	engine := wasmtime.NewEngine()
	module, err := compile(engine, wasm)
	if err != nil {
		return 0, fmt.Errorf("compile %s: %w", name, err)
	}
	linker := wasmtime.NewLinker(engine)
	if err := linker.DefineWasi(); err != nil {
		return 0, err
	}

	wasi := wasmtime.NewWasiConfig()
	wasi.SetArgv(append([]string{name}, args...))
	if v, ok := getenv("HELLO_NAME"); ok {
		wasi.SetEnv([]string{"HELLO_NAME"}, []string{v})
	}
	if h.stdout == "" {
		wasi.InheritStdout()
	} else if err := wasi.SetStdoutFile(h.stdout); err != nil {
		return 0, err
	}
	if h.stderr == "" {
		wasi.InheritStderr()
	} else if err := wasi.SetStderrFile(h.stderr); err != nil {
		return 0, err
	}
	store := wasmtime.NewStore(engine)
	store.SetWasi(wasi)

	instance, err := linker.Instantiate(store, module)
	if err != nil {
		return 0, fmt.Errorf("instantiate %s: %w", name, err)
	}
	start := instance.GetFunc(store, "_start")
	if start == nil {
		return 0, fmt.Errorf("%s exports no _start function: not a WASI command module", name)
	}
	_, err = start.Call(store)
	var exit *wasmtime.Error
	if errors.As(err, &exit) {
		if status, ok := exit.ExitStatus(); ok {
			return int(status), nil
		}
	}
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", name, err)
	}
	return 0, nil
}
