// Command hello is a tiny WASI (wasip1) program used to build the project's
// own WebAssembly fixtures: a core module (GOOS=wasip1 GOARCH=wasm) and, via
// `jco new --wasi-command`, a WASI 0.2 command component.
//
// It prints a greeting, naming whoever HELLO_NAME (or the first argument) says,
// and echoes any further arguments. It touches no files and no network.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	name := os.Getenv("HELLO_NAME")
	args := os.Args[1:]
	if name == "" && len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if name == "" {
		name = "world"
	}
	fmt.Printf("hello, %s, from ratify-wasm\n", name)
	if len(args) > 0 {
		fmt.Printf("args: %s\n", strings.Join(args, " "))
	}
}
